"""Opportunities (I9, I4, I10, Q6) on every back end, through the policy (A3, A8); bad input stores none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.money import Money
from crmkit.domain.pipeline import ForecastRow
from crmkit.domain.workflow import IllegalTransition
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office

FUNNEL: dict[str, Any] = {
    "key": "opportunity",
    "initial": "aday",
    "stages": [
        {"name": "aday", "probability": "10", "next_step": "İhtiyaç analizi"},
        {"name": "teklif", "probability": "40", "next_step": "Teklifi takip et"},
        {"name": "pazarlık", "probability": "75.5", "next_step": "Sözleşme taslağı"},
        {"name": "kazanıldı", "kind": "won"},
        {"name": "kaybedildi", "kind": "lost"},
    ],
    "transitions": {
        "aday": ["teklif", "kaybedildi"],
        "teklif": ["pazarlık", "kaybedildi"],
        "pazarlık": ["kazanıldı", "kaybedildi", "teklif"],
    },
    "hooks": [{"stage": "kazanıldı", "notify": ["owner"], "subject": "Kazanıldı"}],
}


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    built.crm.opportunities.define_funnel(actor=built.people["admin"].id, definition=FUNNEL)
    return built


def test_only_admins_define_funnels_and_a_funnel_needs_won_and_lost_stages(office: Office) -> None:
    """I9, C9: the funnel is data an admin stores; without a won or lost stage it is refused."""
    crm, admin = office.crm, office.people["admin"]
    with pytest.raises(PermissionDenied):
        crm.opportunities.define_funnel(actor=office.people["manager"].id, definition=FUNNEL)
    no_lost = {**FUNNEL, "stages": FUNNEL["stages"][:4], "transitions": {"aday": ["kazanıldı"]}, "hooks": []}
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.define_funnel(actor=admin.id, definition=no_lost)
    assert caught.value.field == "stages"
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.define_funnel(actor=admin.id, definition={**FUNNEL, "key": "Şikâyet"})
    assert caught.value.field == "funnel"
    assert crm.opportunities.funnel(actor=admin.id).version == 1


def test_a_funnel_walk_keeps_probability_next_step_and_history(office: Office) -> None:
    """I9: each stage brings its probability and suggested next step; the history grows per move."""
    crm, rep = office.crm, office.people["employee"]
    m01 = office.companies["m01"].id
    opp = crm.opportunities.open(
        actor=rep.id, company=m01, title="Yıllık temizlik ürünleri", amount="125000", product="Sabun"
    )
    assert (opp.stage, opp.probability, opp.next_step, opp.owner_id) == (
        "aday",
        Decimal(10),
        "İhtiyaç analizi",
        rep.id,
    )
    moved = crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="teklif", version=opp.version)
    assert (moved.stage, moved.probability, moved.next_step) == ("teklif", Decimal(40), "Teklifi takip et")
    moved = crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="pazarlık")
    assert moved.probability == Decimal("75.50") and moved.weighted == Money("94375.00", "TRY")
    won = crm.opportunities.win(actor=rep.id, opportunity=opp.id, amount="120000")
    assert (won.stage, won.amount, won.closed_at) == ("kazanıldı", Money("120000", "TRY"), office.clock.now())
    history = crm.opportunities.history(actor=rep.id, opportunity=opp.id)
    assert [(h.seq, h.stage, h.kind.value) for h in history] == [
        (1, "aday", "open"),
        (2, "teklif", "open"),
        (3, "pazarlık", "open"),
        (4, "kazanıldı", "won"),
    ]


def test_bad_moves_name_the_field_or_rule_and_store_nothing(office: Office) -> None:
    """I9 bad input: an unknown stage, a forbidden move, a win without amount, a loss without reason."""
    crm, rep = office.crm, office.people["employee"]
    opp = crm.opportunities.open(actor=rep.id, company=office.companies["m01"].id, title="Kolonya")
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="yok")
    assert caught.value.field == "to_stage"
    with pytest.raises(IllegalTransition) as illegal:
        crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="kazanıldı")
    assert (illegal.value.from_stage, illegal.value.allowed) == ("aday", ("teklif", "kaybedildi"))
    crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="teklif")
    crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="pazarlık")
    with pytest.raises(ValidationError) as caught:  # a won opportunity without an amount
        crm.opportunities.win(actor=rep.id, opportunity=opp.id)
    assert caught.value.field == "amount"
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.lose(actor=rep.id, opportunity=opp.id, reason="  ")
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.move(actor=rep.id, opportunity=opp.id, to_stage="teklif", competitor="Rakip A.Ş.")
    assert caught.value.field == "competitor"
    stored = crm.opportunities.get(actor=rep.id, opportunity=opp.id)
    assert (stored.stage, stored.version, stored.closed_at) == ("pazarlık", 3, None)
    assert len(crm.opportunities.history(actor=rep.id, opportunity=opp.id)) == 3
    cases: tuple[tuple[dict[str, Any], str], ...] = (
        ({"company": office.companies["m01"].id, "title": " "}, "title"),
        ({"company": office.companies["m01"].id, "title": "X", "amount": "-1"}, "amount"),
        (
            {"company": office.companies["m01"].id, "title": "X", "dealer": office.companies["m01"].id},
            "dealer",
        ),
        ({"company": office.companies["m01"].id, "title": "X", "funnel": "opportunity:yok"}, "funnel"),
        (
            {"company": office.companies["m01"].id, "title": "X", "next_step_due": datetime(2026, 3, 3)},
            "next_step_due",
        ),
    )
    for kw, field in cases:
        with pytest.raises(ValidationError) as caught:
            crm.opportunities.open(actor=rep.id, **kw)
        assert caught.value.field == field
    assert len(crm.opportunities.visible(actor=rep.id)) == 1


def test_the_policy_decides_every_read_and_write(office: Office) -> None:
    """A3, A8: a rep opens and moves only his own, at companies he may see; listings follow visibility."""
    crm, rep, manager, colleague = (
        office.crm,
        office.people["employee"],
        office.people["manager"],
        office.people["colleague"],
    )
    m01, a01 = office.companies["m01"].id, office.companies["a01"].id
    with pytest.raises(PermissionDenied):
        crm.opportunities.open(actor=rep.id, company=a01, title="Görmediği firma")
    with pytest.raises(PermissionDenied):
        crm.opportunities.open(actor=rep.id, company=m01, title="Başkası adına", owner=colleague.id)
    theirs = crm.opportunities.open(actor=colleague.id, company=m01, title="Can'ın fırsatı")
    with pytest.raises(PermissionDenied):
        crm.opportunities.move(actor=rep.id, opportunity=theirs.id, to_stage="teklif")
    admin = office.people["admin"]
    hidden = crm.opportunities.open(actor=admin.id, company=a01, title="Ankara", owner=manager.id)
    assert [o.id for o in crm.opportunities.visible(actor=rep.id)] == [theirs.id]
    with pytest.raises(PermissionDenied):
        crm.opportunities.get(actor=rep.id, opportunity=hidden.id)
    assert {o.id for o in crm.opportunities.visible(actor=admin.id)} == {theirs.id, hidden.id}


def _pipeline(office: Office) -> dict[str, Any]:
    """Four opportunities at M-01 and one at A-01, over two months, in two funnel positions."""
    crm, admin = office.crm, office.people["admin"]
    rep, colleague, manager = office.people["employee"], office.people["colleague"], office.people["manager"]
    m01, a01, dealer = office.companies["m01"].id, office.companies["a01"].id, office.companies["dealer"].id
    with crm.storage.unit_of_work() as uow:
        team = uow.memberships.for_employee(rep.id)[0].team_id
    o = crm.opportunities
    a = o.open(
        actor=rep.id,
        company=m01,
        title="A",
        amount="1000.01",
        expected_close=date(2026, 4, 10),
        team=team,
        lead_source="web",
        product="Sabun",
    )
    b = o.open(
        actor=rep.id,
        company=m01,
        title="B",
        amount="333.33",
        expected_close=date(2026, 4, 30),
        team=team,
        lead_source="fuar",
        product="Sabun",
        dealer=dealer,
    )
    o.move(actor=rep.id, opportunity=b.id, to_stage="teklif")
    c = o.open(
        actor=colleague.id,
        company=m01,
        title="C",
        amount="500",
        expected_close=date(2026, 5, 2),
        team=team,
        product="Kolonya",
    )
    o.move(actor=colleague.id, opportunity=c.id, to_stage="teklif")
    o.move(actor=colleague.id, opportunity=c.id, to_stage="pazarlık")
    d = o.open(actor=rep.id, company=m01, title="D", amount="900", product="Sabun", lead_source="web")
    o.lose(actor=rep.id, opportunity=d.id, reason="Fiyat", competitor="Rakip A.Ş.")
    e = o.open(
        actor=admin.id,
        company=a01,
        title="E",
        amount="700",
        expected_close=date(2026, 4, 1),
        owner=manager.id,
        product="Sabun",
        dealer=dealer,
    )
    o.move(actor=admin.id, opportunity=e.id, to_stage="teklif")
    o.lose(actor=admin.id, opportunity=e.id, reason="Fiyat", competitor="Rakip A.Ş.")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "team": team}


def test_the_weighted_forecast_per_rep_team_and_month_is_exact_and_follows_visibility(office: Office) -> None:
    """I9: Σ amount × probability per rep/team/month, summed in the storage, rounded once; A8 filters it."""
    crm, admin, rep, colleague = (
        office.crm,
        office.people["admin"],
        office.people["employee"],
        office.people["colleague"],
    )
    made = _pipeline(office)
    by_month = crm.opportunities.forecast(actor=admin.id, by="month")
    # A: 1000.01 × 10 % = 100.001; B: 333.33 × 40 % = 133.332 → April 233.333 → 233.33
    # C: 500 × 75.5 % = 377.50
    assert by_month == [
        ForecastRow(
            key=None,
            month="2026-04",
            opportunities=2,
            amount=Money("1333.34", "TRY"),
            weighted=Money("233.33", "TRY"),
        ),
        ForecastRow(
            key=None,
            month="2026-05",
            opportunities=1,
            amount=Money("500.00", "TRY"),
            weighted=Money("377.50", "TRY"),
        ),
    ]
    by_rep = {(r.key, r.month): r.weighted for r in crm.opportunities.forecast(actor=admin.id, by="rep")}
    assert by_rep == {
        (str(rep.id), "2026-04"): Money("233.33", "TRY"),
        (str(colleague.id), "2026-05"): Money("377.50", "TRY"),
    }
    by_team = crm.opportunities.forecast(actor=rep.id, by="team", since=date(2026, 5, 1))
    assert [(r.key, r.month, r.weighted) for r in by_team] == [
        (str(made["team"]), "2026-05", Money("377.50", "TRY"))
    ]
    assert crm.opportunities.forecast(actor=admin.id, by="month", currency="EUR") == []
    crm.opportunities.open(
        actor=rep.id,
        company=office.companies["m01"].id,
        title="Euro",
        amount="10",
        currency="EUR",
        expected_close=date(2026, 4, 1),
    )
    euro = crm.opportunities.forecast(actor=admin.id, by="month", currency="eur")
    assert [(r.month, r.weighted) for r in euro] == [("2026-04", Money("1.00", "EUR"))]
    assert crm.opportunities.forecast(actor=admin.id, by="month") == by_month  # the CRM's currency: TRY
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.forecast(actor=admin.id, by="week")
    assert caught.value.field == "by"


def test_conversion_losses_and_activity_kpis_are_counted_in_the_storage(office: Office) -> None:
    """I9 conversion per stage and losses per competitor/product; Q6 routed/closed per rep and dealer,
    the stage with most losses, lead sources — over what the actor may see (A8)."""
    crm, admin, rep, manager = (
        office.crm,
        office.people["admin"],
        office.people["employee"],
        office.people["manager"],
    )
    _pipeline(office)
    stats = {s.stage: (s.entered, s.moved_on, s.lost) for s in crm.opportunities.conversion(actor=admin.id)}
    assert stats == {
        "aday": (5, 3, 1),  # b, c, e moved on; d lost
        "teklif": (3, 1, 1),  # c moved on; e lost
        "pazarlık": (1, 0, 0),
        "kazanıldı": (0, 0, 0),
        "kaybedildi": (2, 0, 0),
    }
    aday = next(s for s in crm.opportunities.conversion(actor=admin.id) if s.stage == "aday")
    assert aday.conversion == Decimal("0.6")
    losses = crm.opportunities.losses(actor=admin.id)
    assert [(r.competitor, r.product, r.reason, r.lost) for r in losses] == [
        ("Rakip A.Ş.", "Sabun", "Fiyat", 2)
    ]
    assert [r.lost for r in crm.opportunities.losses(actor=rep.id)] == [1]  # A-01 is not his (A1)
    kpis = crm.opportunities.activity(actor=admin.id)
    assert kpis.most_losses == "aday"  # a tie (1 and 1) goes to the earlier stage
    routed = {(r.kind, r.key): (r.routed, r.won, r.lost) for r in kpis.routed}
    assert routed == {
        ("rep", str(rep.id)): (3, 0, 1),
        ("rep", str(office.people["colleague"].id)): (1, 0, 0),
        ("rep", str(manager.id)): (1, 0, 1),
        ("dealer", str(office.companies["dealer"].id)): (2, 0, 1),
    }
    assert [(s.source, s.opportunities) for s in kpis.lead_sources] == [(None, 2), ("fuar", 1), ("web", 2)]
    later = office.clock.now() + timedelta(days=1)
    assert crm.opportunities.activity(actor=admin.id, since=later).routed == ()
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.losses(actor=admin.id, since=datetime(2026, 1, 1))
    assert caught.value.field == "since"


def test_due_next_steps_appear_in_the_daily_list_and_i4_conversion_links_both_ways(office: Office) -> None:
    """I10: open opportunities whose next step is due that day; I4: an interaction converts once, linked."""
    crm, rep = office.crm, office.people["employee"]
    m01 = office.companies["m01"].id
    today = office.clock.now()
    due = crm.opportunities.open(
        actor=rep.id, company=m01, title="Bugün ara", next_step_due=today + timedelta(hours=3)
    )
    crm.opportunities.open(actor=rep.id, company=m01, title="Yarın", next_step_due=today + timedelta(days=2))
    closed = crm.opportunities.open(actor=rep.id, company=m01, title="Kapandı", next_step_due=today)
    crm.opportunities.lose(actor=rep.id, opportunity=closed.id, reason="Bütçe yok")
    day = crm.tasks.daily(actor=rep.id, day=today.date())
    assert [o.id for o in day.opportunities] == [due.id]
    item = crm.interactions.create(
        actor=rep.id, company=m01, channel="phone", category="Satış", subject="Fiyat sordu"
    )
    opp = crm.opportunities.convert(actor=rep.id, interaction=item.id, amount="5000")
    assert (opp.interaction_id, opp.title, opp.lead_source, opp.owner_id) == (
        item.id,
        "Fiyat sordu",
        "phone",
        rep.id,
    )
    assert crm.interactions.get(actor=rep.id, id=item.id).opportunity_id == opp.id
    assert crm.opportunities.visible(actor=rep.id, interaction=item.id) == [opp]
    with pytest.raises(ValidationError) as caught:
        crm.opportunities.convert(actor=rep.id, interaction=item.id)
    assert caught.value.field == "interaction"
    assert len(crm.opportunities.visible(actor=rep.id, interaction=item.id)) == 1


def test_a_moved_stage_notifies_the_owner(office: Office) -> None:
    """I2 hooks on a funnel: entering the won stage queues one e-mail to the owner."""
    crm, admin = office.crm, office.people["admin"]
    opp = crm.opportunities.open(actor=admin.id, company=office.companies["m01"].id, title="X", amount="10")
    for stage in ("teklif", "pazarlık"):
        crm.opportunities.move(actor=admin.id, opportunity=opp.id, to_stage=stage)
    crm.opportunities.win(actor=admin.id, opportunity=opp.id)
    with office.crm.storage.unit_of_work() as uow:
        assert uow.outbox.by_key(f"opportunity:{opp.id}:4:{admin.id}") is not None
        assert uow.outbox.by_key(f"opportunity:{opp.id}:3:{admin.id}") is None
