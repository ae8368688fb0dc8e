"""Plugins registered in code: adapters by scheme, precedence, validation, events (ARCHITECTURE §3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import attrs
import pluggy
import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.adapters.memory.documents import MemoryDocumentStore
from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.domain.errors import NotFound, RuleViolation, UnknownAdapter, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.domain.invoices import Invoice
from crmkit.domain.settings import Settings
from crmkit.hookspecs import (
    AdapterContext,
    DocumentStoreFactory,
    EmailSenderFactory,
    InvoiceSourceFactory,
    Register,
    SmsGatewayFactory,
    StorageFactory,
    hookimpl,
)
from crmkit.plugins import DEFAULT_PLUGINS, Plugins, make_plugin_manager
from crmkit.ports.invoices import SourceRecord
from crmkit.ports.messaging import DeliveryReport, EmailMessage, InboundSms, SmsGateway, SmsMessage
from crmkit.testing import FixedClock, SequentialIds


class AcmeGateway:
    """A throwaway SMS gateway that records what it sends."""

    idempotent = False

    def __init__(self, user: str, key: str, sender: str) -> None:
        self.user, self.key, self.sender = user, key, sender
        self.sent: list[SmsMessage] = []

    @classmethod
    def from_url(cls, url: str, context: AdapterContext) -> AcmeGateway:
        parts = urlsplit(url)
        sender = parse_qs(parts.query).get("sender", ["CRM"])[0]
        return cls(parts.username or "", parts.password or "", sender)

    def send(self, message: SmsMessage) -> str:
        self.sent.append(message)
        return f"acme-{len(self.sent)}"

    def status(self, provider_id: str) -> DeliveryReport:
        raise NotFound("sms", provider_id)

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> list[DeliveryReport | InboundSms]:
        return []


class AcmePlugin:
    """A plugin object (not a module): pluggy finds its marked methods."""

    @hookimpl
    def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> None:
        register("acme", AcmeGateway.from_url)


@pytest.fixture
def context() -> AdapterContext:
    return AdapterContext(FixedClock(), SequentialIds(), Settings())


@pytest.fixture
def acme_plugins() -> Plugins:
    """The facade over built-ins plus the throwaway plugin, registered in code."""
    return Plugins(make_plugin_manager(plugins=[AcmePlugin()], load_entrypoints=False))


def test_a_plugin_registered_in_code_supplies_an_sms_gateway(
    acme_plugins: Plugins, context: AdapterContext
) -> None:
    gateway = acme_plugins.build("sms", "acme://ayse:s3cret@?sender=MARMARA", context)

    assert isinstance(gateway, AcmeGateway)
    assert isinstance(gateway, SmsGateway)
    assert (gateway.user, gateway.key, gateway.sender) == ("ayse", "s3cret", "MARMARA")
    assert gateway.send(SmsMessage("+905321234567", "Merhaba")) == "acme-1"
    assert gateway.sent == [SmsMessage("+905321234567", "Merhaba")]
    assert "acme" in acme_plugins.schemes("sms")
    assert "acme" not in acme_plugins.schemes("email")


def test_the_scheme_is_matched_case_insensitively_and_without_a_driver_suffix(
    acme_plugins: Plugins, context: AdapterContext
) -> None:
    assert isinstance(acme_plugins.build("sms", "ACME+v2://u:k@", context), AcmeGateway)


def test_crmkit_connect_builds_the_plugins_gateway() -> None:
    crm = crmkit.connect(sms="acme://u:k@?sender=ACME", plugins=[AcmePlugin()], load_entrypoints=False)

    assert isinstance(crm.sms, AcmeGateway)
    assert crm.sms.sender == "ACME"


class OtherPorts:
    """Registers a scheme for each of the other registration hooks."""

    @hookimpl
    def crmkit_register_storage(self, register: Register[StorageFactory]) -> None:
        register("acmedb", lambda url, ctx: MemoryStorage(url, clock=ctx.clock))

    @hookimpl
    def crmkit_register_email_senders(self, register: Register[EmailSenderFactory]) -> None:
        register("acmemail", lambda url, ctx: ConsoleEmailSender(clock=ctx.clock, ids=ctx.ids))

    @hookimpl
    def crmkit_register_document_stores(self, register: Register[DocumentStoreFactory]) -> None:
        register("acmedocs", lambda url, ctx: MemoryDocumentStore(url))


def test_storage_email_and_document_factories_get_the_url_and_the_context(
    context: AdapterContext, capsys: pytest.CaptureFixture[str]
) -> None:
    other = OtherPorts()
    plugins = Plugins(make_plugin_manager(plugins=[other], load_entrypoints=False))

    storage = plugins.build("storage", "acmedb://", context)
    documents = plugins.build("documents", "acmedocs://bucket", context)
    email = plugins.build("email", "acmemail://", context)

    assert isinstance(storage, MemoryStorage)
    assert storage.url == "acmedb://"
    assert isinstance(documents, MemoryDocumentStore)
    assert documents.url == "acmedocs://bucket"
    assert isinstance(email, ConsoleEmailSender)
    email.send(EmailMessage("ayse@example.com.tr", "Hoş geldiniz", "Merhaba"))
    assert "00000000-0000-4000-8000-000000000001" in capsys.readouterr().out
    assert plugins.providers("storage")["acmedb"] == plugins.pm.get_name(other)
    assert plugins.providers("storage")["memory"] == "crmkit.adapters.memory.plugin"


def test_an_unknown_scheme_raises_unknown_adapter_listing_the_known_schemes(
    acme_plugins: Plugins, context: AdapterContext
) -> None:
    with pytest.raises(UnknownAdapter) as caught:
        acme_plugins.build("sms", "kannel://user:pass@", context)

    error = caught.value
    assert (error.port, error.scheme) == ("sms", "kannel")
    assert error.known == acme_plugins.schemes("sms")
    assert {"acme", "console", "file"} <= set(error.known)
    assert str(error) == f"no sms adapter for scheme 'kannel'; known schemes: {', '.join(error.known)}"


def test_a_url_without_a_scheme_is_a_validation_error_naming_the_port(
    acme_plugins: Plugins, context: AdapterContext
) -> None:
    with pytest.raises(ValidationError) as caught:
        acme_plugins.build("email", "ayse@example.com.tr", context)
    assert caught.value.field == "email"


class MisspeltHook:
    @hookimpl
    def crmkit_register_sms_gateway(self, register: Register[SmsGatewayFactory]) -> None:
        register("typo", AcmeGateway.from_url)  # pragma: no cover - never called


def test_a_hookimpl_for_no_hook_is_rejected_by_check_pending() -> None:
    with pytest.raises(pluggy.PluginValidationError, match="crmkit_register_sms_gateway"):
        make_plugin_manager(plugins=[MisspeltHook()], load_entrypoints=False)


class WrongArgument:
    @hookimpl
    def crmkit_register_sms_gateways(self, registrar: Register[SmsGatewayFactory]) -> None:
        registrar("typo", AcmeGateway.from_url)  # pragma: no cover - never called


def test_a_hookimpl_with_an_argument_the_hook_lacks_is_rejected() -> None:
    with pytest.raises(pluggy.PluginValidationError, match="registrar"):
        make_plugin_manager(plugins=[WrongArgument()], load_entrypoints=False)


class WrappingRegistration:
    @hookimpl(wrapper=True)
    def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> object:
        return (yield)  # pragma: no cover - never called


def test_a_registration_hook_cannot_be_a_wrapper() -> None:
    pm = make_plugin_manager(plugins=[WrappingRegistration()], load_entrypoints=False)
    with pytest.raises(pluggy.PluginValidationError, match="cannot be a wrapper"):
        Plugins(pm)


class BadScheme:
    @hookimpl
    def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> None:
        register("acme gateway", AcmeGateway.from_url)


def test_a_malformed_scheme_is_refused_naming_the_plugin() -> None:
    bad = BadScheme()
    pm = make_plugin_manager(plugins=[bad], load_entrypoints=False)
    with pytest.raises(ValueError, match="'acme gateway'") as caught:
        Plugins(pm)
    assert repr(pm.get_name(bad)) in str(caught.value)


class Hijacker:
    """Tries to take over the built-in ``console`` SMS scheme, even with tryfirst/trylast."""

    def __init__(self) -> None:
        self.built: list[str] = []

    def _factory(self, url: str, context: AdapterContext) -> AcmeGateway:
        self.built.append(url)  # pragma: no cover - must never be called
        return AcmeGateway("", "", "")  # pragma: no cover

    @hookimpl(trylast=True)
    def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> None:
        register("console", self._factory)
        register("hijack", self._factory)


class EagerHijacker(Hijacker):
    @hookimpl(tryfirst=True)
    def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> None:
        register("CONSOLE", self._factory)


@pytest.mark.parametrize("hijacker", [Hijacker(), EagerHijacker()], ids=["trylast", "tryfirst"])
def test_built_ins_win_a_scheme_clash_whatever_the_call_order(
    hijacker: Hijacker, context: AdapterContext
) -> None:
    plugins = Plugins(make_plugin_manager(plugins=[hijacker], load_entrypoints=False))

    assert isinstance(plugins.build("sms", "console://", context), ConsoleSmsGateway)
    assert plugins.providers("sms")["console"] == "crmkit.adapters.console"
    assert hijacker.built == []


def test_the_other_schemes_of_a_clashing_plugin_still_register(context: AdapterContext) -> None:
    plugins = Plugins(make_plugin_manager(plugins=[Hijacker()], load_entrypoints=False))
    assert "hijack" in plugins.schemes("sms")
    assert plugins.providers("sms")["console"] == "crmkit.adapters.console"


def test_between_third_party_plugins_the_first_registered_wins(context: AdapterContext) -> None:
    class Second:
        @hookimpl(tryfirst=True)
        def crmkit_register_sms_gateways(self, register: Register[SmsGatewayFactory]) -> None:
            register("acme", lambda url, ctx: AcmeGateway("second", "", ""))

    first, second = AcmePlugin(), Second()
    pm = make_plugin_manager(plugins=[first, second], load_entrypoints=False)
    plugins = Plugins(pm)

    gateway = plugins.build("sms", "acme://first:key@", context)
    assert isinstance(gateway, AcmeGateway)
    assert gateway.user == "first"
    assert plugins.providers("sms")["acme"] == pm.get_name(first)


def test_the_built_ins_are_registered_by_module_name_first() -> None:
    pm = make_plugin_manager(plugins=[AcmePlugin()], load_entrypoints=False)
    names = [name for name, _ in pm.list_name_plugin()]
    assert names[: len(DEFAULT_PLUGINS)] == list(DEFAULT_PLUGINS)
    providers = Plugins(pm).providers("sms")
    assert providers["console"] == providers["file"] == "crmkit.adapters.console"


def test_a_plugin_given_twice_or_already_registered_is_registered_once() -> None:
    plugin = AcmePlugin()
    pm = make_plugin_manager(plugins=[plugin, plugin], load_entrypoints=False)
    assert len(pm.get_plugins()) == len(DEFAULT_PLUGINS) + 1


@attrs.frozen(kw_only=True)
class Pinged(DomainEvent):
    name: ClassVar[str] = "test.pinged"
    n: int


class EventRecorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    @hookimpl
    def crmkit_on_event(self, event: DomainEvent) -> None:
        self.events.append(event)


def test_crmkit_on_event_receives_every_published_event_in_order() -> None:
    first, second = EventRecorder(), EventRecorder()
    plugins = Plugins(make_plugin_manager(plugins=[first, second], load_entrypoints=False))
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    events = [Pinged(at=at, n=1), Pinged(at=at, n=2)]

    plugins.publish(events)

    assert first.events == second.events == events


def test_crmkit_on_event_receives_the_events_of_a_committed_use_case() -> None:
    recorder = EventRecorder()
    crm = crmkit.connect(clock=FixedClock(), ids=SequentialIds(), plugins=[recorder], load_entrypoints=False)

    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")

    assert [event.name for event in recorder.events] == ["employee.hired"]
    assert getattr(recorder.events[0], "employee_id", None) == admin.id
    assert recorder.events[0].at == FixedClock().now()


def test_a_rolled_back_use_case_publishes_nothing() -> None:
    recorder = EventRecorder()
    crm = crmkit.connect(plugins=[recorder], load_entrypoints=False)
    crm.parties.create_first_admin(name="Ayşe Yılmaz")
    recorder.events.clear()

    with pytest.raises(RuleViolation):
        crm.parties.create_first_admin(name="Second Admin")  # C8: refused once anyone exists

    assert recorder.events == []


class ErpSource:
    """A throwaway invoice source: reads nothing, remembers its URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def read(self, since: str | None = None) -> Iterator[SourceRecord]:
        return iter(())


class ErpPlugin:
    def __init__(self) -> None:
        self.imported: list[tuple[Invoice, tuple[str, ...]]] = []

    @hookimpl
    def crmkit_register_invoice_sources(self, register: Register[InvoiceSourceFactory]) -> None:
        register("logo", lambda url, ctx: ErpSource(url))

    @hookimpl
    def crmkit_on_invoice_imported(self, invoice: Invoice, warnings: tuple[str, ...]) -> None:
        self.imported.append((invoice, warnings))


def test_a_plugin_supplies_an_invoice_source_beside_the_built_ins(context: AdapterContext) -> None:
    plugins = Plugins(make_plugin_manager(plugins=[ErpPlugin()], load_entrypoints=False))

    source = plugins.build("invoices", "logo://erp.local/?firm=1", context)

    assert isinstance(source, ErpSource)
    assert source.url == "logo://erp.local/?firm=1"
    assert {"csv", "logo", "ubl-tr"} <= set(plugins.schemes("invoices"))
    assert plugins.providers("invoices")["ubl-tr"] == "crmkit.adapters.invoices.plugin"
    with pytest.raises(UnknownAdapter, match="no invoices adapter for scheme 'sap'"):
        plugins.build("invoices", "sap://erp", context)


def test_crmkit_on_invoice_imported_receives_the_invoice_and_its_warnings(
    context: AdapterContext, tmp_path: Path
) -> None:
    erp = ErpPlugin()
    plugins = Plugins(make_plugin_manager(plugins=[erp], load_entrypoints=False))
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "invoice_number,issue_date,currency,seller_name,buyer_name,product_name,quantity,unit_price,line_total\n"
        "A-1,2026-01-05,TRY,Marmara Dağıtım A.Ş.,Çağlayan Büfe,Çay 500 g,10,2.50,25.00\n",
        encoding="utf-8",
    )
    (record,) = plugins.build("invoices", f"csv://{sales}", context).read()
    assert record.invoice is not None

    plugins.invoice_imported(record.invoice, ["issue time missing"])

    assert erp.imported == [(record.invoice, ("issue time missing",))]
