"""UBL-TR e-invoices (e-Fatura, e-Arşiv) and OASIS UBL 2.1 invoices as an invoice source (SPEC §7 V1).

``ubl-tr:///srv/efatura/inbox`` reads every ``*.xml`` file of a folder, in
file-name order; ``ubl-tr:///srv/a.xml`` one file; :class:`UblInvoiceSource`
also takes a list of paths. The cursor of a record is its file's name
(relative to the folder), so ``read(since=...)`` resumes after that file.

Profiles TEMELFATURA, TICARIFATURA, EARSIVFATURA (and any other) and every
type code (SATIS, IADE, TEVKIFAT, ISTISNA …, UBL ``380``) are read the same
way; the codes are kept as given.

**Untrusted input.** Files are parsed with :mod:`defusedxml` with DTDs
forbidden: an entity bomb, an external entity or any ``<!DOCTYPE`` fails at
once with a clear error. A file larger than ``max_bytes`` (16 MiB by default,
``?max_bytes=`` in the URL) is refused from its size before it is read, so a
1 GB file costs neither time nor memory. Neither ``xsi:schemaLocation`` nor
the ``xml-stylesheet`` instruction is ever followed.

**Traps of GİB's samples** handled here: amounts with stray spaces
(``786.90 ``), ``Percent`` written ``18``, ``18.0`` or ``20``, ``IssueTime``
with or without fractions and zone (or missing), parties identified by
``VKN``/``TCKN`` scheme ids or (generic UBL) ``PartyTaxScheme/CompanyID``.

**Per-unit taxes.** ÖTV (``0071`` …) may be given as ``cbc:PerUnitAmount``
with ``cbc:BaseUnitMeasure`` instead of a ``cbc:Percent``, on a line or on the
document: it is kept as :attr:`~crmkit.domain.invoices.Tax.per_unit_amount`
(with the base quantity and unit) and
:func:`~crmkit.domain.invoices.check_totals` checks a line's ``TaxAmount``
against quantity × per-unit amount.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError, XMLParser
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from crmkit.adapters.invoices.collector import gc_option, maybe_fewer_collections
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    AllowanceCharge,
    ExchangeRate,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    RateKind,
    Tax,
    invoice_id_for,
)
from crmkit.ports.invoices import SourceRecord

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEZONE",
    "MAX_WORKERS",
    "PARALLEL_FROM",
    "SCHEME",
    "UblInvoiceSource",
    "UnsafeXml",
    "parse_invoice",
    "read_record",
]

SCHEME = "ubl-tr"
"""The URL scheme of this source."""
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
"""Largest file read (GİB's samples with an embedded XSLT are about 300 KB)."""
DEFAULT_TIMEZONE = "Europe/Istanbul"
"""Zone of an ``IssueTime`` that carries none (GİB documents are in Turkish time)."""
PARALLEL_FROM = 200
"""The fewest files read by worker processes when ``workers`` is not given (starting one costs ~0.3 s)."""
MAX_WORKERS = 4
"""Most parsing processes started when ``workers`` is not given."""

_INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
_ROOT = "{" + _INV + "}Invoice"
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?")


class UnsafeXml(ValidationError):
    """A file was refused before or while parsing: too large, a DTD, an entity, not XML."""


def _q(path: str) -> str:
    """Expand ``cac:``/``cbc:`` prefixes of a simple path to ElementTree's ``{ns}`` form."""
    return path.replace("cac:", _CAC).replace("cbc:", _CBC)


_PATHS: dict[str, str] = {}


def _p(path: str) -> str:
    found = _PATHS.get(path)
    if found is None:
        found = _PATHS[path] = _q(path)
    return found


class _Reader:
    """Reads one parsed document, collecting warnings; errors name the invoice and the element."""

    def __init__(self, root: Element, where: str) -> None:
        self.root = root
        self.where = where
        self.warnings: list[str] = []

    def text(self, path: str, node: Element | None = None) -> str | None:
        value = (self.root if node is None else node).findtext(_p(path))
        if value is None:
            return None
        value = value.strip()
        return value or None

    def required(self, path: str, node: Element | None = None) -> str:
        value = self.text(path, node)
        if value is None:
            raise ValidationError(path, f"{self.where}: {path} is missing")
        return value

    def amount(self, path: str, node: Element | None = None, *, default: Decimal | None = None) -> Decimal:
        value = self.text(path, node)
        if value is None:
            if default is not None:
                return default
            raise ValidationError(path, f"{self.where}: {path} is missing")
        return self.number(path, value)

    def optional_amount(self, path: str, node: Element | None = None) -> Decimal | None:
        value = self.text(path, node)
        return None if value is None else self.number(path, value)

    def number(self, path: str, value: str) -> Decimal:
        try:
            result = Decimal(value.replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(path, f"{self.where}: {path} {value!r} is not a number") from None
        if not result.is_finite():
            raise ValidationError(path, f"{self.where}: {path} {value!r} is not a number")
        return result


_UTF8_DECLARATION = re.compile(
    rb"""<\?xml[^>]*encoding\s*=\s*["'](utf-?8|us-ascii|ascii)["']""", re.IGNORECASE
)


def _plain_utf8_without_dtd(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 (or ASCII) XML with no ``<!DOCTYPE`` anywhere.

    Without a document type declaration there is nothing to declare an entity
    with, so neither an entity bomb nor an external entity can occur.
    """
    if (
        data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00", b"\x4c\x6f\xa7\x94"))
        or b"<!DOCTYPE" in data
    ):
        return False
    head = data[:200]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.lstrip().startswith(b"<?xml"):
        return True  # no declaration: UTF-8 by definition
    declaration = head[: head.find(b"?>") + 2]
    return b"encoding" not in declaration or _UTF8_DECLARATION.match(declaration.lstrip()) is not None


def _parse_xml(data: bytes, where: str) -> Element:
    """Parse untrusted XML: DTDs, entities and external references are refused.

    A UTF-8 document without a ``<!DOCTYPE`` (every e-invoice) goes through the
    C-accelerated parser: with no DTD there can be no entity declaration, so no
    entity bomb and no external entity. Anything else — a DTD, another
    encoding — goes through :mod:`defusedxml`, which refuses the DTD itself.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnsafeXml("file", f"{where}: line 1: is UTF-32, which cannot be read; send it as UTF-8")
    try:
        if _plain_utf8_without_dtd(data):
            fast = XMLParser()
            fast.feed(data)
            root: Element = fast.close()
            return root
        parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise UnsafeXml("file", f"{where}: refused unsafe XML ({type(error).__name__}: {error})") from None
    except ParseError as error:
        raise UnsafeXml("file", f"{where}: not well-formed XML ({error})") from None
    except (LookupError, ValueError) as error:  # expat refuses UTF-7, Shift_JIS, UTF-32, unknown names
        declared = _DECLARED.search(data[:200])
        name = declared[1].decode("ascii", "replace") if declared else "?"
        raise UnsafeXml(
            "file",
            f"{where}: line 1: declares the encoding {name!r}, which cannot be read ({error});"
            " send it as UTF-8",
        ) from None
    return root


_DECLARED = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")


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


def _kids(node: Element | None) -> dict[str, list[Element]]:
    """The children of ``node`` by tag (one pass instead of a path search per field)."""
    kids: dict[str, list[Element]] = {}
    if node is None:
        return kids
    for child in node:
        found = kids.get(child.tag)
        if found is None:
            kids[child.tag] = [child]
        else:
            found.append(child)
    return kids


def _first(kids: dict[str, list[Element]], tag: str) -> Element | None:
    found = kids.get(tag)
    return found[0] if found else None


def _text_of(kids: dict[str, list[Element]], tag: str) -> str | None:
    found = kids.get(tag)
    if not found or found[0].text is None:
        return None
    return found[0].text.strip() or None


def _number_of(r: _Reader, kids: dict[str, list[Element]], tag: str, label: str) -> Decimal | None:
    value = _text_of(kids, tag)
    return None if value is None else r.number(label, value)


def _required_number(r: _Reader, kids: dict[str, list[Element]], tag: str, label: str) -> Decimal:
    value = _number_of(r, kids, tag, label)
    if value is None:
        raise ValidationError(label, f"{r.where}: {label} is missing")
    return value


_TAX_AMOUNT = _CBC + "TaxAmount"
_TAXABLE = _CBC + "TaxableAmount"
_PERCENT = _CBC + "Percent"
_PER_UNIT = _CBC + "PerUnitAmount"
_BASE_MEASURE = _CBC + "BaseUnitMeasure"
_SUBTOTAL = _CAC + "TaxSubtotal"
_CATEGORY = _CAC + "TaxCategory"
_SCHEME = _CAC + "TaxScheme"
_ID = _CBC + "ID"
_NAME = _CBC + "Name"


def _taxes(r: _Reader, node: Element, path: str, *, withholding: bool) -> tuple[tuple[Tax, ...], Decimal]:
    return _tax_blocks(r, node.findall(_p(path)), withholding=withholding)


def _tax_blocks(r: _Reader, blocks: list[Element], *, withholding: bool) -> tuple[tuple[Tax, ...], Decimal]:
    taxes: list[Tax] = []
    total = Decimal(0)
    for block in blocks:
        kids = _kids(block)
        total += _required_number(r, kids, _TAX_AMOUNT, "cbc:TaxAmount")
        for sub in kids.get(_SUBTOTAL, ()):
            sub_kids = _kids(sub)
            category = _kids(_first(sub_kids, _CATEGORY))
            scheme = _kids(_first(category, _SCHEME))
            percent = _number_of(r, sub_kids, _PERCENT, "cbc:Percent")
            if percent is None:
                percent = _number_of(r, category, _PERCENT, "cbc:Percent")
            type_code = _text_of(scheme, _CBC + "TaxTypeCode") or _text_of(scheme, _ID) or ""
            per_unit, base, base_unit = _per_unit(r, sub_kids, category)
            if per_unit is not None and percent is not None:
                if percent != 0:
                    raise ValidationError(
                        "cbc:PerUnitAmount",
                        f"{r.where}: tax {type_code} gives both cbc:Percent {percent} and"
                        f" cbc:PerUnitAmount {per_unit}",
                    )
                percent = None  # a zero percent beside a per-unit amount: the per-unit amount is the rate
            taxes.append(
                Tax(
                    type_code=type_code,
                    amount=_required_number(r, sub_kids, _TAX_AMOUNT, "cbc:TaxAmount"),
                    percent=percent,
                    taxable_amount=_number_of(r, sub_kids, _TAXABLE, "cbc:TaxableAmount"),
                    name=_text_of(scheme, _NAME),
                    withholding=withholding,
                    exemption_code=_text_of(category, _CBC + "TaxExemptionReasonCode"),
                    per_unit_amount=per_unit,
                    base_quantity=base,
                    base_unit_code=base_unit,
                )
            )
    return tuple(taxes), total


def _per_unit(
    r: _Reader, sub_kids: dict[str, list[Element]], category: dict[str, list[Element]]
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """A per-unit tax: ``PerUnitAmount`` and ``BaseUnitMeasure`` (quantity, unit), from subtotal or category.

    Raises:
        ValidationError: naming the element, when a number is bad or the base quantity is not above zero.
    """
    per_unit = _number_of(r, sub_kids, _PER_UNIT, "cbc:PerUnitAmount")
    if per_unit is None:
        per_unit = _number_of(r, category, _PER_UNIT, "cbc:PerUnitAmount")
    node = _first(sub_kids, _BASE_MEASURE)
    if node is None:
        node = _first(category, _BASE_MEASURE)
    if per_unit is None or node is None:
        return per_unit, None, None
    text = (node.text or "").strip()
    base = r.number("cbc:BaseUnitMeasure", text) if text else None
    if base is not None and base <= 0:
        raise ValidationError(
            "cbc:BaseUnitMeasure", f"{r.where}: cbc:BaseUnitMeasure {base} is not above zero"
        )
    unit = (node.get("unitCode") or "").strip() or None
    return per_unit, base, unit


def _line(r: _Reader, node: Element, order_number: str | None) -> InvoiceLine:
    kids = _kids(node)
    number_text = _text_of(kids, _ID)
    if number_text is None:
        raise ValidationError("cbc:ID", f"{r.where}: cbc:ID is missing")
    try:
        number = int(Decimal(number_text))
    except (InvalidOperation, ValueError):
        raise ValidationError("lines", f"{r.where}: line id {number_text!r} is not a number") from None
    quantity_node = _first(kids, _CBC + "InvoicedQuantity")
    if quantity_node is None or not (quantity_node.text or "").strip():
        raise ValidationError("lines", f"{r.where}: line {number} has no cbc:InvoicedQuantity")
    discount = charge = Decimal(0)
    for ac in kids.get(_CAC + "AllowanceCharge", ()):
        ac_kids = _kids(ac)
        amount = _required_number(r, ac_kids, _CBC + "Amount", "cbc:Amount")
        if (_text_of(ac_kids, _CBC + "ChargeIndicator") or "false").lower() == "true":
            charge += amount
        else:
            discount += amount
    taxes, _ = _tax_blocks(r, kids.get(_CAC + "TaxTotal", []), withholding=False)
    withheld, _ = _tax_blocks(r, kids.get(_CAC + "WithholdingTaxTotal", []), withholding=True)
    item = _kids(_first(kids, _CAC + "Item"))
    name = _text_of(item, _NAME) or _text_of(item, _CBC + "Description")
    code = _text_of(_kids(_first(item, _CAC + "SellersItemIdentification")), _ID) or _text_of(
        _kids(_first(item, _CAC + "StandardItemIdentification")), _ID
    )
    price = _number_of(
        r, _kids(_first(kids, _CAC + "Price")), _CBC + "PriceAmount", "cac:Price/cbc:PriceAmount"
    )
    unit = quantity_node.get("unitCode")
    return InvoiceLine(
        number=number,
        product_name=" ".join((name or "").split()) or f"line {number}",
        product_code=code,
        quantity=r.number("cbc:InvoicedQuantity", quantity_node.text or ""),
        unit_code=unit.strip() if unit else None,
        unit_price=Decimal(0) if price is None else price,
        line_extension=_required_number(r, kids, _CBC + "LineExtensionAmount", "cbc:LineExtensionAmount"),
        discount=discount,
        charge=charge,
        taxes=taxes + withheld,
        order_number=order_number,
        order_line=_text_of(_kids(_first(kids, _CAC + "OrderLineReference")), _CBC + "LineID"),
    )


def read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, refused from its size when larger than ``max_bytes``.

    Raises:
        UnsafeXml: the file is too large (checked before reading, and again while reading
            in case it grows or is not a regular file).
        OSError: it cannot be read.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeXml("file", f"{path.name}: {size:,} bytes is over the {max_bytes:,}-byte limit; not read")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeXml("file", f"{path.name}: over the {max_bytes:,}-byte limit; not read")
    return data


class UblInvoiceSource:
    """UBL-TR / UBL 2.1 XML files as an :class:`~crmkit.ports.invoices.InvoiceSource`.

    Args:
        paths: a folder (its ``*.xml`` files, by name) or files, in the order given.
        url: the URL it was built from (for reports).
        max_bytes: files larger than this are refused unread.
        timezone_name: zone of issue times given without one.
        workers: parsing processes; ``None``: one per CPU (at most :data:`MAX_WORKERS`) when
            there is more than one CPU and at least ``parallel_from`` files are to be read;
            ``0``: parse in this process.
        parallel_from: the fewest files worth starting workers for.
        fewer_collections: raise the garbage collector's threshold while reading
            (:mod:`crmkit.adapters.invoices.collector`; ``?gc=fewer``).

    Parsing a file costs several times more than storing its invoice, so a folder of
    many files is parsed by worker processes (``python -m crmkit.adapters.invoices.ubl_workers``)
    while this process stores what they return; records still come in file-name order,
    and a worker that cannot start or dies leaves its files to this process (see
    :mod:`crmkit.adapters.invoices.ubl_workers`).

    A record's cursor is the file's name relative to the folder (its path for a
    file list); ``read(since=cursor)`` yields the files after it.
    """

    def __init__(
        self,
        paths: Path | Sequence[Path],
        *,
        url: str = "",
        max_bytes: int = DEFAULT_MAX_BYTES,
        timezone_name: str = DEFAULT_TIMEZONE,
        workers: int | None = None,
        parallel_from: int = PARALLEL_FROM,
        fewer_collections: bool = False,
    ) -> None:
        if workers is not None and workers < 0:
            raise ValidationError("workers", f"must be 0 or more, not {workers}")
        self.workers = workers
        self.parallel_from = parallel_from
        self.fewer_collections = fewer_collections
        self._folder: Path | None = paths if isinstance(paths, Path) and paths.is_dir() else None
        self._files: list[Path] | None = (
            None if self._folder is not None else ([paths] if isinstance(paths, Path) else list(paths))
        )
        self.url = url or f"{SCHEME}://{paths if isinstance(paths, Path) else ','.join(map(str, paths))}"
        self.max_bytes = max_bytes
        self.timezone_name = timezone_name
        ZoneInfo(timezone_name)

    @classmethod
    def from_url(cls, url: str) -> UblInvoiceSource:
        """Build a source from ``ubl-tr:///folder`` or ``ubl-tr:///file.xml``.

        Query options: ``max_bytes`` (an integer), ``tz`` (an IANA zone name),
        ``workers`` (parsing processes; ``0`` parses in this process), ``gc=fewer``
        (:mod:`~crmkit.adapters.invoices.collector`).

        Raises:
            ValidationError: naming ``url`` when the path does not exist or an option is bad.
        """
        parts = urlsplit(url)
        path = Path(unquote(parts.netloc + parts.path))
        if not path.exists():
            raise ValidationError("url", f"{url}: {path} does not exist")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            max_bytes = int(options.get("max_bytes", DEFAULT_MAX_BYTES))
            zone = options.get("tz", DEFAULT_TIMEZONE)
            workers = int(options["workers"]) if "workers" in options else None
            return cls(
                path,
                url=url,
                max_bytes=max_bytes,
                timezone_name=zone,
                workers=workers,
                fewer_collections=gc_option(options, url),
            )
        except (ValueError, KeyError) as error:
            raise ValidationError("url", f"{url}: {error}") from None

    def _entries(self) -> list[tuple[str, Path]]:
        if self._folder is not None:
            names = sorted(
                entry.name
                for entry in os.scandir(self._folder)
                if entry.name.lower().endswith(".xml") and entry.is_file()
            )
            return [(name, self._folder / name) for name in names]
        assert self._files is not None
        return [(str(path), path) for path in self._files]

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        """Yield one record per file after the cursor ``since``, parsing lazily.

        Raises:
            ValidationError: ``since`` names no file of a file list.
        """
        with maybe_fewer_collections(self.fewer_collections):
            yield from self._read(since)

    def _read(self, since: str | None) -> Iterator[SourceRecord]:
        entries = self._entries()
        if since is not None:
            if self._folder is not None:
                entries = [(name, path) for name, path in entries if name > since]
            else:
                names = [name for name, _ in entries]
                if since not in names:
                    raise ValidationError("since", f"{since!r} is not a file of {self.url}")
                entries = entries[names.index(since) + 1 :]
        workers = self.workers
        if workers is None:
            cpus = os.cpu_count() or 1
            many = cpus > 1 and len(entries) >= self.parallel_from  # one worker beside us does not pay
            workers = min(cpus, MAX_WORKERS) if many else 0
        if workers > 0 and entries:
            from crmkit.adapters.invoices.ubl_workers import ParsePool

            pool = ParsePool(workers, max_bytes=self.max_bytes, timezone_name=self.timezone_name)
            yield from pool.records(entries)
            return
        for name, path in entries:
            yield read_record(name, path, max_bytes=self.max_bytes, timezone_name=self.timezone_name)


def read_record(name: str, path: Path, *, max_bytes: int, timezone_name: str) -> SourceRecord:
    """The record of one file: its invoice and warnings, or why it could not be read.

    What :meth:`UblInvoiceSource.read` yields per file, in this process or in a parsing worker.
    """
    try:
        data = read_file(path, max_bytes)
        invoice, warnings = parse_invoice(data, where=name, timezone_name=timezone_name)
    except ValidationError as error:
        reason = error.reason if error.reason.startswith(name) else f"{name}: {error.reason}"
        return SourceRecord(cursor=name, location=name, error=reason)
    except OSError as error:
        return SourceRecord(cursor=name, location=name, error=f"{name}: cannot be read ({error})")
    except Exception as error:  # one bad file never stops an import: whatever the parser met, reject it
        reason = f"{name}: could not be read ({type(error).__name__}: {error})"
        return SourceRecord(cursor=name, location=name, error=reason)
    return SourceRecord(cursor=name, location=name, invoice=invoice, warnings=tuple(warnings))
