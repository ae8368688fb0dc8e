"""The adapters the contract suites are bound to in ``tests/contracts``, as plain builders.

Shared by the real bindings and by the mutant bindings of ``test_mutants.py``,
which wrap the same adapters in :mod:`crmkit.testing.mutants`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer

from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import SmsGateway
from crmkit.testing.contracts import InvoiceSourceContract, SmsGatewayContract
from tests.invoices.test_csv import ROWS, write
from tests.messaging.emulators import EmulatorPeer, netgsm_peer
from tests.messaging.test_sms_gateways import netgsm

NETGSM_INBOUND = urlencode({"gsmno": "905321234567", "msg": "PUAN", "msgheader": "CRMKIT"}).encode()


def csv_source(tmp_path: Path) -> InvoiceSource:
    """Invoices A-1, A-2 and R-1 (the return of A-1)."""
    return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, *ROWS)}")


def csv_source_of(tmp_path: Path) -> Callable[[int], InvoiceSource]:
    """``n`` one-line invoices N-0, N-1, …"""

    def make(n: int) -> InvoiceSource:
        rows = [ROWS[2].replace("A-2;", f"N-{k};", 1) for k in range(n)]
        return CsvInvoiceSource.from_url(f"csv://{write(tmp_path, *rows, name=f'of-{n}.csv')}")

    return make


def csv_source_with_a_bad_record(tmp_path: Path) -> InvoiceSource:
    """A-1, then A-2 with a quantity that is no number, then R-1."""
    bad = ROWS[2].replace(";4;NIU;", ";dört;NIU;")
    return CsvInvoiceSource.from_url(
        f"csv://{write(tmp_path, ROWS[0], ROWS[1], bad, ROWS[3], name='bad.csv')}"
    )


def csv_unopenable(tmp_path: Path) -> Callable[[], InvoiceSource]:
    """Builds a CSV source on a file that does not exist."""
    return lambda: CsvInvoiceSource.from_url(f"csv://{tmp_path / 'missing' / 'sales.csv'}")


def sms_binding(wrap: Callable[[SmsGateway], SmsGateway]) -> type[SmsGatewayContract]:
    """The SMS contract bound to Netgsm (and its emulator as the peer), the gateway wrapped by ``wrap``."""

    class Bound(SmsGatewayContract):
        @pytest.fixture
        def peer(self, httpserver: HTTPServer) -> tuple[SmsGateway, EmulatorPeer]:
            gateway, emulator = netgsm(httpserver)
            return wrap(gateway), netgsm_peer(emulator)

        @pytest.fixture
        def gateway(self, peer: tuple[SmsGateway, EmulatorPeer]) -> SmsGateway:
            return peer[0]

        @pytest.fixture
        def provider(self, peer: tuple[SmsGateway, EmulatorPeer]) -> EmulatorPeer:
            return peer[1]

        @pytest.fixture
        def inbound_callback(self) -> tuple[bytes, Mapping[str, str]]:
            return NETGSM_INBOUND, {"Content-Type": "application/x-www-form-urlencoded"}

    return Bound


def invoice_binding(
    wrap: Callable[[InvoiceSource], InvoiceSource],
    wrap_build: Callable[[Callable[[], InvoiceSource]], InvoiceSource] | None = None,
) -> type[InvoiceSourceContract]:
    """The invoice-source contract bound to the CSV source, each source wrapped by ``wrap``.

    ``wrap_build`` wraps the building of a source instead (for a mutant that changes how a URL is
    opened); it defaults to building first, then ``wrap``.
    """
    built = wrap_build or (lambda build: wrap(build()))

    class Bound(InvoiceSourceContract):
        @pytest.fixture
        def invoice_source(self, tmp_path: Path) -> InvoiceSource:
            return built(lambda: csv_source(tmp_path))

        @pytest.fixture
        def source_of(self, tmp_path: Path) -> Callable[[int], InvoiceSource]:
            make = csv_source_of(tmp_path)
            return lambda n: built(lambda: make(n))

        @pytest.fixture
        def source_with_a_bad_record(self, tmp_path: Path) -> InvoiceSource:
            return built(lambda: csv_source_with_a_bad_record(tmp_path))

        @pytest.fixture
        def source_with_a_return(self, invoice_source: InvoiceSource) -> InvoiceSource:
            return invoice_source

        @pytest.fixture
        def unopenable_source(self, tmp_path: Path) -> Callable[[], InvoiceSource]:
            return lambda: built(csv_unopenable(tmp_path))

    return Bound
