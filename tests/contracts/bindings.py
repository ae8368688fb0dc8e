"""The adapters the contract suites are bound to in ``tests/contracts``, as plain builders.

Shared by the real bindings and by the mutant bindings of ``test_mutants.py``,
which wrap the same adapters in :mod:`crmkit.testing.mutants`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer

from crmkit.adapters.invoices.csv import CsvInvoiceSource
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import EmailMessage, EmailSender, SmsGateway
from crmkit.ports.storage import Storage
from crmkit.testing import FixedClock
from crmkit.testing.contracts import (
    AuditLogContract,
    CompanyRepositoryContract,
    EmailSenderContract,
    InvoiceSourceContract,
    OutboxRepositoryContract,
    SmsGatewayContract,
    UnitOfWorkContract,
)
from tests.adapters.invoices.test_csv import ROWS, write
from tests.adapters.sms.test_gateways import TO, ileti, netgsm, twilio
from tests.services.messaging.emulators import EmulatorPeer, iletimerkezi_peer, netgsm_peer, twilio_peer
from tests.services.messaging.smtp_server import Inbox, smtp_sender, smtp_server


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


Callback = tuple[bytes, Mapping[str, str]]
GatewayAndPeer = tuple[SmsGateway, EmulatorPeer]


def with_netgsm(server: HTTPServer) -> GatewayAndPeer:
    gateway, emulator = netgsm(server)
    return gateway, netgsm_peer(emulator)


def with_iletimerkezi(server: HTTPServer) -> GatewayAndPeer:
    gateway, emulator = ileti(server)
    return gateway, iletimerkezi_peer(emulator)


def with_twilio(server: HTTPServer) -> GatewayAndPeer:
    gateway, emulator = twilio(server)
    return gateway, twilio_peer(emulator)


NETGSM_INBOUND: Callback = (
    urlencode({"gsmno": "905321234567", "msg": "PUAN", "msgheader": "CRMKIT"}).encode(),
    {"Content-Type": "application/x-www-form-urlencoded"},
)
ILETIMERKEZI_INBOUND: Callback = (
    json.dumps({"inbound": {"from": "5321234567", "message": "PUAN"}}).encode(),
    {"Content-Type": "application/json"},
)
TWILIO_INBOUND: Callback = (
    urlencode(
        {"MessageSid": "SM1", "From": TO, "To": "+15005550006", "Body": "PUAN", "SmsStatus": "received"}
    ).encode(),
    {"Content-Type": "application/x-www-form-urlencoded"},
)


def sms_binding(
    build: Callable[[HTTPServer], GatewayAndPeer] = with_netgsm,
    inbound: Callback = NETGSM_INBOUND,
    wrap: Callable[[SmsGateway], SmsGateway] = lambda gateway: gateway,
) -> type[SmsGatewayContract]:
    """The SMS contract on an HTTP gateway and its emulator (the peer), the gateway wrapped by ``wrap``."""

    class Bound(SmsGatewayContract):
        @pytest.fixture
        def peer(self, httpserver: HTTPServer) -> GatewayAndPeer:
            gateway, emulator = build(httpserver)
            return wrap(gateway), emulator

        @pytest.fixture
        def gateway(self, peer: GatewayAndPeer) -> SmsGateway:
            return peer[0]

        @pytest.fixture
        def provider(self, peer: GatewayAndPeer) -> EmulatorPeer:
            return peer[1]

        @pytest.fixture
        def inbound_callback(self) -> Callback:
            return inbound

    return Bound


def invoice_binding(
    wrap: Callable[[InvoiceSource], InvoiceSource] = lambda source: source,
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


def refusing(inbox: Inbox) -> Callable[[str, bool], None]:
    """The e-mail contract's ``refuse`` for an SMTP server: 550 (no such user) or 451 (greylisted)."""

    def refuse(address: str, permanent: bool) -> None:
        reply = "550 5.1.1 no such user" if permanent else "451 4.7.1 greylisted, try later"
        inbox.reject_rcpt[address] = reply

    return refuse


class SmtpEmailBinding(EmailSenderContract):
    """The e-mail contract on the SMTP sender and a plain SMTP server on 127.0.0.1 (not collected itself)."""

    @pytest.fixture
    def server(self) -> Iterator[tuple[Inbox, int]]:
        with smtp_server() as running:
            yield running

    @pytest.fixture
    def sender(self, server: tuple[Inbox, int]) -> EmailSender:
        return smtp_sender(f"smtp://127.0.0.1:{server[1]}?from=crm%40example.com&starttls=off")

    @pytest.fixture
    def delivered(self, server: tuple[Inbox, int]) -> Callable[[], list[EmailMessage]]:
        return server[0].messages

    @pytest.fixture
    def refuse(self, server: tuple[Inbox, int]) -> Callable[[str, bool], None]:
        return refusing(server[0])


def email_binding(
    wrap: Callable[[EmailSender], EmailSender] = lambda sender: sender,
) -> type[EmailSenderContract]:
    """:class:`SmtpEmailBinding` with its sender wrapped by ``wrap``."""

    class Bound(SmtpEmailBinding):
        @pytest.fixture
        def sender(self, server: tuple[Inbox, int]) -> EmailSender:
            return wrap(smtp_sender(f"smtp://127.0.0.1:{server[1]}?from=crm%40example.com&starttls=off"))

    return Bound


def _memory_storage(wrap: Callable[[Storage], Storage]) -> Callable[[object], Iterator[Storage]]:
    """A class fixture: a new memory storage, wrapped by ``wrap``, closed after the test."""

    def storage(self: object) -> Iterator[Storage]:
        built = wrap(MemoryStorage("memory://", clock=FixedClock()))
        yield built
        built.close()

    return storage


def storage_bindings(wrap: Callable[[Storage], Storage] = lambda storage: storage) -> dict[str, type]:
    """The storage suites (companies, units of work, the audit trail) on a memory storage wrapped by ``wrap``.

    Keyed by the ``Test*`` name to bind each under.
    """
    fixture = pytest.fixture(_memory_storage(wrap), name="storage")
    suites = {
        "TestCompanies": CompanyRepositoryContract,
        "TestUnitOfWork": UnitOfWorkContract,
        "TestAuditLog": AuditLogContract,
    }
    return {name: type(name, (suite,), {"storage": fixture}) for name, suite in suites.items()}


def outbox_binding(
    wrap: Callable[[Storage], Storage] = lambda storage: storage,
) -> type[OutboxRepositoryContract]:
    """The outbox and consent suite on a memory storage wrapped by ``wrap``."""
    fixture = pytest.fixture(_memory_storage(wrap), name="storage")
    return type("Bound", (OutboxRepositoryContract,), {"storage": fixture})
