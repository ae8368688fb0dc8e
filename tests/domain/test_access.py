"""Access decisions carry a reason (A7) and refuse departed employees (C8, A5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.domain.access import Decision, require_can_act
from crmkit.domain.errors import PermissionDenied
from crmkit.testing.factories import WHEN as T0
from crmkit.testing.factories import make_employee

EXIT = T0 + timedelta(days=10)


def test_a7_decision_carries_allowed_and_reason() -> None:
    yes = Decision.allow("admin sees everything (A2)")
    no = Decision.deny("not in a team holding code M-07 (A1)")
    assert (yes.allowed, yes.reason) == (True, "admin sees everything (A2)")
    assert (no.allowed, no.reason) == (False, "not in a team holding code M-07 (A1)")
    assert bool(yes) and not bool(no)


def test_a7_enforce_raises_permission_denied_with_the_reason() -> None:
    Decision.allow("ok").enforce()
    with pytest.raises(PermissionDenied) as info:
        Decision.deny("not in a team holding code M-07 (A1)").enforce()
    assert info.value.reason == "not in a team holding code M-07 (A1)"


def test_a5_active_employee_may_act() -> None:
    decision = require_can_act(make_employee(name="Zeynep Öz"), EXIT)
    assert decision.allowed
    assert "Zeynep Öz" in decision.reason and "active" in decision.reason


@pytest.mark.parametrize(("leave", "word"), [("dismiss", "dismissed"), ("resign", "resigned")])
def test_a5_departed_employee_is_denied_from_the_exit_on(leave: str, word: str) -> None:
    gone = getattr(make_employee(name="Zeynep Öz"), leave)("Sebep", EXIT)
    assert require_can_act(gone, EXIT - timedelta(seconds=1)).allowed
    decision = require_can_act(gone, EXIT)
    assert not decision.allowed
    assert f"Zeynep Öz is {word} since {EXIT:%Y-%m-%d}" in decision.reason
    assert "(A5)" in decision.reason
    with pytest.raises(PermissionDenied):
        decision.enforce()
