"""Workflow definitions in memory (SPEC §5 I2, I9): a :class:`~crmkit.ports.workflow.WorkflowRepository`.

Adds are staged in the unit of work, checked again under the storage lock at
commit (:meth:`MemoryWorkflowRepository.verify`: two units of work storing
the same version — the second to commit is refused) and made visible by
:meth:`~MemoryWorkflowRepository.apply`; a rollback drops them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.workflow import WORKFLOW_AGGREGATE, Workflow

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MemoryWorkflowRepository", "WorkflowTable"]

WorkflowTable = dict[tuple[str, int], Workflow]
"""The committed definitions of one memory storage, by ``(key, version)``."""


class MemoryWorkflowRepository:
    """The in-memory :class:`~crmkit.ports.workflow.WorkflowRepository`."""

    def __init__(self, uow: MemoryUnitOfWork, table: WorkflowTable, lock: threading.RLock) -> None:
        self._uow = uow
        self._table = table
        self._lock = lock
        self.discard()

    def _all(self) -> WorkflowTable:
        with self._lock:
            merged = dict(self._table)
        merged.update(self._staged)
        return merged

    def add(self, workflow: Workflow) -> None:
        """Stage one version (see the port)."""
        self._uow.check_usable()
        if (workflow.key, workflow.version) in self._all():
            raise Duplicate("version", f"workflow {workflow.key} already has version {workflow.version}")
        self._staged[(workflow.key, workflow.version)] = workflow
        self._uow.record_change(WORKFLOW_AGGREGATE, workflow.key, workflow.version, None, workflow)

    def get(self, key: str, version: int | None = None) -> Workflow:
        """One version, or the latest (see the port)."""
        self._uow.check_usable()
        found = {v: w for (k, v), w in self._all().items() if k == key}
        chosen = max(found, default=None) if version is None else version
        if chosen is None or chosen not in found:
            raise NotFound("workflow", key if version is None else f"{key} v{version}")
        return found[chosen]

    def versions(self, key: str) -> list[int]:
        """The versions of ``key``, ascending."""
        self._uow.check_usable()
        return sorted(v for k, v in self._all() if k == key)

    def keys(self) -> list[str]:
        """Every key, in code-point order."""
        self._uow.check_usable()
        return sorted({k for k, _ in self._all()})

    def verify(self) -> None:
        """Refuse a version another unit of work committed first (under the storage lock)."""
        for key, version in self._staged:
            if (key, version) in self._table:
                self.discard()
                raise Duplicate("version", f"workflow {key} already has version {version}")

    def apply(self) -> None:
        """Make the staged versions visible (under the storage lock)."""
        self._table.update(self._staged)
        self.discard()

    def discard(self) -> None:
        """Drop the staged versions."""
        self._staged: WorkflowTable = {}
