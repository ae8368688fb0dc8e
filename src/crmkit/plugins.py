"""The plugin manager and its typed facade.

:func:`make_plugin_manager` registers the built-in adapters (by module name,
like datasette's ``DEFAULT_PLUGINS``), then the ``crmkit`` entry points, then
the host's own plugins, and checks every hookimpl against a spec. The rest of
crmkit calls hooks only through :class:`Plugins`, never ``pm.hook`` directly.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import pluggy

from crmkit import hookspecs
from crmkit.domain.errors import UnknownAdapter, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.hookspecs import (
    PROJECT,
    AdapterContext,
    DocumentStoreFactory,
    EmailSenderFactory,
    SmsGatewayFactory,
    StorageFactory,
)
from crmkit.ports.documents import DocumentStore
from crmkit.ports.messaging import EmailSender, SmsGateway
from crmkit.ports.storage import Storage

__all__ = ["DEFAULT_PLUGINS", "DISABLE_AUTOLOAD_ENV", "Plugins", "make_plugin_manager", "scheme_of"]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "crmkit.adapters.memory.plugin",
    "crmkit.adapters.console",
)
"""Modules of the built-in adapters, registered through the same hooks as third-party ones."""

DISABLE_AUTOLOAD_ENV = "CRMKIT_DISABLE_PLUGIN_AUTOLOAD"
"""Set this environment variable to skip loading ``crmkit`` entry points."""

F = TypeVar("F")


def scheme_of(url: str, *, field: str = "url") -> str:
    """The scheme of an adapter URL, without a ``+driver`` suffix (``postgresql+psycopg`` → ``postgresql``).

    Raises:
        ValidationError: naming ``field`` when the URL has no scheme.
    """
    scheme = urlsplit(url).scheme if "://" in url else ""
    if not scheme:
        raise ValidationError(
            field, f"{url!r} is not an adapter URL like 'memory://' or 'sqlite:///crm.db'"
        )
    return scheme.split("+", 1)[0].lower()


def make_plugin_manager(
    plugins: Iterable[object] = (), *, load_entrypoints: bool | None = None
) -> pluggy.PluginManager:
    """Build a plugin manager: built-ins, then entry points, then ``plugins``.

    Args:
        plugins: extra plugin modules or objects registered in code.
        load_entrypoints: load the ``crmkit`` entry-point group; by default yes,
            unless ``CRMKIT_DISABLE_PLUGIN_AUTOLOAD`` is set.

    Raises:
        pluggy.PluginValidationError: a hookimpl has no matching spec or wrong arguments.
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
    def __init__(self, port: str) -> None:
        self.port = port
        self.factories: dict[str, F] = {}

    def register(self, scheme: str, factory: F, /) -> None:
        key = scheme.lower().split("+", 1)[0]
        # pluggy calls the newest plugin first, so the last call comes from the
        # earliest registration (the built-ins): it wins a clash of schemes.
        self.factories[key] = factory

    def resolve(self, url: str) -> F:
        scheme = scheme_of(url, field=self.port)
        try:
            return self.factories[scheme]
        except KeyError:
            raise UnknownAdapter(self.port, scheme, list(self.factories)) from None


class Plugins:
    """Typed access to the hooks: adapter registries by URL scheme and event publication."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._storage: _Registry[StorageFactory] = _Registry("storage")
        self._sms: _Registry[SmsGatewayFactory] = _Registry("sms")
        self._email: _Registry[EmailSenderFactory] = _Registry("email")
        self._documents: _Registry[DocumentStoreFactory] = _Registry("documents")
        self._collect("crmkit_register_storage", self._storage)
        self._collect("crmkit_register_sms_gateways", self._sms)
        self._collect("crmkit_register_email_senders", self._email)
        self._collect("crmkit_register_document_stores", self._documents)

    def _collect(self, hook_name: str, registry: _Registry[F]) -> None:
        getattr(self.pm.hook, hook_name)(register=registry.register)

    def schemes(self, port: str) -> list[str]:
        """The URL schemes registered for ``port`` (``storage``, ``sms``, ``email``, ``documents``)."""
        registry: _Registry[Callable[..., object]] = {
            "storage": self._storage,
            "sms": self._sms,
            "email": self._email,
            "documents": self._documents,
        }[port]  # type: ignore[assignment]  # the registries differ only in factory type
        return sorted(registry.factories)

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

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Call ``crmkit_on_event`` for each event, in order."""
        for event in events:
            self.pm.hook.crmkit_on_event(event=event)
