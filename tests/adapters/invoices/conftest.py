"""The invoice adapters' tests use the UBL-TR samples kept in tests/invoices/samples/ubl-tr."""

from __future__ import annotations

from tests.invoices.conftest import samples

__all__ = ["samples"]
