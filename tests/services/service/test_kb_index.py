"""The knowledge-base search is answered from PostgreSQL's GIN index (SPEC §6 S7; revision 0022).

The ranked search matches candidates with ``to_tsvector('simple', search_text)``,
the very expression of the PostgreSQL-only index ``ix_kb_articles_search_fts``.
With sequential scans switched off, the plan of the statement the adapter
really sends must use that index: had the adapter matched another expression
(another text search configuration, say), PostgreSQL could not use the index.
Other dialects have no such index (``ddl_if``) and rank through ``kb_terms``;
their results are the contract suite's, the same on every back end.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.domain.ids import EmployeeId
from crmkit.domain.knowledge import Article, ArticleId, query_terms
from crmkit.ports.storage import Storage

TECH = EmployeeId(uuid.UUID(int=7))
INDEX = "ix_kb_articles_search_fts"


def _articles(storage: Storage) -> None:
    with storage.unit_of_work(TECH) as uow:
        for n in range(40):
            title = "Isı pompası basınç hatası" if n % 8 == 0 else f"Fatura itirazı {n}"
            uow.service.articles.add(
                Article(
                    id=ArticleId(uuid.UUID(int=1000 + n)),
                    title=title,
                    body="Filtreyi temizleyin.",
                    keywords=("pompa",) if n % 8 == 0 else ("fatura",),
                    created_by=TECH,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        uow.commit()


def test_the_gin_index_exists_only_on_postgresql(storage: Storage) -> None:
    if not isinstance(storage, SqlStorage):
        pytest.skip("indexes are a SQL matter")
    names = {i["name"] for i in sa.inspect(storage.engine).get_indexes("kb_articles")}
    if storage.engine.dialect.name == "postgresql":
        with storage.engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": INDEX}
            ).scalar_one()
        assert "USING gin" in found and "to_tsvector('simple'::regconfig, search_text)" in found
    else:
        assert INDEX not in names


def test_the_search_the_adapter_sends_is_planned_on_the_gin_index(storage: Storage) -> None:
    """S7: the full-text candidates come from the GIN index (bitmap scan), not a scan of every article."""
    if not isinstance(storage, SqlStorage) or storage.engine.dialect.name != "postgresql":
        pytest.skip("the GIN index is PostgreSQL's")
    _articles(storage)
    sent: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if "to_tsquery" in statement:
            sent.append((statement, parameters))

    sa.event.listen(storage.engine, "before_cursor_execute", capture)
    try:
        with storage.unit_of_work(TECH) as uow:
            found = uow.service.articles.search(query_terms("ısı pompası"))
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", capture)
    assert [a.id.int - 1000 for a, _ in found] == [0, 8, 16, 24, 32]
    assert len(sent) == 1
    statement, parameters = sent[0]
    with storage.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        conn.rollback()
    assert INDEX in plan, plan
