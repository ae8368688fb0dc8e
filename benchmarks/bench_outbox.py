"""Outbox throughput: a campaign enqueues N messages, dispatchers deliver them to the console gateway.

Issue 6, item 9. Prints messages/s for each step beside a raw insert of the
same rows into a twin table through the driver (same columns, same indexes):

* SQLite file (WAL): enqueue (what a campaign does: make each recipient's id
  and key, then ``enqueue_sms_copies`` — every number validated, SMS parts
  counted — in one unit of work, committed),
  raw insert, then dispatch with one dispatcher;
* PostgreSQL (``--postgres URL``): enqueue, raw insert, dispatch with one
  dispatcher process, then — after enqueueing again — with two; finally one
  and two dispatchers against a gateway that takes ``--latency-ms`` per
  message, as an HTTP provider does (where more dispatchers pay off). The
  PostgreSQL dispatch baseline is the same claim and outcome statements run
  through psycopg alone in one process (``raw dispatch``); the *floor* of a
  non-idempotent send is one durable write per message: a psycopg loop of one
  autocommitted single-row ``UPDATE`` per message of the same table, printed with
  the dispatcher's ratio to it (§9, issue 11);
* SQLite (and PostgreSQL): e-mail copies with and without one 100 KB
  attachment (the bytes are stored once for all copies, one small row per
  copy; the stored bytes are printed beside one copy per message).

Targets: enqueue >= 50,000 messages/s on SQLite; dispatch >= 5,000 messages/s
to the console gateway; two dispatchers faster than one on PostgreSQL.

The console gateway is not idempotent, so the dispatcher records each message's
hand-over before sending it (§9, issue 11 item 8); the same dispatch to the
console gateway declared idempotent (no record) is measured in the same run as
the baseline of that record's cost.

    .venv/bin/python benchmarks/bench_outbox.py [--messages 100000] [--repeat 3] [--postgres URL]

The machine may be shared: each step runs ``--repeat`` times and the best time is kept.
"""

from __future__ import annotations

import argparse
import enum
import io
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.adapters.sqlalchemy._convert import OFFSET_SUFFIX, offset_of
from crmkit.adapters.sqlalchemy.outbox_codecs import MESSAGE_COLUMNS as _COLUMNS
from crmkit.adapters.sqlalchemy.storage import SqlStorage
from crmkit.adapters.sqlalchemy.tables.outbox import outbox_messages
from crmkit.adapters.sqlalchemy.testing import reset_database
from crmkit.domain.messaging import BackoffPolicy, MessageKind, OutboxMessage, OutboxState
from crmkit.ports.outbox import OutboxCopy
from crmkit.services.messaging import Dispatcher, enqueue_sms_copies, sms_message

TEXT = "Değerli müşterimiz, Şubat kampanyamızda tüm hijyen ürünlerinde %20 indirim. Ret için RET yazın."


def recipients(n: int, tag: str) -> list[OutboxCopy]:
    """A campaign's recipients: ``(message id, idempotency key, phone, contact id)``."""
    return [(uuid.uuid4(), f"{tag}:{i}", f"+90532{i:07d}", None) for i in range(n)]


def campaign(n: int, tag: str) -> list[OutboxMessage]:
    """One SMS per recipient as full message values (the raw insert's rows are made of these)."""
    now = datetime.now(UTC)
    campaign_id = uuid.uuid4()
    return [
        sms_message(id=id, key=key, to=to, text=TEXT, kind=MessageKind.INFORMATIONAL, now=now,
                    campaign_id=campaign_id)
        for id, key, to, _ in recipients(n, tag)
    ]  # fmt: skip


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def enqueue(storage: SqlStorage, n: int, tag: str) -> float:
    """What a campaign does: make its recipients' ids and keys, enqueue one SMS each (validated)."""

    def work() -> None:
        now = datetime.now(UTC)
        campaign_id = uuid.uuid4()
        with storage.unit_of_work() as uow:
            enqueue_sms_copies(uow, recipients=recipients(n, tag), text=TEXT, kind=MessageKind.INFORMATIONAL,
                               now=now, campaign_id=campaign_id)  # fmt: skip
            uow.commit()

    return timed(work)


def _value(value: object) -> object:
    """A message field as the baseline's driver takes it: enums by value, times in UTC."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def _field(message: OutboxMessage, column: str) -> object:
    """Column ``column`` of ``message`` as the driver takes it (``*_offset``: its time's UTC offset)."""
    if column.endswith(OFFSET_SUFFIX):
        time = getattr(message, column.removesuffix(OFFSET_SUFFIX))
        return None if time is None else offset_of(time)
    return _value(getattr(message, column))


def raw_insert(storage: SqlStorage, n: int, tag: str) -> float:
    """The same rows through the driver's executemany (COPY on psycopg) into a twin table."""
    rows = [tuple(_field(m, name) for name in _COLUMNS) for m in campaign(n, tag)]
    twin_meta = sa.MetaData()
    twin = outbox_messages.to_metadata(twin_meta, name="bench_outbox_raw")
    for index in twin.indexes:
        index.name = sa.sql.elements.quoted_name(f"bench_raw_{'_'.join(c.name for c in index.columns)}", None)
    for constraint in twin.constraints:
        if constraint.name:
            constraint.name = f"bench_raw_{constraint.name}"
    twin_meta.drop_all(storage.engine)
    twin_meta.create_all(storage.engine)
    connection = storage.engine.connect()
    dialect = connection.dialect
    processors = [twin.c[name].type._cached_bind_processor(dialect) for name in _COLUMNS]
    converted = [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True)) for row in rows]
    try:
        start = time.perf_counter()
        if dialect.name == "postgresql":
            raw: Any = connection.connection.dbapi_connection  # psycopg's own connection (COPY)
            assert raw is not None
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY bench_outbox_raw ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        else:  # a plain sqlite3 connection, one transaction, the adapter's pragmas
            import sqlite3

            marks = ", ".join("?" for _ in _COLUMNS)
            raw_sqlite = sqlite3.connect(storage.engine.url.database or "")
            raw_sqlite.execute("PRAGMA synchronous=NORMAL")
            start = time.perf_counter()
            with raw_sqlite:
                raw_sqlite.executemany(
                    f"INSERT INTO bench_outbox_raw ({', '.join(_COLUMNS)}) VALUES ({marks})", converted
                )
            raw_sqlite.close()
        elapsed = time.perf_counter() - start
    finally:
        connection.close()
        twin_meta.drop_all(storage.engine)
    return elapsed


class SlowConsole(ConsoleSmsGateway):
    """The console gateway behind a network round trip of ``latency`` seconds (an HTTP provider)."""

    def __init__(self, latency: float) -> None:
        super().__init__(io.StringIO())
        self.latency = latency

    def send(self, message: Any) -> str:
        time.sleep(self.latency)
        return super().send(message)


def dispatch_worker(
    url: str, name: str, batch: int, results: Any, latency: float = 0.0, idempotent: bool = False
) -> None:
    storage = SqlStorage(url)
    sms = SlowConsole(latency) if latency else ConsoleSmsGateway(io.StringIO())
    sms.idempotent = idempotent  # an idempotent gateway needs no hand-over record before each send (§9)
    from crmkit.adapters.clock import SystemClock

    dispatcher = Dispatcher(storage, sms=sms, email=ConsoleEmailSender(io.StringIO()), clock=SystemClock(),
                            policy=BackoffPolicy(), batch_size=batch, name=name)  # fmt: skip
    report = dispatcher.run_until_idle()
    storage.close()
    results.put((name, report.sent))


def dispatch(
    url: str, workers: int, batch: int, latency: float = 0.0, idempotent: bool = False
) -> tuple[float, int]:
    results: Any = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(
            target=dispatch_worker, args=(url, f"d{i}", batch, results, latency, idempotent)
        )
        for i in range(workers)
    ]
    start = time.perf_counter()
    for p in processes:
        p.start()
    sent = sum(results.get()[1] for _ in processes)
    for p in processes:
        p.join()
    return time.perf_counter() - start, sent


def raw_dispatch(url: str, batch: int) -> tuple[float, int]:
    """The PostgreSQL baseline: the same claim and outcome statements through psycopg alone.

    One process, batches of ``batch``: claim with ``UPDATE … FOR UPDATE SKIP LOCKED …
    RETURNING``, write each message to a console buffer, store the outcomes with one
    ``UPDATE … FROM unnest``; no message values, no gateway object, no consent check.
    """
    import psycopg

    claim = (
        "WITH picked AS (SELECT id FROM outbox_messages WHERE state = 'pending' AND due_at <= now()"
        " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " UPDATE outbox_messages AS t SET state = 'claimed', claim = 'raw', attempts = t.attempts + 1,"
        " due_at = now() + interval '5 minutes' FROM picked WHERE t.id = picked.id"
        " RETURNING t.id, t.recipient, t.body, t.key"
    )
    finish = (
        "UPDATE outbox_messages AS t SET state = 'sent', claim = NULL, due_at = now(), sent_at = now(),"
        " provider_id = v.p FROM unnest(%s::uuid[], %s::varchar[]) AS v(id, p)"
        " WHERE t.id = v.id AND t.claim = 'raw'"
    )
    out = io.StringIO()
    sent = 0
    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    start = time.perf_counter()
    with psycopg.connect(dsn) as connection:
        while True:
            with connection.transaction():
                rows = connection.execute(claim, (batch,)).fetchall()
            if not rows:
                break
            ids, providers = [], []
            for id, recipient, body, key in rows:
                out.write(f"SMS {recipient} [{key}] {body}\n")
                ids.append(id)
                providers.append(f"console-{id.hex[:12]}")
            with connection.transaction():
                connection.execute(finish, (ids, providers))
            sent += len(rows)
    return time.perf_counter() - start, sent


def write_floor(url: str, *, flush: bool, most: int | None = None) -> tuple[float, int]:
    """The floor of a non-idempotent send on PostgreSQL: one durable write per message (§9, issue 11).

    Through psycopg alone, autocommitted: one single-row ``UPDATE outbox_messages … WHERE id = %s``
    per pending message of the same table (at most ``most`` of them), each its own transaction.
    ``flush`` False sets ``synchronous_commit = off`` for the session — the durability the
    dispatcher's hand-over record commits with (it guards against a crash of the dispatcher,
    which the server outlives); True waits for the WAL flush of every commit. Nothing else: no
    claim, no gateway, no outcome. Returns the seconds of the loop and the messages it touched
    (still pending: the caller marks them sent).
    """
    import psycopg

    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        if not flush:
            connection.execute("SET synchronous_commit = off")
        found = connection.execute("SELECT id FROM outbox_messages WHERE state = 'pending' ORDER BY id")
        ids = [row[0] for row in found][:most]
        update = "UPDATE outbox_messages SET claim = 'floor' WHERE id = %s"
        start = time.perf_counter()
        for id in ids:
            connection.execute(update, (id,), prepare=True)
        elapsed = time.perf_counter() - start
    return elapsed, len(ids)


def synchronous_commit(url: str) -> str:
    """PostgreSQL's ``synchronous_commit`` and ``fsync`` settings, printed beside the floor."""
    storage = SqlStorage(url)
    try:
        with storage.engine.connect() as connection:
            commit = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
            fsync = connection.exec_driver_sql("SHOW fsync").scalar_one()
    finally:
        storage.close()
    return f"synchronous_commit={commit}, fsync={fsync}"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} msg/s  ({seconds:6.2f} s)"


def run(url: str, label: str, n: int, batch: int, two: bool, repeat: int) -> None:
    """Every step ``repeat`` times on an emptied outbox; the best time of each is printed."""
    best: dict[str, float] = {}

    def keep(step: str, seconds: float) -> None:
        best[step] = min(seconds, best.get(step, seconds))

    for round_ in range(repeat):
        storage = SqlStorage(url)
        storage.migrate()
        reset_database(storage)
        keep("raw", raw_insert(storage, n, f"raw{round_}"))
        keep("enqueue", enqueue(storage, n, f"one{round_}"))
        storage.close()
        seconds, sent = dispatch(url, 1, batch)
        assert sent == n, sent
        keep("dispatch1", seconds)
        storage = SqlStorage(url)
        enqueue(storage, n, f"idem{round_}")
        storage.close()
        seconds, sent = dispatch(url, 1, batch, idempotent=True)
        assert sent == n, sent
        keep("idempotent1", seconds)
        if two:
            storage = SqlStorage(url)
            enqueue(storage, n, f"raw{round_}")
            storage.close()
            seconds, sent = raw_dispatch(url, batch)
            assert sent == n, sent
            keep("rawdispatch", seconds)
            storage = SqlStorage(url)
            enqueue(storage, n, f"two{round_}")
            storage.close()
            seconds, sent = dispatch(url, 2, batch)
            assert sent == n, sent
            keep("dispatch2", seconds)
            storage = SqlStorage(url)
            enqueue(storage, n, f"floor{round_}")
            storage.close()
            seconds, touched = write_floor(url, flush=False)
            assert touched == n, touched
            keep("floor", seconds)
            flushed = min(n, 2_000)  # ~1-10 ms a commit: a sample is enough for its rate
            seconds, touched = write_floor(url, flush=True, most=flushed)
            assert touched == flushed, touched
            keep("floor_flushed", seconds * n / flushed)
            with SqlStorage(url).engine.begin() as connection:  # the rest of that campaign: sent
                connection.exec_driver_sql(
                    "UPDATE outbox_messages SET state = 'sent' WHERE state = 'pending'"
                )
        storage = SqlStorage(url)
        with storage.unit_of_work() as uow:
            assert uow.outbox.count(OutboxState.SENT) == n * (5 if two else 2)
        reset_database(storage)
        storage.close()
    print(f"\n{label}: {n:,} messages, dispatch batches of {batch}, best of {repeat}")
    print(f"  raw driver insert        {rate(n, best['raw'])}")
    ratio = best["enqueue"] / best["raw"]
    print(f"  enqueue (campaign)       {rate(n, best['enqueue'])}   ratio to raw {ratio:4.2f}")
    if two:
        print(f"  raw dispatch (psycopg)   {rate(n, best['rawdispatch'])}")
        ratio = best["dispatch1"] / best["rawdispatch"]
        print(f"  dispatch, 1 dispatcher   {rate(n, best['dispatch1'])}   ratio to raw {ratio:4.2f}")
    else:
        print(f"  dispatch, 1 dispatcher   {rate(n, best['dispatch1'])}")
    ratio = best["dispatch1"] / best["idempotent1"]
    idempotent = rate(n, best["idempotent1"])
    print(f"  same, idempotent gateway {idempotent}   hand-over records: {ratio:4.2f}x the time")
    if two:
        speed_up = best["dispatch1"] / best["dispatch2"]
        print(f"  dispatch, 2 dispatchers  {rate(n, best['dispatch2'])}   speed-up {speed_up:4.2f}x")
        floor, every = best["floor"], best["floor_flushed"]
        print(f"  one durable write per message (psycopg, one autocommitted single-row UPDATE each; server:"
              f" {synchronous_commit(url)}):")  # fmt: skip
        print(
            f"    floor, commit not waiting for the WAL flush (as the hand-over) {rate(n, floor)}"
            f"   dispatch / floor: {best['dispatch1'] / floor:4.2f}x the time"
        )
        print(
            f"    floor, every commit flushed (sample of {min(n, 2_000):,})       {rate(n, every)}"
            f"   dispatch / floor: {best['dispatch1'] / every:4.2f}x the time"
        )
        print(f"    issue 6's 5,000 msg/s is {'below' if n / floor >= 5_000 else 'above'} the first floor")


def attachment_copies(url: str, n: int, size: int, repeat: int) -> None:
    """E-mail copies without and with one ``size``-byte attachment, best of ``repeat`` on an emptied outbox.

    The file is stored once (``outbox_blobs``) and each copy gets one small
    ``outbox_attachments`` row; the stored bytes are printed beside what one
    copy per message would take. "with, file already stored" is a second
    campaign sending the same file (insert-if-absent finds it).
    """
    from crmkit.domain.messaging import OutboxAttachment
    from crmkit.services.messaging import enqueue_email_copies

    storage = SqlStorage(url)
    storage.migrate()
    files = [OutboxAttachment("katalog.pdf", "application/pdf", uuid.uuid4().bytes * (size // 16))]
    best: dict[str, float] = {}
    stored = (0, 0)
    rows = 0
    for round_ in range(repeat):
        reset_database(storage)
        for label, attached in (("without", []), ("with", files), ("again", files)):
            copies: list[OutboxCopy] = [
                (uuid.uuid4(), f"{label}{round_}:{i}", f"user{i}@example.com.tr", None) for i in range(n)
            ]

            def work(copies: list[OutboxCopy] = copies, attached: list[OutboxAttachment] = attached) -> None:
                with storage.unit_of_work() as uow:
                    enqueue_email_copies(uow, recipients=copies, subject="Katalog", body="Ektedir",
                                         kind=MessageKind.INFORMATIONAL, now=datetime.now(UTC),
                                         attachments=attached)  # fmt: skip
                    uow.commit()

            seconds = timed(work)
            best[label] = min(seconds, best.get(label, seconds))
        with storage.unit_of_work() as uow:
            stored = uow.outbox.stored_files()
        with storage.engine.connect() as connection:
            rows = int(connection.execute(sa.text("SELECT count(*) FROM outbox_attachments")).scalar_one())
    reset_database(storage)
    storage.close()
    print(f"\nE-mail copies, {n:,} recipients, one {size // 1024} KB attachment ({url.split(':')[0]}), "
          f"best of {repeat}")  # fmt: skip
    print(f"  without attachment       {rate(n, best['without'])}")
    for label, step in (("with attachment", "with"), ("with, file already stored", "again")):
        ratio = best[step] / best["without"]
        print(f"  {label:<25}{rate(n, best[step])}   {ratio:4.2f}x the time without")
    per_copy = 2 * n * size
    print(
        f"  contents stored          {stored[0]} ({stored[1]:,} bytes) for {rows:,} attachment rows;"
        f" one copy per message would be {per_copy:,} bytes ({per_copy / max(stored[1], 1):,.0f}x)"
    )


def latency(url: str, n: int, seconds: float) -> None:
    """Where several dispatchers pay off: a gateway that takes ``seconds`` per message."""
    print(
        f"\nPostgreSQL, a gateway taking {seconds * 1000:.0f} ms per message: {n:,} messages, batches of 100"
    )
    timings = {}
    for workers in (1, 2):
        storage = SqlStorage(url)
        reset_database(storage)
        enqueue(storage, n, f"lat{workers}")
        storage.close()
        timings[workers], sent = dispatch(url, workers, 100, seconds)
        assert sent == n, sent
        extra = f"   speed-up {timings[1] / timings[2]:4.2f}x" if workers == 2 else ""
        label = "dispatchers" if workers > 1 else "dispatcher "
        print(f"  dispatch, {workers} {label}  {rate(n, timings[workers])}{extra}")
    storage = SqlStorage(url)
    reset_database(storage)
    storage.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--latency-ms", type=float, default=1.0, help="gateway round trip of the last step")
    parser.add_argument("--latency-messages", type=int, default=5_000)
    parser.add_argument("--attachment-copies", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best time of each step is kept")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (a scratch database: it is emptied)")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, SQLAlchemy {sa.__version__}")
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'outbox.db'}"
        run(sqlite_url, "SQLite (WAL, one dispatcher)", args.messages, args.batch, False, args.repeat)
        attachment_copies(sqlite_url, args.attachment_copies, 100 * 1024, args.repeat)
    if args.postgres:
        run(args.postgres, "PostgreSQL", args.messages, args.batch, True, args.repeat)
        attachment_copies(args.postgres, args.attachment_copies, 100 * 1024, args.repeat)
        latency(args.postgres, args.latency_messages, args.latency_ms / 1000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
