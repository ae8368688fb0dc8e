"""SQLAlchemy Core tables of issue 14 (SPEC §5 I2): versioned workflow definitions.

``workflows`` keeps one row per ``(key, version)``; the definition is the
JSON of :meth:`crmkit.domain.workflow.Workflow.to_data`. The interaction's
own stage lives on ``interactions`` (``stage``, ``workflow_version``).
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables (revision 0014).
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables import _TABLE_OPTIONS, LABEL, _ordered, metadata

__all__ = ["workflows"]

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("key", _ordered(LABEL), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("definition", sa.Text(), nullable=False),
    **_TABLE_OPTIONS,
)
"""Workflow definitions (I2, I9), one row per version; rows are never updated."""
