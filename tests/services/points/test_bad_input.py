"""Careless callers of ``crm.points``: bad input is a ValidationError naming the field, nothing stored.

House rule (SPEC §7 V8 statements and ledger, §3 A8, C12): a wrong type, ``None``, a NUL
character or an out-of-range date is refused with a ValidationError naming the argument,
the same on every back end, and nothing reaches the ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.points import Program

from .conftest import BUYER, World

DAY = date(2026, 3, 2)


def _call(world: World, name: str, **kwargs: Any) -> Any:
    base = {"actor": world.admin.id, "program": "P", "role": "customer", "party": BUYER}
    return getattr(world.crm.points, name)(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("adjust", {"points": 5, "reason": "x", "on": datetime(2026, 3, 2)}, "on"),
        ("adjust", {"points": 5, "reason": "x", "on": "2026-03-02"}, "on"),
        ("adjust", {"points": 5, "reason": "x", "on": None}, "on"),
        ("adjust", {"points": 5, "reason": "x", "on": date.min}, "on"),
        ("redeem", {"points": 1, "on": "2026-03-02"}, "on"),
        ("spendable", {"on": None}, "on"),
        ("statement", {"start": "2026-01-01", "end": DAY}, "start"),
        ("statement", {"start": date.min, "end": DAY}, "start"),
        ("statement", {"start": date(2026, 1, 1), "end": None}, "end"),
        ("statement_page", {"start": date.min, "end": DAY}, "start"),
        ("statement_page", {"start": datetime(2026, 1, 1), "end": DAY}, "start"),
    ],
)
def test_a_day_argument_must_be_a_date(world: World, name: str, kwargs: dict[str, Any], field: str) -> None:
    """V8: business days are dates; a datetime, text, None or a day no back end stores is refused."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        _call(world, name, **kwargs)
    assert caught.value.field == field
    assert world.balance() == 0  # nothing stored, and the ledger still reads
    assert _call(world, "statement", start=date(2026, 1, 1), end=DAY).entries == ()


@pytest.mark.parametrize("name", ["expire", "review_tiers"])
def test_the_jobs_take_a_date(world: World, name: str) -> None:
    """V8: the expiry and tier jobs refuse a day that is not a date, naming ``on``."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        getattr(world.crm.points, name)(on="2026-01-01")
    assert caught.value.field == "on"


@pytest.mark.parametrize("party", [None, 12, "", "4" * 5000, "47\x00", "\ud800"])
def test_a_bad_party_key_names_party_not_role(world: World, party: object) -> None:
    """A8/V4: the party's key is checked as ``party``; a good role is not blamed, nothing stored."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        _call(world, "adjust", party=party, points=5, reason="x", on=DAY)
    assert caught.value.field == "party"
    assert world.balance() == 0


@pytest.mark.parametrize("code", ["P\x00", "P\ud800"])
def test_a_program_code_every_back_end_stores(code: str) -> None:
    """V3: a NUL or a lone surrogate in a code is refused as ``code`` before any back end sees it."""
    with pytest.raises(ValidationError) as caught:
        Program(code=code, name="x")
    assert caught.value.field == "code"


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("adjust", {"points": "5", "reason": "x", "on": DAY}, "points"),
        ("adjust", {"points": 5, "reason": None, "on": DAY}, "reason"),
        ("adjust", {"points": 5, "reason": "a\x00b", "on": DAY}, "reason"),
        ("adjust", {"points": 5, "reason": "a" * 100_000, "on": DAY}, "reason"),
        ("redeem", {"points": 1, "on": DAY, "reason": None}, "reason"),
        ("redeem", {"points": 1, "on": DAY, "store": 5}, "store"),
        ("statement_page", {"start": DAY, "end": DAY, "after": 5}, "after"),
    ],
)
def test_text_and_numbers_are_checked(world: World, name: str, kwargs: dict[str, Any], field: str) -> None:
    """C12/V8: a reason, a store, points or a cursor of the wrong type, with NUL or too long, is refused."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        _call(world, name, **kwargs)
    assert caught.value.field == field
    assert world.balance() == 0


@pytest.mark.parametrize("phone", [None, 905321234567, "+٩٠٥٣٢١٢٣٤٥٦٧", "+90\x00532"])
def test_a_phone_must_be_e164_text(world: World, phone: Any) -> None:
    """V5: a registered phone is E.164 text in ASCII digits; anything else names ``phone``."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        world.crm.points.register_phone(
            actor=world.admin.id, phone=phone, program="P", role="customer", party=BUYER
        )
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("define_program", {"program": None}, "program"),
        ("define_program", {"program": {"code": "X"}}, "program"),
        ("add_products", {"products": None}, "products"),
        ("add_products", {"products": [None]}, "products"),
        ("add_rules", {"rules": [None]}, "rules"),
        ("add_rules", {"rules": "P"}, "rules"),
        ("add_campaign", {"campaign": None}, "campaign"),
        ("issue_serials", {"serials": None}, "serials"),
        ("issue_serials", {"serials": [None]}, "serials"),
        ("set_tiers", {"program": "P", "tiers": None}, "tiers"),
    ],
)
def test_configuration_objects_are_checked(
    world: World, name: str, kwargs: dict[str, Any], field: str
) -> None:
    """V3/V7/V8: configuring with None or a plain dict names the argument, no AttributeError."""
    world.setup()
    with pytest.raises(ValidationError) as caught:
        getattr(world.crm.points, name)(actor=world.admin.id, **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize("name", ["balance", "spendable", "statement", "statement_page", "tier_changes"])
@pytest.mark.parametrize("program", ["NOPE", None])
def test_reading_an_unknown_program_names_program(world: World, name: str, program: object) -> None:
    """V4/V8: a misspelt program is a ValidationError on ``program``, not a balance of 0."""
    world.setup()
    extra: dict[str, Any] = {
        "spendable": {"on": DAY},
        "statement": {"start": DAY, "end": DAY},
        "statement_page": {"start": DAY, "end": DAY},
    }.get(name, {})
    with pytest.raises(ValidationError) as caught:
        _call(world, name, program=program, **extra)
    assert caught.value.field == "program"
