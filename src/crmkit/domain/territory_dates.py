"""A customer's owner and micro-region code at a moment: one dated source of truth (T4, A3, Q5).

The owner history (:class:`~crmkit.domain.territory.OwnerAssignment`) and the
customer-code history (:class:`CustomerCode`) are the truth for "at time t";
the company's own ``sales_rep_id`` and ``segmentation.micro_region`` hold the
value of the moment they were last written and answer only for companies
that have no dated rows (never reassigned). Every rule that asks
"at t" — A1 visibility decisions, A3 ownership, "served by", plan-vs-actual
crediting — reads :func:`owner_at` and :func:`code_at`.

:func:`reassign` is the one way a dated value changes: the open-ended row that
started earlier is ended where the new one starts, any other overlap is refused.

>>> import uuid
>>> from datetime import UTC, datetime
>>> company = uuid.uuid4()
>>> old = CustomerCode(id=uuid.uuid4(), company_id=company, code="M-01",
...                    validity=Validity(datetime(2026, 1, 1, tzinfo=UTC)))
>>> kept, new = reassign([old], CustomerCode(id=uuid.uuid4(), company_id=company, code="M-02",
...                      validity=Validity(datetime(2026, 6, 15, tzinfo=UTC))), key=lambda r: r.company_id)
>>> value_at(kept + [new], lambda r: r.code, "M-09", datetime(2026, 6, 14, tzinfo=UTC))
'M-01'
>>> value_at(kept + [new], lambda r: r.code, "M-09", datetime(2026, 6, 15, tzinfo=UTC))
'M-02'
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NewType, Protocol, TypeVar

import attrs

from crmkit.domain.errors import RuleViolation
from crmkit.domain.fields import nonblank, positive_version
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company
from crmkit.domain.periods import require_aware
from crmkit.domain.territory import OwnerAssignment, Validity

__all__ = [
    "CustomerCode",
    "CustomerCodeId",
    "Dated",
    "DatedHistory",
    "code_at",
    "owner_at",
    "reassign",
    "value_at",
]

CustomerCodeId = NewType("CustomerCodeId", uuid.UUID)
"""Identifies one dated micro-region code of a customer (T4)."""


def _code(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


@attrs.frozen(kw_only=True)
class CustomerCode:
    """The micro-region code a customer carries for a period (T3, T4).

    Attributes:
        company_id: the customer.
        code: its micro-region code in that period.
        validity: the half-open period ``[valid_from, valid_to)``.
    """

    id: CustomerCodeId
    company_id: CompanyId
    code: str = attrs.field(converter=_code, validator=nonblank)
    validity: Validity
    version: int = attrs.field(default=1, validator=positive_version)

    def active_at(self, at: datetime) -> bool:
        """True when the code holds at ``at``."""
        return self.validity.contains(at)


class Dated(Protocol):
    """Anything with a :class:`~crmkit.domain.territory.Validity` (owners, codes, links)."""

    @property
    def id(self) -> Any:
        """Its id."""

    @property
    def validity(self) -> Validity:
        """Its period."""


D = TypeVar("D", bound=Dated)
V = TypeVar("V")


def value_at(history: Iterable[D], value: Callable[[D], V], fallback: V, at: datetime) -> V | None:
    """The value of the history row holding at ``at`` (T4).

    A subject with a history is answered from it alone (``None`` where no row
    covers ``at``); ``fallback`` answers only for a subject that has none.
    """
    require_aware("at", at)
    empty = True
    for row in history:
        empty = False
        if row.validity._holds(at):
            return value(row)
    return fallback if empty else None


@attrs.frozen
class DatedHistory:
    """One customer's dated codes and dated owners, each by start then id (T4).

    What the access policy reads for a decision about the customer at any ``t``
    (:func:`code_at`, :func:`owner_at`); empty histories mean the company's own
    columns answer for every instant.
    """

    codes: tuple[CustomerCode, ...] = ()
    owners: tuple[OwnerAssignment, ...] = ()


def owner_at(company: Company, history: Iterable[OwnerAssignment], at: datetime) -> EmployeeId | None:
    """The customer's owning rep at ``at`` (T4, A3): the owner history, else ``sales_rep_id``."""
    return value_at(history, lambda o: o.employee_id, company.sales_rep_id, at)


def code_at(company: Company, history: Iterable[CustomerCode], at: datetime) -> str | None:
    """The customer's micro-region code at ``at`` (T3, T4): the code history, else its own field."""
    return value_at(history, lambda c: c.code, company.segmentation.micro_region, at)


def reassign(history: Sequence[D], new: D, *, key: Callable[[D], object]) -> tuple[list[D], D]:
    """Fit ``new`` into the dated ``history`` of one subject (a customer's owners or codes) (T4).

    The open-ended row that started before ``new`` is ended where ``new`` starts;
    a row that starts at the same moment or later and is open-ended is replaced
    by ``new`` when ``new`` is open-ended too (a re-planned change). Any other
    overlap is refused.

    Args:
        history: the subject's rows.
        new: the row to add.
        key: the subject of a row; rows of other subjects are ignored.

    Returns:
        The history with the changed rows (same order, ended ones replaced) and ``new``.

    Raises:
        RuleViolation: rule ``T4`` when ``new`` overlaps a closed period.
    """
    start = new.validity.valid_from
    kept: list[D] = []
    for row in history:
        if key(row) != key(new) or row.id == new.id:
            kept.append(row)
            continue
        open_before = row.validity.valid_to is None and row.validity.valid_from < start
        if open_before:
            row = attrs.evolve(row, validity=row.validity.ended(start))  # type: ignore[misc]  # attrs class
        if row.validity.overlaps(new.validity):
            end = "open end" if row.validity.valid_to is None else f"{row.validity.valid_to:%Y-%m-%d}"
            raise RuleViolation(
                "T4",
                f"a period from {row.validity.valid_from:%Y-%m-%d} to {end} is already recorded;"
                " one value at a time",
            )
        kept.append(row)
    return kept, new
