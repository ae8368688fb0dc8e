"""Invoices in another currency (SPEC §7 V3, V4, V1).

A per-amount TRY program gives points per lira: an EUR invoice earns nothing in
it (the program has no rate for euros). That used to be silent; the earning run's
report (and the import's, which earns through its hook) now warns, naming the
invoice and both currencies. A per-unit program's points do not depend on money:
it earns on an invoice in any currency, is never named in a warning, and a return
reverses exactly what the foreign-currency sale earned.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from crmkit.domain.invoices import Invoice
from crmkit.domain.point_ledger import EntryKind
from crmkit.domain.points import Basis, PointRule, Program, Role, Target
from crmkit.ports.invoices import SourceRecord
from tests.services.points.conftest import BUYER, World


def _per_lira(world: World) -> None:
    actor = world.admin.id
    world.crm.points.define_program(
        actor=actor, program=Program(code="TL", name="Lira", currency="TRY", basis=Basis.PER_AMOUNT)
    )
    world.crm.points.add_rules(
        actor=actor,
        rules=[
            PointRule(
                program="TL",
                role=Role.CUSTOMER,
                target=Target.AMOUNT,
                key="*",
                points=Decimal("0.01"),
                valid_from=date(2026, 1, 1),
            )
        ],
    )


def test_v3_an_eur_invoice_in_a_try_program_earns_nothing_and_the_reports_say_why(world: World) -> None:
    _per_lira(world)
    euro = attrs.evolve(world.sale("EU-1"), currency="EUR")
    lira = world.sale("TL-1")
    records = [
        SourceRecord(cursor=str(n), location=f"erp:{n}", invoice=i) for n, i in enumerate((euro, lira))
    ]
    report = world.crm.invoices.import_records(records, actor=world.admin.id)
    assert report.imported == 2, report.rejected
    assert (
        world.crm.points.balance(actor=world.admin.id, program="TL", role=Role.CUSTOMER, party=euro.buyer.key)
        == 30
    )
    found = [w for w in report.warnings if "EU-1" in w and "TL" in w]
    assert len(found) == 1, report.warnings
    assert "EUR" in found[0] and "TRY" in found[0] and "earns nothing" in found[0]
    assert not [w for w in report.warnings if "TL-1" in w]  # the lira invoice earned: no warning


def test_v3_the_earning_run_reports_the_mismatch(world: World) -> None:
    _per_lira(world)
    euro = attrs.evolve(world.sale("EU-2"), currency="EUR")
    done = world.crm.points.earning.earn([euro])
    assert done.processed == 1 and done.earned == 0
    assert done.warnings == [
        f"invoice EU-2 ({euro.id}) is in EUR; program TL counts in TRY, so it earns nothing there (V3)"
    ]


def _in_euro(invoice: Invoice) -> Invoice:
    return attrs.evolve(invoice, currency="EUR")


def _balances(world: World) -> list[int]:
    return [world.balance(role, key) for role, key in PARTIES]


PARTIES = ((Role.CUSTOMER, BUYER), (Role.DEALER, "S-1"), (Role.SALES_PERSON, "R-12"))


def test_v3_v4_a_per_unit_program_earns_on_an_eur_invoice_for_all_three_parties(world: World) -> None:
    world.setup()  # program P: per unit, counts in TRY
    done = world.crm.points.earning.earn([_in_euro(world.sale("EU-3"))])
    assert done.processed == 1
    assert _balances(world) == [30, 6, 3]  # 3 units × 10 / 2 / 1, as a lira invoice would
    assert done.earned == 39
    assert done.warnings == []  # a per-unit program is never named: its points are not money


def test_v3_only_the_per_amount_program_is_skipped_and_named(world: World) -> None:
    world.setup()
    _per_lira(world)
    euro = _in_euro(world.sale("EU-4"))
    done = world.crm.points.earning.earn([euro])
    assert _balances(world) == [30, 6, 3]
    assert world.crm.points.balance(actor=world.admin.id, program="TL", role=Role.CUSTOMER, party=BUYER) == 0
    assert done.warnings == [
        f"invoice EU-4 ({euro.id}) is in EUR; program TL counts in TRY, so it earns nothing there (V3)"
    ]


def _import(world: World, *invoices: Invoice) -> list[str]:
    """Import through the invoice import (its hook earns); the import's warnings."""
    records = [SourceRecord(cursor=str(n), location=f"r:{n}", invoice=i) for n, i in enumerate(invoices)]
    report = world.crm.invoices.import_records(records, actor=world.admin.id)
    assert not report.rejected, report.rejected
    return list(report.warnings)


def _reversed(world: World) -> int:
    with world.crm.storage.unit_of_work() as uow:
        return -sum(
            e.points
            for role, key in PARTIES
            for e in uow.points.entries(("P", role, key))
            if e.kind is EntryKind.REVERSE
        )


@pytest.mark.parametrize("return_currency", ["EUR", "TRY"])
def test_v3_v1_a_full_return_of_an_eur_sale_reverses_to_zero(world: World, return_currency: str) -> None:
    world.setup()
    _per_lira(world)
    _import(world, _in_euro(world.sale("EU-5")))
    assert _balances(world) == [30, 6, 3]
    back = attrs.evolve(world.ret("IA-5", "EU-5", 3), currency=return_currency)
    warnings = _import(world, back)
    assert not [w for w in warnings if "IA-5" in w]  # a return earns nothing: no currency warning
    assert _balances(world) == [0, 0, 0]
    assert _reversed(world) == 39  # exactly what the sale earned, not more
    assert world.crm.points.balance(actor=world.admin.id, program="TL", role=Role.CUSTOMER, party=BUYER) == 0
