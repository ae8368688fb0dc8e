"""An opt-in of the invoice sources: fewer cyclic garbage collections while a large import reads (V2).

``csv:///sales.csv?gc=fewer`` and ``ubl-tr:///inbox?gc=fewer`` (or
``fewer_collections=True``) make the source's :meth:`read` raise the
interpreter's generation-0 threshold to :data:`IMPORT_GC_THRESHOLD` while it is
being read, and restore it when the read ends — exhausted, closed early or
failed — and the last such read in the process has ended. Off by default: it
changes a process-wide setting, which is the host's to choose.

Why: an import allocates millions of small objects that live for one batch;
with the default threshold (700) the collector scanned them again and again and
took about a fifth of the import's time, and with 100,000 still about a twelfth
(a batch of 25,000 lines keeps more than that alive). Above a batch's live
objects it runs about once in a million lines. Reference counting still frees
everything as before; only cycles wait a little longer.

>>> import gc
>>> before = gc.get_threshold()
>>> with fewer_collections():
...     gc.get_threshold()[0] >= IMPORT_GC_THRESHOLD
True
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["IMPORT_GC_THRESHOLD", "fewer_collections", "gc_option", "maybe_fewer_collections"]

IMPORT_GC_THRESHOLD = 500_000
"""The collector's generation-0 threshold while an opted-in read runs."""

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] = (700, 10, 10)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the generation-0 threshold while at least one such block runs; restore it after the last."""
    global _running, _saved  # one process-wide setting, counted across reads
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            if _saved[0] < IMPORT_GC_THRESHOLD:
                gc.set_threshold(IMPORT_GC_THRESHOLD, *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)


def maybe_fewer_collections(enabled: bool) -> contextlib.AbstractContextManager[None]:
    """:func:`fewer_collections` when ``enabled``, else nothing."""
    return fewer_collections() if enabled else contextlib.nullcontext()


def gc_option(options: dict[str, str], url: str) -> bool:
    """Whether a source URL's ``gc`` option opts in (``gc=fewer``); ``gc=default`` or none does not.

    Raises:
        ValueError: any other value.
    """
    value = options.get("gc", "default")
    if value not in ("fewer", "default"):
        raise ValueError(f"gc must be 'fewer' or 'default', not {value!r}")
    return value == "fewer"
