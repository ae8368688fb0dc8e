"""Every storage back end passes the shipped InvoiceRepository contract (SPEC §7 V1, V2, V10)."""

from __future__ import annotations

from crmkit.testing.contracts import InvoiceRepositoryContract


class TestInvoiceRepository(InvoiceRepositoryContract):
    pass  # the parametrized ``storage`` fixture of tests/conftest.py: memory, SQLite, PostgreSQL, MariaDB
