"""Offers (I8): sent through dispatch, accepted or rejected with a reason once; Q6 counts per rep; A3, A8."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmkit.domain.errors import PermissionDenied, RuleViolation, ValidationError
from crmkit.domain.offers import OfferStatus
from crmkit.ports.storage import Storage
from crmkit.services.companies import ContactInput
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.interactions.conftest import Office, build_office
from tests.services.workflow.test_opportunities import FUNNEL

OFFER = "<p>{{ company.name }} — {{ contact.name }} · {{ rep.name }}</p>"


@pytest.fixture
def office(storage: Storage, clock: FixedClock, ids: SequentialIds) -> Office:
    built = build_office(storage, clock, ids)
    crm, admin = built.crm, built.people["admin"]
    crm.opportunities.define_funnel(actor=admin.id, definition=FUNNEL)
    for company in ("m01", "a01"):
        crm.parties.add_contact(
            actor=admin.id,
            company=built.companies[company].id,
            name=f"Ali {company}",
            email=f"{company}@ex.com.tr",
        )
    built.companies["brochure"] = crm.parties.register_company(  # keeps the import of ContactInput honest
        actor=admin.id,
        name="Broşür Ltd.",
        type="customer",
        micro_region="M-01",
        contact=ContactInput(name="Ayla", email="ayla@ex.com.tr"),
    )
    return built


def _contact(office: Office, company: str) -> object:
    admin = office.people["admin"]
    return office.crm.parties.contacts(actor=admin.id, company=office.companies[company].id)[-1].id


def test_an_offer_is_recorded_when_sent_and_decided_once(office: Office) -> None:
    """I8: sending an offer records it (with its opportunity); accepted or rejected with a reason, once."""
    crm, admin, rep = office.crm, office.people["admin"], office.people["employee"]
    m01 = office.companies["m01"].id
    offer_tpl = crm.dispatch.upload_template(actor=admin.id, kind="offer", name="teklif.html", source=OFFER)
    brochure = crm.dispatch.upload_template(actor=admin.id, kind="brochure", name="b.html", source=OFFER)
    opp = crm.opportunities.open(actor=rep.id, company=m01, title="Sabun")
    first = crm.dispatch.send(
        actor=rep.id, template=offer_tpl.id, contact=_contact(office, "m01"), opportunity=opp.id
    )
    assert first.offer is not None
    assert (first.offer.status, first.offer.opportunity_id, first.offer.sent_by) == (
        OfferStatus.SENT,
        opp.id,
        rep.id,
    )
    assert (
        crm.dispatch.send(actor=rep.id, template=brochure.id, contact=_contact(office, "brochure")).offer
        is None
    )
    office.clock.advance(timedelta(hours=1))
    second = crm.dispatch.send(actor=rep.id, template=offer_tpl.id, contact=_contact(office, "m01")).offer
    assert second is not None
    with pytest.raises(ValidationError) as caught:  # a rejection names its reason
        crm.offers.reject(actor=rep.id, offer=first.offer.id, reason=" ")
    assert caught.value.field == "reason"
    rejected = crm.offers.reject(actor=rep.id, offer=first.offer.id, reason="Fiyat yüksek")
    assert (rejected.status, rejected.reason, rejected.decided_by) == (
        OfferStatus.REJECTED,
        "Fiyat yüksek",
        rep.id,
    )
    with pytest.raises(RuleViolation) as rule:
        crm.offers.accept(actor=rep.id, offer=first.offer.id)
    assert rule.value.rule == "I8"
    accepted = crm.offers.accept(actor=rep.id, offer=second.id)
    assert accepted.status is OfferStatus.ACCEPTED
    assert [o.id for o in crm.offers.for_company(actor=rep.id, company=m01)] == [second.id, first.offer.id]
    rows = crm.opportunities.activity(actor=admin.id).offers
    assert [(r.rep, r.given, r.accepted, r.rejected) for r in rows] == [(str(rep.id), 2, 1, 1)]
    assert rows[0].acceptance is not None and str(rows[0].acceptance) == "0.5000"


def test_bad_offers_store_nothing_and_the_policy_decides(office: Office) -> None:
    """I8 bad input and A3/A8: an opportunity of another company or on a brochure; a colleague's offer."""
    crm, admin, rep, colleague = (
        office.crm,
        office.people["admin"],
        office.people["employee"],
        office.people["colleague"],
    )
    offer_tpl = crm.dispatch.upload_template(actor=admin.id, kind="offer", name="teklif.html", source=OFFER)
    brochure = crm.dispatch.upload_template(actor=admin.id, kind="brochure", name="b.html", source=OFFER)
    elsewhere = crm.opportunities.open(actor=admin.id, company=office.companies["a01"].id, title="Ankara")
    mine = crm.opportunities.open(actor=rep.id, company=office.companies["m01"].id, title="Sabun")
    for template, opportunity in ((offer_tpl.id, elsewhere.id), (brochure.id, mine.id)):
        with pytest.raises(ValidationError) as caught:
            crm.dispatch.send(
                actor=rep.id, template=template, contact=_contact(office, "m01"), opportunity=opportunity
            )
        assert caught.value.field == "opportunity"
    assert crm.offers.for_company(actor=rep.id, company=office.companies["m01"].id) == []
    sent = crm.dispatch.send(actor=rep.id, template=offer_tpl.id, contact=_contact(office, "m01")).offer
    assert sent is not None
    with pytest.raises(PermissionDenied):
        crm.offers.accept(actor=colleague.id, offer=sent.id)
    with pytest.raises(PermissionDenied):
        crm.offers.for_company(actor=rep.id, company=office.companies["a01"].id)
    assert (
        crm.offers.for_company(actor=rep.id, company=office.companies["m01"].id)[0].status is OfferStatus.SENT
    )
