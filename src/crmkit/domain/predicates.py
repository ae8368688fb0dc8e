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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from crmkit.domain.ids import CompanyId, EmployeeId

__all__ = [
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


@attrs.frozen
class Everything:
    """Matches every company."""


@attrs.frozen
class Nothing:
    """Matches no company."""


@attrs.frozen
class CodeIn:
    """The company's micro-region code is one of ``codes`` (a company without a code never matches)."""

    codes: frozenset[str]


@attrs.frozen
class OwnedBy:
    """The company's sales rep (C6) is ``employee``."""

    employee: EmployeeId


@attrs.frozen
class FirmSubtree:
    """The company is ``firm`` or lies below it in the channel tree (C2, A6)."""

    firm: CompanyId


@attrs.frozen
class FieldIn:
    """The company's ``field`` (one of :data:`SEGMENT_FIELDS`) is one of ``values`` (M1).

    A company whose field is empty never matches.
    """

    field: str = attrs.field()
    values: frozenset[str]

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


def code_in(codes: Iterable[str]) -> Predicate:
    """:class:`CodeIn` of ``codes``, or :data:`NOTHING` for no codes."""
    wanted = frozenset(codes)
    return CodeIn(wanted) if wanted else NOTHING


def field_in(field: str, values: Iterable[str]) -> Predicate:
    """:class:`FieldIn` of ``field`` and ``values``, or :data:`NOTHING` for no values."""
    wanted = frozenset(values)
    return FieldIn(field, wanted) if wanted else NOTHING


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


@attrs.frozen(kw_only=True)
class CompanyFacts:
    """What a predicate looks at in a company.

    Attributes:
        id: the company.
        code: its micro-region code (``segmentation.micro_region``).
        owner_id: its sales rep (C6).
        lineage: the company itself and every company above it in the channel tree.
        fields: its filled :data:`SEGMENT_FIELDS` values, by field name (for :class:`FieldIn`).
        purchases: its net purchase lines (for :class:`Purchased`; filled only when asked).
    """

    id: CompanyId
    code: str | None = None
    owner_id: EmployeeId | None = None
    lineage: frozenset[CompanyId] = frozenset()
    fields: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    purchases: tuple[Purchase, ...] = attrs.field(default=(), hash=False)


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
        return facts.code is not None and facts.code in predicate.codes
    if isinstance(predicate, OwnedBy):
        return facts.owner_id == predicate.employee
    if isinstance(predicate, FirmSubtree):
        return predicate.firm == facts.id or predicate.firm in facts.lineage
    if isinstance(predicate, FieldIn):
        return facts.fields.get(predicate.field) in predicate.values
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
