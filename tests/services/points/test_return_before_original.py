"""A return imported before the original it cancels (§7 V1, V8; issue 15 item 4).

The import keeps what a return takes back and which originals it cites in
``return_references`` (migration 0024): an original imported later finds its
waiting returns there by its identity, takes their quantities back, and earns
only what is left — for the customer, the dealer and the sales person. On
every back end.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from crmkit.domain.invoices import Invoice, InvoiceReference, invoice_id_for
from crmkit.domain.point_ledger import EntryKind
from crmkit.domain.points import Role
from crmkit.ports.invoices import SourceRecord
from crmkit.services.point_earning import PointEarning
from tests.services.points.conftest import BUYER, World

PARTIES = ((Role.CUSTOMER, BUYER), (Role.DEALER, "S-1"), (Role.SALES_PERSON, "R-12"))


def _balances(world: World) -> tuple[int, ...]:
    """Customer, dealer and sales person balances in program P."""
    return tuple(world.balance(role, party) for role, party in PARTIES)


def _returned(world: World, number: str) -> dict[int, tuple[Decimal, Decimal]]:
    original = world.crm.invoices.find("9205121120", number, actor=world.admin.id)
    assert original is not None
    return world.crm.invoices.returned(original.id, actor=world.admin.id)


def test_v8_a_return_imported_before_its_original_takes_its_share_when_the_original_earns(
    world: World,
) -> None:
    """1 of 3 units returned before the sale arrives: the sale earns 20/4/2, not 30/6/3 (V1, V4, V8)."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1))
    assert _balances(world) == (0, 0, 0)
    world.imported(world.sale("A1", 3))
    assert _balances(world) == (20, 4, 2)
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}
    with world.crm.storage.unit_of_work() as uow:
        kinds = [e.kind for e in uow.points.entries(("P", Role.CUSTOMER, BUYER))]
    assert kinds == [EntryKind.EARN, EntryKind.REVERSE]  # earned whole, then reversed: append-only


def test_v8_several_returns_before_the_original_and_one_after(world: World) -> None:
    """Two single-unit returns wait for the sale; a third after it brings all three parties to zero."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1))
    world.imported(world.ret("R2", "A1", 1))
    world.imported(world.sale("A1", 3))
    assert _balances(world) == (10, 2, 1)
    world.imported(world.ret("R3", "A1", 1))
    assert _balances(world) == (0, 0, 0)
    assert _returned(world, "A1") == {1: (Decimal(3), Decimal("3000.00"))}


def test_v8_returns_before_and_after_the_original_in_one_import_batch(world: World) -> None:
    """A return, its original and a second return in one batch: the same as one by one."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1), world.sale("A1", 3), world.ret("R2", "A1", 1))
    assert _balances(world) == (10, 2, 1)


def test_v8_a_return_split_across_an_original_before_it_and_one_after_it(world: World) -> None:
    """A return of 4 units cites A1 (3 units, imported first) and A2 (2 units, imported last): A1 gives
    back 3 at once, the fourth unit waits for A2 and is taken back from it when it arrives (V1, V8)."""
    world.setup()
    world.imported(world.sale("A1", 3))
    both = attrs.evolve(
        world.ret("R1", "A1", 4),
        references=(InvoiceReference("A1"), InvoiceReference("A2")),
    )
    world.imported(both)
    assert _balances(world) == (0, 0, 0)
    world.imported(world.sale("A2", 2))
    assert _balances(world) == (10, 2, 1)  # A2 earned 20/4/2 and gave back one unit of two
    assert _returned(world, "A1") == {1: (Decimal(3), Decimal("3000.00"))}
    assert _returned(world, "A2") == {1: (Decimal(1), Decimal("1000.00"))}


def test_v8_an_early_return_is_taken_back_exactly_once_however_often_it_is_processed(world: World) -> None:
    """Importing again, earning the same invoices again and the catch-up job change nothing."""
    world.setup()
    ret, sale = world.ret("R1", "A1", 1), world.sale("A1", 3)
    world.imported(ret)
    world.imported(sale)
    world.imported(sale, ret)  # duplicates
    again = world.crm.points.earning.earn([ret, sale])
    assert (again.processed, again.skipped) == (0, 2)
    assert world.crm.points.earning.catch_up().processed == 0
    assert _balances(world) == (20, 4, 2)
    assert _returned(world, "A1") == {1: (Decimal(1), Decimal("1000.00"))}


def test_v8_returns_before_the_original_never_take_back_more_than_it_earned(world: World) -> None:
    """Returns of 2 and 2 units wait for a sale of 3: the sale gives back 3 units (all it earned),
    the unit it never sold is named in the import's warnings, and no balance goes below zero (V8)."""
    world.setup()
    world.imported(world.ret("R1", "A1", 2))
    world.imported(world.ret("R2", "A1", 2))
    records = [SourceRecord(cursor="1", location="t:A1", invoice=world.sale("A1", 3))]
    report = world.crm.invoices.import_records(records, actor=world.admin.id)
    assert report.imported == 1 and not report.rejected
    assert any("R2" in w and "1" in w for w in report.warnings), report.warnings
    assert _balances(world) == (0, 0, 0)
    assert _returned(world, "A1") == {1: (Decimal(3), Decimal("3000.00"))}


class _Idle(PointEarning):
    """An earning hook that collects nothing: the invoices wait for the catch-up job."""

    def on_imported(self, invoice: Invoice, warnings: tuple[str, ...] = ()) -> None:
        """Leave the invoice to the job."""


def test_v8_an_original_earned_late_by_the_catch_up_job_takes_its_early_returns(world: World) -> None:
    """Import with no earning at all, then the job over both: the early return is found (V1, V8)."""
    world.setup()
    world.crm.points.earning = _Idle(world.crm.context)
    world.imported(world.ret("R1", "A1", 2))
    world.imported(world.sale("A1", 3))
    assert _balances(world) == (0, 0, 0)
    assert PointEarning(world.crm.context).catch_up().processed == 2
    assert _balances(world) == (10, 2, 1)


def test_v1_a_return_of_another_seller_with_the_same_number_is_not_taken(world: World) -> None:
    """The reference names the original's seller (the return's buyer) and number: another seller's
    invoice with that number is not the original."""
    world.setup()
    world.imported(world.ret("R1", "A1", 1))
    other = world.sale("A1", 3)
    seller = attrs.evolve(other.seller, tax_no="1111111111")
    world.imported(attrs.evolve(other, seller=seller, id=invoice_id_for(seller.key, "A1")))
    assert _balances(world) == (30, 6, 3)
