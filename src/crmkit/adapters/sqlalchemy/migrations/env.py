"""Alembic environment of crmkit's SQL storage (run by :mod:`crmkit.adapters.sqlalchemy.migrations`).

The target is :data:`crmkit.adapters.sqlalchemy.tables.metadata`. The
connection comes from ``config.attributes["connection"]`` (set by
:func:`~crmkit.adapters.sqlalchemy.migrations.upgrade`); the ``alembic``
command line works too, with ``sqlalchemy.url`` in its ini file. SQLite gets
``render_as_batch=True`` (ALTER by move-and-copy). Offline (``--sql``) mode
is not supported: a revision may need to read rows to backfill a column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from crmkit.adapters.sqlalchemy.migrations import comparison_options
from crmkit.adapters.sqlalchemy.tables import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        **comparison_options(connection),
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("crmkit migrations run online only (some revisions backfill data)")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


_main()
