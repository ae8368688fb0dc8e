"""Visibility predicates: a small algebra of *values* the access policy returns (A7).

:func:`crmkit.domain.access.visibility_predicate` answers "which companies may this
employee see at this moment?" with a predicate value, not with a list, so
the storage adapter decides how to run it: the SQLAlchemy adapter compiles
it to a ``WHERE`` clause, the in-memory adapter evaluates :func:`matches`.
A property test holds both to the same answer on every input.

The algebra:

* :data:`EVERYTHING` / :data:`NOTHING`;
* :class:`CodeIn` — the company's micro-region code is one of a set (A1);
* :class:`OwnedBy` — the company's sales rep is a given employee (A3);
* :class:`FirmSubtree` — the company is a firm or lies below it in the channel tree (A6);
* :class:`FieldIn` — one of the company's segment fields (:data:`SEGMENT_FIELDS`) is one of a
  set of values (segments, M1);
* :class:`Purchased` — the company bought (net of returns) one of a set of products, or anything,
  with an invoice dated in a window of local dates, or has not (segments over purchase history, M1);
* :class:`And` / :class:`Or` of predicates, built with :func:`all_of` / :func:`any_of`,
  which simplify as they go.

>>> import uuid
>>> p = all_of(FirmSubtree(CompanyId(uuid.UUID(int=1))), CodeIn(frozenset({"M-07"})))
>>> describe(p)
'(in the subtree of firm 00000000-0000-0000-0000-000000000001 and code in {M-07})'
>>> all_of(EVERYTHING, p) == p, any_of(NOTHING, EVERYTHING) == EVERYTHING
(True, True)

**Dated values (T4).** A customer's micro-region code and its owner are dated: their
histories (``customer_codes``, ``owner_assignments``) are the one source of truth for
"at time t", the company's own ``micro_region`` / ``sales_rep_id`` columns answer only for a
customer that has no history (never moved). A :class:`CodeIn`, :class:`OwnedBy` or a
:class:`FieldIn` on ``micro_region`` / ``sales_rep`` built with ``at=`` asks for the value
valid at that instant: the SQL compiler reads the dated rows holding at ``at`` (falling back
to the column only for a customer without history), :func:`matches` reads
:meth:`CompanyFacts.code_at` / :meth:`CompanyFacts.owner_at`. Without ``at`` they test the
columns (the value as last written), as storage-level callers with no instant in mind do.
The listing predicates of the services (:func:`crmkit.domain.access.visibility_predicate`,
segments) always pass ``at``; so an owner or code recorded in advance takes effect in
listings at its date, with no job that copies it into the columns when the date passes.

>>> from datetime import UTC, datetime
>>> jan, jul = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
>>> moved = CompanyFacts(id=CompanyId(uuid.UUID(int=2)), code="M-02",
...                      codes=((jan, jul, "M-01"), (jul, None, "M-02")))
>>> matches(code_in({"M-01"}, at=datetime(2026, 3, 1, tzinfo=UTC)), moved)
True
>>> matches(code_in({"M-01"}, at=jul), moved), matches(code_in({"M-01"}), moved)
(False, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TypeVar

import attrs

from crmkit.domain.ids import CompanyId, EmployeeId

__all__ = [
    "DATED_FIELDS",
    "EVERYTHING",
    "NOTHING",
    "SEGMENT_FIELDS",
    "And",
    "CodeIn",
    "CompanyFacts",
    "Everything",
    "FieldIn",
    "FirmSubtree",
    "Nothing",
    "Or",
    "OwnedBy",
    "Predicate",
    "Purchase",
    "Purchased",
    "all_of",
    "any_of",
    "code_in",
    "describe",
    "field_in",
    "matches",
    "uses_purchases",
]

SEGMENT_FIELDS = frozenset(
    {
        "sector",
        "category",
        "city",
        "district",
        "size",
        "value_class",
        "micro_region",
        "sales_region",
        "type",
        "sales_rep",
        "support_rep",
    }
)
"""Company fields a :class:`FieldIn` may test (M1): the C3 segmentation fields, the company
type (C1) and its sales / support rep (C6, the customer's manager; values are employee ids as text)."""

DATED_FIELDS = frozenset({"micro_region", "sales_rep"})
"""Segment fields that are dated (T4): a :class:`FieldIn` with ``at`` reads their value valid then."""


@attrs.frozen
class Everything:
    """Matches every company."""


@attrs.frozen
class Nothing:
    """Matches no company."""


@attrs.frozen
class CodeIn:
    """The company's micro-region code is one of ``codes`` (a company without a code never matches).

    With ``at``, the code valid at ``at`` (T4: its dated history, else its own field);
    without, its own field.
    """

    codes: frozenset[str]
    at: datetime | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class OwnedBy:
    """The company's sales rep (C6) is ``employee``.

    With ``at``, the owner valid at ``at`` (T4: the owner history, else ``sales_rep_id``);
    without, ``sales_rep_id``.
    """

    employee: EmployeeId
    at: datetime | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class FirmSubtree:
    """The company is ``firm`` or lies below it in the channel tree (C2, A6)."""

    firm: CompanyId


@attrs.frozen
class FieldIn:
    """The company's ``field`` (one of :data:`SEGMENT_FIELDS`) is one of ``values`` (M1).

    A company whose field is empty never matches. With ``at``, the dated fields
    (:data:`DATED_FIELDS`: ``micro_region``, ``sales_rep``) are read as valid at ``at`` (T4).
    """

    field: str = attrs.field()
    values: frozenset[str]
    at: datetime | None = attrs.field(default=None, kw_only=True)

    @field.validator
    def _known(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in SEGMENT_FIELDS:
            raise ValueError(f"{value!r} is not a segment field; one of {sorted(SEGMENT_FIELDS)}")


@attrs.frozen
class Purchased:
    """The company bought one of ``products`` (``None``: any product) between ``start`` and ``end`` (M1).

    "Bought" is net of returns: a line of an invoice issued to the company (matched by
    its tax number, as the invoice buyer's key), other than a return invoice, whose
    quantity less what later returns took back is above zero. The window holds the
    invoice's *local* issue date, the date written on the document in its own offset,
    both ends inclusive; ``None`` leaves that end open. ``negated``: the company has
    **no** such purchase ("has not bought since ``start``").
    """

    products: frozenset[str] | None
    start: date | None
    end: date | None
    negated: bool = False


Purchase = tuple[date, str | None]
"""One net purchase line as :func:`matches` sees it: the invoice's local date and the product code."""


@attrs.frozen
class And:
    """Every part matches (use :func:`all_of`, which simplifies)."""

    parts: tuple[Predicate, ...]


@attrs.frozen
class Or:
    """At least one part matches (use :func:`any_of`, which simplifies)."""

    parts: tuple[Predicate, ...]


Predicate = Everything | Nothing | CodeIn | OwnedBy | FirmSubtree | FieldIn | Purchased | And | Or
"""Any visibility predicate."""

EVERYTHING = Everything()
"""The predicate that matches every company."""
NOTHING = Nothing()
"""The predicate that matches no company."""


def code_in(codes: Iterable[str], *, at: datetime | None = None) -> Predicate:
    """:class:`CodeIn` of ``codes`` (valid at ``at``, T4), or :data:`NOTHING` for no codes."""
    wanted = frozenset(codes)
    return CodeIn(wanted, at=at) if wanted else NOTHING


def field_in(field: str, values: Iterable[str], *, at: datetime | None = None) -> Predicate:
    """:class:`FieldIn` of ``field`` and ``values`` (dated fields valid at ``at``), or :data:`NOTHING`."""
    wanted = frozenset(values)
    if not wanted:
        return NOTHING
    return FieldIn(field, wanted, at=at if field in DATED_FIELDS else None)


def all_of(*parts: Predicate) -> Predicate:
    """The conjunction of ``parts``: ``EVERYTHING`` parts drop out, a ``NOTHING`` part wins."""
    flat: list[Predicate] = []
    for part in parts:
        if isinstance(part, Nothing):
            return NOTHING
        if isinstance(part, Everything):
            continue
        flat.extend(part.parts if isinstance(part, And) else (part,))
    unique = tuple(dict.fromkeys(flat))
    if not unique:
        return EVERYTHING
    return unique[0] if len(unique) == 1 else And(unique)


def any_of(*parts: Predicate) -> Predicate:
    """The disjunction of ``parts``: ``NOTHING`` parts drop out, an ``EVERYTHING`` part wins."""
    flat: list[Predicate] = []
    for part in parts:
        if isinstance(part, Everything):
            return EVERYTHING
        if isinstance(part, Nothing):
            continue
        flat.extend(part.parts if isinstance(part, Or) else (part,))
    unique = tuple(dict.fromkeys(flat))
    if not unique:
        return NOTHING
    return unique[0] if len(unique) == 1 else Or(unique)


_V = TypeVar("_V")


def _value_at(
    history: tuple[tuple[datetime, datetime | None, _V], ...], fallback: _V | None, at: datetime
) -> _V | None:
    if not history:
        return fallback
    for start, end, value in history:
        if start <= at and (end is None or at < end):
            return value
    return None


@attrs.frozen(kw_only=True)
class CompanyFacts:
    """What a predicate looks at in a company.

    Attributes:
        id: the company.
        code: its micro-region code (``segmentation.micro_region``; in a decision at ``t``, the
            code valid at ``t``).
        owner_id: its sales rep (C6; in a decision at ``t``, the owner valid at ``t``).
        lineage: the company itself and every company above it in the channel tree.
        fields: its filled :data:`SEGMENT_FIELDS` values, by field name (for :class:`FieldIn`).
        codes: its dated micro-region codes ``(valid_from, valid_to, code)`` (T4); empty when it
            never moved, and then ``code`` answers for every instant.
        owners: its dated owners ``(valid_from, valid_to, employee)`` (T4); empty: ``owner_id``.
        purchases: its net purchase lines (for :class:`Purchased`; filled only when asked).
    """

    id: CompanyId
    code: str | None = None
    owner_id: EmployeeId | None = None
    lineage: frozenset[CompanyId] = frozenset()
    fields: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    codes: tuple[tuple[datetime, datetime | None, str], ...] = attrs.field(default=(), hash=False)
    owners: tuple[tuple[datetime, datetime | None, EmployeeId], ...] = attrs.field(default=(), hash=False)
    purchases: tuple[Purchase, ...] = attrs.field(default=(), hash=False)

    def code_at(self, at: datetime | None) -> str | None:
        """The micro-region code valid at ``at`` (T4): the history alone when there is one, else ``code``."""
        return self.code if at is None else _value_at(self.codes, self.code, at)

    def owner_at(self, at: datetime | None) -> EmployeeId | None:
        """The owner valid at ``at`` (T4): the owner history alone when there is one, else ``owner_id``."""
        return self.owner_id if at is None else _value_at(self.owners, self.owner_id, at)

    def field_at(self, field: str, at: datetime | None) -> str | None:
        """The segment ``field`` (M1), the dated ones (:data:`DATED_FIELDS`) as valid at ``at`` (T4)."""
        if at is None or field not in DATED_FIELDS:
            return self.fields.get(field)
        if field == "micro_region":
            return self.code_at(at) if self.codes else self.fields.get(field)
        if not self.owners:
            return self.fields.get(field)
        owner = self.owner_at(at)
        return None if owner is None else str(owner)


def _bought(predicate: Purchased, purchases: Iterable[Purchase]) -> bool:
    wanted, start, end = predicate.products, predicate.start, predicate.end
    return any(
        (start is None or start <= day)
        and (end is None or day <= end)
        and (wanted is None or (code is not None and code in wanted))
        for day, code in purchases
    )


def uses_purchases(predicate: Predicate) -> bool:
    """Whether evaluating ``predicate`` needs :attr:`CompanyFacts.purchases`."""
    if isinstance(predicate, Purchased):
        return True
    if isinstance(predicate, (And, Or)):
        return any(uses_purchases(part) for part in predicate.parts)
    return False


def matches(predicate: Predicate, facts: CompanyFacts) -> bool:
    """Evaluate ``predicate`` on one company's facts (the in-memory side of A7)."""
    if isinstance(predicate, Everything):
        return True
    if isinstance(predicate, Nothing):
        return False
    if isinstance(predicate, CodeIn):
        code = facts.code_at(predicate.at)
        return code is not None and code in predicate.codes
    if isinstance(predicate, OwnedBy):
        return facts.owner_at(predicate.at) == predicate.employee
    if isinstance(predicate, FirmSubtree):
        return predicate.firm == facts.id or predicate.firm in facts.lineage
    if isinstance(predicate, FieldIn):
        return facts.field_at(predicate.field, predicate.at) in predicate.values
    if isinstance(predicate, Purchased):
        return _bought(predicate, facts.purchases) != predicate.negated
    if isinstance(predicate, And):
        return all(matches(part, facts) for part in predicate.parts)
    return any(matches(part, facts) for part in predicate.parts)


def describe(predicate: Predicate) -> str:
    """A short human-readable text of the predicate (for logs and docs)."""
    if isinstance(predicate, Everything):
        return "every company"
    if isinstance(predicate, Nothing):
        return "no company"
    if isinstance(predicate, CodeIn):
        return "code in {" + ", ".join(sorted(predicate.codes)) + "}"
    if isinstance(predicate, OwnedBy):
        return f"owned by {predicate.employee}"
    if isinstance(predicate, FirmSubtree):
        return f"in the subtree of firm {predicate.firm}"
    if isinstance(predicate, FieldIn):
        return predicate.field + " in {" + ", ".join(sorted(predicate.values)) + "}"
    if isinstance(predicate, Purchased):
        what = "anything" if predicate.products is None else "{" + ", ".join(sorted(predicate.products)) + "}"
        window = f"{predicate.start or '…'}..{predicate.end or '…'}"
        return ("has not bought " if predicate.negated else "bought ") + f"{what} in {window}"
    joiner = " and " if isinstance(predicate, And) else " or "
    return "(" + joiner.join(describe(part) for part in predicate.parts) + ")"
