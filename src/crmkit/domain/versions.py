"""Optimistic locking for read-modify-write (§9, C12): the version the caller read must still be current.

Every update use case takes ``expected_version=`` — the ``version`` of the
copy the caller read and edited. When someone else saved the record in
between, the update is refused with :class:`~crmkit.domain.errors.ConcurrencyConflict`
(also importable as ``Conflict``) instead of silently overwriting the other
change. The caller then reads the record again, re-applies his edit and retries.

>>> require_version("company", "42", stored=3, expected=3)
>>> require_version("company", "42", stored=4, expected=3)
Traceback (most recent call last):
...
crmkit.domain.errors.ConcurrencyConflict: company 42 was changed by someone else (your copy has version 3)
"""

from __future__ import annotations

from crmkit.domain.errors import ConcurrencyConflict, ValidationError

__all__ = ["require_version"]


def require_version(kind: str, key: object, *, stored: int, expected: object) -> None:
    """Refuse a change made on a stale copy; ``expected=None`` skips the check (last writer wins).

    Raises:
        ValidationError: ``expected`` is not a positive whole number (field ``expected_version``).
        ConcurrencyConflict: the stored version is not ``expected``.
    """
    if expected is None:
        return
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 1:
        raise ValidationError("expected_version", f"must be a version number (1 or more), not {expected!r}")
    if stored != expected:
        raise ConcurrencyConflict(kind, key, expected)
