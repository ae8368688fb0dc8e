"""Random organisations with reassignments, invoices, returns, currencies and offers (Q5, V9 properties).

:func:`worlds` draws one; :meth:`World.store` writes it through the repositories;
:func:`reference_credits` is the straightforward computation the storage must equal.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
from hypothesis import strategies as st

from crmkit.domain.employees import Employee
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, EmployeeId
from crmkit.domain.invoices import (
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceParty,
    InvoiceReference,
    InvoiceTotals,
)
from crmkit.domain.offers import Offer, OfferId, OfferStatus
from crmkit.domain.parties import Company, Contact, Reference, ReferenceKind, Segmentation
from crmkit.domain.periods import Period
from crmkit.domain.plan_actual import Credit
from crmkit.domain.quotas import ScopeType
from crmkit.domain.territory import (
    CodeLink,
    CodeLinkId,
    OwnerAssignment,
    OwnerAssignmentId,
    Region,
    RegionId,
    SalesTeam,
    TeamId,
    Validity,
)
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.ports.storage import Storage

YEAR = 2026
ZONE = "Europe/Istanbul"
CODES = ("M-01", "M-02", "A-01")
EARLY = datetime(2024, 1, 1, tzinfo=UTC)
SELLER = InvoiceParty("Satıcı A.Ş.", tax_no="1111111111")


def bounds(year: int = YEAR, zone: str = ZONE) -> list[datetime]:
    """The thirteen month bounds of ``year`` in ``zone``."""
    return [Period.month(year, m, zone).start for m in range(1, 13)] + [Period.year(year, zone).end]


@attrs.frozen
class World:
    """Everything one example stores."""

    regions: tuple[Region, ...]
    teams: tuple[SalesTeam, ...]
    employees: tuple[Employee, ...]
    companies: tuple[Company, ...]
    links: tuple[CodeLink, ...]
    codes: tuple[CustomerCode, ...]
    owners: tuple[OwnerAssignment, ...]
    invoices: tuple[Invoice, ...]
    contacts: tuple[Contact, ...] = ()
    offers: tuple[Offer, ...] = ()

    def store(self, storage: Storage) -> None:
        """Write the world through the repositories, in one unit of work."""
        with storage.unit_of_work() as uow:
            uow.employees.add_many(self.employees)
            uow.companies.add_many(self.companies)
            uow.regions.add_many(self.regions)
            uow.teams.add_many(self.teams)
            uow.code_links.add_many(self.links)
            uow.customer_codes.add_many(self.codes)
            uow.owners.add_many(self.owners)
            if self.invoices:
                uow.invoices.add_many(self.invoices)
            uow.contacts.add_many(self.contacts)
            uow.offers.add_many(self.offers)
            uow.commit()


instants = st.builds(
    lambda month, day, hour, minute: datetime(
        2025 + (month + 10) // 12, (month + 10) % 12 + 1, day, hour, minute, tzinfo=UTC
    ),
    st.integers(1, 14),
    st.integers(1, 28),
    st.sampled_from([0, 9, 20, 21, 23]),
    st.sampled_from([0, 30, 59]),
)
"""Moments from December 2025 (month 1) to January 2027 (month 14), near local and UTC midnights."""


def _split(draw: st.DrawFn) -> datetime | None:
    return draw(st.none() | instants)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A region tree (top > two children), three teams, codes moved, customers moved and reassigned."""
    serial = itertools.count(1)

    def _uid(draw: st.DrawFn) -> uuid.UUID:
        return uuid.UUID(int=(draw(st.integers(0, 15)) << 64) + next(serial), version=4)

    top = Region(id=RegionId(_uid(draw)), name="Türkiye")
    left = Region(id=RegionId(_uid(draw)), name="Marmara", parent_id=top.id)
    right = Region(id=RegionId(_uid(draw)), name="İç Anadolu", parent_id=top.id)
    regions = (top, left, right)
    teams = tuple(
        SalesTeam(id=TeamId(_uid(draw)), name=f"Ekip {i}", region_id=r.id)
        for i, r in enumerate((left, left, right))
    )
    employees = tuple(
        Employee(id=EmployeeId(_uid(draw)), name=f"Temsilci {i}", position="employee", hired_at=EARLY)
        for i in range(3)
    )
    links: list[CodeLink] = []
    for code in CODES:
        first = draw(st.sampled_from(teams))
        moved = _split(draw)
        end = None if moved is None else moved
        links.append(
            CodeLink(id=CodeLinkId(_uid(draw)), team_id=first.id, code=code, validity=Validity(EARLY, end))
        )
        if moved is not None:
            second = draw(st.sampled_from(teams))
            links.append(
                CodeLink(id=CodeLinkId(_uid(draw)), team_id=second.id, code=code, validity=Validity(moved))
            )
    companies: list[Company] = []
    codes: list[CustomerCode] = []
    owners: list[OwnerAssignment] = []
    for i in range(draw(st.integers(1, 4))):
        referrers = [Reference(ReferenceKind.CORPORATE, company_id=r.id) for r in companies]
        company = Company(
            id=CompanyId(_uid(draw)),
            name=f"Müşteri {i}",
            type="customer",
            registered_at=draw(st.sampled_from([EARLY]) | instants),
            tax_no=f"{1234567890 + i}",
            referred_by=draw(st.none() | st.sampled_from(referrers)) if referrers else None,
            segmentation=Segmentation(micro_region=draw(st.none() | st.sampled_from(CODES))),
            sales_rep_id=draw(st.none() | st.sampled_from([e.id for e in employees])),
        )
        companies.append(company)
        moved = _split(draw)
        since = draw(st.sampled_from([EARLY, datetime(2026, 3, 1, tzinfo=UTC)]))  # before it: no code
        if moved is not None and moved > since:
            old, new = draw(st.sampled_from(CODES)), draw(st.sampled_from(CODES))
            codes.append(
                CustomerCode(
                    id=CustomerCodeId(_uid(draw)),
                    company_id=company.id,
                    code=old,
                    validity=Validity(since, moved),
                )
            )
            codes.append(
                CustomerCode(
                    id=CustomerCodeId(_uid(draw)), company_id=company.id, code=new, validity=Validity(moved)
                )
            )
        handed = _split(draw)
        if handed is not None and handed > since:
            old_rep, new_rep = draw(st.sampled_from(employees)), draw(st.sampled_from(employees))
            owners.append(
                OwnerAssignment(
                    id=OwnerAssignmentId(_uid(draw)),
                    company_id=company.id,
                    employee_id=old_rep.id,
                    validity=Validity(since, handed),
                )
            )
            owners.append(
                OwnerAssignment(
                    id=OwnerAssignmentId(_uid(draw)),
                    company_id=company.id,
                    employee_id=new_rep.id,
                    validity=Validity(handed),
                )
            )
    invoices = []
    buyers = [c.tax_no for c in companies] + ["9999999999"]
    for n in range(draw(st.integers(0, 10))):
        issued = draw(instants).astimezone(ZoneInfo(draw(st.sampled_from([ZONE, "UTC", "Europe/Berlin"]))))
        currency = draw(st.sampled_from(["TRY", "TRY", "EUR", "USD"]))
        rate = (
            None
            if currency == "TRY"
            else draw(st.none() | st.sampled_from([Decimal("35.1234"), Decimal("38.5")]))
        )
        is_return = draw(st.booleans())
        amounts = draw(
            st.lists(st.integers(1, 10**7).map(lambda c: Decimal(c) / 100), min_size=1, max_size=3)
        )
        lines = tuple(
            InvoiceLine(
                number=k + 1, product_name="Ürün", quantity=Decimal(1), unit_price=a, line_extension=a
            )
            for k, a in enumerate(amounts)
        )
        total = sum(amounts, Decimal(0))
        invoices.append(
            Invoice(
                id=InvoiceId(_uid(draw)),
                number=f"ABC2026{n:09d}",
                issued_at=issued,
                currency=currency,
                exchange_rate=rate,
                seller=SELLER,
                buyer=InvoiceParty("Alıcı", tax_no=draw(st.sampled_from(buyers))),
                lines=lines,
                totals=InvoiceTotals.of(total, payable=total),
                type_code="IADE" if is_return else "SATIS",
                references=(InvoiceReference("ABC2026000000000"),) if is_return else (),
            )
        )
    contacts = tuple(
        Contact(id=ContactId(_uid(draw)), company_id=c.id, name=f"Kişi {i}") for i, c in enumerate(companies)
    )
    offers = []
    for n in range(draw(st.integers(0, 8))):
        contact = draw(st.sampled_from(contacts))
        sent = draw(instants)
        status = draw(st.sampled_from(OfferStatus))
        decided = status is not OfferStatus.SENT
        offers.append(
            Offer(
                id=OfferId(_uid(draw)),
                company_id=contact.company_id,
                contact_id=contact.id,
                template_id=DocumentId(uuid.UUID(int=n + 1)),
                sent_by=employees[0].id,
                sent_at=sent,
                message_key=f"offer-{n}",
                status=status,
                reason="Fiyat yüksek" if status is OfferStatus.REJECTED else None,
                decided_at=sent + timedelta(days=draw(st.sampled_from([0, 3, 40]))) if decided else None,
                decided_by=employees[1].id if decided else None,
            )
        )
    return World(
        regions,
        teams,
        employees,
        tuple(companies),
        tuple(links),
        tuple(codes),
        tuple(owners),
        tuple(invoices),
        contacts,
        tuple(offers),
    )


def _held(validity: Validity, at: datetime) -> bool:
    return validity.valid_from <= at and (validity.valid_to is None or at < validity.valid_to)


def reference_credits(world: World, scope_type: ScopeType) -> list[Credit]:
    """Credits computed the plain way, invoice by invoice, straight from the T4 and Q5 rules."""
    edges = bounds()
    zone = ZoneInfo(ZONE)
    sums: dict[tuple[str, int, str, Decimal | None], Decimal] = {}
    for invoice in world.invoices:
        at = invoice.issued_at
        if not edges[0] <= at < edges[-1]:
            continue
        buyer = [c for c in world.companies if c.tax_no == invoice.buyer.tax_no]
        if not buyer:
            continue
        company = buyer[0]
        month = at.astimezone(zone).month
        history = [c for c in world.codes if c.company_id == company.id]
        code = (
            company.segmentation.micro_region
            if not history
            else next((c.code for c in history if _held(c.validity, at)), None)
        )
        owned = [o for o in world.owners if o.company_id == company.id]
        owner = (
            company.sales_rep_id
            if not owned
            else next((o.employee_id for o in owned if _held(o.validity, at)), None)
        )
        team_ids = {link.team_id for link in world.links if link.code == code and _held(link.validity, at)}
        region_of = {t.id: t.region_id for t in world.teams}
        scopes = {
            ScopeType.CUSTOMER: {str(company.id)},
            ScopeType.MICRO_REGION: set() if code is None else {code},
            ScopeType.EMPLOYEE: set() if owner is None else {str(owner)},
            ScopeType.TEAM: {str(t) for t in team_ids},
            ScopeType.SALES_REGION: {str(region_of[t]) for t in team_ids},
        }[scope_type]
        sign = -1 if invoice.is_return else 1
        for line in invoice.lines:
            for scope in scopes:
                key = (scope, month, invoice.currency, invoice.exchange_rate)
                sums[key] = sums.get(key, Decimal(0)) + sign * line.line_extension
    return sorted(
        (Credit(s, m, c, r, a) for (s, m, c, r), a in sums.items()),
        key=lambda c: (c.scope, c.month, c.currency, Decimal(-1) if c.rate is None else c.rate),
    )
