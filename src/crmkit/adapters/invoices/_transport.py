"""Invoice records to bytes and back, fast, between a parsing process and the importer.

:mod:`pickle` of the frozen attrs values goes through their generic
``__getstate__``/``__setstate__`` (a Python loop per object): reading a parsed
invoice back cost about as much as parsing it. Here each invoice value is
written as a call of a module-level *rebuilder* with its fields in order, which
fills the slots directly (:func:`crmkit.adapters.slots.trusted_constructor`).
The values were built, and so validated, by their own constructors in the
parsing process; what comes back is equal to them, field by field.

Only for bytes this process's own workers wrote: never load what a stranger sent.
"""

from __future__ import annotations

import io
import pickle
from operator import attrgetter
from typing import Any

import attrs

from crmkit.adapters.slots import trusted_constructor
from crmkit.domain.invoices import (
    AllowanceCharge,
    ExchangeRate,
    Invoice,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
    Tax,
)
from crmkit.ports.invoices import SourceRecord

__all__ = ["dumps", "loads"]


def _rebuilder(cls: type[Any]) -> Any:
    name = f"rebuild_{cls.__name__}"
    doc = f"Rebuild a :class:`{cls.__name__}` from its fields, in order (see the module)."
    return trusted_constructor(cls, name, doc, __name__)  # pickled by reference: found here when loaded


# Named after the class each rebuilds; pickled by reference, so they must live at module level.
rebuild_SourceRecord = _rebuilder(SourceRecord)
rebuild_Invoice = _rebuilder(Invoice)
rebuild_InvoiceParty = _rebuilder(InvoiceParty)
rebuild_InvoiceTotals = _rebuilder(InvoiceTotals)
rebuild_InvoiceReference = _rebuilder(InvoiceReference)
rebuild_InvoiceLine = _rebuilder(InvoiceLine)
rebuild_Tax = _rebuilder(Tax)
rebuild_AllowanceCharge = _rebuilder(AllowanceCharge)
rebuild_ExchangeRate = _rebuilder(ExchangeRate)


def _reducer(cls: type[Any], rebuild: Any) -> Any:
    fields = attrgetter(*(f.name for f in attrs.fields(cls)))

    def reduce(obj: Any) -> tuple[Any, tuple[Any, ...]]:
        return rebuild, fields(obj)

    return reduce


_DISPATCH: dict[type[Any], Any] = {
    cls: _reducer(cls, rebuild)
    for cls, rebuild in (
        (SourceRecord, rebuild_SourceRecord),
        (Invoice, rebuild_Invoice),
        (InvoiceParty, rebuild_InvoiceParty),
        (InvoiceTotals, rebuild_InvoiceTotals),
        (InvoiceReference, rebuild_InvoiceReference),
        (InvoiceLine, rebuild_InvoiceLine),
        (Tax, rebuild_Tax),
        (AllowanceCharge, rebuild_AllowanceCharge),
        (ExchangeRate, rebuild_ExchangeRate),
    )
}
"""Only these types get a Python reducer; decimals, times and texts keep pickle's own (in C)."""


class _Pickler(pickle.Pickler):
    dispatch_table = _DISPATCH


def dumps(records: list[SourceRecord]) -> bytes:
    """The records as bytes for :func:`loads`."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(records)
    return buffer.getvalue()


def loads(data: bytes) -> list[SourceRecord]:
    """The records :func:`dumps` wrote (only ever bytes from this process's own workers)."""
    records: list[SourceRecord] = pickle.loads(data)  # our own worker's output
    return records
