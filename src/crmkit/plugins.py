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
from collections.abc import Callable, Iterable
from typing import Any, Generic, Literal, TypeVar, overload
from urllib.parse import urlsplit

import attrs
import pluggy
from pluggy import HookCaller, HookImpl

from crmkit import hookspecs
from crmkit.domain.errors import UnknownAdapter, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.domain.invoices import Invoice
from crmkit.hookspecs import (
    PROJECT,
    AdapterContext,
    SmsKeywordHandler,
)
from crmkit.ports.documents import DocumentStore
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import EmailSender, SmsGateway
from crmkit.ports.storage import Storage

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_AUTOLOAD_ENV",
    "REGISTRATION_HOOKS",
    "Plugins",
    "Port",
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

Port = Literal["storage", "sms", "email", "documents", "invoices"]
"""The adapter ports plugins register factories for, by URL scheme."""

REGISTRATION_HOOKS: dict[Port, str] = {
    "storage": "crmkit_register_storage",
    "sms": "crmkit_register_sms_gateways",
    "email": "crmkit_register_email_senders",
    "documents": "crmkit_register_document_stores",
    "invoices": "crmkit_register_invoice_sources",
}
"""The registration hook of each port."""

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


@attrs.define(eq=False)
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
    >>> type(plugins.build("sms", "console://", context)).__name__
    'ConsoleSmsGateway'
    """

    pm: pluggy.PluginManager
    _registries: dict[str, _Registry[Any]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._registries = {port: self._collect(port, hook) for port, hook in REGISTRATION_HOOKS.items()}

    def _precedence(self) -> Callable[[HookImpl], tuple[bool, int]]:
        """Sort key of hookimpls: built-ins first, then plugins in registration order."""
        position = {name: i for i, (name, _) in enumerate(self.pm.list_name_plugin())}
        return lambda impl: (impl.plugin_name not in DEFAULT_PLUGINS, position[impl.plugin_name])

    def _call_each(self, hook_name: str, call: Callable[[HookCaller, str], None]) -> None:
        """Call a registration hook through pluggy once per plugin, in precedence order.

        ``call(caller, plugin_name)`` runs the hook with a caller restricted to one plugin
        (:meth:`pluggy.PluginManager.subset_hook_caller`), so pluggy's tracing and
        monitoring see every call, and each registration is known to come from that plugin:
        the first plugin to offer a scheme keeps it, whatever ``tryfirst``/``trylast`` say.

        Raises:
            pluggy.PluginValidationError: a plugin implements the hook as a wrapper (a
                registration hook has nothing to wrap).
        """
        impls = sorted(getattr(self.pm.hook, hook_name).get_hookimpls(), key=self._precedence())
        for impl in impls:
            if impl.wrapper or impl.hookwrapper:
                raise pluggy.PluginValidationError(
                    impl.plugin, f"{hook_name} in {impl.plugin_name!r} cannot be a wrapper"
                )
        for impl in impls:
            others = [other.plugin for other in impls if other.plugin is not impl.plugin]
            call(self.pm.subset_hook_caller(hook_name, remove_plugins=others), impl.plugin_name)

    def _collect(self, port: str, hook_name: str) -> _Registry[Any]:
        """The factories the plugins register for ``port`` through ``hook_name``."""
        registry: _Registry[Any] = _Registry(port)

        def call(caller: HookCaller, plugin_name: str) -> None:
            registry.current_plugin = plugin_name
            caller(register=registry.register)

        self._call_each(hook_name, call)
        registry.current_plugin = ""
        return registry

    def sms_keywords(self) -> list[tuple[str, SmsKeywordHandler, str]]:
        """Call ``crmkit_register_sms_keywords``: ``(keyword, handler, plugin name)`` in registration order.

        Built-ins come first, then plugins in the order they were registered; a keyword
        offered twice is listed each time (the router keeps the first).
        """
        offered: list[tuple[str, SmsKeywordHandler, str]] = []

        def call(caller: HookCaller, plugin_name: str) -> None:
            def register(keyword: str, handler: SmsKeywordHandler, /) -> None:
                offered.append((keyword, handler, plugin_name))

            caller(register=register)

        self._call_each("crmkit_register_sms_keywords", call)
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

        A plugin from an entry point is named after the entry point; one given in code is
        named as pluggy names it (a module by its module name, another object by a made-up
        number unless registered with ``name=``).

        Raises:
            KeyError: for another port name.
        """
        return dict(sorted(self._registries[port].providers.items()))

    @overload
    def build(self, port: Literal["storage"], url: str, context: AdapterContext) -> Storage: ...
    @overload
    def build(self, port: Literal["sms"], url: str, context: AdapterContext) -> SmsGateway: ...
    @overload
    def build(self, port: Literal["email"], url: str, context: AdapterContext) -> EmailSender: ...
    @overload
    def build(self, port: Literal["documents"], url: str, context: AdapterContext) -> DocumentStore: ...
    @overload
    def build(self, port: Literal["invoices"], url: str, context: AdapterContext) -> InvoiceSource: ...
    def build(self, port: Port, url: str, context: AdapterContext) -> object:
        """Build the adapter of ``port`` for ``url`` with the factory registered for its scheme.

        ``port`` is ``storage``, ``sms``, ``email``, ``documents`` (C10) or ``invoices``
        (``ubl-tr:///srv/inbox``, ``csv:///…``); the return type follows it.

        Raises:
            UnknownAdapter: no plugin registered the URL's scheme for ``port``; the message
                lists the known ones.
            ValidationError: naming ``port`` when the URL has no scheme.
            KeyError: for another port name.
        """
        factory = self._registries[port].resolve(url)
        return factory(url, context)

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Call ``crmkit_on_event`` for each event, in order."""
        for event in events:
            self.pm.hook.crmkit_on_event(event=event)

    def invoice_imported(self, invoice: Invoice, warnings: Iterable[str] = ()) -> None:
        """Call ``crmkit_on_invoice_imported`` for an invoice whose import committed."""
        self.pm.hook.crmkit_on_invoice_imported(invoice=invoice, warnings=tuple(warnings))
