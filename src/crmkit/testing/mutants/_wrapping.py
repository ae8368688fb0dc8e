"""What the mutants share: a storage whose units of work get one part broken, and relays of messages."""

from __future__ import annotations

from typing import Any

import attrs

from crmkit.domain.ids import EmployeeId
from crmkit.domain.messaging import DeliveryFailed
from crmkit.ports.storage import Storage, UnitOfWork

__all__ = ["FirstRecipientOnly", "ForcedPermanence", "Passthrough", "Relay", "StorageMutant"]


class Passthrough:
    """A repository that passes every call to the wrapped one; subclasses override what they break."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class StorageMutant:
    """A storage that breaks nothing yet; subclasses break one part of each unit of work.

    Each unit of work of the wrapped storage goes through :meth:`break_` first,
    where a subclass replaces one repository or method.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def unit_of_work(self, actor: EmployeeId | None = None) -> UnitOfWork:
        """A unit of work of the wrapped storage, broken by :meth:`break_`."""
        uow = self.storage.unit_of_work(actor)
        self.break_(uow)
        return uow

    def migrate(self) -> None:
        """Migrate the wrapped storage."""
        self.storage.migrate()

    def close(self) -> None:
        """Close the wrapped storage."""
        self.storage.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    part: str = ""
    """The attribute of each unit of work to replace (``"companies"``, ``"outbox"`` …); empty: none."""
    wrapper: type[Passthrough] = Passthrough
    """What wraps that part."""

    def break_(self, uow: UnitOfWork) -> None:
        """Wrap the :attr:`part` of ``uow`` in :attr:`wrapper` (given this mutant as well, if it asks)."""
        if self.part:
            self.replace(uow, self.part, self.wrapper(getattr(uow, self.part)))

    @staticmethod
    def replace(uow: UnitOfWork, name: str, part: object) -> None:
        """Put ``part`` in place of the attribute ``name`` of ``uow`` (a repository or a method)."""
        setattr(uow, name, part)


class Relay:
    """Passes each message to the wrapped sender (an SMS gateway or an e-mail sender) unchanged."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, message: Any) -> str:
        """Send through the wrapped sender."""
        sent: str = self.inner.send(message)
        return sent


class FirstRecipientOnly(Relay):
    """Drops the recipient: every message goes to the first one ever sent to (a cached request)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._to: str | None = None

    def send(self, message: Any) -> str:
        """Send to the first recipient ever sent to."""
        self._to = self._to or message.to
        return super().send(attrs.evolve(message, to=self._to))


class ForcedPermanence(Relay):
    """Every refusal comes back with :attr:`permanent`, whatever the provider said."""

    permanent = False

    def send(self, message: Any) -> str:
        """Send; any refusal comes back with this mutant's permanence."""
        try:
            return super().send(message)
        except DeliveryFailed as failed:
            raise DeliveryFailed(
                failed.provider, failed.code, str(failed), permanent=self.permanent
            ) from None
