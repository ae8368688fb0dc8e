"""The console and file messaging adapters: what they print, record and write."""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path

import pytest

from crmkit.adapters.console import (
    ConsoleEmailSender,
    ConsoleSmsGateway,
    FileEmailSender,
    FileSmsGateway,
    SentEmail,
    SentSms,
)
from crmkit.domain.errors import ValidationError
from crmkit.domain.settings import Settings
from crmkit.domain.sms import SmsParts
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.messaging import Attachment, EmailMessage, EmailSender, SmsGateway, SmsMessage
from crmkit.testing import FixedClock, SequentialIds

FIRST_ID = "00000000-0000-4000-8000-000000000001"
SECOND_ID = "00000000-0000-4000-8000-000000000002"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def context(clock: FixedClock) -> AdapterContext:
    return AdapterContext(clock, SequentialIds(), Settings())


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False))


def test_console_sms_prints_one_line_with_the_part_count_and_records_it(clock: FixedClock) -> None:
    out = io.StringIO()
    sms = ConsoleSmsGateway(out, clock=clock, ids=SequentialIds())
    long_text = "Sayın Ayşe Hanım,\nrandevunuz yarın 10:00'da. " + "x" * 60

    first = sms.send(SmsMessage("+905321234567", "Puan: 120", key="points-1"))
    second = sms.send(SmsMessage("+905321234568", long_text))

    assert (first, second) == (FIRST_ID, SECOND_ID)
    assert out.getvalue().splitlines() == [
        f"SMS {FIRST_ID} to +905321234567 [1 part, GSM-7, 9 units] key=points-1: Puan: 120",
        f"SMS {SECOND_ID} to +905321234568 [2 parts, UCS-2, 105 units]:"
        f" Sayın Ayşe Hanım,\\nrandevunuz yarın 10:00'da. {'x' * 60}",
    ]
    assert sms.sent == [
        SentSms(
            FIRST_ID,
            SmsMessage("+905321234567", "Puan: 120", key="points-1"),
            SmsParts("GSM-7", 9, 1),
            clock.now(),
        ),
        SentSms(SECOND_ID, SmsMessage("+905321234568", long_text), SmsParts("UCS-2", 105, 2), clock.now()),
    ]


def test_console_sms_records_a_message_sent_twice_twice() -> None:
    sms = ConsoleSmsGateway(io.StringIO())
    message = SmsMessage("+905321234567", "Merhaba", key="k-1")

    ids = {sms.send(message), sms.send(message)}

    assert len(ids) == 2
    assert [sent.message for sent in sms.sent] == [message, message]


def test_console_email_prints_a_summary_and_records_the_message(clock: FixedClock) -> None:
    out = io.StringIO()
    mail = ConsoleEmailSender(out, clock=clock, ids=SequentialIds())
    message = EmailMessage(
        "ayse@example.com.tr",
        "Teklifiniz hazır\r\nBcc: injected@example.com",
        "Merhaba Ayşe Hanım,\n\nteklifiniz ektedir.",
        attachments=[
            Attachment("teklif.pdf", "application/pdf", b"%PDF-1.7"),
            Attachment("şartlar.txt", "text/plain", "Şartlar".encode()),
        ],
        key="offer-7",
    )

    assert mail.send(message) == FIRST_ID
    assert out.getvalue() == (
        f"E-mail {FIRST_ID} to ayse@example.com.tr [40 chars, 2 attachments] key=offer-7:"
        " Teklifiniz hazır\\r\\nBcc: injected@example.com\n"
    )
    assert mail.sent == [SentEmail(FIRST_ID, message, clock.now())]


def test_console_adapters_print_to_stdout_at_send_time_by_default(
    plugins: Plugins, context: AdapterContext, capsys: pytest.CaptureFixture[str]
) -> None:
    sms = plugins.build("sms", "console://", context)
    mail = plugins.build("email", "console://stdout", context)

    sms.send(SmsMessage("+905321234567", "Merhaba"))
    mail.send(EmailMessage("ayse@example.com.tr", "Merhaba", "Selam"))

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"SMS {FIRST_ID} to +905321234567 [1 part, GSM-7, 7 units]: Merhaba",
        f"E-mail {SECOND_ID} to ayse@example.com.tr [5 chars, 0 attachments]: Merhaba",
    ]
    assert err == ""


def test_console_stderr_url(
    plugins: Plugins, context: AdapterContext, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins.build("sms", "console://stderr", context).send(SmsMessage("+905321234567", "Merhaba"))
    plugins.build("email", "CONSOLE://STDERR", context).send(EmailMessage("a@example.com", "Konu", ""))

    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 2


def test_the_console_adapters_implement_the_ports(
    plugins: Plugins, context: AdapterContext, tmp_path: Path
) -> None:
    assert isinstance(plugins.build("sms", "console://", context), ConsoleSmsGateway)
    assert isinstance(plugins.build("email", "console://", context), ConsoleEmailSender)
    assert isinstance(plugins.build("sms", f"file://{tmp_path}/sms.jsonl", context), FileSmsGateway)
    assert isinstance(plugins.build("email", f"file://{tmp_path}/mail.jsonl", context), FileEmailSender)
    for adapter in (ConsoleSmsGateway(), FileSmsGateway(tmp_path / "x.jsonl")):
        assert isinstance(adapter, SmsGateway)
    for sender in (ConsoleEmailSender(), FileEmailSender(tmp_path / "y.jsonl")):
        assert isinstance(sender, EmailSender)


@pytest.mark.parametrize("url", ["console://printer", "console://stdout/more", "console://?color=1"])
def test_a_console_url_with_anything_else_is_refused(
    plugins: Plugins, context: AdapterContext, url: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        plugins.build("sms", url, context)
    assert caught.value.field == "sms"
    with pytest.raises(ValidationError) as caught:
        plugins.build("email", url, context)
    assert caught.value.field == "email"


def test_file_sms_appends_json_lines_with_parts(
    plugins: Plugins, context: AdapterContext, tmp_path: Path
) -> None:
    path = tmp_path / "out" / "sms.jsonl"  # the folder is created on first send
    sms = plugins.build("sms", f"file://{path}", context)

    sms.send(SmsMessage("+905321234567", "Şişli şubesi: yarın 10:00", key="k-1"))
    sms.send(SmsMessage("+905321234568", "Merhaba"))

    lines = path.read_text(encoding="utf-8").splitlines()
    assert "Şişli" in lines[0]  # readable UTF-8, not \u escapes
    assert [json.loads(line) for line in lines] == [
        {
            "id": FIRST_ID,
            "at": "2026-01-01T09:00:00+00:00",
            "to": "+905321234567",
            "text": "Şişli şubesi: yarın 10:00",
            "key": "k-1",
            "encoding": "UCS-2",
            "units": 25,
            "parts": 1,
        },
        {
            "id": SECOND_ID,
            "at": "2026-01-01T09:00:00+00:00",
            "to": "+905321234568",
            "text": "Merhaba",
            "key": None,
            "encoding": "GSM-7",
            "units": 7,
            "parts": 1,
        },
    ]


def test_file_email_keeps_attachment_bytes(plugins: Plugins, context: AdapterContext, tmp_path: Path) -> None:
    path = tmp_path / "mail.jsonl"
    mail = plugins.build("email", f"file://localhost{path}", context)
    pdf = bytes(range(256))

    mail.send(
        EmailMessage(
            "ayse@example.com.tr", "Teklif", "Ekte.", [Attachment("teklif.pdf", "application/pdf", pdf)]
        )
    )

    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert record["subject"] == "Teklif"
    assert record["body"] == "Ekte."
    (attachment,) = record["attachments"]
    assert (attachment["filename"], attachment["media_type"], attachment["size"]) == (
        "teklif.pdf",
        "application/pdf",
        256,
    )
    assert base64.b64decode(attachment["content_base64"]) == pdf


def test_file_url_paths_are_unquoted(plugins: Plugins, context: AdapterContext, tmp_path: Path) -> None:
    sms = plugins.build("sms", f"file://{tmp_path}/sms%20log.jsonl", context)
    assert isinstance(sms, FileSmsGateway)
    assert sms.path == tmp_path / "sms log.jsonl"


@pytest.mark.parametrize("url", ["file://relative.jsonl", "file://", "file:///var/tmp/"])
def test_a_file_url_without_an_absolute_file_path_is_refused(
    plugins: Plugins, context: AdapterContext, url: str
) -> None:
    with pytest.raises(ValidationError, match="absolute file path") as caught:
        plugins.build("sms", url, context)
    assert caught.value.field == "sms"


def test_concurrent_sends_write_whole_lines(tmp_path: Path) -> None:
    sms = FileSmsGateway(tmp_path / "sms.jsonl", clock=FixedClock(), ids=SequentialIds())

    def send_many(worker: int) -> None:
        for i in range(50):
            sms.send(SmsMessage("+905321234567", f"{worker}-{i} " + "ğ" * 200))

    threads = [threading.Thread(target=send_many, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = [json.loads(line) for line in sms.path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 400
    assert len({record["id"] for record in records}) == 400
    assert {record["parts"] for record in records} == {4}
