"""The one error hierarchy of crmkit.

Every error a caller can catch derives from :class:`CrmError`. Warnings that
must not block (a double booking, a failed checksum on an imported invoice)
are returned in results, never raised.
"""

from __future__ import annotations

import re

__all__ = [
    "ConcurrencyConflict",
    "Conflict",
    "CrmError",
    "Duplicate",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StorageUnavailable",
    "UnknownAdapter",
    "ValidationError",
    "rule_in",
]

_RULE = re.compile(r"\(([A-Z]{1,2}\d{1,2})\)")


def rule_in(text: str) -> str:
    """The last SPEC rule number cited in parentheses in ``text`` (``"… (A3)"`` → ``"A3"``), or ``""``.

    >>> rule_in("Gülşen may update only companies she owns (A3)")
    'A3'
    """
    found = _RULE.findall(text)
    return found[-1] if found else ""


class CrmError(Exception):
    """Base class of every error crmkit raises on purpose."""


class ValidationError(CrmError, ValueError):
    """Bad input: names the field and the reason.

    Attributes:
        field: the input field at fault (dotted for nested values, e.g. ``contact.phone``).
        reason: a human-readable reason.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Duplicate(ValidationError):
    """A value that must be unique is already taken (e.g. a tax number or an id)."""


class NotFound(CrmError, LookupError):
    """A record that was asked for does not exist.

    Attributes:
        kind: what was looked for (``"company"``, ``"employee"`` ...).
        key: the id or key that was not found, as text.
    """

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = str(key)


class PermissionDenied(CrmError):
    """The access policy refused an action.

    Attributes:
        reason: the policy's reason, fit to show to a user.
        rule: the SPEC rule that refused (``"A3"``, ``"C8"`` …), as :class:`RuleViolation`
            carries it, so a host need not parse ``reason``: the one given, else the last one
            ``reason`` cites, else ``None``.
    """

    def __init__(self, reason: str, *, rule: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rule = rule if rule is not None else (rule_in(reason) or None)


class ConcurrencyConflict(CrmError):
    """A stale copy was saved: someone else changed the record first.

    Attributes:
        kind: the aggregate type.
        key: its id as text.
        expected_version: the version the caller's copy carried.
    """

    def __init__(self, kind: str, key: object, expected_version: int) -> None:
        super().__init__(
            f"{kind} {key} was changed by someone else (your copy has version {expected_version})"
        )
        self.kind = kind
        self.key = str(key)
        self.expected_version = expected_version


Conflict = ConcurrencyConflict
"""The short name of :class:`ConcurrencyConflict`: a stale copy was saved (§9)."""


class RuleViolation(CrmError):
    """A business rule forbids the change.

    Attributes:
        rule: the SPEC rule number (``"C2"``, ``"C6"`` ...).
        message: what was wrong, fit to show to a user.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} ({rule})")
        self.rule = rule
        self.message = message


class UnknownAdapter(CrmError, LookupError):
    """An adapter URL names a scheme no plugin registered.

    Attributes:
        port: which port was being filled (``"storage"``, ``"sms"`` ...).
        scheme: the scheme asked for.
        known: the schemes that are registered.
    """

    def __init__(self, port: str, scheme: str, known: list[str]) -> None:
        listed = ", ".join(sorted(known)) or "none"
        super().__init__(f"no {port} adapter for scheme {scheme!r}; known schemes: {listed}")
        self.port = port
        self.scheme = scheme
        self.known = sorted(known)


class StorageUnavailable(CrmError):
    """The storage back end cannot be reached; the message names the URL with the password masked."""
