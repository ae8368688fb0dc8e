"""Opportunities, their stage history, offers, visits and the interaction links (issue 14; I4, I8, I9, I11).

Four new tables: ``opportunities`` (with the integer ``amount_minor`` and
``probability_bp`` the weighted forecast sums exactly), ``opportunity_stages``
(the append-only stage history, one row per stage entered, unique per
``(opportunity_id, seq)``) and ``offers`` (sent, accepted or rejected with a
reason) and ``visits`` (I11: vehicle, km, hours, priced at the dated rates when
recorded). Nullable link columns for I4: ``interactions.opportunity_id`` and
``interactions.task_id``, ``reminders.interaction_id``; existing rows keep ``NULL``.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
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


def _time() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.DateTime(timezone=True)
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DATETIME(fsp=6), name)
    return kind


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6, asdecimal=True).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def upgrade() -> None:
    """Create ``opportunities``, ``opportunity_stages`` and ``offers``; add the I4 link columns."""
    op.create_table(
        "opportunities",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("funnel", sa.String(200), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("owner_id", _uuid(), nullable=False),
        sa.Column("owner_team_id", _uuid(), nullable=True),
        sa.Column("dealer_id", _uuid(), nullable=True),
        sa.Column("created_by", _uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("stage_kind", sa.String(10), nullable=False),
        sa.Column("probability", _decimal(), nullable=False),
        sa.Column("amount_amount", _decimal(), nullable=True),
        sa.Column("amount_currency", sa.String(3), nullable=True),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("next_step", sa.String(500), nullable=False),
        sa.Column("next_step_due", _time(), nullable=True),
        sa.Column("product", sa.String(200), nullable=True),
        sa.Column("lead_source", sa.String(200), nullable=True),
        sa.Column("interaction_id", _uuid(), nullable=True),
        sa.Column("closed_at", _time(), nullable=True),
        sa.Column("loss_reason", sa.String(200), nullable=True),
        sa.Column("competitor", sa.String(200), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("probability_bp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_opportunities_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["companies.id"], name=op.f("fk_opportunities_dealer_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        **_OPTIONS,
    )
    for columns in (
        ["owner_id", "next_step_due"],
        ["company_id", "created_at"],
        ["created_at", "id"],
        ["closed_at"],
        ["interaction_id"],
    ):
        op.create_index(op.f(f"ix_opportunities_{'_'.join(columns)}"), "opportunities", columns)
    op.create_table(
        "opportunity_stages",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", _uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("entered_at", _time(), nullable=False),
        sa.Column("entered_by", _uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_stages_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stages")),
        sa.UniqueConstraint("seq", "opportunity_id", name=op.f("uq_opportunity_stages_seq_opportunity_id")),
        **_OPTIONS,
    )
    op.create_index(
        op.f("ix_opportunity_stages_opportunity_id_seq"), "opportunity_stages", ["opportunity_id", "seq"]
    )
    _offers()
    _visits()
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("opportunity_id", _uuid(), nullable=True))
        batch.add_column(sa.Column("task_id", _uuid(), nullable=True))
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("interaction_id", _uuid(), nullable=True))


def _offers() -> None:
    """The offers of I8."""
    op.create_table(
        "offers",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("contact_id", _uuid(), nullable=False),
        sa.Column("template_id", _uuid(), nullable=False),
        sa.Column("sent_by", _uuid(), nullable=False),
        sa.Column("sent_at", _time(), nullable=False),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("opportunity_id", _uuid(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("decided_at", _time(), nullable=True),
        sa.Column("decided_by", _uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_offers_company_id_companies")
        ),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_offers_contact_id_contacts")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_offers_opportunity_id_opportunities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_offers_company_id_sent_at"), "offers", ["company_id", "sent_at"])
    op.create_index(op.f("ix_offers_sent_at"), "offers", ["sent_at"])


def _visits() -> None:
    """The sales visits of I11."""
    op.create_table(
        "visits",
        sa.Column("id", _uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", _uuid(), nullable=False),
        sa.Column("employee_id", _uuid(), nullable=False),
        sa.Column("visited_at", _time(), nullable=False),
        sa.Column("vehicle", sa.String(100), nullable=False),
        sa.Column("metres", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("labour", sa.BigInteger(), nullable=False),
        sa.Column("travel", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_visits_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        **_OPTIONS,
    )
    op.create_index(op.f("ix_visits_company_id_visited_at"), "visits", ["company_id", "visited_at"])
    op.create_index(op.f("ix_visits_visited_at"), "visits", ["visited_at"])


def downgrade() -> None:
    """Drop the link columns and the four tables."""
    op.drop_table("visits")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("interaction_id")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("task_id")
        batch.drop_column("opportunity_id")
    op.drop_table("offers")
    op.drop_table("opportunity_stages")
    for columns in (
        ["owner_id", "next_step_due"],
        ["company_id", "created_at"],
        ["created_at", "id"],
        ["closed_at"],
        ["interaction_id"],
    ):
        op.drop_index(op.f(f"ix_opportunities_{'_'.join(columns)}"), table_name="opportunities")
    op.drop_table("opportunities")
