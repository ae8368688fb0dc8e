"""M4 erasure, issue 11 (second part): pending document work and the same person's other records.

* ``erasure_documents`` — each document an erasure deletes or rewrites, written
  ``pending`` in the erasure's own transaction and marked ``done`` once the
  document store has it, so a crash between the commit and the rewrite leaves
  work a recovery finishes (``crm.parties.finish_erasures``) instead of a record
  that claims it was done. A rewrite's new name, type and content wait in the row
  and are dropped when done.
* ``erasures.others`` — the same person's other contact records erased with the
  one asked for (a JSON list of ids); existing rows keep ``NULL`` (none).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _blob() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.LargeBinary()
    for name in _MYSQL:
        kind = kind.with_variant(mysql.LONGBLOB(), name)
    return kind


def upgrade() -> None:
    """Create ``erasure_documents``; add ``erasures.others``."""
    with op.batch_alter_table("erasures") as batch:
        batch.add_column(sa.Column("others", sa.JSON(), nullable=True))
    op.create_table(
        "erasure_documents",
        sa.Column("erasure_id", _uuid(), nullable=False),
        sa.Column("document_id", _uuid(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("media_type", sa.String(255), nullable=True),
        sa.Column("content", _blob(), nullable=True),
        sa.ForeignKeyConstraint(
            ["erasure_id"], ["erasures.id"], name=op.f("fk_erasure_documents_erasure_id_erasures")
        ),
        sa.PrimaryKeyConstraint("erasure_id", "document_id", name=op.f("pk_erasure_documents")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_erasure_documents_state"), "erasure_documents", ["state"])


def downgrade() -> None:
    """Drop ``erasure_documents`` and ``erasures.others``."""
    op.drop_index(op.f("ix_erasure_documents_state"), table_name="erasure_documents")
    op.drop_table("erasure_documents")
    with op.batch_alter_table("erasures") as batch:
        batch.drop_column("others")
