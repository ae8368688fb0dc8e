"""Workflow definition storage port (SPEC §5 I2, I9): ``uow.workflows``.

Definitions are versioned values (:class:`crmkit.domain.workflow.Workflow`):
a revision is a new row, an old version is never changed, so a record moved
under version *n* can always be checked against version *n*. Each stored
version writes a ``create`` audit entry (aggregate ``workflow``, id
``key``) in the same transaction (C12).

The contract suite is ``crmkit.testing.contracts.workflow.WorkflowStorageContract``.
"""

from __future__ import annotations

from typing import Protocol

from crmkit.domain.workflow import Workflow

__all__ = ["WorkflowRepository"]


class WorkflowRepository(Protocol):
    """Versioned workflow definitions, keyed by ``(key, version)``."""

    def add(self, workflow: Workflow) -> None:
        """Store one version of a definition in this unit of work.

        Raises:
            Duplicate: on ``version`` when this key already has this version; nothing is stored
                and the unit of work stays usable.
        """
        ...

    def get(self, key: str, version: int | None = None) -> Workflow:
        """The definition ``key`` at ``version`` (``None``: the latest).

        Raises:
            NotFound: no such key, or no such version of it.
        """
        ...

    def versions(self, key: str) -> list[int]:
        """The stored versions of ``key``, ascending (empty when none)."""
        ...

    def keys(self) -> list[str]:
        """Every key with at least one version, in code-point order."""
        ...
