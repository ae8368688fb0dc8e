"""The error hierarchy, for ``from crmkit.errors import PermissionDenied``."""

from crmkit.domain.errors import (
    ConcurrencyConflict,
    CrmError,
    Duplicate,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StorageUnavailable,
    UnknownAdapter,
    ValidationError,
)
from crmkit.domain.messaging import DeliveryFailed
from crmkit.domain.money import CurrencyMismatch

__all__ = [
    "ConcurrencyConflict",
    "CrmError",
    "CurrencyMismatch",
    "DeliveryFailed",
    "Duplicate",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StorageUnavailable",
    "UnknownAdapter",
    "ValidationError",
]
