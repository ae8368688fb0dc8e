"""The pending-claims queue (SPEC C6): the deciders' worklist, read through the policy, paged safely."""

from __future__ import annotations

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from tests.services.conftest import World


def test_c6_only_deciders_read_the_pending_claims(world: World) -> None:
    """C6: a manager decides claims, so only managers and admins list them; a rep is refused."""
    p, a = world.crm.parties, world.admin.id
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    rep = p.hire(actor=a, name="Gülşen Çelik", manager=manager.id)
    company = p.register_company(actor=a, name="Bir", type="customer")
    claim = p.claim(actor=rep.id, company=company.id)
    assert [c.id for c in p.pending_claims(actor=manager.id)] == [claim.id]
    with pytest.raises(PermissionDenied):
        p.pending_claims(actor=rep.id)


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [("x", 0, "limit"), (10, None, "offset"), (-1, 0, "limit")]
)
def test_c6_a_bad_page_names_its_field(world: World, limit: object, offset: object, field: str) -> None:
    """House rule: a page of the queue with a limit or offset that is not a whole number names it."""
    with pytest.raises(ValidationError) as caught:
        world.crm.parties.pending_claims(actor=world.admin.id, limit=limit, offset=offset)  # type: ignore[arg-type]
    assert caught.value.field == field
