"""SQL workflow definitions (SPEC §5 I2, I9): a :class:`~crmkit.ports.workflow.WorkflowRepository`.

Each version is one insert with its audit row in one savepoint; the primary
key ``(key, version)`` refuses a second writer of the same version — also
one in another process — with :class:`~crmkit.domain.errors.Duplicate`, and
the unit of work goes on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.audit import audit_entry
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.repositories import audit_row
from crmkit.adapters.sqlalchemy.tables import audit_entries
from crmkit.adapters.sqlalchemy.tables.workflow import workflows
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.workflow import WORKFLOW_AGGREGATE, Workflow

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlWorkflowRepository"]


class SqlWorkflowRepository:
    """The SQL :class:`~crmkit.ports.workflow.WorkflowRepository`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, workflow: Workflow) -> None:
        """Insert one version and its audit row (see the port)."""
        row = {
            "key": workflow.key,
            "version": workflow.version,
            "definition": json.dumps(workflow.to_data(), ensure_ascii=False, sort_keys=True),
        }
        entry = audit_entry(
            actor=self._uow.actor,
            at=self._uow.clock.now(),
            aggregate_type=WORKFLOW_AGGREGATE,
            aggregate_id=workflow.key,
            version=workflow.version,
            old=None,
            new=workflow,
        )
        try:
            with savepoint(self._uow.connection) as connection:
                connection.execute(sa.insert(workflows), [row])
                connection.execute(sa.insert(audit_entries), [audit_row(entry)])
        except IntegrityError:
            raise Duplicate(
                "version", f"workflow {workflow.key} already has version {workflow.version}"
            ) from None

    def get(self, key: str, version: int | None = None) -> Workflow:
        """One version, or the latest (see the port)."""
        query = sa.select(workflows.c.definition).where(workflows.c.key == key)
        if version is None:
            query = query.order_by(workflows.c.version.desc()).limit(1)
        else:
            query = query.where(workflows.c.version == version)
        found = self._uow.execute(query).scalar_one_or_none()
        if found is None:
            raise NotFound("workflow", key if version is None else f"{key} v{version}")
        return Workflow.from_data(json.loads(found))

    def versions(self, key: str) -> list[int]:
        """The versions of ``key``, ascending."""
        query = sa.select(workflows.c.version).where(workflows.c.key == key).order_by(workflows.c.version)
        return [int(v) for v in self._uow.execute(query).scalars()]

    def keys(self) -> list[str]:
        """Every key, in code-point order."""
        query = sa.select(workflows.c.key).distinct().order_by(workflows.c.key)
        return [str(k) for k in self._uow.execute(query).scalars()]
