"""Sales orders and what of them is still to be invoiced; the hand-over of invoices' originals (V10)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.fields import aware, nonblank
from crmkit.domain.invoices.values import InvoiceLine, exact_amount

__all__ = ["HandOverStatus", "OrderLine", "SalesOrder"]


class HandOverStatus(enum.Enum):
    """Whether the original invoice was handed to the customer (V10)."""

    PENDING = "pending"
    DELIVERED = "delivered"


@attrs.frozen(kw_only=True)
class OrderLine:
    """One product of a sales order (V10).

    Attributes:
        line_id: the line's id within the order (``"1"``).
        product_name: the product's name.
        quantity: how many were ordered.
        product_code: the product's code, when known.
        unit_code: the unit, when known.
        invoiced: how many were invoiced so far (returns subtract).
    """

    line_id: str
    product_name: str
    quantity: Decimal = attrs.field(converter=exact_amount)
    product_code: str | None = None
    unit_code: str | None = None
    invoiced: Decimal = attrs.field(default=Decimal(0), converter=exact_amount)

    @property
    def to_be_invoiced(self) -> bool:
        """``True`` while less than the ordered quantity has been invoiced (V10)."""
        return self.invoiced < self.quantity

    @property
    def remaining(self) -> Decimal:
        """The quantity still to be invoiced (never negative)."""
        return max(self.quantity - self.invoiced, Decimal(0))


@attrs.frozen(kw_only=True)
class SalesOrder:
    """Products sold to a customer under one order number (V10).

    Attributes:
        number: the order number, unique.
        customer: the customer's matching key (:func:`~crmkit.domain.invoices.values.party_key`).
        ordered_at: when the order was taken (aware).
        lines: the ordered products.
        version: optimistic-locking version.
    """

    number: str = attrs.field(validator=nonblank)
    customer: str
    ordered_at: datetime = attrs.field(validator=aware)
    lines: tuple[OrderLine, ...]
    version: int = 1

    def __attrs_post_init__(self) -> None:
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValidationError("lines", f"order {self.number} lists a line id twice")

    @property
    def to_be_invoiced(self) -> tuple[OrderLine, ...]:
        """The lines not (fully) invoiced yet (V10)."""
        return tuple(line for line in self.lines if line.to_be_invoiced)

    def invoiced_by(self, line: InvoiceLine, sign: int) -> tuple[SalesOrder, str | None]:
        """The order after an invoice line delivered (``sign=1``) or a return took back (``-1``) some.

        The order line is the one named by ``line.order_line``, else the first
        one of the same product with quantity left.

        Returns:
            The updated order and the matched line id (``None``: no line matched, order unchanged).
        """
        chosen: OrderLine | None = None
        if line.order_line is not None:
            chosen = next((ol for ol in self.lines if ol.line_id == line.order_line), None)
        if chosen is None:
            same = [ol for ol in self.lines if _order_matches(ol, line)]
            chosen = next((ol for ol in same if ol.to_be_invoiced or sign < 0), same[0] if same else None)
        if chosen is None:
            return self, None
        updated = attrs.evolve(chosen, invoiced=chosen.invoiced + sign * abs(line.quantity))
        lines = tuple(updated if ol is chosen else ol for ol in self.lines)
        return attrs.evolve(self, lines=lines), chosen.line_id


def _order_matches(order_line: OrderLine, line: InvoiceLine) -> bool:
    if order_line.product_code and line.product_code:
        return order_line.product_code.strip() == line.product_code.strip()
    return (
        " ".join(order_line.product_name.split()).casefold() == " ".join(line.product_name.split()).casefold()
    )
