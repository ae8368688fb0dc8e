from __future__ import annotations

import io
from collections.abc import Iterator

import attrs
import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.employees import Employee
from crmkit.domain.settings import Settings
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds


@attrs.define
class Org:
    """A CRM on the parametrized storage with the A1 switch on, an admin and micro-region codes."""

    crm: crmkit.Crm
    clock: FixedClock
    admin: Employee


def make_crm(storage: Storage, clock: FixedClock, ids: SequentialIds, regional_access: bool) -> crmkit.Crm:
    email = ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids)
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    return crmkit.connect(
        storage,
        sms=sms,
        email=email,
        clock=clock,
        ids=ids,
        settings=Settings(regional_access=regional_access),
        load_entrypoints=False,
    )


@pytest.fixture
def org(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[Org]:
    crm = make_crm(storage, clock, ids, regional_access=True)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    crm.parties.set_parameters(
        actor=admin.id, name="micro_region_codes", values=["M-01", "M-02", "A-01", "E-01"]
    )
    yield Org(crm, clock, admin)
