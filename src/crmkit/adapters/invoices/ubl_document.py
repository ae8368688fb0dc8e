"""One UBL 2.1 / UBL-TR invoice document parsed into a domain invoice (SPEC §7 V1)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo

from crmkit.adapters.invoices.ubl_lines import _line, _taxes
from crmkit.adapters.invoices.ubl_xml import _ROOT, _p, _parse_xml, _Reader
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    AllowanceCharge,
    ExchangeRate,
    Invoice,
    InvoiceId,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    RateKind,
    invoice_id_for,
)

__all__ = ["DEFAULT_TIMEZONE", "parse_invoice"]

DEFAULT_TIMEZONE = "Europe/Istanbul"
"""Zone of an ``IssueTime`` that carries none (GİB documents are in Turkish time)."""

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?")


def parse_invoice(
    data: bytes, *, where: str = "<bytes>", timezone_name: str = DEFAULT_TIMEZONE
) -> tuple[Invoice, list[str]]:
    """Parse one UBL 2.1 / UBL-TR invoice document.

    Args:
        data: the file's bytes (size-checked by the caller).
        where: names the document in errors and warnings (a file name).
        timezone_name: zone of an issue time that carries none.

    Returns:
        The invoice and the warnings met while reading it.

    Raises:
        UnsafeXml: a DTD, an entity, or malformed XML.
        ValidationError: a required element is missing or an amount is not a number,
            naming the document and the element.
    """
    root = _parse_xml(data, where)
    if root.tag != _ROOT:
        raise ValidationError("file", f"{where}: the root element is {root.tag}, not a UBL Invoice")
    r = _Reader(root, where)
    number = r.required("cbc:ID")
    r.where = f"{where} (invoice {number})"
    seller = _party(r, "cac:AccountingSupplierParty/cac:Party")
    buyer = _party(r, "cac:AccountingCustomerParty/cac:Party")
    currency = r.required("cbc:DocumentCurrencyCode")
    issued_at = _issued_at(r, timezone_name)
    doc_taxes, tax_total = _taxes(r, root, "cac:TaxTotal", withholding=False)
    withheld, withholding_total = _taxes(r, root, "cac:WithholdingTaxTotal", withholding=True)
    order_number = r.text("cac:OrderReference/cbc:ID")
    lines = tuple(_line(r, node, order_number) for node in root.iterfind(_p("cac:InvoiceLine")))
    total = _p("cac:LegalMonetaryTotal")
    monetary = root.find(total)
    if monetary is None:
        raise ValidationError("totals", f"{r.where}: cac:LegalMonetaryTotal is missing")
    zero = Decimal(0)
    totals = InvoiceTotals(
        line_extension=r.amount("cbc:LineExtensionAmount", monetary),
        tax_exclusive=r.amount("cbc:TaxExclusiveAmount", monetary),
        tax_inclusive=r.amount("cbc:TaxInclusiveAmount", monetary),
        payable=r.amount("cbc:PayableAmount", monetary),
        allowance=r.amount("cbc:AllowanceTotalAmount", monetary, default=zero),
        charge=r.amount("cbc:ChargeTotalAmount", monetary, default=zero),
        prepaid=r.amount("cbc:PrepaidAmount", monetary, default=zero),
        tax=tax_total,
        withholding=withholding_total,
    )
    references = tuple(
        InvoiceReference(
            number=r.required("cbc:ID", ref),
            issue_date=_date(r, r.text("cbc:IssueDate", ref)),
            uuid=_uuid_or_none(r.text("cbc:UUID", ref)),
        )
        for ref in root.iterfind(_p("cac:BillingReference/cac:InvoiceDocumentReference"))
    )
    invoice = Invoice(
        id=_invoice_id(r, seller, number),
        number=number,
        issued_at=issued_at,
        currency=currency,
        seller=seller,
        buyer=buyer,
        lines=lines,
        totals=totals,
        type_code=r.text("cbc:InvoiceTypeCode") or "380",
        profile=r.text("cbc:ProfileID"),
        exchange_rate=r.optional_amount("cac:PricingExchangeRate/cbc:CalculationRate"),
        taxes=doc_taxes + withheld,
        references=references,
        order_number=order_number,
        source=where,
        allowance_charges=tuple(
            _allowance_charge(r, node) for node in root.iterfind(_p("cac:AllowanceCharge"))
        ),
        exchange_rates=_exchange_rates(r, root),
    )
    return invoice, r.warnings


_RATES: tuple[tuple[str, RateKind], ...] = (
    ("cac:PricingExchangeRate", RateKind.PRICING),
    ("cac:PaymentExchangeRate", RateKind.PAYMENT),
    ("cac:PaymentAlternativeExchangeRate", RateKind.PAYMENT_ALTERNATIVE),
    ("cac:TaxExchangeRate", RateKind.TAX),
)


def _allowance_charge(r: _Reader, node: Element) -> AllowanceCharge:
    """A document-level ``cac:AllowanceCharge``: kept whole, it changes the net amount (V1)."""
    charge = (r.text("cbc:ChargeIndicator", node) or "false").lower() == "true"
    multiplier = r.optional_amount("cbc:MultiplierFactorNumeric", node)
    amount = r.amount("cbc:Amount", node)
    if amount < 0:
        raise ValidationError(
            "cac:AllowanceCharge", f"{r.where}: cac:AllowanceCharge amount {amount} is negative"
        )
    return AllowanceCharge(
        charge=charge,
        amount=amount,
        reason=r.text("cbc:AllowanceChargeReason", node),
        multiplier=multiplier,
        base_amount=r.optional_amount("cbc:BaseAmount", node),
    )


def _exchange_rates(r: _Reader, root: Element) -> tuple[ExchangeRate, ...]:
    """The document's exchange rates (pricing, payment, payment alternative, tax), as given."""
    rates: list[ExchangeRate] = []
    for path, kind in _RATES:
        node = root.find(_p(path))
        if node is None:
            continue
        value = r.optional_amount("cbc:CalculationRate", node)
        source = r.text("cbc:SourceCurrencyCode", node)
        target = r.text("cbc:TargetCurrencyCode", node)
        if value is None or source is None or target is None:
            r.warnings.append(f"{r.where}: {path} lacks a currency or its cbc:CalculationRate; not kept")
            continue
        try:
            rates.append(
                ExchangeRate(
                    kind=kind,
                    source=source,
                    target=target,
                    rate=value,
                    day=_date(r, r.text("cbc:Date", node)),
                )
            )
        except ValidationError as error:
            r.warnings.append(f"{r.where}: {path}: {error.reason}; not kept")
    return tuple(rates)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _invoice_id(r: _Reader, seller: InvoiceParty, number: str) -> InvoiceId:
    value = r.text("cbc:UUID")
    parsed = _uuid_or_none(value)
    if parsed is not None:
        return InvoiceId(parsed)
    if value is not None:
        r.warnings.append(
            f"{r.where}: cbc:UUID {value!r} is not a UUID; an id was derived from seller and number"
        )
    return invoice_id_for(seller.key, number)


def _date(r: _Reader, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError("issue_date", f"{r.where}: {value!r} is not a date") from None


def _issued_at(r: _Reader, timezone_name: str) -> datetime:
    day = _date(r, r.required("cbc:IssueDate"))
    assert day is not None
    zone = ZoneInfo(timezone_name)
    raw = r.text("cbc:IssueTime")
    if raw is None:
        return datetime.combine(day, time(0), zone)
    match = _TIME.fullmatch(raw)
    end_of_day = (
        match is not None
        and int(match[1]) == 24
        and int(match[2]) == 0
        and int(match[3] or 0) == 0
        and int(match[4] or 0) == 0
    )
    if end_of_day:  # XML Schema: 24:00:00 is the end of the day, the next day's midnight
        assert match is not None
        day, match = day + timedelta(days=1), _TIME.fullmatch("00:00:00" + (match[5] or ""))
        assert match is not None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        r.warnings.append(f"{r.where}: cbc:IssueTime {raw!r} is not a time; midnight was used")
        return datetime.combine(day, time(0), zone)
    micro = int((match[4] or "0")[:6].ljust(6, "0"))
    tz: Any = zone
    if match[5]:
        if match[5] == "Z":
            tz = UTC
        else:
            sign = -1 if match[5][0] == "-" else 1
            digits = match[5][1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime.combine(day, time(int(match[1]), int(match[2]), int(match[3] or 0), micro), tz)


def _party(r: _Reader, path: str) -> InvoiceParty:
    node = r.root.find(_p(path))
    if node is None:
        raise ValidationError("party", f"{r.where}: {path} is missing")
    tax_no: str | None = None
    scheme: str | None = None
    for ident in node.iterfind(_p("cac:PartyIdentification/cbc:ID")):
        value = (ident.text or "").strip()
        kind = (ident.get("schemeID") or "").strip().upper() or None
        if not value:
            continue
        if kind in ("VKN", "TCKN"):
            tax_no, scheme = value, kind
            break
        if tax_no is None:
            tax_no, scheme = value, kind
    company_id = r.text("cac:PartyTaxScheme/cbc:CompanyID", node)
    if company_id is not None and (tax_no is None or scheme not in ("VKN", "TCKN")):
        tax_no, scheme = company_id, "TAX"
    name = r.text("cac:PartyName/cbc:Name", node) or r.text("cac:PartyLegalEntity/cbc:RegistrationName", node)
    if name is None:
        person = " ".join(
            part
            for part in (
                r.text("cac:Person/cbc:FirstName", node),
                r.text("cac:Person/cbc:MiddleName", node),
                r.text("cac:Person/cbc:FamilyName", node),
            )
            if part
        )
        name = person or (tax_no or "")
    if not name:
        raise ValidationError("party", f"{r.where}: {path} has neither a name nor an identifier")
    return InvoiceParty(
        " ".join(name.split()),
        tax_no=tax_no,
        scheme=scheme,
        city=r.text("cac:PostalAddress/cbc:CityName", node),
        country=r.text("cac:PostalAddress/cac:Country/cbc:Name", node)
        or r.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", node),
    )
