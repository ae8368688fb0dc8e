"""The same bad input gets the same answer on every back end (issue 11 item 6).

Wrong types, NUL characters, text that is not valid Unicode (MariaDB's "Incorrect string
value") and over-long text are refused in the domain with a ``ValidationError`` naming the
field — never ``AttributeError``/``TypeError`` or a driver error — and nothing is stored.
A Hypothesis test sends the same random bad inputs to every back end; each case's expected
field is fixed, so every back end must give that same class and field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmkit.domain.errors import ValidationError
from tests.profiles import examples
from tests.services.conftest import World

Call = Callable[[World, Any], object]

_texts = st.text(max_size=20)
_nul_text = st.builds(lambda a, b: f"{a}\x00{b}", _texts, _texts)
_surrogate_text = st.builds(lambda a: f"{a}\ud800", _texts)
_wrong_type = st.one_of(st.integers(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2))


def _long(minimum: int) -> st.SearchStrategy[str]:
    return st.integers(minimum + 1, minimum + 2000).map(lambda n: "Ş" * n)


def _bad_text(maximum: int) -> st.SearchStrategy[object]:
    return st.one_of(_nul_text, _surrogate_text, _long(maximum), _wrong_type)


CASES: dict[str, tuple[str, st.SearchStrategy[Any], Call]] = {
    "company name": (
        "name",
        _bad_text(300),
        lambda w, v: w.crm.parties.register_company(actor=w.admin.id, name=v, type="customer"),
    ),
    "tax number": (
        "tax_no",
        st.one_of(_nul_text, _surrogate_text, st.integers()),
        lambda w, v: w.crm.parties.register_company(actor=w.admin.id, name="Ege", type="customer", tax_no=v),
    ),
    "phone": (
        "phone",
        st.one_of(_nul_text, _surrogate_text, st.integers(), _long(1000)),
        lambda w, v: w.crm.parties.register_company(actor=w.admin.id, name="Ege", type="customer", phone=v),
    ),
    "contact of a wrong type": (
        "contact",
        _wrong_type,
        lambda w, v: w.crm.parties.register_company(actor=w.admin.id, name="Ege", type="customer", contact=v),
    ),
    "contact name": (
        "contact.name",
        _bad_text(200),
        lambda w, v: w.crm.parties.register_company(
            actor=w.admin.id, name="Ege", type="customer", contact={"name": v}
        ),
    ),
    "search text": (
        "text",
        st.one_of(_nul_text, _long(300), _wrong_type, st.none()),
        lambda w, v: w.crm.parties.search_companies(actor=w.admin.id, text=v),
    ),
    "page size": (
        "limit",
        st.one_of(st.text(max_size=3), st.floats(allow_nan=False), st.integers(max_value=-1)),
        lambda w, v: w.crm.customers.visible(actor=w.admin.id, limit=v),
    ),
    "pick-list values": (
        "values",
        st.one_of(
            st.text(min_size=1, max_size=10).filter(lambda t: "\x00" not in t), st.integers(), st.none()
        ),
        lambda w, v: w.crm.parties.set_parameters(actor=w.admin.id, name="sizes", values=v),
    ),
    "a pick-list value": (
        "values[0]",
        _bad_text(200).map(lambda v: [v]),
        lambda w, v: w.crm.parties.set_parameters(actor=w.admin.id, name="sizes", values=v),
    ),
}


_BASE: list[tuple[object, dict[str, Any]]] = []
"""The last world's base records (one world per test function, shared by its examples)."""
_WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _base(w: World) -> dict[str, Any]:
    """A company, a region and a segment the cases below write against, made once per world."""
    if not _BASE or _BASE[0][0] is not w.crm:
        a = w.crm.parties, w.admin.id
        company = a[0].register_company(
            actor=a[1], name="Taban Kimya", type="customer", contact={"name": "Ayla Demir"}
        )
        contact = a[0].contacts(actor=a[1], company=company.id)[0]
        region = w.crm.territory.add_region(actor=a[1], name="Taban Bölge")
        segment = w.crm.marketing.save_segment(actor=a[1], name="İzmir", filter={"city": ["İzmir"]})
        made = {"company": company.id, "contact": contact.id, "region": region.id, "segment": segment.id}
        _BASE[:] = [(w.crm, made)]
    return _BASE[0][1]


def _interaction(w: World, **given: Any) -> object:
    fields = {"channel": "phone", "category": "Ziyaret", "subject": "Fiyat", **given}
    return w.crm.interactions.create(actor=w.admin.id, company=_base(w)["company"], **fields)


def _campaign(w: World, **given: Any) -> object:
    fields = {"name": "Kış", "channel": "email", "body": "Merhaba", "subject": "Duyuru", **given}
    return w.crm.marketing.send_campaign(actor=w.admin.id, segment=_base(w)["segment"], **fields)


# Interaction, agenda, marketing, territory and template texts (issue 11 item 6, the rest).
CASES.update(
    {
        "interaction subject": ("subject", _bad_text(500), lambda w, v: _interaction(w, subject=v)),
        "interaction text": (
            "text",
            st.one_of(_nul_text, _surrogate_text, _long(16_000), _wrong_type),
            lambda w, v: _interaction(w, text=v),
        ),
        "appointment description": (
            "description",
            _bad_text(1000),
            lambda w, v: w.crm.agenda.create_appointment(
                actor=w.admin.id, company=_base(w)["company"], starts_at=_WHEN, minutes=30, description=v
            ),
        ),
        "reminder text": (
            "text",
            _bad_text(1000),
            lambda w, v: w.crm.agenda.add_reminder(actor=w.admin.id, due_at=_WHEN, text=v),
        ),
        "segment name": (
            "name",
            _bad_text(200),
            lambda w, v: w.crm.marketing.save_segment(actor=w.admin.id, name=v, filter={"city": ["Ege"]}),
        ),
        "segment filter": (
            "filter",
            st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)),
            lambda w, v: w.crm.marketing.save_segment(actor=w.admin.id, name="Ege", filter=v),
        ),
        "segment filter value": (
            "values",
            st.one_of(_bad_text(200).map(lambda v: [v]), st.integers(), st.none()),
            lambda w, v: w.crm.marketing.save_segment(actor=w.admin.id, name="Ege", filter={"city": v}),
        ),
        "meeting note text": (
            "text",
            st.one_of(_nul_text, _surrogate_text, _long(4000), _wrong_type),
            lambda w, v: w.crm.meetings.record(
                actor=w.admin.id,
                company=_base(w)["company"],
                contact=_base(w)["contact"],
                held_at=_WHEN,
                outcome="informed",
                text=v,
            ),
        ),
        "campaign name": ("name", _bad_text(200), lambda w, v: _campaign(w, name=v)),
        "campaign body": (
            "body",
            st.one_of(_nul_text, _surrogate_text, _long(16_000), _wrong_type),
            lambda w, v: _campaign(w, body=v),
        ),
        "campaign subject": ("subject", _bad_text(500), lambda w, v: _campaign(w, subject=v)),
        "region name": (
            "name",
            _bad_text(200),
            lambda w, v: w.crm.territory.add_region(actor=w.admin.id, name=v),
        ),
        "region notes": (
            "notes",
            _bad_text(1000),
            lambda w, v: w.crm.territory.add_region(actor=w.admin.id, name="Ege", notes=v),
        ),
        "team name": (
            "name",
            _bad_text(200),
            lambda w, v: w.crm.territory.add_team(actor=w.admin.id, name=v, region=_base(w)["region"]),
        ),
        "team focus": (
            "focus",
            _bad_text(200),
            lambda w, v: w.crm.territory.add_team(
                actor=w.admin.id, name="Ege", region=_base(w)["region"], specialisation="product", focus=v
            ),
        ),
        "template source": (
            "template",
            st.one_of(_nul_text, _surrogate_text, _wrong_type),
            lambda w, v: w.crm.dispatch.upload_template(
                actor=w.admin.id, kind="offer", name="Teklif", source=v
            ),
        ),
        "template name": (
            "name",
            _bad_text(255),
            lambda w, v: w.crm.dispatch.upload_template(
                actor=w.admin.id, kind="offer", name=v, source="Merhaba"
            ),
        ),
    }
)


def _stored(w: World) -> tuple[int, ...]:
    with w.crm.storage.unit_of_work() as uow:
        counts: tuple[int, ...] = (uow.companies.count(), uow.contacts.count(), len(uow.picklists.all()))
        counts += (uow.interactions.count(), uow.appointments.count(), uow.reminders.count())
        counts += (uow.regions.count(), uow.teams.count(), len(uow.marketing.segments()))
        notes = uow.meeting_notes.with_participants([w.admin.id], _FAR.replace(year=2000), _FAR)
        counts += (len(notes),)
    templates = len(w.crm.dispatch.templates(actor=w.admin.id, kind="offer"))
    return (*counts, templates)


@pytest.mark.parametrize("case", sorted(CASES))
@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_same_bad_input_gets_the_same_validation_error_on_every_back_end(
    world: World, case: str, data: st.DataObject
) -> None:
    """Every case, every back end: the same class and field, nothing stored."""
    field, values, call = CASES[case]
    value = data.draw(values, label="value")
    _base(world)
    before = _stored(world)
    with pytest.raises(ValidationError) as info:
        call(world, value)
    assert info.value.field == field, (case, info.value)
    assert _stored(world) == before


@pytest.mark.parametrize("text", ["x" * 10_000_000, "Kadıköy\x00", "\ud800"])
def test_a_huge_or_nul_search_text_is_a_validation_error_not_a_driver_error(world: World, text: str) -> None:
    with pytest.raises(ValidationError) as info:
        world.crm.customers.visible(actor=world.admin.id, text=text)
    assert info.value.field == "text"
    assert "SELECT" not in str(info.value)


def test_a_contact_given_as_a_mapping_is_read_and_unknown_keys_are_named(world: World) -> None:
    p, a = world.crm.parties, world.admin.id
    company = p.register_company(actor=a, name="Ege", type="customer", contact={"name": "Ayla Demir"})
    assert [c.name for c in p.contacts(actor=a, company=company.id)] == ["Ayla Demir"]
    with pytest.raises(ValidationError) as info:
        p.register_company(actor=a, name="Bir", type="customer", contact={"name": "X", "age": "3"})
    assert info.value.field == "contact.age"
