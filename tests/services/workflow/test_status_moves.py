"""C5: an imported invoice naming a registered company as buyer moves it to ``potential`` (issue 14)."""

from __future__ import annotations

from pathlib import Path

from crmkit.domain.events import DomainEvent
from crmkit.domain.party_events import CompanyStatusChanged
from crmkit.hookspecs import hookimpl
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.territory.conftest import make_crm

HEADER = (
    "invoice_number;issue_date;currency;seller_tax_no;seller_name;buyer_tax_no;buyer_name;"
    "product_name;quantity;unit_price;line_total;vat_percent;vat_amount"
)


class _Recorder:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    @hookimpl
    def crmkit_on_event(self, event: DomainEvent) -> None:
        self.events.append(event)


def test_an_imported_invoice_moves_its_buyer_to_potential_once(
    storage: Storage, clock: FixedClock, ids: SequentialIds, tmp_path: Path
) -> None:
    crm = make_crm(storage, clock, ids, regional_access=False)
    recorder = _Recorder()
    crm.plugins.pm.register(recorder)  # records the events published after each commit
    seen = recorder.events
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
    buyer = crm.parties.register_company(
        actor=admin.id, name="Ege Market", type="customer", tax_no="9205121120"
    )
    bystander = crm.parties.register_company(actor=admin.id, name="Başka Firma", type="customer")
    assert buyer.status.value == "pre_meeting"
    rows = [
        "A-1;05.01.2026;TRY;1234567890;Marmara Dağıtım;9205121120;Ege Market;Kalem;10;2,50;25,00;20;5,00",
        "A-2;06.01.2026;TRY;1234567890;Marmara Dağıtım;9205121120;Ege Market;Kalem;1;2,50;2,50;20;0,50",
        "A-3;06.01.2026;TRY;1234567890;Marmara Dağıtım;3334445556;Bilinmeyen;Kalem;1;2,50;2,50;20;0,50",
    ]
    path = tmp_path / "sales.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    report = crm.invoices.import_from(f"csv://{path}", actor=admin.id)
    assert report.imported == 3, report.rejected
    with storage.unit_of_work() as uow:
        moved = uow.companies.get(buyer.id)
        untouched = uow.companies.get(bystander.id)
    assert (moved.status.value, moved.has_invoice, moved.version) == ("potential", True, buyer.version + 1)
    assert untouched == bystander
    changes = [e for e in seen if isinstance(e, CompanyStatusChanged)]
    assert [(e.company_id, e.old, e.new) for e in changes] == [(buyer.id, "pre_meeting", "potential")]
    # status never moves back, and a second invoice writes nothing more
    again = tmp_path / "more.csv"
    again.write_text(
        HEADER
        + "\nB-1;07.01.2026;TRY;1234567890;Marmara Dağıtım;9205121120;Ege Market;Kalem;1;2,50;2,50;20;0,50\n"
    )
    crm.invoices.import_from(f"csv://{again}", actor=admin.id)
    with storage.unit_of_work() as uow:
        assert uow.companies.get(buyer.id).version == moved.version
