"""Points by SMS both ways: balance SMS after a credit, PUAN, serial credits, rate limit (V5–V7, M3)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

import pytest

from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import MessageKind
from crmkit.domain.points import Role, Serial
from crmkit.ports.messaging import InboundSms
from tests.services.points.conftest import BUYER, World
from tests.services.points.race import text_serial

PHONE = "+905321234567"
STRANGER = "+905559998877"


def _enable(world: World, **kw: object) -> None:
    world.setup()
    world.crm.points.register_phone(
        actor=world.admin.id, phone=PHONE, program="P", role="customer", party=BUYER
    )
    world.crm.points.issue_serials(
        actor=world.admin.id, serials=[Serial(serial="KB-240001", program="P", product="K-24")]
    )
    world.crm.points.enable_sms(world.crm.inbound, **kw)  # type: ignore[arg-type]  # test passes limit/keyword


def _say(world: World, text: str, sender: str = PHONE, n: list[int] = [0]) -> str | None:  # noqa: B006
    n[0] += 1
    result = world.crm.inbound.receive(InboundSms(sender=sender, text=text, provider_id=f"in-{n[0]}"))
    return None if result.reply is None else result.reply.body


def test_v5_a_credit_queues_an_informational_balance_sms(world: World) -> None:
    """After an invoice credits the customer, his registered number gets the new balance (V5, M3)."""
    _enable(world)
    sale = world.sale("A1", 3)
    world.imported(sale)
    with world.crm.storage.unit_of_work() as uow:
        message = uow.outbox.by_key(f"points:P:{sale.id}:customer")
    assert message is not None and message.recipient == PHONE
    assert (
        message.kind is MessageKind.INFORMATIONAL and "30 puan kazandiniz. Bakiyeniz 30 puan" in message.body
    )


@pytest.mark.parametrize("text", ["puan", "Puan", "PUAN", " puan lütfen"])
def test_v6_the_keyword_answers_the_balance_the_turkish_way(world: World, text: str) -> None:
    """PUAN in any case gets the balance and what is spendable today (V6)."""
    _enable(world)
    world.imported(world.sale("A1", 3))
    assert _say(world, text) == "Isı puan bakiyeniz: 30. Bugun harcanabilir: 0."  # 1 January: earned 2 March
    world.clock.advance(timedelta(days=60))
    assert _say(world, text + " ") == "Isı puan bakiyeniz: 30. Bugun harcanabilir: 30."


def test_v6_an_unregistered_number_is_told_so_never_a_balance(world: World) -> None:
    """A number registered to no party gets "not registered" for the keyword and for a serial (V6, V7)."""
    _enable(world)
    world.imported(world.sale("A1", 3))
    assert "kayitli degil" in (_say(world, "PUAN", STRANGER) or "")
    assert "kayitli degil" in (_say(world, "KB-240001", STRANGER) or "")
    assert "30" not in (_say(world, "PUAN", STRANGER) or "")
    assert world.balance() == 30


def test_v6_the_keyword_is_configurable(world: World) -> None:
    """Another keyword replaces PUAN; one routed by someone else is refused, naming the field (V6)."""
    _enable(world, keyword="Bakiye")
    assert (_say(world, "BAKİYE") or "").startswith("Isı puan bakiyeniz: 0")
    assert world.crm.inbound.keywords() == ["BAKIYE"]  # the default PUAN route was replaced
    assert "Bilinmeyen komut" in (_say(world, "PUAN") or "")
    world.crm.inbound.register("KAMPANYA", lambda uow, inbound: "yok")
    with pytest.raises(ValidationError) as taken:
        world.crm.points.enable_sms(world.crm.inbound, keyword="kampanya")
    assert taken.value.field == "keyword"
    assert (_say(world, "bakiye") or "").startswith("Isı puan bakiyeniz")  # the refusal changed nothing


@pytest.mark.parametrize("text", ["puan", "Puan", "PUAN"])
def test_v6_puan_is_answered_with_no_call_from_the_host(world: World, text: str) -> None:
    """crmkit.connect routes PUAN (Turkish case rules) and serials to crm.points: no enable_sms (V6, V7)."""
    world.setup()
    world.crm.points.register_phone(
        actor=world.admin.id, phone=PHONE, program="P", role="customer", party=BUYER
    )
    world.imported(world.sale("A1", 3))
    assert _say(world, text) == "Isı puan bakiyeniz: 30. Bugun harcanabilir: 0."
    assert "kayitli bir seri numarasi degil" in (_say(world, "ZZ-999999") or "")


def test_v6_the_host_can_turn_point_sms_off(world: World) -> None:
    """disable_sms(): PUAN and serials are no longer answered by crm.points; enable_sms() brings them back."""
    _enable(world)
    world.crm.points.disable_sms()
    assert world.crm.inbound.keywords() == [] and world.crm.points.sms is None
    assert "Bilinmeyen komut" in (_say(world, "PUAN") or "")
    assert "Bilinmeyen komut" in (_say(world, "KB-240001") or "") and world.balance() == 0
    world.crm.points.enable_sms(world.crm.inbound)
    assert (_say(world, "puan") or "").startswith("Isı puan bakiyeniz: 0")


def test_v7_a_serial_credits_once_and_is_marked_used(world: World) -> None:
    """A valid unused serial credits 10 points (the category rule) and is then used (V7)."""
    _enable(world)
    assert _say(world, "kb-240001") == "KB-240001: 10 puan yuklendi. Isı bakiyeniz: 10."
    assert "daha once kullanilmis" in (_say(world, "KB-240001") or "")
    assert world.balance() == 10
    with world.crm.storage.unit_of_work() as uow:
        serial = uow.points.serial("KB-240001")
    assert serial is not None and serial.used_by == BUYER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ZZ-999999", "kayitli bir seri numarasi degil"),
        ("12", "bir seri numarasi degil"),
        ("merhaba", "Bilinmeyen komut"),
    ],
)
def test_v7_unknown_and_malformed_serials_get_a_polite_reply_and_nothing(
    world: World, text: str, expected: str
) -> None:
    """Unknown or malformed serials, or plain text: a polite reply, no points (V7)."""
    _enable(world)
    assert expected in (_say(world, text) or "")
    assert world.balance() == 0


def test_replies_are_rate_limited_per_number(world: World) -> None:
    """Two replies per hour: the third query gets none; an hour later it is answered again."""
    _enable(world, limit=2)
    assert _say(world, "PUAN") and _say(world, "PUAN")
    assert _say(world, "PUAN") is None
    assert _say(world, "PUAN", STRANGER) is not None  # per number
    world.clock.advance(timedelta(hours=1, seconds=1))
    assert _say(world, "PUAN") is not None


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_v7_two_processes_texting_one_serial_at_once_credit_once(world: World, kind: str) -> None:
    """Two processes receive the same serial from two registered numbers at once: one credit (V7)."""
    url = world.crm.storage.url
    if not url.startswith({"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb")}[kind]):
        pytest.skip(f"runs on the {kind} storage only")
    _enable(world)
    world.crm.points.register_phone(
        actor=world.admin.id, phone=STRANGER, program="P", role="dealer", party="S-1"
    )
    serials = [Serial(serial=f"RACE-{n:05d}", program="P", product="K-24") for n in range(4)]
    world.crm.points.issue_serials(actor=world.admin.id, serials=serials)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        for n, serial in enumerate(serials):
            barrier = manager.Barrier(2)
            futures = [
                pool.submit(text_serial, url, phone, serial.serial, f"race-{n}-{phone}", barrier)
                for phone in (PHONE, STRANGER)
            ]
            replies = sorted(f.result(timeout=120) for f in futures)
            assert sum("yuklendi" in r for r in replies) == 1, replies
            assert sum("kullanilmis" in r for r in replies) == 1, replies
    customer, dealer = world.balance(), world.balance(Role.DEALER, "S-1")
    with world.crm.storage.unit_of_work() as uow:
        used = [uow.points.serial(s.serial) for s in serials]
    assert all(s is not None and s.used_by in (BUYER, "S-1") for s in used)
    # a customer earns 10 per serial (category rule), a dealer 2 (product rule)
    credited_by_customer = sum(1 for s in used if s is not None and s.used_by == BUYER)
    assert customer == 10 * credited_by_customer and dealer == 2 * (4 - credited_by_customer)
