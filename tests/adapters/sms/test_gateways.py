"""Netgsm, İleti Merkezi and Twilio against local emulations of their HTTP APIs (issue 6 item 3).

Every gateway passes :class:`SmsGatewayContract` (bound in ``tests/contracts/test_messaging.py``);
the provider-specific tests here check the request format, the İYS fields (M3), error-code classification
(temporary vs permanent) and that credentials never leak into errors or reprs.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import quote, urlencode

import pytest
from pytest_httpserver import HTTPServer

from crmkit.adapters.sms.iletimerkezi import IletiMerkeziGateway
from crmkit.adapters.sms.netgsm import NetgsmGateway
from crmkit.adapters.sms.twilio import TwilioGateway, twilio_signature
from crmkit.domain.errors import ValidationError
from crmkit.domain.messaging import DeliveryFailed, MessageKind
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager
from crmkit.ports.messaging import DeliveryReport, DeliveryStatus, InboundSms, SmsMessage
from crmkit.testing import FixedClock, SequentialIds
from tests.services.messaging.emulators import IletiMerkeziEmulator, NetgsmEmulator, TwilioEmulator

SECRET = "s3cr3t-Ş%pw"
TO = "+905321234567"


def netgsm(server: HTTPServer, **options: str) -> tuple[NetgsmGateway, NetgsmEmulator]:
    emulator = NetgsmEmulator(server, "8503001122", SECRET).install()
    query = urlencode({"sender": "CRMKIT", "base_url": emulator.base_url, "timeout": "5", **options})
    return NetgsmGateway.from_url(f"netgsm://8503001122:{quote(SECRET, safe='')}@?{query}"), emulator


def ileti(server: HTTPServer, **options: str) -> tuple[IletiMerkeziGateway, IletiMerkeziEmulator]:
    emulator = IletiMerkeziEmulator(server, "apikey123", SECRET).install()
    query = urlencode({"sender": "APITEST", "base_url": emulator.base_url, **options})
    url = f"iletimerkezi://apikey123:{quote(SECRET, safe='')}@?{query}"
    return IletiMerkeziGateway.from_url(url), emulator


SID = "AC" + "0" * 32


def twilio(server: HTTPServer, **options: str) -> tuple[TwilioGateway, TwilioEmulator]:
    emulator = TwilioEmulator(server, SID, SECRET).install()
    query = urlencode({"from": "+15005550006", "base_url": emulator.base_url, **options})
    return TwilioGateway.from_url(f"twilio://{SID}:{quote(SECRET, safe='')}@?{query}"), emulator


# -- Netgsm -------------------------------------------------------------------------------
def test_netgsm_request_format_and_iys_fields(httpserver: HTTPServer) -> None:
    """Item 3 + M3: JSON body, digits-only number, TR encoding for UCS-2, iysfilter 0/11/12."""
    gateway, emulator = netgsm(httpserver)
    jobid = gateway.send(SmsMessage(TO, "Merhaba"))
    gateway.send(SmsMessage(TO, "Kampanya şubat", kind=MessageKind.COMMERCIAL))
    gateway.send(SmsMessage(TO, "Bayi kampanyası", kind=MessageKind.COMMERCIAL, recipient_type="TACIR"))
    bodies = [s.body for s in emulator.sent]
    assert jobid == emulator.sent[0].id
    assert bodies[0] == {
        "msgheader": "CRMKIT",
        "messages": [{"msg": "Merhaba", "no": "905321234567"}],
        "iysfilter": "0",
    }
    assert bodies[1]["encoding"] == "TR" and bodies[1]["iysfilter"] == "11"
    assert bodies[2]["iysfilter"] == "12"
    assert emulator.requests[0].authorization is not None


def test_netgsm_encoding_option_forces_tr(httpserver: HTTPServer) -> None:
    """Item 3: the uncertain encoding detail is configurable (encoding=TR|none|auto)."""
    gateway, emulator = netgsm(httpserver, encoding="TR")
    gateway.send(SmsMessage(TO, "Merhaba"))
    assert emulator.sent[0].body["encoding"] == "TR"


@pytest.mark.parametrize(
    ("code", "status", "permanent"),
    [
        ("20", 200, True),
        ("40", 200, True),
        ("50", 200, True),
        ("51", 200, True),
        ("70", 200, True),
        ("30", 406, False),
        ("80", 200, False),
        ("85", 200, False),
        ("100", 500, False),
        ("110", 200, False),
    ],
)
def test_netgsm_error_codes_are_classified(
    httpserver: HTTPServer, code: str, status: int, permanent: bool
) -> None:
    """Item 3: each Netgsm error code is a temporary or a permanent failure."""
    gateway, emulator = netgsm(httpserver)
    emulator.fail_next.append((code, status))
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert raised.value.code == code
    assert raised.value.permanent is permanent
    assert raised.value.provider == "netgsm"


def test_netgsm_codes_are_overridable_from_the_url(httpserver: HTTPServer) -> None:
    """Item 3: where the classification is uncertain the URL can change it."""
    gateway, emulator = netgsm(httpserver, permanent="30", temporary="40")
    emulator.fail_next += [("30", 406), ("40", 200)]
    with pytest.raises(DeliveryFailed) as first:
        gateway.send(SmsMessage(TO, "x"))
    with pytest.raises(DeliveryFailed) as second:
        gateway.send(SmsMessage(TO, "x"))
    assert first.value.permanent and not second.value.permanent


def test_netgsm_wrong_password_is_a_temporary_failure_without_the_secret(httpserver: HTTPServer) -> None:
    """Item 3: credentials never appear in errors or reprs."""
    emulator = NetgsmEmulator(httpserver, "8503001122", "right").install()
    url = f"netgsm://8503001122:{quote(SECRET, safe='')}@?sender=CRMKIT&base_url={emulator.base_url}"
    gateway = NetgsmGateway.from_url(url)
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert raised.value.code == "30" and not raised.value.permanent
    for text in (str(raised.value), repr(gateway), repr(gateway.config)):
        assert SECRET not in text and quote(SECRET, safe="") not in text


def test_netgsm_delivery_report_callback(httpserver: HTTPServer) -> None:
    """Item 3: a pushed report with Netgsm's codes (0 pending, 1 delivered, 2 expired, others failed)."""
    gateway, _ = netgsm(httpserver)
    body = json.dumps(
        [
            {"jobid": "17", "status": "1", "telno": "905321234567"},
            {"jobid": "18", "status": 0},
            {"jobid": "19", "status": "16"},
            {"jobid": "20", "status": "2"},
        ]
    ).encode()
    items = gateway.parse_callback(body, {})
    assert [(i.provider_id, i.status, i.raw_status) for i in items if isinstance(i, DeliveryReport)] == [
        ("17", DeliveryStatus.DELIVERED, "1"),
        ("18", DeliveryStatus.PENDING, "0"),
        ("19", DeliveryStatus.FAILED, "16"),
        ("20", DeliveryStatus.EXPIRED, "2"),
    ]
    assert isinstance(items[0], DeliveryReport) and items[0].recipient == TO


# -- İleti Merkezi ------------------------------------------------------------------------
def test_iletimerkezi_request_format_spells_receipents(httpserver: HTTPServer) -> None:
    """Item 3 + M3: the literal 'receipents' key, national numbers, iys/iysList for commercial SMS."""
    gateway, emulator = ileti(httpserver)
    order_id = gateway.send(SmsMessage(TO, "Randevu hatırlatma"))
    gateway.send(SmsMessage(TO, "Kampanya", kind=MessageKind.COMMERCIAL, recipient_type="TACIR"))
    first, second = (s.body["request"] for s in emulator.sent)
    assert order_id == emulator.sent[0].id
    assert first["authentication"] == {"key": "apikey123", "hash": SECRET}
    assert first["order"]["message"] == {
        "text": "Randevu hatırlatma",
        "receipents": {"number": ["5321234567"]},
    }
    assert first["order"]["iys"] == "0" and "iysList" not in first["order"]
    assert second["order"]["iys"] == "1" and second["order"]["iysList"] == "TACIR"


def test_iletimerkezi_international_numbers_option(httpserver: HTTPServer) -> None:
    gateway, emulator = ileti(httpserver, numbers="international")
    gateway.send(SmsMessage(TO, "x"))
    assert emulator.sent[0].to == "905321234567"


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("401", False),
        ("402", False),
        ("450", True),
        ("451", True),
        ("452", True),
        ("453", True),
        ("454", True),
        ("457", True),
        ("503", False),
    ],
)
def test_iletimerkezi_error_codes_are_classified(httpserver: HTTPServer, code: str, permanent: bool) -> None:
    """Item 3: İleti Merkezi's status codes (mirrored in the HTTP status) map to temporary/permanent."""
    gateway, emulator = ileti(httpserver)
    emulator.fail_next.append((code, int(code)))
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert (raised.value.code, raised.value.permanent) == (code, permanent)


def test_iletimerkezi_report_and_webhook(httpserver: HTTPServer) -> None:
    gateway, _ = ileti(httpserver)
    order_id = gateway.send(SmsMessage(TO, "x"))
    report = gateway.status(order_id)
    assert (report.status, report.raw_status, report.recipient) == (DeliveryStatus.DELIVERED, "111", TO)
    hook = json.dumps({"report": {"id": order_id, "packet_id": "1", "status": "112", "to": "905321234567"}})
    (item,) = gateway.parse_callback(hook.encode(), {})
    assert isinstance(item, DeliveryReport) and item.status is DeliveryStatus.FAILED


# -- Twilio -------------------------------------------------------------------------------
def test_twilio_form_request_and_basic_auth(httpserver: HTTPServer) -> None:
    """Item 3: form-encoded To/From/Body/StatusCallback with Basic auth by account SID."""
    gateway, emulator = twilio(httpserver, status_callback="https://crm.example.com/sms/status")
    sid = gateway.send(SmsMessage(TO, "Puanınız 120"))
    assert sid.startswith("SM") and len(sid) == 34
    assert emulator.sent[0].body == {
        "To": TO,
        "From": "+15005550006",
        "Body": "Puanınız 120",
        "StatusCallback": "https://crm.example.com/sms/status",
    }


def test_twilio_messaging_service_instead_of_from(httpserver: HTTPServer) -> None:
    emulator = TwilioEmulator(httpserver, SID, SECRET).install()
    gateway = TwilioGateway.from_url(
        f"twilio://{SID}:tok@?messaging_service=MG123&base_url={emulator.base_url}"
    )
    emulator.password = "tok"
    gateway.send(SmsMessage(TO, "x"))
    assert emulator.sent[0].body["MessagingServiceSid"] == "MG123"


@pytest.mark.parametrize(
    ("code", "status", "permanent"),
    [
        ("21211", 400, True),
        ("21610", 400, True),
        ("21614", 400, True),
        ("21408", 400, True),
        ("20429", 429, False),
        ("20003", 401, False),
        ("20500", 500, False),
        ("21999", 400, True),
    ],
)
def test_twilio_error_codes_are_classified(
    httpserver: HTTPServer, code: str, status: int, permanent: bool
) -> None:
    """Item 3: Twilio error codes and HTTP statuses map to temporary/permanent."""
    gateway, emulator = twilio(httpserver)
    emulator.fail_next.append((code, status))
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert (raised.value.code, raised.value.permanent) == (code, permanent)


def test_twilio_status_callback_with_signature(httpserver: HTTPServer) -> None:
    """Item 3: status callbacks are parsed; with webhook_url set, a forged signature is refused."""
    hook_url = "https://crm.example.com/sms/status"
    gateway, _ = twilio(httpserver, webhook_url=hook_url)
    form = {"MessageSid": "SM42", "MessageStatus": "undelivered", "ErrorCode": "30003", "To": TO}
    body = urlencode(form).encode()
    good = {"X-Twilio-Signature": twilio_signature(SECRET, hook_url, form)}
    (item,) = gateway.parse_callback(body, good)
    assert isinstance(item, DeliveryReport)
    assert (item.status, item.error_code) == (DeliveryStatus.FAILED, "30003")
    with pytest.raises(ValidationError):
        gateway.parse_callback(body, {"X-Twilio-Signature": "forged"})


def test_twilio_signature_matches_twilios_published_example() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_inbound_message() -> None:
    gateway = TwilioGateway.from_url(f"twilio://{SID}:tok@?from=%2B15005550006")
    body = urlencode({"From": TO, "Body": "RET", "MessageSid": "SM9", "SmsStatus": "received"}).encode()
    assert list(gateway.parse_callback(body, {})) == [InboundSms(sender=TO, text="RET", provider_id="SM9")]


# -- all three ----------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("scheme", ["netgsm", "iletimerkezi", "twilio"])
def test_unreachable_provider_is_a_temporary_failure(scheme: str) -> None:
    """Item 2/3: a network error is temporary (retried with backoff), never permanent."""
    base = f"http://127.0.0.1:{_closed_port()}"
    options = {"netgsm": "sender=X", "iletimerkezi": "sender=X", "twilio": "from=%2B1500"}[scheme]
    context = AdapterContext(FixedClock(), SequentialIds(), Settings())
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    gateway = plugins.build(
        "sms", f"{scheme}://user:{quote(SECRET)}@?{options}&base_url={base}&timeout=2", context
    )
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert not raised.value.permanent and raised.value.code == "network"
    assert SECRET not in str(raised.value)


def test_read_timeout_may_have_sent(httpserver: HTTPServer) -> None:
    """Item 2: a timeout after the request went out is flagged maybe_sent (a retry may duplicate)."""
    import time

    def slow(request: object) -> None:
        time.sleep(1.5)

    httpserver.expect_request("/sms/rest/v2/send").respond_with_handler(slow)  # type: ignore[arg-type]  # the handler never answers in time
    gateway = NetgsmGateway.from_url(
        f"netgsm://u:p@?sender=X&base_url={httpserver.url_for('').rstrip('/')}&timeout=0.3"
    )
    with pytest.raises(DeliveryFailed) as raised:
        gateway.send(SmsMessage(TO, "x"))
    assert raised.value.maybe_sent and not raised.value.permanent


@pytest.mark.parametrize(
    "url",
    [
        "netgsm://@?sender=X",
        "netgsm://u:p@",
        "netgsm://u:p@?sender=TOOLONGHEADER",
        "twilio://a:b@",
        "iletimerkezi://k:h@",
        "netgsm://u:p@?sender=X&timeout=-1",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    context = AdapterContext(FixedClock(), SequentialIds(), Settings())
    plugins = Plugins(make_plugin_manager(load_entrypoints=False))
    with pytest.raises(ValidationError) as raised:
        plugins.build("sms", url, context)
    assert raised.value.field == "sms"
