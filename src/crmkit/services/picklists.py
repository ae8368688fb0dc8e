"""Pick-lists: the parameters every coded field is chosen from (C9)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from crmkit.domain.ids import PickListName
from crmkit.domain.parameters import PickList
from crmkit.domain.permissions import may_set_parameters
from crmkit.domain.versions import require_version
from crmkit.services.base import ActorRef, ServiceBase

__all__ = ["PickListUseCases"]


class PickListUseCases(ServiceBase):
    """``crm.parties.set_parameters`` / ``parameters`` (C9)."""

    def set_parameters(
        self, *, actor: ActorRef, name: str, values: Sequence[str], expected_version: int | None = None
    ) -> PickList:
        """Create or replace a pick-list (C9); admins only.

        ``expected_version`` is the ``version`` of the list the caller read and edited (§9):
        a list someone else replaced meanwhile is never overwritten.

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the list moved on since (or
                does not exist yet).
        """
        with self._as(actor) as (uow, who):
            may_set_parameters(who).enforce()
            wanted = PickList(PickListName(name), values)  # the converter checks the type
            current = uow.picklists.get_many([wanted.name]).get(wanted.name)
            stored = 0 if current is None else current.version
            require_version("pick-list", wanted.name, stored=stored, expected=expected_version)
            if current is None:
                uow.picklists.add(wanted)
                return wanted
            if current.values == wanted.values:
                return current
            return uow.picklists.save(attrs.evolve(current, values=wanted.values))

    def parameters(self, *, actor: ActorRef, name: str) -> PickList:
        """One pick-list. Raises NotFound."""
        with self._as(actor) as (uow, _):
            return uow.picklists.get(PickListName(name))
