"""Earning from imported invoices once, returns, redemption, expiry, tiers, statements (§7 V1, V3–V8)."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import pytest

import crmkit
from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.point_ledger import EntryKind, InsufficientPoints
from crmkit.domain.points import Campaign, PointRule, Program, Role, Target, Tier
from crmkit.services.point_earning import PointEarning
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.points.conftest import BUYER, SELLER, World


def test_v4_an_imported_sale_earns_for_three_parties_by_their_rules(world: World) -> None:
    """3 units: customer 10/unit by category, dealer 2/unit by product, sales person 1 by brand (V3, V4)."""
    world.setup()
    world.imported(world.sale("A1", 3))
    assert world.balance() == 30
    assert world.balance(Role.DEALER, "S-1") == 6
    assert world.balance(Role.SALES_PERSON, "R-12") == 3


def test_v4_an_earn_is_keyed_by_its_source_line_program_and_role(world: World) -> None:
    """An earn's key begins with its source line and ``:`` (unique per line, program and role, V4).

    The SQL ledger finds a line's earns by a range of the unique key instead of a
    source index entry per earn (revision 0027, issue 15 item 9).
    """
    world.setup()
    sale = world.sale("A1", 3)
    world.imported(sale)
    keys = []
    for role, party in ((Role.CUSTOMER, BUYER), (Role.DEALER, "S-1"), (Role.SALES_PERSON, "R-12")):
        found = world.crm.points.statement(
            actor=world.admin.id, program="P", role=role, party=party, start=date(2026, 1, 1),
            end=date(2026, 12, 31),
        )  # fmt: skip
        keys += [(e.source, e.key) for e in found.entries]
    assert keys == [
        (f"invoice:{sale.id}:1", f"invoice:{sale.id}:1:P:{role}")
        for role in ("customer", "dealer", "sales_person")
    ]


def test_reprocessing_an_invoice_credits_nothing(world: World) -> None:
    """The hook and a later job over the same invoice credit once; re-importing is a duplicate."""
    world.setup()
    sale = world.sale("A1", 3)
    world.imported(sale)
    again = world.crm.points.earning.earn([sale])
    assert (again.processed, again.skipped) == (0, 1)
    world.imported(sale)
    assert world.crm.points.earning.earn_stored([sale.id]).skipped == 1
    assert world.balance() == 30


@pytest.mark.parametrize("step", ["entries", "processed", "outbox"])
def test_a_crash_at_any_step_leaves_ledger_marker_and_outbox_untouched(world: World, step: str) -> None:
    """A failure before the commit writes nothing; the catch-up job then credits exactly once (V2, §9)."""
    world.setup()
    world.crm.points.register_phone(
        actor=world.admin.id, phone="+905321234567", program="P", role="customer", party=BUYER
    )

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"crash at {at}")

    sale = world.sale("A1", 3)
    world.crm.points.earning = PointEarning(world.crm.context, probe=crash)
    with pytest.raises(RuntimeError):
        world.imported(sale)  # the invoice commits; the hook's unit of work dies
    with world.crm.storage.unit_of_work() as uow:
        assert uow.invoices.get(sale.id) == sale
        assert uow.points.processed([sale.id]) == set()
        assert uow.points.entries(("P", Role.CUSTOMER, BUYER)) == []
        assert uow.outbox.by_key(f"points:P:{sale.id}:customer") is None
    report = PointEarning(world.crm.context).catch_up()
    assert report.processed == 1
    assert world.balance() == 30
    with world.crm.storage.unit_of_work() as uow:
        message = uow.outbox.by_key(f"points:P:{sale.id}:customer")
        assert message is not None and "Bakiyeniz 30 puan" in message.body


def test_v1_partial_returns_reverse_proportionally_and_never_more_than_earned(world: World) -> None:
    """Returns of 1 then 2 of 3 units take back 10 then 20 customer points: zero for all three (V1, V8)."""
    world.setup()
    world.imported(world.sale("A1", 3))
    world.imported(world.ret("R1", "A1", 1))
    assert (world.balance(), world.balance(Role.DEALER, "S-1"), world.balance(Role.SALES_PERSON, "R-12")) == (
        20,
        4,
        2,
    )
    world.imported(world.ret("R2", "A1", 2))
    assert (world.balance(), world.balance(Role.DEALER, "S-1"), world.balance(Role.SALES_PERSON, "R-12")) == (
        0,
        0,
        0,
    )
    with world.crm.storage.unit_of_work() as uow:
        kinds = [e.kind for e in uow.points.entries(("P", Role.CUSTOMER, BUYER))]
    assert kinds == [EntryKind.EARN, EntryKind.REVERSE, EntryKind.REVERSE]


def test_v8_a_return_of_spent_points_goes_negative_and_says_what_is_owed(world: World) -> None:
    """Points spent before the return are owed: the balance goes below zero, never silently (V8)."""
    world.setup()
    world.imported(world.sale("A1", 3))
    world.crm.points.redeem(
        actor=world.admin.id, program="P", role="customer", party=BUYER, points=25, on=date(2026, 3, 5)
    )
    world.imported(world.ret("R1", "A1", 3))
    assert world.balance() == -25
    with world.crm.storage.unit_of_work() as uow:
        reverse = [e for e in uow.points.entries(("P", Role.CUSTOMER, BUYER)) if e.kind is EntryKind.REVERSE]
    assert reverse[0].points == -30 and "25 points were already spent and are owed" in reverse[0].reason
    with pytest.raises(InsufficientPoints):
        world.crm.points.redeem(
            actor=world.admin.id, program="P", role="customer", party=BUYER, points=1, on=date(2026, 4, 5)
        )


def test_v8_points_are_locked_for_the_return_window(world: World) -> None:
    """With a 14-day window, points earned on 2 March are spendable from 16 March (V8)."""
    world.setup(window=14)
    world.imported(world.sale("A1", 3))
    spend = world.crm.points.spendable
    assert spend(actor=world.admin.id, program="P", role="customer", party=BUYER, on=date(2026, 3, 15)) == 0
    assert spend(actor=world.admin.id, program="P", role="customer", party=BUYER, on=date(2026, 3, 16)) == 30
    with pytest.raises(InsufficientPoints) as error:
        world.crm.points.redeem(
            actor=world.admin.id, program="P", role="customer", party=BUYER, points=5, on=date(2026, 3, 10)
        )
    assert error.value.field == "points"
    assert world.balance() == 30


def test_v8_redemption_takes_oldest_expiry_first_and_expiry_is_idempotent(world: World) -> None:
    """Two lots; a redemption drains the one expiring first; the expiry job expires the rest once (V8)."""
    world.setup(expiry=30)
    world.imported(world.sale("A1", 1, on=date(2026, 3, 1)), world.sale("A2", 2, on=date(2026, 3, 20)))
    entries = world.crm.points.redeem(
        actor=world.admin.id, program="P", role="customer", party=BUYER, points=15, on=date(2026, 3, 25)
    )
    assert [e.points for e in entries] == [-10, -5]
    # 18 April: the March 1 lots expire: the customer's is spent; dealer 2 and sales person 1 are left
    assert world.crm.points.expire(on=date(2026, 4, 18)) == 2 + 1
    # 19 April: the March 20 lots: customer 20 - 5 spent, dealer 4, sales person 2
    assert world.crm.points.expire(on=date(2026, 4, 19)) == 15 + 4 + 2
    assert world.crm.points.expire(on=date(2026, 4, 19)) == 0
    assert world.balance() == 0


def test_v8_store_bound_points_are_spent_only_where_earned(world: World) -> None:
    """A store-bound program needs the store and spends only lots of that store (seed 001)."""
    world.setup(store_bound=True)
    world.imported(world.sale("A1", 3))
    redeem = world.crm.points.redeem
    with pytest.raises(ValidationError) as missing:
        redeem(actor=world.admin.id, program="P", role="customer", party=BUYER, points=5, on=date(2026, 3, 5))
    assert missing.value.field == "store"
    with pytest.raises(InsufficientPoints):
        redeem(
            actor=world.admin.id,
            program="P",
            role="customer",
            party=BUYER,
            points=5,
            on=date(2026, 3, 5),
            store="S-2",
        )
    redeem(
        actor=world.admin.id,
        program="P",
        role="customer",
        party=BUYER,
        points=5,
        on=date(2026, 3, 5),
        store="S-1",
    )
    assert world.balance() == 25


def test_v3_a_program_bound_to_sellers_earns_only_on_their_invoices(world: World) -> None:
    """A store's (or a dealer network's) program earns only on invoices its listed sellers made (seed 001):
    S-1's sale earns in P (sellers S-1, S-3) and nothing in Q (sellers S-2); its return reverses P only."""
    world.setup()
    pts, actor = world.crm.points, world.admin.id
    pts.define_program(actor=actor, program=Program(code="P", name="Isı", sellers=["S-3", "S-1", "S-1"]))
    pts.define_program(actor=actor, program=Program(code="Q", name="Mağaza", sellers=["S-2"]))
    pts.add_rules(
        actor=actor,
        rules=[PointRule(program="Q", role=Role.CUSTOMER, target=Target.PRODUCT, key="K-24",
                         points=Decimal(7), valid_from=date(2026, 1, 1))],
    )  # fmt: skip
    with world.crm.storage.unit_of_work() as uow:
        assert uow.points.program("P").sellers == ("S-1", "S-3")  # stored and read back as given, sorted
    world.imported(world.sale("A1", 3))
    q = functools.partial(pts.balance, actor=actor, program="Q", role="customer", party=BUYER)
    assert (world.balance(), world.balance(Role.DEALER, "S-1"), q()) == (30, 6, 0)
    world.imported(world.ret("IA1", "A1", 3))
    assert (world.balance(), world.balance(Role.DEALER, "S-1"), q()) == (0, 0, 0)
    with pytest.raises(ValidationError) as bad:
        Program(code="R", name="R", sellers=["S-1", " "])
    assert bad.value.field == "sellers"


def test_v3_campaigns_multiply_and_rules_are_versioned_by_invoice_date(world: World) -> None:
    """A double-points campaign in March; a new rule from April: each invoice uses its date's rule (V3)."""
    world.setup()
    pts, actor = world.crm.points, world.admin.id
    pts.add_campaign(
        actor=actor,
        campaign=Campaign(
            code="MART",
            program="P",
            multiplier=Decimal(2),
            starts=date(2026, 3, 1),
            ends=date(2026, 3, 31),
            categories=("KOMBI",),
        ),
    )
    pts.add_rules(
        actor=actor,
        rules=[
            PointRule(
                program="P",
                role=Role.CUSTOMER,
                target=Target.PRODUCT,
                key="K-24",
                points=Decimal(4),
                valid_from=date(2026, 4, 1),
            )
        ],
    )
    world.imported(
        world.sale("A1", 1, on=date(2026, 3, 2)),
        world.sale("A2", 1, on=date(2026, 4, 2)),
        world.sale("A3", 1, on=date(2026, 2, 2)),
    )
    assert world.balance() == 20 + 4 + 10


def test_v8_tiers_multiply_and_changes_are_recorded(world: World) -> None:
    """Reaching 30 points in the window makes the customer Gold (x2); the upgrade is recorded (V8)."""
    world.setup()
    world.crm.points.set_tiers(
        actor=world.admin.id,
        program="P",
        tiers=[
            Tier(
                program="P",
                role=Role.CUSTOMER,
                name="Altın",
                threshold=30,
                multiplier=Decimal(2),
                window_days=90,
            )
        ],
    )
    world.imported(world.sale("A1", 3, on=date(2026, 3, 1)), world.sale("A2", 1, on=date(2026, 3, 2)))
    assert world.balance() == 30 + 20
    changes = world.crm.points.tier_changes(actor=world.admin.id, program="P", role="customer", party=BUYER)
    assert [(c.old, c.new, c.upgrade) for c in changes] == [(None, "Altın", True)]
    assert world.crm.points.review_tiers(on=date(2026, 5, 29)) == []  # 90 days: still Gold
    review = world.crm.points.review_tiers(on=date(2026, 6, 1))  # the March points left the window
    assert [(c.old, c.new, c.upgrade) for c in review] == [("Altın", None, False)]
    assert world.crm.points.review_tiers(on=date(2026, 6, 1)) == []  # idempotent
    world.imported(world.sale("A3", 1, on=date(2026, 9, 1)))
    changes = world.crm.points.tier_changes(actor=world.admin.id, program="P", role="customer", party=BUYER)
    assert [(c.old, c.new, c.upgrade) for c in changes] == [(None, "Altın", True), ("Altın", None, False)]


def test_v8_statement_opening_entries_closing(world: World) -> None:
    """A March statement: opening = February's points, closing = opening + March's entries (V8)."""
    world.setup()
    world.imported(world.sale("A1", 1, on=date(2026, 2, 10)), world.sale("A2", 2, on=date(2026, 3, 10)))
    world.crm.points.adjust(
        actor=world.admin.id,
        program="P",
        role="customer",
        party=BUYER,
        points=-5,
        reason="goodwill correction",
        on=date(2026, 3, 20),
    )
    s = world.crm.points.statement(
        actor=world.admin.id,
        program="P",
        role="customer",
        party=BUYER,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
    )
    assert (s.opening, [e.points for e in s.entries], s.closing) == (10, [20, -5], 25)


def test_c12_adjustments_are_admin_only_and_audited(world: World) -> None:
    """An employee may not adjust; an admin's adjustment is in the audit trail (A2, C12)."""
    world.setup()
    rep = world.crm.parties.hire(actor=world.admin.id, name="Ali Veli", login="R-12", password="gizli-1234")
    with pytest.raises(PermissionDenied):
        world.crm.points.adjust(
            actor=rep.id, program="P", role="customer", party=BUYER, points=5, reason="x", on=date(2026, 3, 1)
        )
    entry = world.crm.points.adjust(
        actor=world.admin.id,
        program="P",
        role="customer",
        party=BUYER,
        points=5,
        reason="kayıp fiş",
        on=date(2026, 3, 1),
    )
    with world.crm.storage.unit_of_work() as uow:
        trail = uow.audit.for_record("points", f"entry:{entry.id}")
    assert len(trail) == 1 and trail[0].actor_id == str(world.admin.id)
    world.imported(world.sale("A1", 1))
    assert world.crm.points.balance(actor=rep.id, program="P", role="sales_person", party="R-12") == 1
    with pytest.raises(PermissionDenied):
        world.crm.points.balance(actor=rep.id, program="P", role="customer", party=SELLER)


def test_bad_input_names_the_field_and_stores_nothing(world: World) -> None:
    """Negative points, a campaign ending before it starts, an unknown product (issue 15, bad input)."""
    world.setup()
    with pytest.raises(ValidationError) as negative:
        PointRule(
            program="P",
            role=Role.CUSTOMER,
            target=Target.PRODUCT,
            key="K-24",
            points=Decimal(-1),
            valid_from=date(2026, 1, 1),
        )
    assert negative.value.field == "points"
    with pytest.raises(ValidationError) as ends:
        Campaign(code="X", program="P", multiplier=Decimal(2), starts=date(2026, 3, 2), ends=date(2026, 3, 1))
    assert ends.value.field == "ends"
    with pytest.raises(ValidationError) as unknown:
        world.crm.points.add_rules(
            actor=world.admin.id,
            rules=[
                PointRule(
                    program="P",
                    role=Role.DEALER,
                    target=Target.PRODUCT,
                    key="K-24",
                    points=Decimal(9),
                    valid_from=date(2026, 5, 1),
                ),
                PointRule(
                    program="P",
                    role=Role.CUSTOMER,
                    target=Target.PRODUCT,
                    key="NOPE",
                    points=Decimal(1),
                    valid_from=date(2026, 1, 1),
                ),
            ],
        )
    assert unknown.value.field == "key"
    with world.crm.storage.unit_of_work() as uow:
        assert len(uow.points.rules("P")) == 3


@pytest.mark.parametrize("regional", [False, True])
def test_a8_a_customers_points_follow_the_companys_visibility(regional: bool) -> None:
    """A1 off: every employee sees every customer and its points; A1 on, outside its team: refused (A8)."""
    crm = crmkit.connect(
        clock=FixedClock(), ids=SequentialIds(), regional_access=regional, load_entrypoints=False
    )
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    crm.parties.register_company(actor=admin.id, name="Isparta Gül", type="customer", tax_no="6800120004")
    rep = crm.parties.hire(actor=admin.id, name="Ali Veli")
    crm.points.define_program(actor=admin.id, program=Program(code="P", name="P"))
    crm.points.adjust(actor=admin.id, program="P", role="customer", party="6800120004", points=7,
                      reason="açılış", on=date(2026, 1, 1))  # fmt: skip
    read = functools.partial(
        crm.points.balance, actor=rep.id, program="P", role="customer", party="6800120004"
    )
    if regional:
        with pytest.raises(PermissionDenied) as denied:
            read()
        assert "A8" in denied.value.reason
    else:
        assert read() == 7
