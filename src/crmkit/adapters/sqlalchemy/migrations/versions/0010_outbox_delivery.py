"""Outbox delivery reports and e-mail attachments (issue 6 items 1, 2).

``outbox_messages`` gains ``delivery_status``, ``delivery_at`` and
``delivery_error`` (the provider's final delivery report) and an index on
``provider_id`` — partial (``WHERE provider_id IS NOT NULL``) on SQLite and
PostgreSQL, so enqueueing pays nothing for it. The new table
``outbox_attachments`` holds the files of outbox e-mails (name, type and the
SHA-256 digest of the bytes); ``outbox_blobs`` holds each distinct content
once under that digest, so the copies of a campaign e-mail share one file.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}
_NOT_NULL = "provider_id IS NOT NULL"


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _blob() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.LargeBinary()
    for name in _MYSQL:
        kind = kind.with_variant(mysql.LONGBLOB(), name)
    return kind


def upgrade() -> None:
    """Add the delivery-report columns and the provider-id index; create the attachment tables."""
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(10), nullable=True))
        batch.add_column(sa.Column("delivery_at", _time(), nullable=True))
        batch.add_column(sa.Column("delivery_error", sa.String(1000), nullable=True))
    op.create_index(
        op.f("ix_outbox_messages_provider_id"),
        "outbox_messages",
        ["provider_id"],
        sqlite_where=sa.text(_NOT_NULL),
        postgresql_where=sa.text(_NOT_NULL),
    )
    op.create_table(
        "outbox_blobs",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", _blob(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_outbox_blobs")),
        **_OPTIONS,
    )
    op.create_table(
        "outbox_attachments",
        sa.Column("message_id", _uuid(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest"],
            ["outbox_blobs.digest"],
            name=op.f("fk_outbox_attachments_digest_outbox_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_attachments_message_id_outbox_messages"),
        ),
        sa.PrimaryKeyConstraint("message_id", "position", name=op.f("pk_outbox_attachments")),
        **_OPTIONS,
    )


def downgrade() -> None:
    """Drop the attachment tables, the provider-id index and the delivery-report columns."""
    op.drop_table("outbox_attachments")
    op.drop_table("outbox_blobs")
    op.drop_index(op.f("ix_outbox_messages_provider_id"), table_name="outbox_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("delivery_error")
        batch.drop_column("delivery_at")
        batch.drop_column("delivery_status")
