"""No silent lost update on employees, territory and pick-lists either (§9, C8, C9, T1–T4), on every back end.

Issue 11 item 5, the rest: two users read the same record (two units of work), the first
saves a change with the version he read, the second then saves his own change with the
now stale version. The second gets ``ConcurrencyConflict`` (``Conflict``), nothing of his is
written, and the documented read-modify-write retry (read again, re-apply, pass the new
version) succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from crmkit.domain.errors import ConcurrencyConflict, ValidationError
from tests.services.conftest import World

DAY = timedelta(days=1)


@dataclass
class Case:
    """One kind of in-place update: how to make the record, read it, and the two users' writes."""

    make: Callable[[World], Any]
    read: Callable[[World, Any], Any]
    first: Callable[[World, Any, int], object]
    second: Callable[[World, Any, int], object]
    mark: Callable[[Any], object]


def _employee(w: World) -> Any:
    return w.crm.parties.hire(actor=w.admin.id, name="Deniz Ak", position="employee")


def _territory(w: World) -> dict[str, Any]:
    t, a = w.crm.territory, w.admin.id
    w.crm.parties.set_parameters(actor=a, name="micro_region_codes", values=["M-01", "M-02"])
    top = t.add_region(actor=a, name="Türkiye")
    marmara = t.add_region(actor=a, name="Marmara", parent=top.id)
    ege = t.add_region(actor=a, name="Ege", parent=top.id)
    team = t.add_team(actor=a, name="İstanbul Ekibi", region=marmara.id)
    rep = _employee(w)
    member = t.add_member(actor=a, team=team.id, employee=rep.id)
    link = t.link_code(actor=a, team=team.id, code="M-01")
    return {"top": top, "marmara": marmara, "ege": ege, "team": team, "member": member, "link": link}


def _membership(w: World, key: dict[str, Any]) -> Any:
    return w.crm.territory.memberships(actor=w.admin.id, team=key["team"].id)[0]


def _link(w: World, key: dict[str, Any]) -> Any:
    return w.crm.territory.code_links(actor=w.admin.id, team=key["team"].id)[0]


def _region(w: World, key: dict[str, Any]) -> Any:
    """Marmara, wherever it is now (under Türkiye, under Ege or at the top)."""
    t, a = w.crm.territory, w.admin.id
    parents = (None, key["top"].id, key["ege"].id)
    return next(r for p in parents for r in t.children(actor=a, region=p) if r.id == key["marmara"].id)


CASES: dict[str, Case] = {
    "set_credentials": Case(
        make=_employee,
        read=lambda w, e: w.crm.parties.get_employee(actor=w.admin.id, employee=e.id),
        first=lambda w, e, v: w.crm.parties.set_credentials(
            actor=w.admin.id, employee=e.id, login="deniz", password="parola-123", expected_version=v
        ),
        second=lambda w, e, v: w.crm.parties.set_credentials(
            actor=w.admin.id, employee=e.id, login="dak", password="parola-456", expected_version=v
        ),
        mark=lambda e: e.login,
    ),
    "dismiss": Case(
        make=_employee,
        read=lambda w, e: w.crm.parties.get_employee(actor=w.admin.id, employee=e.id),
        first=lambda w, e, v: w.crm.parties.set_credentials(
            actor=w.admin.id, employee=e.id, login="deniz", password="parola-123", expected_version=v
        ),
        second=lambda w, e, v: w.crm.parties.dismiss(
            actor=w.admin.id, employee=e.id, reason="devamsızlık", expected_version=v
        ),
        mark=lambda e: e.status.value,
    ),
    "resign": Case(
        make=_employee,
        read=lambda w, e: w.crm.parties.get_employee(actor=w.admin.id, employee=e.id),
        first=lambda w, e, v: w.crm.parties.set_credentials(
            actor=w.admin.id, employee=e.id, login="deniz", password="parola-123", expected_version=v
        ),
        second=lambda w, e, v: w.crm.parties.resign(
            actor=w.admin.id, employee=e.id, reason="taşınma", expected_version=v
        ),
        mark=lambda e: e.status.value,
    ),
    "move_region": Case(
        make=_territory,
        read=_region,
        first=lambda w, k, v: w.crm.territory.move_region(
            actor=w.admin.id, region=k["marmara"].id, parent=k["ege"].id, expected_version=v
        ),
        second=lambda w, k, v: w.crm.territory.move_region(
            actor=w.admin.id, region=k["marmara"].id, parent=None, expected_version=v
        ),
        mark=lambda r: r.parent_id,
    ),
    "end_membership": Case(
        make=_territory,
        read=_membership,
        first=lambda w, k, v: w.crm.territory.end_membership(
            actor=w.admin.id, membership=k["member"].id, at=w.clock.now() + 10 * DAY, expected_version=v
        ),
        second=lambda w, k, v: w.crm.territory.end_membership(
            actor=w.admin.id, membership=k["member"].id, at=w.clock.now() + 5 * DAY, expected_version=v
        ),
        mark=lambda m: m.validity.valid_to,
    ),
    "unlink_code": Case(
        make=_territory,
        read=_link,
        first=lambda w, k, v: w.crm.territory.unlink_code(
            actor=w.admin.id, link=k["link"].id, at=w.clock.now() + 10 * DAY, expected_version=v
        ),
        second=lambda w, k, v: w.crm.territory.unlink_code(
            actor=w.admin.id, link=k["link"].id, at=w.clock.now() + 5 * DAY, expected_version=v
        ),
        mark=lambda link: link.validity.valid_to,
    ),
    "set_parameters": Case(
        make=lambda w: "sectors",
        read=lambda w, name: w.crm.parties.parameters(actor=w.admin.id, name=name),
        first=lambda w, name, v: w.crm.parties.set_parameters(
            actor=w.admin.id, name=name, values=["İlaç", "Hijyen", "Kimya", "Gıda"], expected_version=v
        ),
        second=lambda w, name, v: w.crm.parties.set_parameters(
            actor=w.admin.id, name=name, values=["İlaç", "Kozmetik"], expected_version=v
        ),
        mark=lambda p: p.values,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_s9_a_stale_copy_of_an_employee_territory_row_or_pick_list_raises_conflict(
    world: World, case: str
) -> None:
    c = CASES[case]
    key = c.make(world)
    mine = c.read(world, key)  # user 1 reads
    theirs = c.read(world, key)  # user 2 reads the same version, in another unit of work
    assert mine.version == theirs.version
    saved = c.first(world, key, mine.version)
    assert c.read(world, key).version == mine.version + 1
    with pytest.raises(ConcurrencyConflict) as info:
        c.second(world, key, theirs.version)
    assert info.value.expected_version == theirs.version
    after = c.read(world, key)
    assert after.version == mine.version + 1
    assert c.mark(after) == c.mark(saved)  # user 1's change is kept, nothing of user 2's was written
    # the documented pattern: read again, re-apply, retry with the new version
    retried = c.second(world, key, after.version)
    assert c.mark(c.read(world, key)) == c.mark(retried) != c.mark(saved)


def test_s9_a_pick_list_that_does_not_exist_yet_has_no_version_to_expect(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    with pytest.raises(ConcurrencyConflict):
        p.set_parameters(actor=a, name="brands", values=["Ecza"], expected_version=1)
    assert p.set_parameters(actor=a, name="brands", values=["Ecza"]).version == 1


@pytest.mark.parametrize("bad", ["1", 0, True])
def test_s9_a_bad_expected_version_on_these_updates_is_a_validation_error(world: World, bad: object) -> None:
    p, a = world.crm.parties, world.admin.id
    employee = _employee(world)
    with pytest.raises(ValidationError) as info:
        p.dismiss(actor=a, employee=employee.id, reason="x", expected_version=bad)  # type: ignore[arg-type]
    assert info.value.field == "expected_version"
    assert p.get_employee(actor=a, employee=employee.id).status.value == "active"
