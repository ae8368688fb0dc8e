"""Service links and indexes (issue 16, SPEC §6 S1, S7, S8).

* ``interactions.contract_id`` (nullable, a foreign key to
  ``service_contracts``) with an index ``(contract_id, created_at)``: an
  interaction can cite the customer's contract, its subscription (S1, S8),
  and a contract's interactions are listed newest first from the index.
  Existing interactions keep ``NULL``.
* On PostgreSQL only, a GIN index on ``to_tsvector('simple', search_text)``
  of ``kb_articles``: the knowledge-base search (S7) matches candidates with
  that very expression, so it is answered from the index. Other dialects are
  unchanged (they rank through ``kb_terms``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_GIN = "ix_kb_articles_search_fts"
_FTS = "to_tsvector('simple'::regconfig, search_text)"


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def upgrade() -> None:
    """Add ``interactions.contract_id`` and its index; the GIN search index on PostgreSQL."""
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("contract_id", _uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_interactions_contract_id_service_contracts"),
            "service_contracts",
            ["contract_id"],
            ["id"],
        )
    op.create_index(
        op.f("ix_interactions_contract_id_created_at"), "interactions", ["contract_id", "created_at"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {_GIN} ON kb_articles USING gin ({_FTS})")


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {_GIN}")
    op.drop_index(op.f("ix_interactions_contract_id_created_at"), table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_constraint(op.f("fk_interactions_contract_id_service_contracts"), type_="foreignkey")
        batch.drop_column("contract_id")
