"""Return references: what each return cites, and what of it waits for an original (issue 15, V1, V8).

``return_references`` has one row per original a return cites and line of the
return: the original's identity (``number``, ``seller_key`` — the return's
buyer) leads the primary key, so an original being imported finds the returns
imported before it with one index look-up (not a scan of the seller's returns).
``waiting`` is what of the return line no original has taken back yet.

Back-fill: every stored return gets its rows. A return none of whose cited
originals is stored could take nothing back at its import, so its lines wait in
full for them; a return with a stored original was matched at its import
(waiting 0). A return whose original arrived *after* it under an earlier
version was not matched then and is not matched here either (the import order
is not stored): that past defect is not repaired by the upgrade.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MYSQL = ("mysql", "mariadb")
_OPTIONS: dict[str, Any] = {
    f"{dialect}_{option}": value
    for dialect in _MYSQL
    for option, value in (("engine", "InnoDB"), ("charset", "utf8mb4"), ("collate", "utf8mb4_bin"))
}
_CHUNK = 500


def _uuid() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Uuid()
    for name in _MYSQL:
        kind = kind.with_variant(sa.Uuid(native_uuid=False), name)
    return kind


def _decimal() -> sa.types.TypeEngine[Any]:
    kind: sa.types.TypeEngine[Any] = sa.Numeric(24, 6, asdecimal=True).with_variant(sa.String(50), "sqlite")
    for name in _MYSQL:
        kind = kind.with_variant(mysql.DECIMAL(24, 6), name)
    return kind


def upgrade() -> None:
    """Create ``return_references`` and fill it from the stored returns."""
    op.create_table(
        "return_references",
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("seller_key", sa.String(320), nullable=False),
        sa.Column("return_id", _uuid(), nullable=False),
        sa.Column("line_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("waiting", _decimal(), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"], ["invoices.id"], name=op.f("fk_return_references_return_id_invoices")
        ),
        sa.PrimaryKeyConstraint(
            "number", "seller_key", "return_id", "line_number", name=op.f("pk_return_references")
        ),
        **_OPTIONS,
    )
    _back_fill(op.get_bind())


def _back_fill(connection: sa.Connection) -> None:
    """One row per stored return, cited original and return line (see the module's docstring)."""
    invoices = sa.table(
        "invoices",
        sa.column("id", _uuid()),
        sa.column("number", sa.String()),
        sa.column("seller_key", sa.String()),
        sa.column("buyer_key", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("refs", sa.Text()),
    )
    lines = sa.table(
        "invoice_lines",
        sa.column("invoice_id", _uuid()),
        sa.column("number", sa.Integer()),
        sa.column("quantity", _decimal()),
    )
    target = sa.table(
        "return_references",
        sa.column("number", sa.String()),
        sa.column("seller_key", sa.String()),
        sa.column("return_id", _uuid()),
        sa.column("line_number", sa.Integer()),
        sa.column("waiting", _decimal()),
    )
    as_text = connection.dialect.name == "sqlite"  # SQLite keeps exact decimals as text
    query = sa.select(invoices.c.id, invoices.c.buyer_key, invoices.c.refs).where(invoices.c.kind == "return")
    returns = [(r.id, r.buyer_key, _numbers(r.refs)) for r in connection.execute(query)]
    for start in range(0, len(returns), _CHUNK):
        chunk = returns[start : start + _CHUNK]
        cited = {number for _, _, numbers in chunk for number in numbers}
        stored = {
            (r.seller_key, r.number)
            for part in _parts(sorted(cited))
            for r in connection.execute(
                sa.select(invoices.c.seller_key, invoices.c.number).where(invoices.c.number.in_(part))
            )
        }
        quantities: dict[Any, list[tuple[int, Decimal]]] = {}
        ids = [id for id, _, _ in chunk]
        for row in connection.execute(
            sa.select(lines.c.invoice_id, lines.c.number, lines.c.quantity).where(lines.c.invoice_id.in_(ids))
        ):
            quantities.setdefault(row.invoice_id, []).append((row.number, abs(Decimal(str(row.quantity)))))
        rows = []
        for id, buyer, numbers in chunk:
            waits = not any((buyer, n) in stored for n in numbers)
            for number in numbers:
                for line, quantity in sorted(quantities.get(id, [])):
                    waiting = quantity if waits else Decimal(0)
                    rows.append(
                        {
                            "number": number,
                            "seller_key": buyer,
                            "return_id": id,
                            "line_number": line,
                            "waiting": str(waiting) if as_text else waiting,
                        }
                    )
        if rows:
            connection.execute(sa.insert(target), rows)


def _numbers(refs: str | None) -> list[str]:
    """The cited numbers of a stored ``refs`` JSON array (``[[number, date, uuid], …]``), once each."""
    return list(dict.fromkeys(ref[0] for ref in json.loads(refs or "[]")))


def _parts(values: list[str]) -> list[list[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def downgrade() -> None:
    """Drop ``return_references``."""
    op.drop_table("return_references")
