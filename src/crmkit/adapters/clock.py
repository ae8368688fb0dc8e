"""The real clock and the random id generator."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime

__all__ = ["RandomIds", "SystemClock"]


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        return datetime.now(UTC)


_POOL = 4096
"""Random bytes read from the OS at once: 256 ids."""
_VERSION_4 = (4 << 76) | (0b10 << 62)
"""The version (4) and variant (RFC 4122) bits of a random UUID."""
_CLEAR = ~((0xF << 76) | (0b11 << 62)) & ((1 << 128) - 1)
"""Every bit but the version and variant bits."""


class RandomIds:
    """Random (version 4) UUIDs, as :func:`uuid.uuid4` makes them, at a fraction of its cost.

    The earning job makes one id per ledger entry, millions in a run (issue 15, V4):
    the 128 random bits come from :func:`os.urandom`, as for :func:`uuid.uuid4`, but
    read 4 KB at a time, and the UUID is built from its integer without
    :class:`uuid.UUID`'s argument parsing. Safe to share between threads.

    >>> ids = RandomIds()
    >>> a, b = ids.new(), ids.new()
    >>> a != b, a.version, a.variant == uuid.RFC_4122, a == uuid.UUID(str(a))
    (True, 4, True, True)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0

    def new(self) -> uuid.UUID:
        """A fresh random UUID (version 4)."""
        with self._lock:
            at = self._at
            if at >= len(self._pool):
                self._pool, at = os.urandom(_POOL), 0
            self._at = at + 16
            bits = int.from_bytes(self._pool[at : at + 16])
        return _uuid((bits & _CLEAR) | _VERSION_4)

    def many(self, n: int) -> list[uuid.UUID]:
        """``n`` fresh random UUIDs at once (one read of the OS's randomness): a batch's ledger entries.

        >>> ids = RandomIds().many(3)
        >>> len(set(ids)), {i.version for i in ids}
        (3, {4})
        """
        data = os.urandom(16 * n)
        take = int.from_bytes
        return [_uuid((take(data[at : at + 16]) & _CLEAR) | _VERSION_4) for at in range(0, 16 * n, 16)]


_UNKNOWN = uuid.SafeUUID.unknown


def _uuid(value: int) -> uuid.UUID:
    """The UUID of a 128-bit integer that is already a valid version-4 UUID (no argument parsing)."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN)
    return made
