"""Hypothesis strategies for the crmkit domain types.

These are public so that storage adapters (ours and third parties') can run
round-trip properties such as ``get(add(x)) == x`` on the very same data the
built-in suites use. Every value they produce is *valid* — it passes the
entity's own validators and :mod:`crmkit.validation` — and *round-trip-able*
through every supported back end:

- **Datetimes** are aware, in UTC, with **whole seconds** (microsecond 0),
  between 2000-01-01 and 2099-12-31. MariaDB ``DATETIME`` drops fractions
  unless declared ``DATETIME(6)``, and SQLite stores text; whole seconds in
  UTC compare equal everywhere.
- **Decimals** from :func:`extreme_decimals` fit a ``Numeric(24, 6)``
  column: at most
  :data:`~crmkit.testing.strategies_values.MAX_INTEGER_DIGITS` (18) digits
  before the point and
  :data:`~crmkit.testing.strategies_values.MAX_FRACTION_DIGITS` (6) after
  it — 24 significant digits, inside the 28-digit default ``decimal``
  context, so sums of a few of them stay exact.
- **Money** amounts have at most as many fraction digits as the currency's
  minor unit (2 for TRY, 0 for JPY, 3 for KWD) unless told otherwise.
- **Text** is NFC, printable, trimmed with single inner spaces (what
  :func:`crmkit.domain.text.clean_text` would keep), so an entity holds the
  very text that was generated.
- **Lengths** stay short: names at most about 60 characters, e-mails under
  40, phones 13 — well inside the adapters' ``String`` columns.
- **Ids** that point at other records (``parent_id``, ``sales_rep_id``,
  ``company_id`` …) are ``None`` or supplied by the caller, so generated
  records never break a foreign key unless you ask for it.

The module needs hypothesis (the ``test`` extra); importing
:mod:`crmkit.testing` alone does not.

>>> from hypothesis import given
>>> @given(companies())
... def test_name_survives(company):
...     assert company.name.strip()
>>> test_name_survives()
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from crmkit.domain.employees import Employee, EmployeeStatus, Position
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.parameters import KNOWN_PICKLISTS, PickList
from crmkit.domain.parties import (
    Claim,
    ClaimStatus,
    Company,
    CompanyKind,
    CompanyStatus,
    CompanyType,
    Contact,
    Reference,
    ReferenceKind,
    Segmentation,
)
from crmkit.domain.text import fold
from crmkit.testing.strategies_values import (
    _CITIES,
    _HASHES,
    _LOGINS,
    MAX_DATETIME,
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    MIN_DATETIME,
    TURKISH_LETTERS,
    _optional,
    aware_datetimes,
    currencies,
    emails,
    extreme_decimals,
    money,
    phones,
    tax_numbers,
    turkish_text,
)

__all__ = [
    "MAX_DATETIME",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "MIN_DATETIME",
    "TURKISH_LETTERS",
    "PointOp",
    "aware_datetimes",
    "claims",
    "companies",
    "company_ids",
    "contacts",
    "currencies",
    "emails",
    "employee_ids",
    "employees",
    "extreme_decimals",
    "money",
    "phones",
    "picklists",
    "point_operations",
    "references",
    "segmentations",
    "tax_numbers",
    "turkish_text",
]


def company_ids() -> st.SearchStrategy[CompanyId]:
    """Random company ids."""
    return st.uuids(version=4).map(CompanyId)


def employee_ids() -> st.SearchStrategy[EmployeeId]:
    """Random employee ids."""
    return st.uuids(version=4).map(EmployeeId)


# -- values -------------------------------------------------------------------


def segmentations() -> st.SearchStrategy[Segmentation]:
    """C3 segmentation fields, each empty or Turkish text (cities are real Turkish provinces)."""
    text = _optional(turkish_text(max_words=2))
    return st.builds(
        Segmentation,
        sector=text,
        category=text,
        city=_optional(st.sampled_from(_CITIES)),
        district=text,
        size=text,
        value_class=_optional(st.sampled_from(["A", "B", "C", "Altın", "Gümüş"])),
        micro_region=_optional(st.from_regex(r"\AM-[0-9]{2}\Z")),
        sales_region=text,
    )


def references(company_id: CompanyId | None = None) -> st.SearchStrategy[Reference]:
    """C7 references: an individual one naming a person, or a corporate one.

    Args:
        company_id: the referring company for corporate references; ``None``
            gives individual references only (no foreign key to satisfy).
    """
    individual = st.builds(
        Reference, kind=st.just(ReferenceKind.INDIVIDUAL), person_name=turkish_text(max_words=3)
    )
    if company_id is None:
        return individual
    corporate = st.just(Reference(kind=ReferenceKind.CORPORATE, company_id=company_id))
    return individual | corporate


def picklists(name: str | None = None) -> st.SearchStrategy[PickList]:
    """C9 pick-lists whose values are distinct under Turkish folding."""
    names = st.just(name) if name is not None else st.sampled_from(KNOWN_PICKLISTS)
    return st.builds(
        PickList,
        name=names.map(PickListName),
        values=st.lists(turkish_text(max_words=2), max_size=8, unique_by=fold).map(tuple),
    )


# -- entities -------------------------------------------------------------------


def companies(
    *,
    type: CompanyType | None = None,
    parent_id: CompanyId | None = None,
    sales_rep_id: EmployeeId | None = None,
    support_rep_id: EmployeeId | None = None,
    referred_by_company: CompanyId | None = None,
) -> st.SearchStrategy[Company]:
    """Valid :class:`~crmkit.domain.parties.Company` values.

    Consistent with the rules: ``has_contract``/``has_invoice`` imply status
    ``potential`` (C5); portal credentials exist only with an invoice or a
    contract and an e-mail (C11). ``primary_contact_id`` and
    ``pending_claim_id`` are ``None``: they point at records you must store
    first. ``parent_id`` is taken as given — check C2 yourself when you set it.
    """
    statuses = st.sampled_from([CompanyStatus.PRE_MEETING, CompanyStatus.IN_TALKS])
    mails, names, ids, times = _optional(emails()), turkish_text(), company_ids(), aware_datetimes()
    taxes, phone_nos, segments = _optional(tax_numbers()), _optional(phones()), segmentations()
    referrals = _optional(references(referred_by_company))

    @st.composite
    def build(draw: st.DrawFn) -> Company:
        has_contract = draw(st.booleans())
        has_invoice = draw(st.booleans())
        status = CompanyStatus.POTENTIAL if has_contract or has_invoice else draw(statuses)
        email = draw(mails)
        portal = email is not None and (has_contract or has_invoice) and draw(st.booleans())
        return Company(
            id=draw(ids),
            name=draw(names),
            type=type if type is not None else draw(st.sampled_from(CompanyType)),
            kind=draw(st.sampled_from(CompanyKind)),
            registered_at=draw(times),
            parent_id=parent_id,
            status=status,
            tax_no=draw(taxes),
            email=email,
            phone=draw(phone_nos),
            segmentation=draw(segments),
            sales_rep_id=sales_rep_id,
            support_rep_id=support_rep_id if sales_rep_id is not None else None,
            referred_by=draw(referrals),
            has_contract=has_contract,
            has_invoice=has_invoice,
            portal_username=email if portal else None,
            portal_password_hash=draw(_HASHES) if portal else None,
        )

    return build()


def contacts(company_id: CompanyId | None = None) -> st.SearchStrategy[Contact]:
    """Valid C4 contacts of ``company_id`` (a random id when ``None``)."""
    return st.builds(
        Contact,
        id=st.uuids(version=4).map(ContactId),
        company_id=st.just(company_id) if company_id is not None else company_ids(),
        name=turkish_text(min_words=2, max_words=3),
        title=_optional(st.sampled_from(["Satın Alma Müdürü", "Genel Müdür", "Muhasebe Şefi"])),
        position_type=_optional(turkish_text(max_words=2)),
        phone=_optional(phones()),
        email=_optional(emails()),
    )


def employees(
    *,
    firm_id: CompanyId | None = None,
    manager_id: EmployeeId | None = None,
    status: EmployeeStatus | None = None,
    position: Position | None = None,
) -> st.SearchStrategy[Employee]:
    """Valid C8 employees, mostly active, some dismissed or resigned.

    Active ones may have credentials; departed ones went through
    :meth:`~crmkit.domain.employees.Employee.dismiss` / ``resign`` (reason,
    exit date, no credentials).

    Args:
        firm_id: the employing distributor/dealer, ``None`` for the host company.
        manager_id: the reporting manager (must exist in storage), ``None`` for none.
        status: force a status; ``None`` draws one (mostly active).
        position: force a position; ``None`` draws one.
    """
    hires, ids, names = (
        aware_datetimes(max_value=MAX_DATETIME - timedelta(days=1)),
        employee_ids(),
        turkish_text(min_words=2, max_words=3),
    )
    departments, mails, phone_nos = (
        _optional(turkish_text(max_words=2)),
        _optional(emails()),
        _optional(phones()),
    )
    statuses = st.sampled_from(
        [EmployeeStatus.ACTIVE] * 2 + [EmployeeStatus.DISMISSED, EmployeeStatus.RESIGNED]
    )
    reasons = turkish_text(max_words=4)

    @st.composite
    def build(draw: st.DrawFn) -> Employee:
        hired_at = draw(hires)
        with_login = draw(st.booleans())
        employee = Employee(
            id=draw(ids),
            name=draw(names),
            position=position if position is not None else draw(st.sampled_from(Position)),
            hired_at=hired_at,
            firm_id=firm_id,
            department=draw(departments),
            manager_id=manager_id,
            email=draw(mails),
            phone=draw(phone_nos),
            login=draw(_LOGINS) if with_login else None,
            password_hash=draw(_HASHES) if with_login else None,
        )
        chosen = status
        if chosen is None:
            chosen = draw(statuses)
        if chosen is EmployeeStatus.ACTIVE:
            return employee
        exit_at = draw(aware_datetimes(min_value=hired_at))
        reason = draw(reasons)
        if chosen is EmployeeStatus.DISMISSED:
            return employee.dismiss(reason, exit_at)
        return employee.resign(reason, exit_at)

    return build()


def claims(
    *, company_id: CompanyId | None = None, claimant_id: EmployeeId | None = None
) -> st.SearchStrategy[Claim]:
    """C6 claims: pending, approved or rejected (with a reason), decided no earlier than requested.

    ``decided_by`` is a random id for decided claims; ``company_id`` and
    ``claimant_id`` are random unless given.
    """
    times, company_ids_, employee_ids_ = aware_datetimes(), company_ids(), employee_ids()
    reasons = turkish_text(max_words=5)

    @st.composite
    def build(draw: st.DrawFn) -> Claim:
        requested_at = draw(times)
        claim = Claim(
            id=ClaimId(draw(st.uuids(version=4))),
            company_id=company_id if company_id is not None else draw(company_ids_),
            claimant_id=claimant_id if claimant_id is not None else draw(employee_ids_),
            requested_at=requested_at,
        )
        outcome = draw(st.sampled_from(ClaimStatus))
        if outcome is ClaimStatus.PENDING:
            return claim
        by = draw(employee_ids_)
        at = draw(aware_datetimes(min_value=requested_at))
        if outcome is ClaimStatus.APPROVED:
            return claim.approve(by, at)
        return claim.reject(by, at, draw(reasons))

    return build()


# -- loyalty points (issue 15, V1, V3-V8) --------------------------------------------------------
PointOp = tuple[str, int, int, int]
"""One step of a point scenario: ``(kind, a, b, c)`` — see :func:`point_operations`."""


def point_operations(max_size: int = 8) -> st.SearchStrategy[list[PointOp]]:
    """Random point scenarios: sales, returns, redemptions and expiry runs.

    Steps are ``("sale", quantity, day, 0)``, ``("return", sale index, quantity, day)``,
    ``("redeem", role index, points, day)`` and ``("expire", day, 0, 0)``; days count from an epoch.

    A return may name a sale that does not exist or take back more than is left; the runner clamps it.
    """
    sale = st.tuples(st.just("sale"), st.integers(1, 5), st.integers(0, 60), st.just(0))
    ret = st.tuples(st.just("return"), st.integers(0, 7), st.integers(1, 5), st.integers(0, 90))
    redeem = st.tuples(st.just("redeem"), st.integers(0, 2), st.integers(1, 80), st.integers(0, 120))
    expire = st.tuples(st.just("expire"), st.integers(0, 400), st.just(0), st.just(0))
    return st.lists(st.one_of(sale, sale, ret, redeem, expire), min_size=1, max_size=max_size)
