"""The demo's sales organisation, built from the seed (the WorkCube CRM training, §2–§6).

The seed describes a distributor of medicines, hygiene, cleaning and chemical
products selling through dealers: sales regions with teams, micro-region codes,
employees of every position, distributors, dealers and customers with contacts,
a year's plan, appointments and interactions, service contracts and cases. This
module builds that organisation on top of what the module sections left (it
extends their region tree, it does not replace it), and returns the handles the
closing sections print from.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from crmkit.bootstrap import Crm
from crmkit.domain.employees import Employee
from crmkit.domain.ids import EmployeeId
from crmkit.domain.money import Money
from crmkit.domain.parties import Company
from crmkit.domain.quotas import Plan
from crmkit.domain.territory import Region
from crmkit.services.companies import ContactInput

__all__ = ["SECTORS", "Organisation", "build_organisation", "regions_by_name", "vkn"]

SECTORS = ("İlaç", "Hijyen", "Temizlik", "Kimya")
"""The seed's four sectors."""

_TEAMS = {  # leaf region (made by the territory section) → team, its codes, its cities
    "Marmara": ("Bursa Ekibi", ("M-11", "M-12"), ("Bursa", "Kocaeli")),
    "İç Anadolu": ("Konya Ekibi", ("A-11", "A-12"), ("Konya", "Kayseri")),
    "Doğu": ("Van Ekibi", ("D-11",), ("Van",)),
}
_YEAR_TARGETS = {  # micro-region code → the year's turnover target (TRY), spread evenly (Q1)
    "M-11": "1900000", "M-12": "2300000", "A-11": "1700000", "A-12": "2600000", "D-11": "2000000",
}  # fmt: skip
_FIRST = (
    "Ahmet",
    "Elif",
    "Burak",
    "Derya",
    "Can",
    "Seda",
    "Onur",
    "Pınar",
    "Kerem",
    "Ebru",
    "Tolga",
    "Nazlı",
)
_LAST = ("Koç", "Aydın", "Yıldız", "Özdemir", "Şimşek", "Kurt", "Doğan", "Aksoy", "Erdoğan", "Güneş")
_AREA = {"Bursa": 224, "Kocaeli": 262, "Konya": 332, "Kayseri": 352, "Van": 432}
_PASSWORD = "demo-parola-2026"
_SHOPS = ("Eczanesi", "Hijyen Ltd.", "Temizlik A.Ş.", "Kimya San.", "Medikal", "Hastanesi")


def vkn(serial: int) -> str:
    """A 10-digit tax number (VKN) with a valid checksum, from the 9-digit ``serial``."""
    digits = [int(c) for c in f"{serial:09d}"]
    total = 0
    for i, d in enumerate(digits):
        p = (d + 10 - (i + 1)) % 10
        total += 9 if p == 9 else (p * 2 ** (10 - (i + 1))) % 9
    return f"{serial:09d}{(10 - total % 10) % 10}"


@attrs.define
class Organisation:
    """What :func:`build_organisation` made, for the closing sections.

    Attributes:
        regional_manager: the admin manager over every team.
        leaders: team → its leader (a manager).
        reps: every sales rep (employee position), with a login used as his sales-person code.
        technicians: the service technicians.
        distributors: the distributors (they sell; their invoices carry the dealer as store).
        dealers: dealer → its store code.
        customers: every customer, with its tax number, micro-region code and rep.
        rep_of_code: micro-region code → the rep who calls on it.
        contracts: the service contracts made.
        plan: the year's plan by micro-region code (Q1).
        year_start: 1 January of the demo's year (the new territory is valid from it).
    """

    regional_manager: Employee
    leaders: dict[str, Employee] = attrs.Factory(dict)
    reps: list[Employee] = attrs.Factory(list)
    technicians: list[Employee] = attrs.Factory(list)
    distributors: list[Company] = attrs.Factory(list)
    dealers: dict[str, str] = attrs.Factory(dict)
    customers: list[Company] = attrs.Factory(list)
    rep_of_code: dict[str, Employee] = attrs.Factory(dict)
    contracts: list[object] = attrs.Factory(list)
    plan: Plan | None = None
    year_start: datetime = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Istanbul"))


def _people() -> Iterator[str]:
    """Distinct names: the first 60 pairs of a first and a last name."""
    return (f"{_FIRST[i % len(_FIRST)]} {_LAST[i % len(_LAST)]}" for i in itertools.count())


def regions_by_name(crm: Crm, admin: EmployeeId) -> dict[str, Region]:
    """Every region of the tree by name (the demo's names are unique)."""
    found: dict[str, Region] = {}
    todo: list[str | None] = [None]
    while todo:
        parent = todo.pop()
        for region in crm.territory.children(actor=admin, region=parent):
            found[region.name] = region
            todo.append(str(region.id))
    return found


def build_organisation(crm: Crm, admin: EmployeeId) -> Organisation:
    """Hire, register and link the seed organisation; return it (needs the territory section's regions)."""
    p, t = crm.parties, crm.territory
    zone = ZoneInfo(crm.settings.timezone)
    now = crm.clock.now().astimezone(zone)
    start = datetime(now.year, 1, 1, tzinfo=zone)
    codes = [c for _, cs, _ in _TEAMS.values() for c in cs]
    known = list(p.parameters(actor=admin, name="micro_region_codes").values)
    p.set_parameters(actor=admin, name="micro_region_codes", values=known + codes)
    cities = list(p.parameters(actor=admin, name="cities").values)
    extra = [c for _, _, cs in _TEAMS.values() for c in cs if c not in cities]
    p.set_parameters(actor=admin, name="cities", values=cities + extra)
    departments = list(p.parameters(actor=admin, name="departments").values)
    p.set_parameters(actor=admin, name="departments", values=[*departments, "Servis"])
    names = _people()
    boss = p.hire(
        actor=admin,
        name="Hakan Bölgeci",
        position="admin_manager",
        department="Satış",
        login="hakan",
        password=_PASSWORD,
    )
    org = Organisation(regional_manager=boss, year_start=start)
    regions = regions_by_name(crm, admin)
    serial = itertools.count(470000001)
    for region_name, (team_name, team_codes, team_cities) in _TEAMS.items():
        leader = p.hire(
            actor=admin, name=next(names), position="manager", department="Satış", manager=boss.id
        )
        team = t.add_team(actor=admin, name=team_name, region=regions[region_name].id, leader=leader.id)
        org.leaders[team_name] = leader
        t.add_member(actor=admin, team=team.id, employee=boss.id, role="manager", valid_from=start)
        for n, code in enumerate(team_codes):
            t.link_code(actor=admin, team=team.id, code=code, valid_from=start)
            rep = p.hire(
                actor=admin,
                name=next(names),
                position="employee",
                department="Satış",
                manager=leader.id,
                login=f"rep{len(org.reps) + 1}",
                password=_PASSWORD,
                email=f"rep{len(org.reps) + 1}@example.com.tr",
            )
            t.add_member(actor=admin, team=team.id, employee=rep.id, valid_from=start)
            org.reps.append(rep)
            org.rep_of_code[code] = rep
            city = team_cities[n % len(team_cities)]
            for k in range(4):
                shop = _SHOPS[(len(org.customers) + k) % len(_SHOPS)]
                customer = p.register_company(
                    actor=admin,
                    name=f"{city} {_LAST[(len(org.customers) * 3 + k) % len(_LAST)]} {shop}",
                    type="customer",
                    tax_no=vkn(next(serial)),
                    city=city,
                    sector=SECTORS[(len(org.customers) + k) % len(SECTORS)],
                    micro_region=code,
                    phone=f"0{_AREA[city]} 555 {10 + len(org.customers):02d} {20 + k:02d}",
                    contact=ContactInput(name=next(names), title="Satın Alma", phone="0532 555 44 33"),
                )
                org.customers.append(customer)
    for n, (name, city) in enumerate(
        (("Anadolu Ecza Deposu A.Ş.", "Ankara"), ("Marmara Kimya Dağıtım A.Ş.", "Bursa"))
    ):
        distributor = p.register_company(
            actor=admin,
            name=name,
            type="distributor",
            tax_no=vkn(next(serial)),
            city=city,
            sector="Kimya",
            contact=ContactInput(name=next(names), title="Genel Müdür", phone="0533 111 22 33"),
        )
        org.distributors.append(distributor)
        for k in range(2):
            dealer = p.register_company(
                actor=admin,
                name=f"{city} Bayi {k + 1} Ltd.",
                type="dealer",
                parent=distributor.id,
                tax_no=vkn(next(serial)),
                city=city,
                contact=ContactInput(name=next(names), title="Bayi Sahibi", phone="0534 222 33 44"),
            )
            org.dealers[dealer.name] = f"BAYI-{n + 1}{k + 1}"
    org.plan = crm.targets.add_plan(
        actor=admin,
        name=f"{start.year} mikro bölge planı",
        year=start.year,
        currency="TRY",
        scope_type="micro_region",
        amounts={code: Decimal(amount) for code, amount in _YEAR_TARGETS.items()},
    )
    technicians = [
        p.hire(actor=admin, name=next(names), position="employee", department="Servis") for _ in range(2)
    ]
    org.technicians.extend(technicians)
    _agenda_and_service(crm, admin, org, now)
    return org


def _agenda_and_service(crm: Crm, admin: EmployeeId, org: Organisation, now: datetime) -> None:
    """Each rep's appointments tomorrow and an interaction; three service contracts with a case each."""
    tomorrow = now.date() + timedelta(days=1)
    by_code: dict[str, list[Company]] = {}
    for customer in org.customers:
        by_code.setdefault(customer.segmentation.micro_region or "", []).append(customer)
    for code, rep in org.rep_of_code.items():
        for hour, customer in zip((9, 11, 14), by_code[code], strict=False):
            crm.agenda.create_appointment(
                actor=rep.id,
                company=customer.id,
                starts_at=datetime.combine(tomorrow, time(hour), tzinfo=now.tzinfo),
                minutes=60,
                description=f"Ziyaret: {customer.name}",
            )
        crm.interactions.create(
            actor=rep.id,
            company=by_code[code][0].id,
            channel="phone",
            category="Sipariş",
            subject="Aylık sipariş görüşmesi",
        )
    service = crm.service
    today = now.date()
    for n, customer in enumerate(org.customers[:3]):
        technician = org.technicians[n % len(org.technicians)]
        contract = service.create_contract(
            actor=admin,
            company=customer.id,
            title="Yıllık bakım sözleşmesi",
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=300),
            price=Money("24000", "TRY"),
            allowance_hours=8,
            allowance_visits=4,
        )
        org.contracts.append(contract)
        case = service.open_case(
            actor=admin, company=customer.id, channel="call", reason="Dozaj pompası arızası", priority="high"
        )
        service.assign_case(actor=admin, case=case.id, technician=technician.id)
        service.move_case(actor=technician.id, case=case.id, stage="in_progress")
        service.log_work(
            actor=technician.id,
            company=customer.id,
            kind="visit",
            at=now - timedelta(hours=3 - n),
            hours=1 + n,
            km=str(12 + 7 * n),
            case=case.id,
            contract=contract.id,
        )
        if n < 2:
            service.close_case(actor=technician.id, case=case.id, resolution="Pompa contası değişti")
