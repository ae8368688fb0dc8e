"""Employee, parameter and document use cases (C8, C9, C10, A5, A6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import crmkit
from crmkit.domain.employees import EmployeeStatus, Position
from crmkit.domain.errors import Duplicate, PermissionDenied, RuleViolation, ValidationError
from crmkit.domain.events import DomainEvent
from crmkit.hookspecs import hookimpl
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.conftest import World


def test_first_admin_only_once(world: World) -> None:
    with pytest.raises(RuleViolation) as info:
        world.crm.parties.create_first_admin(name="İkinci Yönetici")
    assert info.value.rule == "C8"


def test_c8_hire_into_dealer_with_position_department_manager(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    dist = p.register_company(actor=a, name="Marmara Dağıtım", type="distributor")
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager", firm=dist.id, department="satış")
    assert manager.firm_id == dist.id and manager.department == "Satış"
    rep = p.hire(actor=manager.id, name="Gülşen Çelik", firm=dist.id, manager=manager.id)
    assert rep.manager_id == manager.id and rep.position is Position.EMPLOYEE
    assert {e.id for e in p.staff(actor=a, firm=dist.id)} == {manager.id, rep.id}
    with pytest.raises(PermissionDenied):
        p.hire(actor=manager.id, name="Yabancı", firm=None)  # not into the host company
    with pytest.raises(PermissionDenied):
        p.hire(actor=manager.id, name="Yönetici", firm=dist.id, position="admin")


def test_c8_customers_have_no_staff(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    customer = p.register_company(actor=a, name="Bir", type="customer")
    with pytest.raises(RuleViolation) as info:
        p.hire(actor=a, name="Ali", firm=customer.id)
    assert info.value.rule == "C8"


def test_c8_unknown_department_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        world.crm.parties.hire(actor=world.admin.id, name="Ali", department="Muhasebe")
    assert info.value.field == "department"


@pytest.mark.parametrize("how", ["dismiss", "resign"])
def test_c8_exit_records_reason_and_date_and_revokes_credentials_and_access(world: World, how: str) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik", login="gulsen", password="çok-gizli-1")
    assert p.authenticate(login="gulsen", password="çok-gizli-1") == rep
    company = p.register_company(actor=rep.id, name="Bir", type="customer")
    if how == "dismiss":
        left = p.dismiss(actor=a, employee=rep.id, reason="Performans")
        assert left.status is EmployeeStatus.DISMISSED
    else:
        left = p.resign(actor=rep.id, employee=rep.id, reason="Başka şirket")
        assert left.status is EmployeeStatus.RESIGNED
    assert left.exit_at == world.clock.now() and left.exit_reason
    assert left.login is None and left.password_hash is None
    assert p.authenticate(login="gulsen", password="çok-gizli-1") is None
    # A5: from the exit on, the employee can do nothing at all
    attempts: list[Callable[[], object]] = [
        lambda: p.get_company(actor=rep.id, company=company.id),
        lambda: p.register_company(actor=rep.id, name="İki", type="customer"),
        lambda: p.add_contact(actor=rep.id, company=company.id, name="Can"),
        lambda: p.claim(actor=rep.id, company=company.id),
        lambda: p.contacts(actor=rep.id, company=company.id),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as info:
            attempt()
        assert "A5" in info.value.reason
    with pytest.raises(RuleViolation):
        p.dismiss(actor=a, employee=rep.id, reason="Tekrar")


def test_c8_only_admins_or_the_direct_manager_dismiss(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager")
    rep = p.hire(actor=a, name="Gülşen Çelik", manager=manager.id)
    peer = p.hire(actor=a, name="İbrahim Şahin")
    with pytest.raises(PermissionDenied):
        p.dismiss(actor=peer.id, employee=rep.id, reason="x")
    assert p.dismiss(actor=manager.id, employee=rep.id, reason="x").status is EmployeeStatus.DISMISSED


def test_logins_are_unique(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    p.hire(actor=a, name="Gülşen Çelik", login="gulsen", password="parola-123")
    with pytest.raises(Duplicate) as info:
        p.hire(actor=a, name="Gülşen Ak", login="gulsen", password="parola-456")
    assert info.value.field == "login"
    with pytest.raises(ValidationError) as short:
        p.hire(actor=a, name="Kısa", login="kisa", password="123")
    assert short.value.field == "password"


def test_a6_dealer_staff_register_only_under_their_own_firm(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    dealer = p.register_company(actor=a, name="Ege Bayi", type="dealer")
    other_dealer = p.register_company(actor=a, name="Trakya Bayi", type="dealer")
    manager = p.hire(actor=a, name="Mehmet Kaya", position="manager", firm=dealer.id)
    mine = p.register_company(actor=manager.id, name="Bayi Müşterisi", type="customer")
    assert mine.parent_id == dealer.id  # defaults to his own firm
    with pytest.raises(PermissionDenied) as info:
        p.register_company(actor=manager.id, name="Yabancı", type="customer", parent=other_dealer.id)
    assert "A6" in info.value.reason
    foreign = p.register_company(actor=a, name="Trakya Müşterisi", type="customer", parent=other_dealer.id)
    with pytest.raises(PermissionDenied):
        p.get_company(actor=manager.id, company=foreign.id)
    assert [c.id for c in p.search_companies(actor=manager.id, text="müşterisi")] == [mine.id]


# -- C9 ----------------------------------------------------------------------


def test_c9_parameters_are_data_admin_only(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    rep = p.hire(actor=a, name="Gülşen Çelik")
    with pytest.raises(PermissionDenied):
        p.set_parameters(actor=rep.id, name="sectors", values=["Gıda"])
    updated = p.set_parameters(actor=a, name="sectors", values=["İlaç", "Gıda"])
    assert updated.values == ("İlaç", "Gıda") and updated.version == 2
    assert p.parameters(actor=rep.id, name="sectors").values == ("İlaç", "Gıda")
    with pytest.raises(ValidationError):
        p.set_parameters(actor=a, name="sectors", values=["İlaç", "ilac"])
    assert p.parameters(actor=a, name="sectors").values == ("İlaç", "Gıda")
    custom = p.set_parameters(actor=a, name="vehicle_types", values=["Binek", "Kamyonet"])
    assert custom.version == 1


# -- C10 ---------------------------------------------------------------------


def test_c10_documents_attached_through_the_port(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    company = p.register_company(actor=a, name="Bir", type="customer")
    doc = p.attach_document(
        actor=a,
        owner_kind="company",
        owner_id=company.id,
        name="sözleşme.pdf",
        media_type="application/pdf",
        content=b"%PDF-1.7 \x00\xff",
    )
    [listed] = p.documents(actor=a, owner_kind="company", owner_id=company.id)
    assert listed.id == doc.id and listed.content == b"%PDF-1.7 \x00\xff"
    assert listed.name == "sözleşme.pdf"
    with pytest.raises(ValidationError):
        p.attach_document(
            actor=a, owner_kind="planet", owner_id=company.id, name="x", media_type="a/b", content=b""
        )


# -- events reach plugins after commit ---------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    @hookimpl
    def crmkit_on_event(self, event: DomainEvent) -> None:
        self.events.append(event)


def test_events_are_published_to_plugins_only_after_commit() -> None:
    recorder = Recorder()
    crm = crmkit.connect(clock=FixedClock(), ids=SequentialIds(), plugins=[recorder], load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe")
    company = crm.parties.register_company(actor=admin.id, name="Bir", type="customer")
    with pytest.raises(RuleViolation):
        crm.parties.register_company(actor=admin.id, name="İki", type="customer", parent=company.id)
    assert [e.name for e in recorder.events] == ["employee.hired", "company.registered"]
