"""The one error hierarchy: every error names its field, rule or reason."""

from __future__ import annotations

import uuid

import pytest

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


def test_validation_error_carries_field_and_reason() -> None:
    error = ValidationError("contact.phone", "not a phone number")
    assert error.field == "contact.phone"
    assert error.reason == "not a phone number"
    assert str(error) == "contact.phone: not a phone number"
    assert isinstance(error, ValueError) and isinstance(error, CrmError)


def test_duplicate_is_a_validation_error() -> None:
    error = Duplicate("tax_no", "already registered")
    assert isinstance(error, ValidationError)
    assert error.field == "tax_no"


def test_not_found_carries_kind_and_key_as_text() -> None:
    key = uuid.UUID(int=7)
    error = NotFound("company", key)
    assert error.kind == "company"
    assert error.key == str(key)
    assert str(key) in str(error)
    assert isinstance(error, LookupError)


def test_permission_denied_carries_the_policy_reason() -> None:
    error = PermissionDenied("Ali is dismissed and can do nothing (A5)")
    assert error.reason == "Ali is dismissed and can do nothing (A5)"
    assert str(error) == error.reason


def test_concurrency_conflict_names_the_stale_version() -> None:
    error = ConcurrencyConflict("company", "c-1", 3)
    assert (error.kind, error.key, error.expected_version) == ("company", "c-1", 3)
    assert "version 3" in str(error)


def test_rule_violation_cites_the_rule() -> None:
    error = RuleViolation("C2", "a dealer may not have a distributor under it")
    assert error.rule == "C2"
    assert error.message == "a dealer may not have a distributor under it"
    assert str(error).endswith("(C2)")


def test_unknown_adapter_lists_known_schemes_sorted() -> None:
    error = UnknownAdapter("sms", "acme", ["netgsm", "console"])
    assert error.known == ["console", "netgsm"]
    assert "console, netgsm" in str(error)
    assert "'acme'" in str(error)
    assert "none" in str(UnknownAdapter("sms", "x", []))


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("f", "r"),
        NotFound("k", 1),
        PermissionDenied("r"),
        ConcurrencyConflict("k", 1, 1),
        RuleViolation("C1", "m"),
        UnknownAdapter("p", "s", []),
        StorageUnavailable("sqlite:///x"),
    ],
)
def test_every_error_derives_from_crm_error(error: Exception) -> None:
    assert isinstance(error, CrmError)
