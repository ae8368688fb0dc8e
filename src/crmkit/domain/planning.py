"""Planning technicians and vehicles without double booking (SPEC §6 S6): values only.

A :class:`Booking` reserves a technician, a vehicle or both for a half-open
interval ``[starts_at, ends_at)``. Unlike appointments (I6, a warning), a
double booking of a technician or a vehicle is **refused**: two bookings of
one resource must not share an instant (:func:`clashes`). The storage keeps
the rule under concurrency (a lock per resource taken before the check).

>>> import uuid
>>> from datetime import UTC, datetime
>>> t = lambda h: datetime(2026, 3, 2, h, tzinfo=UTC)
>>> by = EmployeeId(uuid.uuid4())
>>> a = Booking(id=BookingId(uuid.uuid4()), vehicle="34 ABC 123", starts_at=t(9), ends_at=t(12),
...             created_by=by, created_at=t(8))
>>> b = attrs.evolve(a, id=BookingId(uuid.uuid4()), starts_at=t(12), ends_at=t(13))
>>> clashes(b, [a])  # back to back is no clash
[]
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NewType

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import EmployeeId

__all__ = ["BOOKING_AGGREGATE", "Booking", "BookingId", "clashes", "refuse_clashes", "resources_of"]

BookingId = NewType("BookingId", uuid.UUID)
"""Identifies a booking (S6)."""
BOOKING_AGGREGATE = "booking"
"""``aggregate_type`` of the audit entries of bookings (C12)."""
VEHICLE_LENGTH = 100
"""Longest vehicle code (a plate), in characters."""


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(attribute.name, "must be a timezone-aware datetime")


@attrs.frozen(kw_only=True)
class Booking:
    """A technician and/or a vehicle reserved for ``[starts_at, ends_at)`` (S6).

    Attributes:
        id: its id.
        technician_id: the technician booked, or ``None``.
        vehicle: the vehicle booked (a plate or fleet code), blank when none.
        starts_at: first instant booked.
        ends_at: first instant free again.
        case_id: the service case it is for, if any (a UUID).
        note: free text.
        created_by: who booked.
        created_at: when.
        version: optimistic-locking version.

    Raises:
        ValidationError: ``ends_at`` not after ``starts_at``; ``resource`` when neither a
            technician nor a vehicle is booked; ``vehicle`` too long.
    """

    id: BookingId
    technician_id: EmployeeId | None = None
    vehicle: str = ""
    starts_at: datetime = attrs.field(validator=_aware)
    ends_at: datetime = attrs.field(validator=_aware)
    case_id: uuid.UUID | None = None
    note: str = ""
    created_by: EmployeeId
    created_at: datetime = attrs.field(validator=_aware)
    version: int = 1

    def __attrs_post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise ValidationError("ends_at", "a booking must end after it starts")
        if not isinstance(self.vehicle, str) or len(self.vehicle) > VEHICLE_LENGTH:
            raise ValidationError("vehicle", f"a vehicle code is text of at most {VEHICLE_LENGTH} characters")
        if self.technician_id is None and not self.vehicle.strip():
            raise ValidationError("resource", "a booking books a technician, a vehicle or both (S6)")

    def overlaps(self, other: Booking) -> bool:
        """True when the two half-open intervals share an instant."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def resources_of(booking: Booking) -> list[str]:
    """The resource keys a booking holds: ``technician:<uuid hex>`` and/or ``vehicle:<code>``."""
    keys = []
    if booking.technician_id is not None:
        keys.append(f"technician:{booking.technician_id.hex}")
    if booking.vehicle.strip():
        keys.append(f"vehicle:{booking.vehicle.strip()}")
    return keys


def clashes(booking: Booking, others: Iterable[Booking]) -> list[Booking]:
    """The ``others`` (not ``booking`` itself) that hold one of its resources at a shared instant."""
    mine = set(resources_of(booking))
    return [
        other
        for other in others
        if other.id != booking.id and booking.overlaps(other) and mine & set(resources_of(other))
    ]


def refuse_clashes(booking: Booking, others: Iterable[Booking]) -> None:
    """Refuse a double booking (S6).

    Raises:
        RuleViolation: rule ``S6``, naming the resource and the booking it clashes with.
    """
    found = clashes(booking, others)
    if found:
        other = found[0]
        shared = sorted(set(resources_of(booking)) & set(resources_of(other)))
        raise RuleViolation(
            "S6",
            f"{shared[0]} is already booked {other.starts_at.isoformat()}–{other.ends_at.isoformat()} "
            f"(booking {other.id}); a technician or vehicle cannot be double-booked",
        )
