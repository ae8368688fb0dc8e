"""Every hook a crmkit plugin can implement — the plugin author's reference.

A plugin is a module (or any object) with functions marked
``@crmkit.hookimpl`` whose names match the specs below; it may implement any
subset of them. Built-in adapters register through the very same hooks
(:data:`crmkit.plugins.DEFAULT_PLUGINS`). A third-party plugin is found
through the ``crmkit`` entry-point group::

    # pyproject.toml of crmkit-acme
    [project.entry-points.crmkit]
    acme = "crmkit_acme"

or registered in code with ``crmkit.connect(plugins=[my_module])``.

Registration hooks receive a typed ``register`` callback: call it once per
URL scheme your adapter serves. Adapters are then chosen by URL scheme
(``sqlite:///crm.db``, ``memory://``, ``console://``, ``acme://…``). When
two plugins register one scheme, the first registration wins: built-ins,
then entry points, then plugins given in code (see :class:`crmkit.plugins.Plugins`).

A hookimpl may declare fewer arguments than its spec, never others: a
misspelt hook or argument name is rejected with
:class:`pluggy.PluginValidationError` when the plugin manager is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import attrs
import pluggy

from crmkit.domain.events import DomainEvent
from crmkit.domain.invoices import Invoice
from crmkit.domain.settings import Settings
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.documents import DocumentStore
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import EmailSender, InboundSms, SmsGateway
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = [
    "PROJECT",
    "AdapterContext",
    "DocumentStoreFactory",
    "EmailSenderFactory",
    "InvoiceSourceFactory",
    "Register",
    "SmsGatewayFactory",
    "SmsKeywordHandler",
    "StorageFactory",
    "hookimpl",
    "hookspec",
]

PROJECT = "crmkit"
"""The pluggy project name and the entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification (crmkit's own use)."""
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's hook implementation, as in ``@crmkit.hookimpl``."""


@attrs.frozen
class AdapterContext:
    """What an adapter factory receives besides its URL.

    Attributes:
        clock: the CRM's clock (use it for any time you record).
        ids: the CRM's id generator.
        settings: the CRM's settings.
        storage: the storage already built (``None`` while building storage itself).
    """

    clock: Clock
    ids: IdGenerator
    settings: Settings
    storage: Storage | None = None


StorageFactory = Callable[[str, AdapterContext], Storage]
"""Builds a storage back end from its URL."""
SmsGatewayFactory = Callable[[str, AdapterContext], SmsGateway]
"""Builds an SMS gateway from its URL."""
EmailSenderFactory = Callable[[str, AdapterContext], EmailSender]
"""Builds an e-mail sender from its URL."""
DocumentStoreFactory = Callable[[str, AdapterContext], DocumentStore]
"""Builds a document store from its URL."""
InvoiceSourceFactory = Callable[[str, AdapterContext], InvoiceSource]
"""Builds an invoice source (SPEC §7 V1) from its URL."""
SmsKeywordHandler = Callable[[UnitOfWork, InboundSms], str | None]
"""Answers an inbound SMS starting with its keyword, inside the routing unit of work; returns the
reply text (``None``: no reply). The same type as ``crmkit.services.messaging.KeywordHandler``."""


F_contra = TypeVar("F_contra", contravariant=True)


class Register(Protocol[F_contra]):
    """The callback a registration hook receives: ``register(scheme, factory)``."""

    def __call__(self, scheme: str, factory: F_contra, /) -> None:
        """Offer ``factory`` for URLs whose scheme is ``scheme`` (e.g. ``"acme"``)."""
        ...


@hookspec
def crmkit_register_storage(register: Register[StorageFactory]) -> None:
    """Register storage back ends by URL scheme.

    Called once per CRM, while :func:`crmkit.connect` builds it, with a
    ``register(scheme, factory)`` callback; all implementations are called
    (not ``firstresult``). The factory is called later, only if the host asks
    for that scheme, as ``factory(url, context)`` with the full URL and an
    :class:`AdapterContext` whose ``storage`` is ``None``; it returns a
    :class:`~crmkit.ports.storage.Storage`. Schemes are matched without a
    ``+driver`` suffix: registering ``postgresql`` serves
    ``postgresql+psycopg://…`` too. Example::

        @crmkit.hookimpl
        def crmkit_register_storage(register):
            register("acmedb", lambda url, ctx: AcmeStorage(url, clock=ctx.clock))

    A scheme registered twice keeps the first registration: a plugin cannot
    replace a built-in (or an earlier plugin's) scheme; pick a scheme of your own.
    """


@hookspec
def crmkit_register_sms_gateways(register: Register[SmsGatewayFactory]) -> None:
    """Register SMS gateways by URL scheme.

    Called once per CRM, like :func:`crmkit_register_storage`, with a
    ``register(scheme, factory)`` callback; all implementations are called.
    ``factory(url, context)`` returns a :class:`~crmkit.ports.messaging.SmsGateway`;
    ``context.storage`` is the storage already built. Parse credentials and
    options from the URL and never log them. Built-ins: ``console`` and ``file``
    (development), ``netgsm``, ``iletimerkezi`` and ``twilio`` (HTTP providers).
    Example::

        @crmkit.hookimpl
        def crmkit_register_sms_gateways(register):
            register("acme", AcmeGateway.from_url)   # sms="acme://USER:KEY@api.acme.example?sender=ACME"
    """


@hookspec
def crmkit_register_sms_keywords(register: Register[SmsKeywordHandler]) -> None:
    """Route inbound SMS keywords to handlers (issue 6 item 5): ``register(keyword, handler)``.

    Called once per CRM, while :func:`crmkit.connect` builds ``crm.inbound``
    (the wired ``crmkit.services.messaging.InboundRouter``); all
    implementations are called, built-ins first, then plugins in registration
    order. ``handler(uow, inbound)`` runs inside the unit of work that routes
    the message and returns the reply text, which is sent through the outbox
    as an informational SMS (``None``: no reply). Keywords are one word,
    matched case-insensitively the Turkish way (``puan``, ``PUAN``). The
    first registration of a keyword wins; ``RET``, ``STOP`` and ``IPTAL``
    revoke SMS consent (M3) and cannot be registered (``ValidationError``).
    Example (points, V6)::

        @crmkit.hookimpl
        def crmkit_register_sms_keywords(register):
            register("PUAN", lambda uow, inbound: f"Puanınız: {ledger.balance(inbound.sender)}")
    """


@hookspec
def crmkit_register_email_senders(register: Register[EmailSenderFactory]) -> None:
    """Register e-mail senders by URL scheme.

    Called once per CRM with a ``register(scheme, factory)`` callback; all
    implementations are called. ``factory(url, context)`` returns an
    :class:`~crmkit.ports.messaging.EmailSender`. Built-ins: ``console`` and ``file``
    (development), ``smtp`` (STARTTLS) and ``smtps`` (implicit TLS). Example::

        @crmkit.hookimpl
        def crmkit_register_email_senders(register):
            register("acmemail", lambda url, ctx: AcmeMail.from_url(url))
    """


@hookspec
def crmkit_register_document_stores(register: Register[DocumentStoreFactory]) -> None:
    """Register document stores (C10) by URL scheme.

    Called once per CRM with a ``register(scheme, factory)`` callback; all
    implementations are called. ``factory(url, context)`` returns a
    :class:`~crmkit.ports.documents.DocumentStore`; ``context.storage`` is
    the storage already built, for stores that keep documents beside the
    records. Built-in: ``memory``. Example::

        @crmkit.hookimpl
        def crmkit_register_document_stores(register):
            register("s3", lambda url, ctx: S3DocumentStore.from_url(url))
    """


@hookspec
def crmkit_on_event(event: DomainEvent) -> None:
    """React to a domain event after the unit of work that caused it committed.

    Called once per event (``company.registered``, ``employee.left`` …), in
    commit order, with the frozen event value; all implementations are called
    and their return values are ignored. Events of a rolled-back unit of work
    are never published. An exception raised here propagates to the caller
    of the use case, but the change is already committed: keep handlers
    small, or write to the outbox instead. Example::

        @crmkit.hookimpl
        def crmkit_on_event(event):
            if event.name == "company.registered":
                print("welcome", event.company_id)
    """


@hookspec
def crmkit_register_invoice_sources(register: Register[InvoiceSourceFactory]) -> None:
    """Register invoice sources (SPEC §7 V1) by URL scheme: where accounting invoices come from.

    Called once per CRM with a ``register(scheme, factory)`` callback; all
    implementations are called. ``factory(url, context)`` returns a
    :class:`~crmkit.ports.invoices.InvoiceSource` whose ``read(since)`` yields
    :class:`~crmkit.ports.invoices.SourceRecord` values after a cursor — each
    holding an invoice, or an ``error`` saying why a document could not be read
    (a bad record is yielded, never raised); ``crm.invoices.import_from(url, actor=...)``
    builds one per import and resumes after the cursor it stored for that URL
    (V2: kept in storage with the invoices it covers, so a source's cursors
    must be stable, non-empty and at most 1,000 characters). Built-ins:
    ``ubl-tr`` (a folder or file of UBL-TR XML) and ``csv``. The plugin guide
    (``docs/plugins.md``) walks through writing one. Prove an ERP adapter with
    :class:`crmkit.testing.contracts.InvoiceSourceContract`. Example::

        @crmkit.hookimpl
        def crmkit_register_invoice_sources(register):
            register("logo", lambda url, ctx: LogoErpSource.from_url(url))   # logo://erp.local/?firm=1
    """


@hookspec
def crmkit_on_invoice_imported(invoice: Invoice, warnings: tuple[str, ...]) -> None:
    """React to an invoice that an import has just committed (SPEC §7 V1, V4).

    Called once per newly imported invoice, after the transaction holding it
    committed, in source order, with the frozen
    :class:`~crmkit.domain.invoices.invoice.Invoice` and the warnings the import
    recorded about it; all implementations are called, return values are
    ignored. Duplicates skipped by a re-import and rejected invoices are not
    reported here, so a handler sees each invoice once (V2). A return invoice
    comes with ``invoice.is_return`` true: reverse what it cancels. An
    exception raised here propagates to the caller of the import, but the
    invoice stays imported. Example (points, V4)::

        @crmkit.hookimpl
        def crmkit_on_invoice_imported(invoice, warnings):
            for line in invoice.lines:
                ledger.credit(invoice.buyer.key, line.quantity * invoice.sign, source=invoice.number)
    """
