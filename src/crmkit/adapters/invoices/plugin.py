"""Built-in plugin: the ``ubl-tr`` and ``csv`` invoice sources (SPEC §7 V1), through the public hook."""

from __future__ import annotations

from crmkit.adapters.invoices.csv import SCHEME as CSV_SCHEME
from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.invoices.ubl import SCHEME as UBL_SCHEME
from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.hookspecs import AdapterContext, InvoiceSourceFactory, Register, hookimpl

__all__ = ["crmkit_register_invoice_sources", "make_csv_source", "make_ubl_source"]


def make_ubl_source(url: str, context: AdapterContext) -> UblInvoiceSource:
    """Build a UBL-TR source from ``ubl-tr:///folder`` or ``ubl-tr:///file.xml``.

    The issue-time zone defaults to the CRM's time zone setting (``?tz=`` overrides it).
    """
    if "tz=" not in url:
        url = f"{url}{'&' if '?' in url else '?'}tz={context.settings.timezone}"
    return UblInvoiceSource.from_url(url)


def make_csv_source(url: str, context: AdapterContext) -> CsvInvoiceSource:
    """Build a CSV source from ``csv:///file.csv`` (dates in the CRM's time zone unless ``?tz=``)."""
    if "tz=" not in url:
        url = f"{url}{'&' if '?' in url else '?'}tz={context.settings.timezone}"
    return CsvInvoiceSource.from_url(url)


@hookimpl
def crmkit_register_invoice_sources(register: Register[InvoiceSourceFactory]) -> None:
    """Offer :class:`UblInvoiceSource` for ``ubl-tr://`` and :class:`CsvInvoiceSource` for ``csv://``."""
    register(UBL_SCHEME, make_ubl_source)
    register(CSV_SCHEME, make_csv_source)
