"""The invoice adapters' tests use the UBL-TR samples kept in tests/services/invoices/samples/ubl-tr."""

from __future__ import annotations

from tests.services.invoices.conftest import samples

__all__ = ["samples"]
