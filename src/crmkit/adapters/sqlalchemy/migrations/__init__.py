"""Alembic migrations of the SQL storage, shipped in the package.

:func:`upgrade` creates or upgrades a database to a revision (``head`` by
default) and :func:`current` tells which revision a database is at. Both take
a URL or an :class:`~sqlalchemy.engine.Engine`. The scripts are found as the
package resource ``crmkit.adapters.sqlalchemy:migrations``, so no
``alembic.ini`` is needed; ``env.py`` targets
:data:`crmkit.adapters.sqlalchemy.tables.metadata`.

Revisions (oldest first; :data:`REVISIONS`):

* ``0001`` — the initial schema: companies, contacts, employees, claims,
  pick lists, the audit trail and documents.
* ``0002`` — the Turkish search key ``companies.name_key`` (issue 3, item 6):
  added, back-filled with :func:`crmkit.domain.text.fold` of every existing
  name, then made ``NOT NULL`` and indexed. It is a separate revision so that
  upgrading a database that already holds data is exercised from the first
  release (on SQLite it rebuilds ``companies`` by move-and-copy).
* ``0003`` — the territory (issue 4, T1–T5): regions and their closure
  table, sales teams, dated team memberships, code links and customer owners.
* ``0004`` — the outbox and the consent history (issue 6): ``outbox_messages``
  (claimed by dispatchers on ``(state, due_at)``) and ``consent_records`` (M3).
* ``0005`` — imported invoices and sales orders (issue 5, V1, V2, V10):
  ``invoices``, ``invoice_lines``, ``sales_orders``, ``sales_order_lines``.
* ``0006`` — the access-policy page index ``companies (micro_region, name_key, id)``
  (issue 4, A7): the visible page and its count are answered from the index.
* ``0007`` — segments and campaigns (issue 6 item 7, M1, M2): ``segments``,
  ``campaigns`` and ``campaign_recipients``.
* ``0008`` — interactions, appointments and reminders (issue 4 item 3, I1, I6, I7).
* ``0009`` — per-source resume cursors of the invoice import (issue 5 item 2).
* ``0010`` — outbox delivery reports and e-mail attachments (issue 6 items 1, 2).
* ``0017`` — erasure records (issue 11 item 9, M4): ``erasures``, one row per erasure
  on request with its report; the erasure itself rewrites existing rows in place.
* ``0018`` — aware times keep their own UTC offset beyond invoices (issue 11 item 3, V1):
  ``*_offset`` columns on appointments, reminders, consent records, audit entries and
  outbox messages, 0 (UTC) for existing rows.
* ``0019`` — ``target_actuals``, the monthly actuals summary of plan-vs-actual
  (issue 13, Q5): signed net sales per scope key, kept by the invoice import;
  a database that already holds invoices fills it with
  ``crm.targets.rebuild_actuals``.
* ``0020`` — opportunities, their stage history, offers and sales visits; the I4 link columns
  ``interactions.opportunity_id``/``task_id`` and ``reminders.interaction_id`` (issue 14, I4, I8, I9, I11).
* ``0021`` — points statement paging (issue 15, V4, V8): ``point_days`` (each
  party's points per day, kept with every ledger append, back-filled from the
  ledger) and ``ix_point_entries_party`` widened to the statement's order
  ``(on_date, recorded_at, id)`` for keyset pages.
* ``0022`` — service links (issue 16, S1, S7, S8): ``interactions.contract_id``
  (an interaction cites the customer's contract) with its index, and on
  PostgreSQL only a GIN index on ``to_tsvector('simple', kb_articles.search_text)``
  for the knowledge-base search.
* ``0023`` — every other aware time keeps its own UTC offset (issue 11 item 3, V1, M4):
  ``*_offset`` columns beside the outbox's ``sent_at``/``delivery_at``, ``erasures.at``
  and the times of companies, employees, claims, interactions, segments, campaigns,
  meeting notes, samples, opportunities, offers, visits, the service tables, plans and
  the dated T4 values, 0 (UTC) for existing times; the points ledger's and the import
  cursors' own clock stamps stay UTC.
* ``0024`` — return references (issue 15, V1, V8): ``return_references``, one row
  per original a return cites and line of the return, keyed by the original's
  number and seller, with what of the line waits for an original not imported yet;
  back-filled from the stored returns (a return none of whose originals is stored
  waits in full).
* ``0025`` — the visibility page index covers ``archived_at`` again (issue 11, A7, C13):
  ``ix_companies_micro_region_name_key_id`` becomes ``ix_companies_visible_page``
  ``(micro_region, name_key, id, archived_at)``; ``customer_codes (code, valid_from)`` for
  the dated branch of listings (T4).
* ``0026`` — companies say whether they have dated codes or owners (issue 11, T4, A7):
  ``companies.code_dated`` and ``owner_dated``, set with the first dated row, back-filled;
  ``ix_companies_visible_page`` gains ``code_dated`` (a listing's undated branch stays covering).
* ``0027`` — two partial ledger indexes, so an invoice line's earn writes neither (issue 15
  item 9, V4, V8), on SQLite and PostgreSQL (MariaDB/MySQL keep both whole):
  ``ix_point_entries_source`` holds only entries whose key does not begin with their
  source and ``:`` (earns, now keyed ``<source>:<program>:<role>``, are found by a range of
  the unique key), ``ix_point_entries_expires_on`` only entries that expire; ``entry_key``
  and ``source`` take ``COLLATE "C"`` on PostgreSQL.
* ``0028`` — erasure, second part (issue 11, M4): ``erasure_documents`` (each document an
  erasure deletes or rewrites, ``pending`` until the document store has it, so a crash
  between the commit and the rewrite is finished by ``crm.parties.finish_erasures``) and
  ``erasures.others`` (the same person's other contact records erased with it).
* ``0029`` — return locks (issue 15, V1, V8): ``return_locks``, one row per seller
  whose originals returns are matched to, written first by every return matching so
  two concurrent matchings of one seller's returns take turns (rows are made on demand).

A database whose tables were made straight from the metadata (``create_all``,
before migrations existed) has no Alembic history: :func:`upgrade` adopts it
(stamps it at ``head``) when its schema equals the metadata exactly, and
refuses it with :class:`MigrationError` listing the differences otherwise.

On SQLite, foreign-key enforcement is switched off while the migrations run
(a move-and-copy drops and recreates a referenced table) and
``PRAGMA foreign_key_check`` must come back clean before the upgrade is
committed; the connection's previous setting is restored afterwards.

Example:
    >>> import sqlalchemy as sa
    >>> engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    >>> current(engine) is None
    True
    >>> upgrade(engine)
    >>> current(engine) == REVISIONS[-1]
    True
    >>> engine.dispose()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

__all__ = [
    "REVISIONS",
    "SCRIPT_LOCATION",
    "MigrationError",
    "comparison_options",
    "current",
    "history",
    "upgrade",
]

SCRIPT_LOCATION = "crmkit.adapters.sqlalchemy:migrations"
"""Where Alembic finds ``env.py`` and ``versions/``: a package resource."""

REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
    "0014",
    "0015",
    "0016",
    "0017",
    "0018",
    "0019",
    "0020",
    "0021",
    "0022",
    "0023",
    "0024",
    "0025",
    "0026",
    "0027",
    "0028",
    "0029",
)
"""Every revision id, oldest first; the last one is ``head``."""


class MigrationError(RuntimeError):
    """A migration left the database inconsistent (e.g. a dangling foreign key on SQLite)."""


def upgrade(url_or_engine: str | sa.URL | sa.Engine, revision: str = "head") -> None:
    """Create or upgrade the schema of a database to ``revision``.

    Idempotent: a database already at ``revision`` is left as it is. Rows in
    existing tables are kept (revisions that add a required column back-fill
    it).

    Args:
        url_or_engine: a SQLAlchemy URL (an engine is made and disposed of
            here) or an engine (left open).
        revision: an Alembic revision id, or ``"head"``.

    Raises:
        MigrationError: on SQLite, foreign keys are dangling after the upgrade;
            or the database holds crmkit tables without migration history that
            differ from the current schema.
        sqlalchemy.exc.SQLAlchemyError: the database refused a statement.
    """
    with _connection(url_or_engine) as connection:
        config = _config(connection)
        if _unversioned_schema(connection):
            command.stamp(config, "head")
            connection.commit()
        if connection.dialect.name == "sqlite":
            with _sqlite_foreign_keys_off(connection):
                command.upgrade(config, revision)
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    connection.rollback()
                    raise MigrationError(f"dangling foreign keys after upgrade: {dangling[:5]!r}")
                connection.commit()
        else:
            command.upgrade(config, revision)
            connection.commit()


def current(url_or_engine: str | sa.URL | sa.Engine) -> str | None:
    """The revision a database is at, or ``None`` for a database without crmkit's schema."""
    with _connection(url_or_engine) as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
        return revision


def history() -> list[tuple[str, str]]:
    """Every revision as ``(id, message)``, oldest first (``crmkit db history``)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    scripts = ScriptDirectory.from_config(config)
    return [(rev.revision, rev.doc or "") for rev in reversed(list(scripts.walk_revisions()))]


def comparison_options(connection: sa.Connection) -> dict[str, Any]:
    """Options of a :class:`~alembic.runtime.migration.MigrationContext` comparing schema and metadata.

    Types are compared, and the indexes one dialect has beyond the metadata
    (:data:`~crmkit.adapters.sqlalchemy.tables.schema.DIALECT_ONLY_INDEXES`, such as PostgreSQL's
    GIN index of the knowledge base, revision 0022) skipped.
    """
    from crmkit.adapters.sqlalchemy.tables.schema import DIALECT_ONLY_INDEXES

    def include_object(item: Any, name: object, type_: str, reflected: bool, _other: object) -> bool:
        return not (type_ == "index" and reflected and name in DIALECT_ONLY_INDEXES)

    return {"compare_type": True, "include_object": include_object}


def _unversioned_schema(connection: sa.Connection) -> bool:
    """Whether the database holds crmkit tables but no Alembic history (checked: equal to head)."""
    from alembic.autogenerate import compare_metadata

    from crmkit.adapters.sqlalchemy.tables import metadata

    context = MigrationContext.configure(connection, opts=comparison_options(connection))
    has_history = context.get_current_revision() is not None
    existing = set(sa.inspect(connection).get_table_names()) & set(metadata.tables)
    connection.rollback()
    if has_history or not existing:
        return False
    differences = compare_metadata(context, metadata)
    connection.rollback()
    if differences:
        raise MigrationError(
            f"tables {sorted(existing)} exist without migration history and differ from the "
            f"current schema, so they cannot be adopted: {differences!r}"
        )
    return True


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


@contextmanager
def _connection(url_or_engine: str | sa.URL | sa.Engine) -> Iterator[sa.Connection]:
    if isinstance(url_or_engine, sa.Engine):
        with url_or_engine.connect() as connection:
            yield connection
        return
    engine = sa.create_engine(url_or_engine)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def _sqlite_foreign_keys_off(connection: sa.Connection) -> Iterator[None]:
    # The pragma is a no-op inside a transaction, so it goes to the driver
    # before SQLAlchemy begins one.
    raw: Any = connection.connection.driver_connection
    (enabled,) = raw.execute("PRAGMA foreign_keys").fetchone()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
