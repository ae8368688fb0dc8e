"""Service contracts and the hours ledger (SPEC §6 S1, S3, S8): values only, no I/O.

A :class:`Contract` is the customer's subscription (S8): it covers a company,
optionally one product/asset/serial, for a range of local dates, with an
allowance in hours and/or visits. Renewing one (:meth:`Contract.renew`) starts
a new allowance; unused hours carry over only when the contract says so.

Work is an append-only ledger of :class:`WorkEntry` rows (S3): calls
(minutes), visits (hours, km, vehicle) and back-office hours, each charged to
the covering contract. Time is counted in whole **minutes** so sums are exact
on every back end; a correction is a new entry citing the one it corrects.
Going over the allowance is allowed, and the entry carries the part that is
over as billable overage.

>>> import uuid
>>> from datetime import date
>>> from crmkit.domain.money import Money
>>> from datetime import UTC
>>> c = Contract(
...     id=ContractId(uuid.uuid4()), company_id=CompanyId(uuid.uuid4()), title="Bakım 2026",
...     starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
...     allowance_minutes=600, allowance_visits=4, price=Money("12000", "TRY"),
...     carry_over=True, created_at=datetime(2026, 1, 1, tzinfo=UTC),
... )
>>> balance = Balance.of(c, used_minutes=660, used_visits=1)
>>> balance.remaining_minutes, balance.over_minutes, balance.remaining_visits
(-60, 60, 3)
>>> overage(c, Balance.of(c, used_minutes=570, used_visits=0), minutes=45, visits=0)
(15, 0)
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NewType

import attrs

from crmkit.domain.costs import metres
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.money import Money

__all__ = [
    "CONTRACT_AGGREGATE",
    "NOTE_LENGTH",
    "PRODUCT_LENGTH",
    "TITLE_LENGTH",
    "WORK_ENTRY_AGGREGATE",
    "Balance",
    "Contract",
    "ContractId",
    "WorkEntry",
    "WorkEntryId",
    "WorkKind",
    "covering_contract",
    "hours_to_minutes",
    "overage",
]

ContractId = NewType("ContractId", uuid.UUID)
"""Identifies a service contract (S1)."""
WorkEntryId = NewType("WorkEntryId", uuid.UUID)
"""Identifies one entry of the hours ledger (S3)."""

CONTRACT_AGGREGATE = "service_contract"
"""``aggregate_type`` of the audit entries of contracts (C12)."""
WORK_ENTRY_AGGREGATE = "work_entry"
"""``aggregate_type`` of the audit entries of ledger entries (C12)."""

TITLE_LENGTH = 200
"""Longest contract title, in characters."""
PRODUCT_LENGTH = 100
"""Longest product/asset/serial or vehicle code, in characters."""
NOTE_LENGTH = 1000
"""Longest note of a ledger entry, in characters."""


def hours_to_minutes(field: str, hours: object) -> int:
    """Whole minutes in ``hours`` (a Decimal, int or numeric string; ``1.5`` → 90).

    Raises:
        ValidationError: naming ``field``: a float, not a number, or not whole minutes.
    """
    if isinstance(hours, (bool, float)) or not isinstance(hours, (int, str, Decimal)):
        raise ValidationError(field, f"{hours!r} is not a Decimal number of hours")
    try:
        minutes = Decimal(hours) * 60
    except ArithmeticError:
        raise ValidationError(field, f"{hours!r} is not a number of hours") from None
    if not minutes.is_finite() or minutes != minutes.to_integral_value():
        raise ValidationError(field, f"{hours} hours is not a whole number of minutes")
    return int(minutes)


def _text(limit: int, *, blank: bool = True) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str):
            raise ValidationError(attribute.name, f"{value!r} is not text")
        if not blank and not value.strip():
            raise ValidationError(attribute.name, "must not be blank")
        if len(value) > limit:
            raise ValidationError(attribute.name, f"is {len(value)} characters long; at most {limit}")

    return check


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(attribute.name, "must be a timezone-aware datetime")


def _count(field: str, value: object, *, negative: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"{value!r} is not a whole number")
    if value < 0 and not negative:
        raise ValidationError(field, "must not be negative")


@attrs.frozen(kw_only=True)
class Contract:
    """A service contract: the customer's subscription with an allowance (S1, S8).

    Attributes:
        id: its id.
        company_id: the customer.
        title: how people call it.
        product: the product, asset or serial it covers; blank covers every product.
        starts_on: first local date covered.
        ends_on: last local date covered (inclusive).
        allowance_minutes: hours granted, in minutes (``None``: not counted in hours).
        allowance_visits: visits granted (``None``: not counted in visits).
        carried_minutes: unused minutes carried over from the contract it renews.
        carry_over: whether unused hours carry over into a renewal.
        price: what the customer pays for the term (contract revenue, S4).
        renewed_from: the contract this one renews.
        first_response_minutes: the contract's first-response target in working minutes
            (``None``: by the case's priority, S8).
        resolution_minutes: the contract's resolution target in working minutes (``None``: by priority).
        created_at: when it was recorded.
        version: optimistic-locking version.

    Raises:
        ValidationError: naming the field: ``ends_on`` before ``starts_on``, a negative
            allowance, no allowance at all (``allowance``).
    """

    id: ContractId
    company_id: CompanyId
    title: str = attrs.field(validator=_text(TITLE_LENGTH, blank=False))
    product: str = attrs.field(default="", validator=_text(PRODUCT_LENGTH))
    starts_on: date
    ends_on: date
    allowance_minutes: int | None = None
    allowance_visits: int | None = None
    carried_minutes: int = 0
    carry_over: bool = False
    price: Money
    renewed_from: ContractId | None = None
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    created_at: datetime = attrs.field(validator=_aware)
    version: int = 1

    def __attrs_post_init__(self) -> None:
        for target in ("first_response_minutes", "resolution_minutes"):
            value = getattr(self, target)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValidationError(
                    target.replace("_minutes", "_hours"), "a target is a positive working time"
                )
        for name in ("starts_on", "ends_on"):
            value = getattr(self, name)
            if type(value) is not date:
                raise ValidationError(name, f"{value!r} is not a date")
        if self.ends_on < self.starts_on:
            raise ValidationError("ends_on", "a contract must not end before it starts")
        if self.allowance_minutes is None and self.allowance_visits is None:
            raise ValidationError("allowance", "a contract grants hours, visits or both (S1)")
        if self.allowance_minutes is not None:
            _count("allowance_hours", self.allowance_minutes)
        if self.allowance_visits is not None:
            _count("allowance_visits", self.allowance_visits)
        _count("carried_hours", self.carried_minutes)
        if not isinstance(self.price, Money):
            raise ValidationError("price", f"{self.price!r} is not Money")

    @property
    def granted_minutes(self) -> int | None:
        """The hours allowance plus what was carried in, in minutes (``None``: not counted)."""
        if self.allowance_minutes is None:
            return None
        return self.allowance_minutes + self.carried_minutes

    def covers(self, company: CompanyId, product: str, day: date) -> bool:
        """Whether work for ``company`` on ``product`` on local ``day`` falls under this contract."""
        return (
            self.company_id == company
            and (not self.product or self.product == product)
            and self.starts_on <= day <= self.ends_on
        )

    def renew(
        self,
        *,
        id: ContractId,
        starts_on: date,
        ends_on: date,
        price: Money,
        remaining_minutes: int,
        created_at: datetime,
    ) -> Contract:
        """The next term: a fresh allowance, plus this term's unused hours if :attr:`carry_over` (S1).

        Args:
            id: the new contract's id.
            starts_on: first date of the new term; after this term's last.
            ends_on: last date of the new term.
            price: the new term's price.
            remaining_minutes: this term's unused minutes (from the ledger; may be negative).
            created_at: now.

        Raises:
            ValidationError: ``starts_on`` not after :attr:`ends_on`.
        """
        if type(starts_on) is not date or starts_on <= self.ends_on:
            raise ValidationError("starts_on", "a renewal starts after the renewed term ends")
        carried = max(remaining_minutes, 0) if self.carry_over and self.allowance_minutes is not None else 0
        return attrs.evolve(
            self,
            id=id,
            starts_on=starts_on,
            ends_on=ends_on,
            price=price,
            carried_minutes=carried,
            renewed_from=self.id,
            created_at=created_at,
            version=1,
        )


class WorkKind(enum.StrEnum):
    """What kind of work an entry logs (S3)."""

    CALL = "call"
    VISIT = "visit"
    BACK_OFFICE = "back_office"


@attrs.frozen(kw_only=True)
class WorkEntry:
    """One append-only entry of the hours ledger (S3).

    Attributes:
        id: its id.
        company_id: the customer the work was for.
        contract_id: the contract it is charged to (``None``: the customer has none).
        case_id: the service case it belongs to, if any (a UUID).
        kind: call, visit or back-office work.
        at: when the work was done.
        technician_id: who did it.
        minutes: time spent; negative only in a correction.
        visits: visits counted (1 for a visit); negative only in a correction.
        km: kilometres driven (visits).
        vehicle: the vehicle used (a plate or fleet code), blank when none.
        product: the product, asset or serial worked on, blank when none.
        overage_minutes: the part of ``minutes`` over the allowance: billable.
        overage_visits: the part of ``visits`` over the allowance: billable.
        corrects: the entry this one corrects (a correction is a new entry).
        note: free text.
        version: always 1: entries never change.

    Raises:
        ValidationError: naming the field: negative ``minutes``/``km``/``visits`` outside a
            correction, a blank vehicle on a visit with km.
    """

    id: WorkEntryId
    company_id: CompanyId
    contract_id: ContractId | None = None
    case_id: uuid.UUID | None = None
    kind: WorkKind
    at: datetime = attrs.field(validator=_aware)
    technician_id: EmployeeId
    minutes: int
    visits: int = 0
    km: Decimal = Decimal(0)
    vehicle: str = attrs.field(default="", validator=_text(PRODUCT_LENGTH))
    product: str = attrs.field(default="", validator=_text(PRODUCT_LENGTH))
    overage_minutes: int = 0
    overage_visits: int = 0
    corrects: WorkEntryId | None = None
    note: str = attrs.field(default="", validator=_text(NOTE_LENGTH))
    version: int = 1

    def __attrs_post_init__(self) -> None:
        correction = self.corrects is not None
        _count("minutes", self.minutes, negative=correction)
        _count("visits", self.visits, negative=correction)
        _count("overage_minutes", self.overage_minutes)
        _count("overage_visits", self.overage_visits)
        km: object = self.km
        if isinstance(km, (bool, float)) or not isinstance(km, (Decimal, int)):
            raise ValidationError("km", f"{km!r} is not a Decimal")
        if not Decimal(self.km).is_finite() or (self.km < 0 and not correction):
            raise ValidationError("km", "must not be negative")
        metres(Decimal(self.km))
        if self.kind is not WorkKind.VISIT and not correction and (self.visits or self.km):
            raise ValidationError("kind", f"only a visit counts visits or km, not a {self.kind.value}")


@attrs.frozen
class Balance:
    """What is left of a contract's allowance, from its ledger (S3).

    Attributes:
        contract_id: the contract.
        granted_minutes: allowance plus carried-in minutes (``None``: not counted).
        used_minutes: minutes charged so far (corrections included).
        granted_visits: visits allowed (``None``: not counted).
        used_visits: visits charged so far.
    """

    contract_id: ContractId
    granted_minutes: int | None
    used_minutes: int
    granted_visits: int | None
    used_visits: int

    @classmethod
    def of(cls, contract: Contract, *, used_minutes: int, used_visits: int) -> Balance:
        """The balance of ``contract`` after ``used_minutes`` and ``used_visits`` were charged."""
        return cls(
            contract.id, contract.granted_minutes, used_minutes, contract.allowance_visits, used_visits
        )

    @property
    def remaining_minutes(self) -> int | None:
        """Minutes left (negative when over; ``None`` when hours are not counted)."""
        return None if self.granted_minutes is None else self.granted_minutes - self.used_minutes

    @property
    def remaining_hours(self) -> Decimal | None:
        """:attr:`remaining_minutes` in hours, to the minute (two decimals, rounded half-even)."""
        left = self.remaining_minutes
        return None if left is None else (Decimal(left) / 60).quantize(Decimal("0.01"))

    @property
    def remaining_visits(self) -> int | None:
        """Visits left (negative when over; ``None`` when visits are not counted)."""
        return None if self.granted_visits is None else self.granted_visits - self.used_visits

    @property
    def over_minutes(self) -> int:
        """Minutes used beyond the allowance: billable (0 when within it)."""
        left = self.remaining_minutes
        return 0 if left is None else max(-left, 0)

    @property
    def over_visits(self) -> int:
        """Visits used beyond the allowance: billable (0 when within it)."""
        left = self.remaining_visits
        return 0 if left is None else max(-left, 0)


def overage(
    contract: Contract | None, balance: Balance | None, *, minutes: int, visits: int
) -> tuple[int, int]:
    """How much of a new charge of ``minutes`` and ``visits`` goes over the allowance (S3).

    Without a contract everything is billable; an allowance not counted in
    hours (or visits) never goes over in hours (or visits).
    """
    if contract is None or balance is None:
        return max(minutes, 0), max(visits, 0)
    over_minutes = 0
    if balance.remaining_minutes is not None and minutes > 0:
        over_minutes = min(minutes, max(minutes - max(balance.remaining_minutes, 0), 0))
    over_visits = 0
    if balance.remaining_visits is not None and visits > 0:
        over_visits = min(visits, max(visits - max(balance.remaining_visits, 0), 0))
    return over_minutes, over_visits


def covering_contract(
    contracts: Iterable[Contract], company: CompanyId, product: str, day: date
) -> Contract | None:
    """The contract that covers work for ``company`` on ``product`` on ``day``.

    A contract for that very product wins over one for every product; then the
    one that started last; then the smallest id (a stable choice).
    """
    found = [c for c in contracts if c.covers(company, product, day)]
    if not found:
        return None
    found.sort(key=lambda c: (c.product == "", -c.starts_on.toordinal(), c.id.int))
    return found[0]
