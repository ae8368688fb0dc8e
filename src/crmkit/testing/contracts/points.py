"""The contract of every storage's :class:`~crmkit.ports.points.PointRepository` (§7 V3–V8).

Bind it with the same ``storage`` fixture as the other storage suites (a
migrated, empty :class:`~crmkit.ports.storage.Storage`)::

    class TestAcmePoints(PointRepositoryContract):
        pass
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.invoices import InvoiceId
from crmkit.domain.point_ledger import EntryKind, LedgerEntry, TierChange
from crmkit.domain.points import Basis, Campaign, PointRule, Product, Program, Role, Serial, Target, Tier
from crmkit.ports.points import PartyKey
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.invoice_storage import sample_invoice

__all__ = ["PointRepositoryContract", "ledger_entry"]

_AT = datetime(2026, 3, 2, 7, 30, 15, 123456, tzinfo=UTC)
_PARTY: PartyKey = ("P", Role.CUSTOMER, "9205121120")


def ledger_entry(
    n: int,
    points: int = 10,
    *,
    kind: EntryKind = EntryKind.EARN,
    party: PartyKey = _PARTY,
    on: date = date(2026, 3, 2),
    lot: uuid.UUID | None = None,
    expires_on: date | None = None,
    source: str = "invoice:x:1",
) -> LedgerEntry:
    """A ledger entry numbered ``n`` (its id and key follow from ``n``)."""
    program, role, key = party
    return LedgerEntry(
        id=uuid.UUID(int=n),
        key=f"k{n}",
        program=program,
        role=role,
        party=key,
        kind=kind,
        points=points,
        reason="Ürün iadesi — İstanbul",
        source=source,
        on=on,
        recorded_at=_AT + timedelta(seconds=n),
        spendable_from=on if lot is None and points > 0 else None,
        expires_on=expires_on,
        store="S-1" if lot is None and points > 0 else None,
        lot=lot,
    )


class PointRepositoryContract:
    """What every point repository must do; needs a ``storage`` fixture."""

    def test_program_round_trip_and_replace(self, storage: Storage) -> None:
        """A program reads back equal; putting it again replaces it (V3)."""
        program = Program(
            code="P", name="Bayi puanı", basis=Basis.PER_AMOUNT, return_window_days=14, expiry_days=365
        )
        with storage.unit_of_work() as uow:
            uow.points.put_program(program)
            uow.commit()
        changed = Program(code="P", name="Yeni", store_bound=True, sellers=["S-2", "S-1"])
        with storage.unit_of_work() as uow:
            assert uow.points.program("P") == program
            uow.points.put_program(changed)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.programs() == [changed]
            with pytest.raises(NotFound):
                uow.points.program("Q")

    def test_rules_products_campaigns_tiers(self, storage: Storage) -> None:
        """Configuration reads back equal; a second rule version the same day is a Duplicate (V3, V8)."""
        rule = PointRule(
            program="P",
            role=Role.DEALER,
            target=Target.PRODUCT,
            key="K-24",
            points=Decimal("2.5"),
            valid_from=date(2026, 1, 1),
        )
        later = PointRule(
            program="P",
            role=Role.DEALER,
            target=Target.PRODUCT,
            key="K-24",
            points=Decimal(3),
            valid_from=date(2026, 6, 1),
        )
        campaign = Campaign(
            code="C1",
            program="P",
            multiplier=Decimal(2),
            starts=date(2026, 1, 1),
            ends=date(2026, 1, 31),
            products=("K-24",),
            dealers=("S-1",),
        )
        tier = Tier(program="P", role=Role.CUSTOMER, name="Altın", threshold=1000, multiplier=Decimal("1.5"))
        product = Product(code="K-24", name="Kombi", category="KOMBI", brand="Isı")
        with storage.unit_of_work() as uow:
            uow.points.put_products([product])
            uow.points.add_rules([rule, later])
            uow.points.add_campaign(campaign)
            uow.points.put_tiers("P", [tier])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.products(["K-24", "nope"]) == {"K-24": product}
            assert sorted(uow.points.rules("P"), key=lambda r: r.valid_from) == [rule, later]
            assert uow.points.rules("Q") == []
            assert uow.points.campaigns("P") == [campaign]
            assert uow.points.tiers("P") == [tier]
            with pytest.raises(Duplicate) as error:
                uow.points.add_rules([rule])
            assert error.value.field == "valid_from"
            with pytest.raises(Duplicate):
                uow.points.add_campaign(campaign)

    def test_ledger_round_trip_order_and_sums(self, storage: Storage) -> None:
        """Entries read back equal, by date then time; balance and window sums run in storage (V4)."""
        earn = ledger_entry(1, 100, expires_on=date(2027, 3, 2))
        older = ledger_entry(2, 5, on=date(2026, 1, 5))
        redeem = ledger_entry(3, -30, kind=EntryKind.REDEEM, lot=earn.id, on=date(2026, 4, 1))
        reverse = ledger_entry(4, -10, kind=EntryKind.REVERSE, lot=earn.id, on=date(2026, 4, 2))
        other = ledger_entry(5, 7, party=("P", Role.DEALER, "S-1"))
        with storage.unit_of_work() as uow:
            uow.points.append([earn, older, redeem, reverse, other])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.entries(_PARTY) == [older, earn, redeem, reverse]
            assert uow.points.entries(_PARTY, start=date(2026, 3, 2), end=date(2026, 4, 1)) == [earn, redeem]
            assert uow.points.balance(_PARTY) == 65
            assert uow.points.balance(_PARTY, until=date(2026, 3, 31)) == 105
            assert uow.points.earned(_PARTY, date(2026, 2, 1), date(2026, 12, 31)) == 90
            assert uow.points.balance(("P", Role.SALES_PERSON, "x")) == 0
            assert uow.points.known_keys(["k1", "k9"]) == {"k1"}
            assert {e.id for e in uow.points.by_source(["invoice:x:1"])} == {
                e.id for e in (earn, older, redeem, reverse, other)
            }
            assert uow.points.expiring(date(2027, 3, 2)) == [_PARTY]
            assert uow.points.expiring(date(2027, 3, 1)) == []

    def test_statement_pages_follow_the_cursor(self, storage: Storage) -> None:
        """Pages of any size walk the range in statement order, ties broken by time then id (V8)."""
        same = [attrs.evolve(ledger_entry(n, n), recorded_at=_AT, on=date(2026, 3, 2)) for n in (9, 3, 7)]
        made = [*same, ledger_entry(1, 4, on=date(2026, 3, 1)), ledger_entry(2, 6, on=date(2026, 3, 5))]
        with storage.unit_of_work() as uow:
            uow.points.append(made[:2])
            uow.points.append(made[2:])
            uow.commit()
        start, end = date(2026, 3, 2), date(2026, 3, 31)
        with storage.unit_of_work() as uow:
            whole = uow.points.entries(_PARTY, start=start, end=end)
            assert [e.id.int for e in whole] == [3, 7, 9, 2]
            for limit in (1, 2, 3, 10):
                walked: list[LedgerEntry] = []
                after = None
                while True:
                    page = uow.points.page(_PARTY, start, end, after=after, limit=limit)
                    assert len(page) <= limit
                    walked += page
                    if len(page) < limit:
                        break
                    after = (page[-1].on, page[-1].recorded_at, page[-1].id)
                assert walked == whole
            assert uow.points.balance(_PARTY, until=date(2026, 3, 1)) == 4
            assert uow.points.balance(_PARTY, until=date(2026, 3, 2)) == 4 + 9 + 3 + 7

    def test_lock_party_then_redeem_in_the_same_unit_of_work(self, storage: Storage) -> None:
        """Holding a party (with a balance or none) leaves its unit of work free to read and append (V8)."""
        earn = ledger_entry(1, 100)
        with storage.unit_of_work() as uow:
            uow.points.append([earn])
            uow.commit()
        with storage.unit_of_work() as uow:
            uow.points.lock_party(_PARTY)
            uow.points.lock_party(("P", Role.DEALER, "nobody"))
            assert uow.points.entries(_PARTY) == [earn]
            uow.points.append([ledger_entry(2, -60, kind=EntryKind.REDEEM, lot=earn.id)])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.balance(_PARTY) == 40

    def test_append_is_all_or_nothing_on_a_taken_key(self, storage: Storage) -> None:
        """A taken key refuses the whole batch and the unit of work goes on (idempotency, V4)."""
        with storage.unit_of_work() as uow:
            uow.points.append([ledger_entry(1)])
            uow.commit()
        with storage.unit_of_work() as uow:
            with pytest.raises(Duplicate) as error:
                uow.points.append([ledger_entry(2), ledger_entry(1)])
            assert error.value.field == "key"
            uow.points.append([ledger_entry(3)])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [e.key for e in uow.points.entries(_PARTY)] == ["k1", "k3"]

    def test_nothing_visible_before_commit(self, storage: Storage) -> None:
        """A rolled-back unit of work leaves no entry, marker or serial (§9)."""
        with storage.unit_of_work() as uow:
            uow.points.append([ledger_entry(1)])
            uow.points.mark_processed([InvoiceId(uuid.UUID(int=7))], _AT)
            uow.points.add_serials([Serial(serial="AB123456", program="P", product="K-24")])
        with storage.unit_of_work() as uow:
            assert uow.points.entries(_PARTY) == []
            assert uow.points.processed([InvoiceId(uuid.UUID(int=7))]) == set()
            assert uow.points.serial("AB123456") is None

    def test_processed_marker_once(self, storage: Storage) -> None:
        """An invoice is marked processed once; a second mark is a Duplicate (exactly once)."""
        one = InvoiceId(uuid.UUID(int=7))
        with storage.unit_of_work() as uow:
            uow.points.mark_processed([one], _AT)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.processed([one, InvoiceId(uuid.UUID(int=8))]) == {one}
            with pytest.raises(Duplicate):
                uow.points.mark_processed([one], _AT)

    def test_unprocessed_invoices_oldest_first(self, storage: Storage) -> None:
        """Stored invoices without a processed marker are listed oldest issue first (the catch-up job)."""
        first, second = sample_invoice("A1"), sample_invoice("A2")
        later = attrs.evolve(second, issued_at=first.issued_at + timedelta(days=1))
        with storage.unit_of_work() as uow:
            uow.invoices.add_many([later, first])
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.unprocessed() == [first.id, later.id]
            assert uow.points.unprocessed(limit=1) == [first.id]
            uow.points.mark_processed([first.id], _AT)
            assert uow.points.unprocessed() == [later.id]

    def test_serial_claimed_once(self, storage: Storage) -> None:
        """An issued serial is claimed once; unknown and used ones are refused (V7)."""
        with storage.unit_of_work() as uow:
            uow.points.add_serials([Serial(serial="AB123456", program="P", product="K-24")])
            uow.commit()
        with storage.unit_of_work() as uow, pytest.raises(Duplicate):
            uow.points.add_serials([Serial(serial="AB123456", program="P", product="K-24")])
        with storage.unit_of_work() as uow:
            assert uow.points.claim_serial("AB123456", "9205121120", date(2026, 3, 2))
            assert not uow.points.claim_serial("ZZ999999", "9205121120", date(2026, 3, 2))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert not uow.points.claim_serial("AB123456", "other", date(2026, 3, 3))
            assert uow.points.serial("AB123456") == Serial(
                serial="AB123456", program="P", product="K-24", used_by="9205121120", used_at=date(2026, 3, 2)
            )

    def test_serial_claims_in_two_units_of_work(self, storage: Storage) -> None:
        """Of two units of work claiming one serial, at most one commits a claim (V7)."""
        with storage.unit_of_work() as uow:
            uow.points.add_serials([Serial(serial="AB123456", program="P", product="K-24")])
            uow.commit()
        first = storage.unit_of_work()
        with first:
            assert first.points.claim_serial("AB123456", "a", date(2026, 3, 2))
            first.commit()
        with storage.unit_of_work() as second:
            try:
                claimed = second.points.claim_serial("AB123456", "b", date(2026, 3, 2))
                second.commit()
            except ConcurrencyConflict:
                claimed = False
        assert not claimed
        with storage.unit_of_work() as uow:
            found = uow.points.serial("AB123456")
            assert found is not None and found.used_by == "a"

    def test_phones_tier_changes_replies(self, storage: Storage) -> None:
        """Phones map to parties; tier changes and replies are recorded and counted (V5–V8)."""
        change = TierChange(
            program="P",
            role=Role.CUSTOMER,
            party="9205121120",
            on=date(2026, 3, 2),
            old=None,
            new="Altın",
            earned=1200,
            upgrade=True,
        )
        with storage.unit_of_work() as uow:
            uow.points.register_phone("+905321234567", _PARTY)
            uow.points.register_phone("+905551112233", ("P", Role.DEALER, "S-1"))
            uow.points.record_tier_change(change)
            uow.points.record_reply("+905321234567", _AT)
            uow.points.record_reply("+905321234567", _AT + timedelta(minutes=30))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.party_of("+905321234567") == _PARTY
            assert uow.points.party_of("+900000000000") is None
            assert uow.points.phone_of(_PARTY) == "+905321234567"
            assert uow.points.phone_of(("P", Role.SALES_PERSON, "x")) is None
            assert uow.points.phones([_PARTY, ("P", Role.DEALER, "S-1"), ("Q", Role.DEALER, "S-1")]) == {
                _PARTY: "+905321234567",
                ("P", Role.DEALER, "S-1"): "+905551112233",
            }
            assert uow.points.tier_changes(_PARTY) == [change]
            assert uow.points.current_tiers("P") == [change]
            assert uow.points.current_tiers("Q") == []
            down = attrs.evolve(change, old="Altın", new=None, upgrade=False, on=date(2027, 3, 2))
            uow.points.record_tier_change(down)
            assert uow.points.current_tiers("P") == []
            assert uow.points.replies_since("+905321234567", _AT + timedelta(minutes=1)) == 1
            assert uow.points.replies_since("+905321234567", _AT) == 2
            uow.points.register_phone("+905321234567", ("P", Role.DEALER, "S-1"))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.points.party_of("+905321234567") == ("P", Role.DEALER, "S-1")
