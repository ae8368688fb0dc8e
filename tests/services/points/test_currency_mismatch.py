"""A program earns only on invoices in its currency, and says so when it does not (SPEC §7 V3, V1).

A per-amount TRY program gives points per lira: an EUR invoice earns nothing in
it (the program has no rate for euros). That used to be silent; the earning run's
report (and the import's, which earns through its hook) now warns, naming the
invoice and both currencies.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from crmkit.domain.points import Basis, PointRule, Program, Role, Target
from crmkit.ports.invoices import SourceRecord
from tests.services.points.conftest import World


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
