"""Parsing UBL files in worker processes while the importer stores what they return (SPEC §7 V2).

Parsing an e-invoice costs about 1 ms, several times what storing it costs, and
the interpreter lock keeps a second thread from helping. :class:`ParsePool`
starts ``workers`` processes running ``python -m crmkit.adapters.invoices.ubl_workers``
and hands them chunks of files; each parses its chunk with
:func:`~crmkit.adapters.invoices.ubl.read_record` (exactly what the source does in
this process) and sends the records back in the compact form of
:mod:`crmkit.adapters.invoices._transport`, several times cheaper to load than
to parse.

* **Order.** Chunks go to the workers in turn and are read back in the same
  turn, so records come in file-name order and a cursor means what it means
  without workers.
* **Bounded.** Each worker holds at most two chunks (of at most
  :data:`CHUNK_FILES` files); nothing else is read ahead.
* **Safe.** A worker is a fresh interpreter started with :mod:`subprocess`, not a
  fork (no copied locks or connections) and not :mod:`multiprocessing` (which
  re-imports the caller's ``__main__`` script in each child).
* **Fallback.** A worker that cannot start, dies or sends something unreadable
  leaves its chunks — and every later one — to this process: the records are
  the same, only slower, and the first record parsed here carries a warning
  saying why (so the import report shows it). When the caller stops reading,
  the workers are stopped.

The pipe protocol is private: frames of an 8-byte big-endian length and a pickle,
requests ``(max_bytes, timezone, [(name, path), ...])`` one way and records the
other, between this process and the children it started.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import attrs

from crmkit.adapters.invoices._transport import dumps, loads
from crmkit.adapters.invoices.ubl import read_record
from crmkit.ports.invoices import SourceRecord

__all__ = ["CHUNK_BYTES", "CHUNK_FILES", "WORKER_COMMAND", "ParsePool", "main"]

CHUNK_FILES = 32
"""Most files in one chunk handed to a worker."""
CHUNK_BYTES = 16 * 1024
"""Most bytes of file names in one chunk (so a request always fits a pipe's buffer: no deadlock)."""
WORKER_COMMAND: list[str] = [sys.executable, "-m", __name__]
"""How a worker is started."""

_Entry = tuple[str, Path]


def _chunks(entries: list[_Entry]) -> list[list[_Entry]]:
    chunks: list[list[_Entry]] = []
    current: list[_Entry] = []
    size = 0
    for entry in entries:
        cost = len(entry[0].encode()) + len(str(entry[1]).encode()) + 16
        if current and (len(current) >= CHUNK_FILES or size + cost > CHUNK_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(entry)
        size += cost
    if current:
        chunks.append(current)
    return chunks


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(len(payload).to_bytes(8, "big") + payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = stream.read(8)
    if len(header) < 8:
        return None
    size = int.from_bytes(header, "big")
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return payload


class _WorkerGone(Exception):
    """A worker could not be started, died, or sent something unreadable."""


class ParsePool:
    """Worker processes parsing UBL files for one :meth:`~crmkit.adapters.invoices.ubl.UblInvoiceSource.read`.

    Args:
        workers: how many processes to start (at least 1).
        max_bytes: files larger than this are refused unread.
        timezone_name: zone of issue times given without one.
    """

    def __init__(self, workers: int, *, max_bytes: int, timezone_name: str) -> None:
        self.workers = max(workers, 1)
        self.max_bytes = max_bytes
        self.timezone_name = timezone_name
        self.processes: list[subprocess.Popen[bytes]] = []
        """The worker processes of the running :meth:`records` (empty once it ends)."""

    def records(self, entries: list[_Entry]) -> Iterator[SourceRecord]:
        """The records of ``entries``, in their order, parsed by the workers (or here, if they fail)."""
        chunks = _chunks(entries)
        done = 0
        reason = ""
        try:
            try:
                self._start()
                sent = min(2 * len(self.processes), len(chunks))  # two chunks per worker to begin with
                for index in range(sent):
                    self._send(index, chunks[index])
                while done < len(chunks):
                    records = self._receive(done)
                    gone: _WorkerGone | None = None
                    if sent < len(chunks):  # keep the worker busy while these records are stored
                        try:
                            self._send(sent, chunks[sent])
                            sent += 1
                        except _WorkerGone as error:
                            gone = error
                    done += 1
                    yield from records
                    if gone is not None:
                        raise gone
            except _WorkerGone as error:
                reason = str(error)
            for chunk in chunks[done:]:  # what the workers did not deliver: parse it here
                for name, path in chunk:
                    record = read_record(
                        name, path, max_bytes=self.max_bytes, timezone_name=self.timezone_name
                    )
                    if reason:  # say so once, on the first record parsed here
                        note = f"{name}: the parsing workers stopped ({reason}); it and the files after it"
                        note += " were parsed by the importing process"
                        record, reason = attrs.evolve(record, warnings=(*record.warnings, note)), ""
                    yield record
        finally:
            self._stop()

    def _start(self) -> None:
        # The workers import crmkit from where this process found it (as multiprocessing's spawn does).
        environment = dict(
            os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if isinstance(p, str) and p)
        )
        try:
            for _ in range(self.workers):
                self.processes.append(
                    subprocess.Popen(  # our own interpreter and module, no shell
                        WORKER_COMMAND,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        env=environment,
                    )
                )
        except (OSError, ValueError, TypeError) as error:  # no interpreter to start (an embedded Python)
            raise _WorkerGone(f"a worker could not be started: {error}") from error

    def _send(self, index: int, chunk: list[_Entry]) -> None:
        process = self.processes[index % len(self.processes)]
        request = pickle.dumps((self.max_bytes, self.timezone_name, [(n, str(p)) for n, p in chunk]))
        try:
            assert process.stdin is not None
            _write_frame(process.stdin, request)
        except (OSError, ValueError) as error:
            raise _WorkerGone(f"worker {process.pid} takes no more files: {error}") from error

    def _receive(self, index: int) -> list[SourceRecord]:
        process = self.processes[index % len(self.processes)]
        assert process.stdout is not None
        try:
            payload = _read_frame(process.stdout)
            if payload is None:
                raise _WorkerGone(f"worker {process.pid} ended")
            return loads(payload)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, TypeError) as error:
            raise _WorkerGone(f"worker {process.pid} sent what cannot be read: {error!r}") from error

    def _stop(self) -> None:
        processes, self.processes = self.processes, []
        for process in processes:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):  # a broken pipe on close
                        stream.close()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a worker stuck in a file
                process.kill()
                process.wait()


def main() -> None:
    """A worker: parse each chunk read from standard input, write its records to standard output."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (request := _read_frame(source)) is not None:
        max_bytes, zone, entries = pickle.loads(request)
        records = [
            read_record(name, Path(path), max_bytes=max_bytes, timezone_name=zone) for name, path in entries
        ]
        _write_frame(sink, dumps(records))


if __name__ == "__main__":  # pragma: no cover - run as a worker process
    main()
