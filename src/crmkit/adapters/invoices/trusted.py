"""Invoice lines and taxes built from values a parser has already made exact (SPEC §7 V1).

The CSV source parses every amount itself into a finite ``Decimal`` (and memoises
the texts a file repeats), so running :class:`~crmkit.domain.invoices.InvoiceLine`'s
and :class:`~crmkit.domain.invoices.Tax`'s converters again on a million lines
only costs time. :func:`trusted_line` and :func:`trusted_tax` take the fields
positionally, in the classes' order, and store them as given
(:func:`crmkit.adapters.slots.trusted_constructor`); they equal the validating
constructors on such values, as a property test checks.

>>> from decimal import Decimal
>>> from crmkit.domain.invoices import InvoiceLine
>>> trusted_line(1, "Kalem", Decimal(2), Decimal("2.50"), Decimal("5.00")) == InvoiceLine(
...     number=1, product_name="Kalem", quantity=2, unit_price="2.50", line_extension="5.00")
True
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, cast

from crmkit.adapters.slots import trusted_constructor
from crmkit.domain.invoices import InvoiceLine, Tax

__all__ = ["TrustedLine", "TrustedTax", "trusted_line", "trusted_tax"]


class TrustedTax(Protocol):
    """The signature of :func:`trusted_tax`: :class:`~crmkit.domain.invoices.Tax`'s fields in order."""

    def __call__(  # noqa: D102 - the class docstring says it
        self,
        type_code: str,
        amount: Decimal,
        percent: Decimal | None = None,
        taxable_amount: Decimal | None = None,
        name: str | None = None,
        withholding: bool = False,
        exemption_code: str | None = None,
        per_unit_amount: Decimal | None = None,
        base_quantity: Decimal | None = None,
        base_unit_code: str | None = None,
    ) -> Tax: ...


class TrustedLine(Protocol):
    """The signature of :func:`trusted_line`: the fields of an ``InvoiceLine`` in order."""

    def __call__(  # noqa: D102 - the class docstring says it
        self,
        number: int,
        product_name: str,
        quantity: Decimal,
        unit_price: Decimal,
        line_extension: Decimal,
        unit_code: str | None = None,
        product_code: str | None = None,
        discount: Decimal = ...,
        charge: Decimal = ...,
        taxes: tuple[Tax, ...] = (),
        order_number: str | None = None,
        order_line: str | None = None,
    ) -> InvoiceLine: ...


trusted_tax = cast(
    TrustedTax,
    trusted_constructor(
        Tax,
        "trusted_tax",
        "Build a percent :class:`~crmkit.domain.invoices.Tax` from exact values: no converter or check runs.",
        __name__,
    ),
)
"""Build a percent :class:`~crmkit.domain.invoices.Tax` from values already exact (finite ``Decimal``)."""

trusted_line = cast(
    TrustedLine,
    trusted_constructor(
        InvoiceLine,
        "trusted_line",
        "Build an :class:`~crmkit.domain.invoices.InvoiceLine` from exact values: no converter runs.",
        __name__,
    ),
)
"""Build an :class:`~crmkit.domain.invoices.InvoiceLine` from values already exact (finite ``Decimal``)."""
