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
  column: at most :data:`MAX_INTEGER_DIGITS` (18) digits before the point and
  :data:`MAX_FRACTION_DIGITS` (6) after it — 24 significant digits, inside the
  28-digit default ``decimal`` context, so sums of a few of them stay exact.
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

import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st
from stdnum.tr import tckimlik, vkn

from crmkit.domain.employees import Employee, EmployeeStatus, Position
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName
from crmkit.domain.money import CURRENCIES, Money, minor_units
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

T = TypeVar("T")

MAX_INTEGER_DIGITS = 18
"""Digits before the decimal point that :func:`extreme_decimals` may use (``Numeric(24, 6)``)."""
MAX_FRACTION_DIGITS = 6
"""Digits after the decimal point that :func:`extreme_decimals` may use (``Numeric(24, 6)``)."""
MIN_DATETIME = datetime(2000, 1, 1, tzinfo=UTC)
"""The earliest instant :func:`aware_datetimes` produces."""
MAX_DATETIME = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The latest instant :func:`aware_datetimes` produces."""

TURKISH_LETTERS = "İıŞşĞğÇçÖöÜü"
"""The letters that break naive case mapping and collations; :func:`turkish_text` favours them."""

_WORD_ALPHABET = TURKISH_LETTERS * 3 + string.ascii_letters + "ÂâÎîÛû" + string.digits
_PUNCTUATION = ".&-'/()"

_CITIES = (
    "İstanbul", "İzmir", "Ankara", "Şanlıurfa", "Muğla", "Çanakkale", "Ağrı", "Iğdır",
    "Kırşehir", "Gümüşhane", "Eskişehir", "Düzce", "Çorum", "Uşak", "Isparta", "Bingöl",
)  # fmt: skip
_MOBILE_PREFIXES = tuple(f"5{a}{b}" for a in "0345" for b in string.digits)
_EMAIL_DOMAINS = ("example.com", "example.com.tr", "örnek.example.org", "bayi.example.net")


# -- scalars ------------------------------------------------------------------


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes that :class:`~crmkit.domain.money.Money` accepts (TRY, EUR, USD … first)."""
    favourites = ["TRY", "EUR", "USD", "JPY", "KWD"]
    return st.sampled_from(favourites + sorted(CURRENCIES - set(favourites)))


def _scaled(draw: st.DrawFn, integer_digits: int, fraction_digits: int, signed: bool) -> Decimal:
    scale = draw(st.integers(0, fraction_digits))
    limit = 10 ** (integer_digits + scale) - 1
    magnitude = draw(
        st.one_of(
            st.integers(0, limit),
            # favour the edges: the largest and the smallest magnitudes of this scale
            st.integers(max(0, limit - 1000), limit),
            st.integers(0, 1000),
        )
    )
    sign = 1 if signed and draw(st.booleans()) else 0
    return Decimal((sign, tuple(int(d) for d in str(magnitude)), -scale))


def extreme_decimals(
    *,
    integer_digits: int = MAX_INTEGER_DIGITS,
    fraction_digits: int = MAX_FRACTION_DIGITS,
    allow_negative: bool = True,
) -> st.SearchStrategy[Decimal]:
    """Finite Decimals at the edges of what a ``Numeric(integer + fraction, fraction)`` holds.

    Defaults: up to 18 digits before the point and 6 after (``Numeric(24, 6)``),
    so ``999999999999999999.999999`` and ``0.000001`` are both possible. The
    exponent (scale) varies between 0 and ``-fraction_digits``; the value is
    never NaN or infinite and is exactly representable (no rounding happened).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Decimal:
        return _scaled(draw, integer_digits, fraction_digits, allow_negative)

    edges = [
        Decimal(10**integer_digits - 1) + (1 - Decimal(1).scaleb(-fraction_digits)),
        Decimal(1).scaleb(-fraction_digits) if fraction_digits else Decimal(1),
        Decimal(0),
    ]
    if allow_negative:
        edges += [-e for e in edges if e]
    return st.one_of(st.sampled_from(edges), build())


def money(
    currency: str | None = None,
    *,
    integer_digits: int = 15,
    allow_negative: bool = True,
) -> st.SearchStrategy[Money]:
    """:class:`~crmkit.domain.money.Money` in ``currency`` (from :func:`currencies` if ``None``).

    The amount has at most ``integer_digits`` digits before the point and at
    most the currency's minor-unit digits after it, so ``m.rounded() == m``.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Money:
        code = currency if currency is not None else draw(currencies())
        amount = _scaled(draw, integer_digits, minor_units(code.upper()), allow_negative)
        return Money(amount, code)

    return build()


def aware_datetimes(
    min_value: datetime = MIN_DATETIME, max_value: datetime = MAX_DATETIME
) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes, whole seconds (microsecond 0, fold 0), in ``[min_value, max_value]``."""
    low = min_value.astimezone(UTC).replace(tzinfo=None)
    high = max_value.astimezone(UTC).replace(tzinfo=None)
    if low.microsecond:
        low = low.replace(microsecond=0) + timedelta(seconds=1)
    return st.datetimes(min_value=low, max_value=high, timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=0, fold=0)
    )


def turkish_text(*, min_words: int = 1, max_words: int = 4) -> st.SearchStrategy[str]:
    """Printable, non-blank names rich in İ ı Ş ş Ğ ğ Ç ç Ö ö Ü ü.

    Words are joined by single spaces and the text is NFC with no leading or
    trailing space, so ``clean_text(t) == t``. Every value holds at least one
    letter from :data:`TURKISH_LETTERS`. At most ``max_words`` × 15 characters.
    """

    @st.composite
    def build(draw: st.DrawFn) -> str:
        words = draw(
            st.lists(
                st.text(alphabet=_WORD_ALPHABET, min_size=1, max_size=12),
                min_size=min_words,
                max_size=max_words,
            )
        )
        index = draw(st.integers(0, len(words) - 1))
        words[index] = words[index] + draw(st.sampled_from(TURKISH_LETTERS))
        if draw(st.booleans()):
            last = len(words) - 1
            words[last] = words[last] + draw(st.sampled_from(_PUNCTUATION))
        return " ".join(words)

    return build()


def tax_numbers(kind: str | None = None) -> st.SearchStrategy[str]:
    """Turkish tax numbers with correct check digits.

    Args:
        kind: ``"vkn"`` (10 digits, companies), ``"tckn"`` (11 digits, people,
            never starting with 0) or ``None`` for either.
    """
    nine = st.text(alphabet=string.digits, min_size=9, max_size=9)
    vkns = nine.map(lambda d: d + vkn.calc_check_digit(d))
    tckns = nine.filter(lambda d: d[0] != "0").map(lambda d: d + tckimlik.calc_check_digits(d))
    if kind == "vkn":
        return vkns
    if kind == "tckn":
        return tckns
    if kind is None:
        return st.one_of(vkns, tckns)
    raise ValueError(f"kind must be 'vkn', 'tckn' or None, not {kind!r}")


def phones() -> st.SearchStrategy[str]:
    """Valid Turkish mobile numbers in E.164 form, e.g. ``+905321234567``."""
    return st.builds(
        lambda prefix, rest: f"+90{prefix}{rest}",
        st.sampled_from(_MOBILE_PREFIXES),
        st.text(alphabet=string.digits, min_size=7, max_size=7),
    )


def emails() -> st.SearchStrategy[str]:
    """Plain ASCII-local-part e-mail addresses on example domains (one with a Turkish IDN)."""
    local = st.from_regex(r"\A[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,8})?\Z")
    return st.builds(lambda a, d: f"{a}@{d}", local, st.sampled_from(_EMAIL_DOMAINS))


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


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

    @st.composite
    def build(draw: st.DrawFn) -> Company:
        has_contract = draw(st.booleans())
        has_invoice = draw(st.booleans())
        if has_contract or has_invoice:
            status = CompanyStatus.POTENTIAL
        else:
            status = draw(st.sampled_from([CompanyStatus.PRE_MEETING, CompanyStatus.IN_TALKS]))
        email = draw(_optional(emails()))
        portal = email is not None and (has_contract or has_invoice) and draw(st.booleans())
        return Company(
            id=draw(company_ids()),
            name=draw(turkish_text()),
            type=type if type is not None else draw(st.sampled_from(CompanyType)),
            kind=draw(st.sampled_from(CompanyKind)),
            registered_at=draw(aware_datetimes()),
            parent_id=parent_id,
            status=status,
            tax_no=draw(_optional(tax_numbers())),
            email=email,
            phone=draw(_optional(phones())),
            segmentation=draw(segmentations()),
            sales_rep_id=sales_rep_id,
            support_rep_id=support_rep_id if sales_rep_id is not None else None,
            referred_by=draw(_optional(references(referred_by_company))),
            has_contract=has_contract,
            has_invoice=has_invoice,
            portal_username=email if portal else None,
            portal_password_hash=draw(st.from_regex(r"\A[0-9a-f]{64}\Z")) if portal else None,
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

    @st.composite
    def build(draw: st.DrawFn) -> Employee:
        hired_at = draw(aware_datetimes(max_value=MAX_DATETIME - timedelta(days=1)))
        with_login = draw(st.booleans())
        employee = Employee(
            id=draw(employee_ids()),
            name=draw(turkish_text(min_words=2, max_words=3)),
            position=position if position is not None else draw(st.sampled_from(Position)),
            hired_at=hired_at,
            firm_id=firm_id,
            department=draw(_optional(turkish_text(max_words=2))),
            manager_id=manager_id,
            email=draw(_optional(emails())),
            phone=draw(_optional(phones())),
            login=draw(st.from_regex(r"\A[a-z][a-z0-9.]{2,15}\Z")) if with_login else None,
            password_hash=draw(st.from_regex(r"\A[0-9a-f]{64}\Z")) if with_login else None,
        )
        chosen = status
        if chosen is None:
            chosen = draw(
                st.sampled_from(
                    [EmployeeStatus.ACTIVE] * 2 + [EmployeeStatus.DISMISSED, EmployeeStatus.RESIGNED]
                )
            )
        if chosen is EmployeeStatus.ACTIVE:
            return employee
        exit_at = draw(aware_datetimes(min_value=hired_at))
        reason = draw(turkish_text(max_words=4))
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

    @st.composite
    def build(draw: st.DrawFn) -> Claim:
        requested_at = draw(aware_datetimes())
        claim = Claim(
            id=ClaimId(draw(st.uuids(version=4))),
            company_id=company_id if company_id is not None else draw(company_ids()),
            claimant_id=claimant_id if claimant_id is not None else draw(employee_ids()),
            requested_at=requested_at,
        )
        outcome = draw(st.sampled_from(ClaimStatus))
        if outcome is ClaimStatus.PENDING:
            return claim
        by = draw(employee_ids())
        at = draw(aware_datetimes(min_value=requested_at))
        if outcome is ClaimStatus.APPROVED:
            return claim.approve(by, at)
        return claim.reject(by, at, draw(turkish_text(max_words=5)))

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
