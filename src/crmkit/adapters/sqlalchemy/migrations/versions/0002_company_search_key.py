"""Turkish search key on companies: ``companies.name_key`` (issue 3, item 6).

Adds the column, fills it with :func:`crmkit.domain.text.fold` of every
existing company's name (in pages of 1,000, so memory stays bounded), then
makes it ``NOT NULL`` and indexes it. On SQLite the ``NOT NULL`` change
rebuilds ``companies`` by move-and-copy (batch mode), with foreign keys from
contacts, employees and claims pointing at it; the upgrade keeps every row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from crmkit.domain.text import fold

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGE = 1_000


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in ("mysql", "mariadb"):
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _key_type() -> sa.types.TypeEngine[Any]:
    return sa.String(600).with_variant(sa.String(600, collation="C"), "postgresql")


def upgrade() -> None:
    """Add ``companies.name_key``, back-fill it from ``name``, make it required, index it."""
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("name_key", _key_type(), nullable=True))
    companies = sa.table(
        "companies",
        sa.column("id", _uuid()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    bind = op.get_bind()
    update = (
        sa.update(companies)
        .where(companies.c.id == sa.bindparam("company_id"))
        .values(name_key=sa.bindparam("key"))
    )
    last: Any = None
    while True:
        page = sa.select(companies.c.id, companies.c.name).order_by(companies.c.id).limit(_PAGE)
        if last is not None:
            page = page.where(companies.c.id > last)
        rows = bind.execute(page).all()
        if not rows:
            break
        bind.execute(update, [{"company_id": id_, "key": fold(name)} for id_, name in rows])
        last = rows[-1][0]
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("name_key", existing_type=_key_type(), nullable=False)
        batch.create_index(batch.f("ix_companies_name_key"), ["name_key"])


def downgrade() -> None:
    """Drop ``companies.name_key`` and its index."""
    with op.batch_alter_table("companies") as batch:
        batch.drop_index(batch.f("ix_companies_name_key"))
        batch.drop_column("name_key")
