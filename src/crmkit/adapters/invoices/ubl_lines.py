"""Invoice lines and their tax blocks of a UBL document (SPEC §7 V1).

Per-unit taxes (ÖTV as ``cbc:PerUnitAmount`` with ``cbc:BaseUnitMeasure``) are
read here as well as percentages.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from crmkit.adapters.invoices.ubl_xml import _CAC, _CBC, _p, _Reader
from crmkit.domain.errors import ValidationError
from crmkit.domain.invoices import (
    InvoiceLine,
    Tax,
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


def _tax_blocks(
    r: _Reader, blocks: list[Element], *, withholding: bool, classified: Element | None = None
) -> tuple[tuple[Tax, ...], Decimal]:
    """The taxes of ``TaxTotal`` blocks, one per ``TaxSubtotal``, and the blocks' total.

    A line's ``TaxTotal`` may give only its ``TaxAmount`` (OASIS UBL 2.1 example): the
    tax is then kept as that amount, its scheme and percent taken from the item's
    ``ClassifiedTaxCategory`` (``classified``), so nothing the document says is lost (V1).
    """
    taxes: list[Tax] = []
    total = Decimal(0)
    for block in blocks:
        kids = _kids(block)
        amount = _required_number(r, kids, _TAX_AMOUNT, "cbc:TaxAmount")
        total += amount
        if _SUBTOTAL not in kids:
            taxes.append(_classified_tax(r, amount, _kids(classified), withholding=withholding))
            continue
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


def _classified_tax(
    r: _Reader, amount: Decimal, category: dict[str, list[Element]], *, withholding: bool
) -> Tax:
    """A line tax given only as a ``TaxAmount``: scheme and percent from ``ClassifiedTaxCategory`` (V1)."""
    scheme = _kids(_first(category, _SCHEME))
    return Tax(
        type_code=_text_of(scheme, _CBC + "TaxTypeCode") or _text_of(scheme, _ID) or "",
        amount=amount,
        percent=_number_of(r, category, _PERCENT, "cbc:Percent"),
        name=_text_of(scheme, _NAME),
        withholding=withholding,
        exemption_code=_text_of(category, _CBC + "TaxExemptionReasonCode"),
    )


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
    item = _kids(_first(kids, _CAC + "Item"))
    classified = _first(item, _CAC + "ClassifiedTaxCategory")
    taxes, _ = _tax_blocks(r, kids.get(_CAC + "TaxTotal", []), withholding=False, classified=classified)
    withheld, _ = _tax_blocks(r, kids.get(_CAC + "WithholdingTaxTotal", []), withholding=True)
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
