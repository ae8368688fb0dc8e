from __future__ import annotations

import io
from collections.abc import Iterator

import attrs
import pytest

import crmkit
from crmkit.adapters.console import ConsoleEmailSender, ConsoleSmsGateway
from crmkit.domain.employees import Employee
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds


@attrs.define
class World:
    """A CRM on the parametrized storage with an admin and the usual pick-lists."""

    crm: crmkit.Crm
    admin: Employee
    email: ConsoleEmailSender
    clock: FixedClock


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Iterator[World]:
    email = ConsoleEmailSender(io.StringIO(), clock=clock, ids=ids)
    sms = ConsoleSmsGateway(io.StringIO(), clock=clock, ids=ids)
    crm = crmkit.connect(storage, sms=sms, email=email, clock=clock, ids=ids, load_entrypoints=False)
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    p = crm.parties
    p.set_parameters(actor=admin.id, name="sectors", values=["İlaç", "Hijyen", "Kimya"])
    p.set_parameters(actor=admin.id, name="cities", values=["İstanbul", "İzmir", "Isparta"])
    p.set_parameters(actor=admin.id, name="departments", values=["Satış", "Destek"])
    yield World(crm, admin, email, clock)
