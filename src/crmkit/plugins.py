"""The plugin manager and its typed facade.

:func:`make_plugin_manager` registers the built-in adapters (by module name,
like datasette's ``DEFAULT_PLUGINS``), then the ``crmkit`` entry points, then
the host's own plugins, and checks every hookimpl against a spec. The rest of
crmkit calls hooks only through :class:`Plugins`, never ``pm.hook`` directly.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import pluggy
from pluggy import HookImpl

from crmkit import hookspecs
from crmkit.domain.errors import UnknownAdapter, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.domain.invoices import Invoice
from crmkit.hookspecs import (
    PROJECT,
    AdapterContext,
    DocumentStoreFactory,
    EmailSenderFactory,
    InvoiceSourceFactory,
    SmsGatewayFactory,
    SmsKeywordHandler,
    StorageFactory,
)
from crmkit.ports.documents import DocumentStore
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import EmailSender, SmsGateway
from crmkit.ports.storage import Storage

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_AUTOLOAD_ENV",
    "Plugins",
    "make_plugin_manager",
    "scheme_of",
]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "crmkit.adapters.memory.plugin",
    "crmkit.adapters.console",
    "crmkit.adapters.sqlalchemy.plugin",
    "crmkit.adapters.sms.plugin",
    "crmkit.adapters.email.plugin",
    "crmkit.adapters.invoices.plugin",
)
"""Modules of the built-in adapters, registered through the same hooks as third-party ones."""

DISABLE_AUTOLOAD_ENV = "CRMKIT_DISABLE_PLUGIN_AUTOLOAD"
"""Set this environment variable (to any non-empty value) to skip loading ``crmkit`` entry points."""

F = TypeVar("F")

_SCHEME = re.compile(r"[a-z][a-z0-9.-]*")


def scheme_of(url: str, *, field: str = "url") -> str:
    """The scheme of an adapter URL, lower-cased, without a ``+driver`` suffix.

    >>> scheme_of("postgresql+psycopg://crm@db/crm"), scheme_of("Console://")
    ('postgresql', 'console')

    Raises:
        ValidationError: naming ``field`` when the URL has no scheme.
    """
    scheme = urlsplit(url).scheme if "://" in url else ""
    if not scheme:
        example = "like 'memory://' or 'sqlite:///crm.db'"
        raise ValidationError(field, f"{url!r} is not an adapter URL {example}")
    return scheme.split("+", 1)[0].lower()


def make_plugin_manager(
    plugins: Iterable[object] = (), *, load_entrypoints: bool | None = None
) -> pluggy.PluginManager:
    """Build a plugin manager: built-ins, then entry points, then ``plugins``.

    Args:
        plugins: extra plugin modules or objects registered in code, in this order.
        load_entrypoints: load the ``crmkit`` entry-point group; by default yes,
            unless ``CRMKIT_DISABLE_PLUGIN_AUTOLOAD`` is set (to any non-empty value).
            An entry point whose name is blocked (``pm.set_blocked``) or already
            registered is skipped.

    Raises:
        pluggy.PluginValidationError: a hookimpl names no hook of :mod:`crmkit.hookspecs`
            (a typo) or takes an argument the hook does not offer.

    >>> pm = make_plugin_manager(load_entrypoints=False)
    >>> [name for name, _ in pm.list_name_plugin()] == list(DEFAULT_PLUGINS)
    True
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if load_entrypoints is None:
        load_entrypoints = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(PROJECT)
    for plugin in plugins:
        if not pm.is_registered(plugin):
            pm.register(plugin)
    pm.check_pending()
    return pm


class _Registry(Generic[F]):
    """The factories offered for one port, by scheme, and the plugin that offered each."""

    def __init__(self, port: str) -> None:
        self.port = port
        self.factories: dict[str, F] = {}
        self.providers: dict[str, str] = {}
        self.current_plugin = ""

    def register(self, scheme: str, factory: F, /) -> None:
        key = scheme.lower().split("+", 1)[0]
        if not _SCHEME.fullmatch(key):
            raise ValueError(
                f"plugin {self.current_plugin!r} registered {scheme!r} as a {self.port} scheme;"
                " a scheme is a letter followed by letters, digits, '.' or '-'"
            )
        if key not in self.factories:  # the first registration of a scheme keeps it
            self.factories[key] = factory
            self.providers[key] = self.current_plugin

    def resolve(self, url: str) -> F:
        scheme = scheme_of(url, field=self.port)
        try:
            return self.factories[scheme]
        except KeyError:
            raise UnknownAdapter(self.port, scheme, list(self.factories)) from None


class Plugins:
    """Typed access to the hooks: adapter registries by URL scheme and event publication.

    The registration hooks are called once, when the facade is built. When
    two plugins register the same scheme for the same port, **the first
    registration wins**: built-in adapters (:data:`DEFAULT_PLUGINS`) before
    every other plugin, then plugins in the order they were registered
    (entry points, then plugins given in code). ``tryfirst``/``trylast`` do
    not change this — a plugin cannot take over a scheme someone else
    already serves; it registers a scheme of its own instead.

    >>> from crmkit.hookspecs import AdapterContext
    >>> from crmkit.domain.settings import Settings
    >>> from crmkit.testing import FixedClock, SequentialIds
    >>> plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    >>> "console" in plugins.schemes("sms")
    True
    >>> context = AdapterContext(FixedClock(), SequentialIds(), Settings())
    >>> type(plugins.sms("console://", context)).__name__
    'ConsoleSmsGateway'
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._storage: _Registry[StorageFactory] = _Registry("storage")
        self._sms: _Registry[SmsGatewayFactory] = _Registry("sms")
        self._email: _Registry[EmailSenderFactory] = _Registry("email")
        self._documents: _Registry[DocumentStoreFactory] = _Registry("documents")
        self._invoices: _Registry[InvoiceSourceFactory] = _Registry("invoices")
        self._registries: dict[str, _Registry[Any]] = {
            "storage": self._storage,
            "sms": self._sms,
            "email": self._email,
            "documents": self._documents,
            "invoices": self._invoices,
        }
        self._collect("crmkit_register_storage", self._storage)
        self._collect("crmkit_register_sms_gateways", self._sms)
        self._collect("crmkit_register_email_senders", self._email)
        self._collect("crmkit_register_document_stores", self._documents)
        self._collect("crmkit_register_invoice_sources", self._invoices)

    def _collect(self, hook_name: str, registry: _Registry[F]) -> None:
        # Each implementation is called on its own, in precedence order (built-ins,
        # then registration order), so the first to offer a scheme keeps it
        # whatever tryfirst/trylast say about call order.
        position = {name: i for i, (name, _) in enumerate(self.pm.list_name_plugin())}

        def precedence(impl: HookImpl) -> tuple[bool, int]:
            return impl.plugin_name not in DEFAULT_PLUGINS, position[impl.plugin_name]

        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        for impl in sorted(impls, key=precedence):
            if impl.wrapper or impl.hookwrapper:
                raise pluggy.PluginValidationError(
                    impl.plugin, f"{hook_name} in {impl.plugin_name!r} cannot be a wrapper"
                )
            registry.current_plugin = impl.plugin_name
            kwargs = {"register": registry.register}
            impl.function(*(kwargs[name] for name in impl.argnames))
        registry.current_plugin = ""

    def sms_keywords(self) -> list[tuple[str, SmsKeywordHandler, str]]:
        """Call ``crmkit_register_sms_keywords``: ``(keyword, handler, plugin name)`` in registration order.

        Built-ins come first, then plugins in the order they were registered; a keyword
        offered twice is listed each time (the router keeps the first).
        """
        position = {name: i for i, (name, _) in enumerate(self.pm.list_name_plugin())}
        offered: list[tuple[str, SmsKeywordHandler, str]] = []
        impls = self.pm.hook.crmkit_register_sms_keywords.get_hookimpls()
        for impl in sorted(
            impls, key=lambda i: (i.plugin_name not in DEFAULT_PLUGINS, position[i.plugin_name])
        ):
            if impl.wrapper or impl.hookwrapper:
                raise pluggy.PluginValidationError(
                    impl.plugin, f"crmkit_register_sms_keywords in {impl.plugin_name!r} cannot be a wrapper"
                )

            def register(keyword: str, handler: SmsKeywordHandler, /, _name: str = impl.plugin_name) -> None:
                offered.append((keyword, handler, _name))

            kwargs = {"register": register}
            impl.function(*(kwargs[name] for name in impl.argnames))
        return offered

    def schemes(self, port: str) -> list[str]:
        """The URL schemes registered for ``port``.

        ``port`` is ``storage``, ``sms``, ``email``, ``documents`` or ``invoices``.

        Raises:
            KeyError: for another port name.
        """
        return sorted(self._registries[port].factories)

    def providers(self, port: str) -> dict[str, str]:
        """Which plugin serves each scheme of ``port``: ``{"console": "crmkit.adapters.console"}``.

        Plugins registered in code without a name get one made up by pluggy.

        Raises:
            KeyError: for another port name.
        """
        return dict(sorted(self._registries[port].providers.items()))

    def storage(self, url: str, context: AdapterContext) -> Storage:
        """Build the storage adapter for ``url``.

        Raises:
            UnknownAdapter: listing the known schemes.
        """
        return self._storage.resolve(url)(url, context)

    def sms(self, url: str, context: AdapterContext) -> SmsGateway:
        """Build the SMS gateway for ``url``."""
        return self._sms.resolve(url)(url, context)

    def email(self, url: str, context: AdapterContext) -> EmailSender:
        """Build the e-mail sender for ``url``."""
        return self._email.resolve(url)(url, context)

    def documents(self, url: str, context: AdapterContext) -> DocumentStore:
        """Build the document store for ``url``."""
        return self._documents.resolve(url)(url, context)

    def invoices(self, url: str, context: AdapterContext) -> InvoiceSource:
        """Build the invoice source for ``url`` (``ubl-tr:///srv/inbox``, ``csv:///…``).

        Raises:
            UnknownAdapter: listing the known schemes.
        """
        return self._invoices.resolve(url)(url, context)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Call ``crmkit_on_event`` for each event, in order."""
        for event in events:
            self.pm.hook.crmkit_on_event(event=event)

    def invoice_imported(self, invoice: Invoice, warnings: Iterable[str] = ()) -> None:
        """Call ``crmkit_on_invoice_imported`` for an invoice whose import committed."""
        self.pm.hook.crmkit_on_invoice_imported(invoice=invoice, warnings=tuple(warnings))
