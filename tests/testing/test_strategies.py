"""The public strategies give valid, round-trip-able values (crmkit.testing.strategies)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmkit.domain.employees import Employee, EmployeeStatus
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.money import CURRENCIES, Money, minor_units
from crmkit.domain.parties import (
    Claim,
    ClaimStatus,
    Company,
    CompanyStatus,
    CompanyType,
    Contact,
    Reference,
    ReferenceKind,
    Segmentation,
)
from crmkit.domain.text import clean_text
from crmkit.testing import strategies as s
from crmkit.testing.clock import SequentialIds
from crmkit.validation import normalize_email, normalize_phone, normalize_tax_no

next_uuid = SequentialIds().new

NUMERIC_24_6_MAX = Decimal("999999999999999999.999999")


@given(s.aware_datetimes())
def test_datetimes_are_utc_whole_seconds_in_range(moment: datetime) -> None:
    assert moment.tzinfo is UTC
    assert moment.microsecond == 0 and moment.fold == 0
    assert s.MIN_DATETIME <= moment <= s.MAX_DATETIME


@given(st.data())
def test_datetimes_respect_custom_bounds(data: st.DataObject) -> None:
    low = datetime(2026, 1, 1, 12, 0, 0, 500, tzinfo=UTC)
    moment = data.draw(s.aware_datetimes(min_value=low))
    assert moment >= low and moment.microsecond == 0


@given(s.extreme_decimals())
def test_extreme_decimals_fit_numeric_24_6(value: Decimal) -> None:
    assert value.is_finite()
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int) and -s.MAX_FRACTION_DIGITS <= exponent <= 0
    assert abs(value) <= NUMERIC_24_6_MAX
    assert value.quantize(Decimal("0.000001")) == value


def test_extreme_decimals_reach_both_edges() -> None:
    seen: set[Decimal] = set()

    @given(s.extreme_decimals())
    def collect(value: Decimal) -> None:
        seen.add(abs(value))

    collect()
    assert max(seen) > Decimal(10) ** 17
    assert any(Decimal(0) < v < Decimal("0.001") for v in seen)


@given(s.extreme_decimals(integer_digits=4, fraction_digits=2, allow_negative=False))
def test_extreme_decimals_bounds_are_configurable(value: Decimal) -> None:
    assert Decimal(0) <= value <= Decimal("9999.99")


@given(s.currencies())
def test_currencies_are_iso_codes(code: str) -> None:
    assert code in CURRENCIES


@given(s.money())
def test_money_has_at_most_the_minor_unit_digits(amount: Money) -> None:
    exponent = amount.amount.as_tuple().exponent
    assert isinstance(exponent, int) and exponent >= -minor_units(amount.currency)


@given(s.money("JPY"))
def test_money_with_a_fixed_currency(amount: Money) -> None:
    assert amount.currency == "JPY"


@given(s.turkish_text())
def test_turkish_text_is_clean_printable_and_turkish(text: str) -> None:
    assert text.strip() == text and text
    assert clean_text(text) == text
    assert unicodedata.is_normalized("NFC", text)
    assert text.isprintable()
    assert any(ch in s.TURKISH_LETTERS for ch in text)


@given(s.tax_numbers("vkn"))
def test_vkns_have_ten_digits_and_pass(number: str) -> None:
    assert len(number) == 10 and normalize_tax_no(number) == number


@given(s.tax_numbers("tckn"))
def test_tckns_have_eleven_digits_and_pass(number: str) -> None:
    assert len(number) == 11 and number[0] != "0" and normalize_tax_no(number) == number


def test_tax_number_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="kind"):
        s.tax_numbers("ssn")


@given(s.phones())
def test_phones_are_valid_turkish_mobiles(phone: str) -> None:
    assert phone.startswith("+905") and len(phone) == 13
    assert normalize_phone(phone) == phone


@given(s.emails())
def test_emails_pass_the_syntax_check(email: str) -> None:
    normalize_email(email)


@given(s.segmentations())
def test_segmentations_hold_clean_values(seg: Segmentation) -> None:
    for value in seg.filled().values():
        assert clean_text(value) == value


@given(s.references())
def test_references_without_a_company_are_individual(ref: Reference) -> None:
    assert ref.kind is ReferenceKind.INDIVIDUAL and ref.person_name


def test_references_with_a_company_may_be_corporate() -> None:
    referrer = CompanyId(next_uuid())
    seen: set[ReferenceKind] = set()

    @given(s.references(referrer))
    def collect(ref: Reference) -> None:
        seen.add(ref.kind)
        if ref.kind is ReferenceKind.CORPORATE:
            assert ref.company_id == referrer

    collect()
    assert seen == {ReferenceKind.INDIVIDUAL, ReferenceKind.CORPORATE}


@given(s.companies())
def test_companies_follow_c5_and_c11(company: Company) -> None:
    if company.has_contract or company.has_invoice:
        assert company.status is CompanyStatus.POTENTIAL
    if company.portal_username is not None:
        assert company.portal_eligible and company.portal_username == company.email
        assert company.portal_password_hash is not None
    assert company.parent_id is None and company.pending_claim_id is None
    assert company.primary_contact_id is None and company.sales_rep_id is None
    if company.tax_no is not None:
        normalize_tax_no(company.tax_no)
    if company.phone is not None:
        normalize_phone(company.phone)


@given(st.data())
def test_companies_take_type_and_foreign_keys(data: st.DataObject) -> None:
    parent, rep = CompanyId(next_uuid()), EmployeeId(next_uuid())
    company = data.draw(s.companies(type=CompanyType.DEALER, parent_id=parent, sales_rep_id=rep))
    assert (company.type, company.parent_id, company.sales_rep_id) == (
        CompanyType.DEALER,
        parent,
        rep,
    )


@given(st.data())
def test_contacts_belong_to_the_given_company(data: st.DataObject) -> None:
    owner = CompanyId(next_uuid())
    contact: Contact = data.draw(s.contacts(company_id=owner))
    assert contact.company_id == owner


@given(s.employees())
def test_employees_are_consistent(employee: Employee) -> None:
    if employee.is_active:
        assert employee.exit_at is None and employee.exit_reason is None
    else:
        assert employee.exit_at is not None and employee.exit_at >= employee.hired_at
        assert employee.exit_reason and employee.login is None


@given(s.employees(status=EmployeeStatus.RESIGNED))
def test_employees_with_a_forced_status(employee: Employee) -> None:
    assert employee.status is EmployeeStatus.RESIGNED


@given(s.claims())
def test_claims_are_decided_after_they_are_requested(claim: Claim) -> None:
    if claim.status is ClaimStatus.PENDING:
        assert claim.decided_at is None and claim.decided_by is None
    else:
        assert claim.decided_at is not None and claim.decided_at >= claim.requested_at
    if claim.status is ClaimStatus.REJECTED:
        assert claim.reason
