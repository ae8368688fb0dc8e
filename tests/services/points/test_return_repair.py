"""Repairing what older versions matched wrongly, and one split for several originals (§7 V1, V8; C12).

Issue 15 items 4 and 8. Before migration 0024 a return imported before its original
reversed nothing, and a return citing two originals with the same product took its
units from whichever had arrived. The wrong state is built here directly in the
storage, as the old code left it (returns and originals stored, the references
back-filled with nothing waiting, the points earned); ``crm.points.repair_returns``
must bring every party to what importing the originals first gives, with audited
``adjust`` entries, and a second run appends nothing. On every back end.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from crmkit.domain.invoices import Invoice, InvoiceReference, LineReversal, references_of
from crmkit.domain.point_ledger import EntryKind
from crmkit.domain.points import Role
from crmkit.services.point_earning import PointEarning
from tests.services.points.conftest import BUYER, World
from tests.services.points.test_return_before_original import PARTIES, _balances, _returned

ALL = (*PARTIES, (Role.DEALER, "S-2"), (Role.SALES_PERSON, "R-7"))
"""The customer, both stores and both sales persons."""


def _everyone(world: World) -> tuple[int, ...]:
    return tuple(world.balance(role, party) for role, party in ALL)


def _entries(world: World) -> list[tuple[str, int, str, str]]:
    with world.crm.storage.unit_of_work() as uow:
        return [
            (e.kind.value, e.points, e.reason, e.source)
            for role, key in ALL
            for e in uow.points.entries(("P", role, key))
        ]


def _as_the_old_code_left_it(world: World, invoices: list[Invoice], reversals: list[LineReversal]) -> None:
    """Store the invoices with ``reversals`` as what returns took back, references with nothing
    waiting (the back-fill of 0024 when the original is stored), and earn their points."""
    with world.crm.storage.unit_of_work() as uow:
        uow.invoices.add_many(invoices)
        if reversals:
            uow.invoices.record_reversals(reversals)
        uow.invoices.add_return_references([r for i in invoices if i.is_return for r in references_of(i, {})])
        uow.commit()
    report = PointEarning(world.crm.context).earn(invoices)
    assert report.processed == len(invoices)


def _two_sales(world: World) -> tuple[Invoice, Invoice, Invoice]:
    """A1 (2 units, 1 March, S-1 and R-12), A2 (2 units, 5 March, S-2 and R-7), and a return of one
    unit citing A2 before A1."""
    a1 = world.sale("A1", 2, on=date(2026, 3, 1))
    a2 = attrs.evolve(world.sale("A2", 2, on=date(2026, 3, 5)), store="S-2", sales_person="R-7")
    ret = attrs.evolve(world.ret("R1", "A2", 1), references=(InvoiceReference("A2"), InvoiceReference("A1")))
    return a1, a2, ret


ORIGINALS_FIRST = (30, 2, 1, 4, 2)
"""A1 and A2 earn 20/4/2 each; the return takes its unit from A1, the older (customer, S-1, R-12,
S-2, R-7)."""


def test_v8_the_repair_takes_back_what_a_return_imported_before_its_original_never_reversed(
    world: World,
) -> None:
    """Old state: R1 (1 of 3) stored first, A1 after, nothing matched: 30/6/3. Repaired: 20/4/2, as
    originals-first; audited adjust entries naming the return; a second run appends nothing."""
    world.setup()
    ret, sale = world.ret("R1", "A1", 1), world.sale("A1", 3)
    _as_the_old_code_left_it(world, [ret, sale], [])
    assert _balances(world) == (30, 6, 3)
    report = world.crm.points.repair_returns()
    assert (report.lines, report.taken, report.given) == (1, 13, 0)
    assert _balances(world) == (20, 4, 2)
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    with world.crm.storage.unit_of_work() as uow:
        fixes = [e for e in uow.points.entries(("P", Role.CUSTOMER, BUYER)) if e.kind is EntryKind.ADJUST]
        assert [(e.points, e.source) for e in fixes] == [(-10, f"invoice:{sale.id}:1")]
        assert "R1" in fixes[0].reason and fixes[0].lot is not None  # drawn on the earned lot
        assert len(uow.audit.for_record("points", f"entry:{fixes[0].id}")) == 1  # C12
    before = _entries(world)
    again = world.crm.points.repair_returns()
    assert (again.lines, again.taken, again.given) == (0, 0, 0)
    assert _entries(world) == before


def test_v8_the_repair_moves_a_unit_split_by_arrival_order_to_the_older_original(world: World) -> None:
    """Old state: A2 arrived first and took the unit R1 cites it for. Repaired: A1 (the older) gave it
    back, A2's parties get their points again — every balance as originals-first; then nothing."""
    world.setup()
    a1, a2, ret = _two_sales(world)
    _as_the_old_code_left_it(world, [a2, a1, ret], [LineReversal(a2.id, 1, Decimal(1), Decimal(1000))])
    assert _everyone(world) == (30, 4, 2, 2, 1)
    report = world.crm.points.repair_returns()
    assert (report.taken, report.given) == (13, 3 + 10)  # A1's three parties; A2's three back
    assert _everyone(world) == ORIGINALS_FIRST
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _returned(world, "A2") == {}
    before = _entries(world)
    assert world.crm.points.repair_returns().lines == 0
    assert _entries(world) == before


def test_v1_a_return_citing_two_originals_is_split_the_same_whatever_the_import_order(
    world: World,
) -> None:
    """Newer original first, then the return, then the older original: the unit ends on A1 (the
    older), as when the originals come first — A2's parties get their points back (V1, V8)."""
    world.setup()
    a1, a2, ret = _two_sales(world)
    world.imported(a2)
    world.imported(ret)
    assert _everyone(world)[3:] == (2, 1)  # A2 was all R1 could take from
    world.imported(a1)
    assert _everyone(world) == ORIGINALS_FIRST
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _returned(world, "A2") == {}
    assert world.crm.points.repair_returns().lines == 0  # nothing left to repair


def test_v1_originals_first_gives_the_unit_to_the_older_original_whatever_the_citation_order(
    world: World,
) -> None:
    """Both originals stored, the return cites the newer first: the older gives the unit back."""
    world.setup()
    a1, a2, ret = _two_sales(world)
    world.imported(a1, a2)
    world.imported(ret)
    assert _everyone(world) == ORIGINALS_FIRST


def test_v1_a_return_waiting_for_an_older_original_does_not_get_a_later_return_refused(
    world: World,
) -> None:
    """R3 cites A3 (older, not imported yet) and A1; R4 cites A1 alone. R3 takes A1's unit for now,
    so R4 finds nothing left — yet it is kept, not refused: when A3 arrives R3 moves to it and R4
    takes A1's unit, every party as originals-first (found by the order property, V1, V8)."""
    world.setup()
    a1 = world.sale("A1", 1, on=date(2026, 3, 3))
    a3 = world.sale("A3", 1, on=date(2026, 3, 1))
    r3 = attrs.evolve(world.ret("R3", "A3", 1), references=(InvoiceReference("A3"), InvoiceReference("A1")))
    r4 = world.ret("R4", "A1", 1, on=date(2026, 3, 11))
    world.imported(a1, r3, r4)  # imported() asserts that nothing is refused
    world.imported(a3)
    assert _balances(world) == (0, 0, 0)
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    assert _returned(world, "A3") == {1: (Decimal(1), Decimal("1000.00"))}
