"""Local emulations of the SMS providers' HTTP APIs on pytest-httpserver (127.0.0.1).

Each emulator checks what a real provider checks — the path, the method,
the credentials and the body's shape — records every accepted message, and
answers in the provider's format. ``fail_next`` makes the next send fail
with a provider error code, the way the provider reports it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import attrs
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


@attrs.define
class Sent:
    id: str
    to: str
    text: str
    body: dict[str, Any]


@attrs.define
class _Emulator:
    server: HTTPServer
    user: str
    password: str
    sent: list[Sent] = attrs.Factory(list)
    requests: list[Request] = attrs.Factory(list)
    fail_next: list[tuple[str, int]] = attrs.Factory(list)
    _ids: itertools.count[int] = attrs.Factory(lambda: itertools.count(173772))

    def _basic_ok(self, request: Request) -> bool:
        auth = request.authorization
        return auth is not None and auth.username == self.user and auth.password == self.password

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")


@attrs.define
class NetgsmEmulator(_Emulator):
    """Netgsm REST v2: ``/sms/rest/v2/send`` and ``/sms/rest/v2/report``."""

    def install(self) -> NetgsmEmulator:
        self.server.expect_request("/sms/rest/v2/send", method="POST").respond_with_handler(self._send)
        self.server.expect_request("/sms/rest/v2/report", method="POST").respond_with_handler(self._report)
        return self

    def _send(self, request: Request) -> Response:
        self.requests.append(request)
        if not self._basic_ok(request):
            return _json({"code": "30", "description": "Geçersiz kullanıcı adı, şifre"}, 406)
        body = request.get_json()
        assert set(body) <= {"msgheader", "messages", "encoding", "iysfilter", "startdate", "stopdate"}
        assert isinstance(body["msgheader"], str) and len(body["msgheader"]) <= 11
        assert body["iysfilter"] in ("0", "11", "12")
        if self.fail_next:
            code, status = self.fail_next.pop(0)
            return _json({"code": code, "description": f"error {code}"}, status)
        jobid = str(next(self._ids))
        for m in body["messages"]:
            assert m["no"].isdigit() and m["no"].startswith("90"), m["no"]
            self.sent.append(Sent(jobid, m["no"], m["msg"], body))
        return _json({"code": "00", "jobid": jobid, "description": "queued"})

    def _report(self, request: Request) -> Response:
        if not self._basic_ok(request):
            return _json({"code": "30", "description": "auth"}, 406)
        ids = request.get_json()["jobids"]
        jobs = [{"jobid": s.id, "status": 1, "telno": s.to} for s in self.sent if s.id in ids]
        if not jobs:
            return _json({"code": "60", "description": "no records"})
        return _json({"code": "00", "jobs": jobs})


@attrs.define
class IletiMerkeziEmulator(_Emulator):
    """İleti Merkezi JSON: ``/v1/send-sms/json`` and ``/v1/get-report/json``."""

    def install(self) -> IletiMerkeziEmulator:
        self.server.expect_request("/v1/send-sms/json", method="POST").respond_with_handler(self._send)
        self.server.expect_request("/v1/get-report/json", method="POST").respond_with_handler(self._report)
        return self

    def _reply(self, code: str, message: str, **extra: Any) -> Response:
        return _json({"response": {"status": {"code": code, "message": message}, **extra}}, int(code))

    def _auth_ok(self, body: dict[str, Any]) -> bool:
        auth = body["request"]["authentication"]
        return bool(auth == {"key": self.user, "hash": self.password})

    def _send(self, request: Request) -> Response:
        self.requests.append(request)
        body = request.get_json()
        if not self._auth_ok(body):
            return self._reply("401", "Üyelik bilgileri hatalı")
        order = body["request"]["order"]
        assert order["iys"] in ("0", "1")
        if order["iys"] == "1":
            assert order["iysList"] in ("BIREYSEL", "TACIR")
        numbers = order["message"]["receipents"]["number"]  # the provider's spelling
        if self.fail_next:
            code, _ = self.fail_next.pop(0)
            return self._reply(code, f"hata {code}")
        order_id = str(next(self._ids))
        for n in numbers:
            self.sent.append(Sent(order_id, n, order["message"]["text"], body))
        return self._reply("200", "İşlem başarılı", order={"id": order_id})

    def _report(self, request: Request) -> Response:
        body = request.get_json()
        if not self._auth_ok(body):
            return self._reply("401", "auth")
        wanted = str(body["request"]["order"]["id"])
        hits = [s for s in self.sent if s.id == wanted]
        if not hits:
            return self._reply("455", "Sipariş bulunamadı")
        messages = [{"number": "+90" + s.to if len(s.to) == 10 else s.to, "status": 111} for s in hits]
        order = {"id": wanted, "status": 114, "total": len(hits), "message": messages}
        return self._reply("200", "İşlem başarılı", order=order)


@attrs.define
class TwilioEmulator(_Emulator):
    """Twilio's Messages resource, form-encoded, HTTP Basic with the account SID."""

    def install(self) -> TwilioEmulator:
        root = f"/2010-04-01/Accounts/{self.user}/Messages"
        self.server.expect_request(f"{root}.json", method="POST").respond_with_handler(self._send)
        fetch = re.compile(rf"^{root}/[A-Za-z0-9]+\.json$")
        self.server.expect_request(fetch, method="GET").respond_with_handler(self._fetch)
        return self

    def _error(self, code: int, status: int, message: str) -> Response:
        info = f"https://www.twilio.com/docs/errors/{code}"
        return _json({"code": code, "message": message, "more_info": info, "status": status}, status)

    def _send(self, request: Request) -> Response:
        self.requests.append(request)
        if not self._basic_ok(request):
            return self._error(20003, 401, "Authenticate")
        form = request.form
        assert "To" in form and "Body" in form
        assert ("From" in form) != ("MessagingServiceSid" in form)
        if not form["To"].startswith("+"):
            return self._error(21211, 400, f"The 'To' number {form['To']} is not a valid phone number.")
        if self.fail_next:
            code, status = self.fail_next.pop(0)
            return self._error(int(code), status, f"error {code}")
        sid = f"SM{next(self._ids):032d}"
        self.sent.append(Sent(sid, form["To"], form["Body"], dict(form)))
        return _json({"sid": sid, "status": "queued", "to": form["To"], "num_segments": "1"}, 201)

    def _fetch(self, request: Request) -> Response:
        if not self._basic_ok(request):
            return self._error(20003, 401, "Authenticate")
        sid = request.path.rsplit("/", 1)[1].removesuffix(".json")
        for s in self.sent:
            if s.id == sid:
                return _json({"sid": sid, "status": "delivered", "to": s.to, "error_code": None})
        return self._error(20404, 404, "not found")


def as_e164(number: str) -> str:
    """A provider's way of writing a Turkish mobile number (``905…``, ``5…``) back in E.164."""
    if number.startswith("+"):
        return number
    return "+" + number if number.startswith("90") else "+90" + number


@attrs.define
class EmulatorPeer:
    """An emulator seen by :class:`~crmkit.testing.contracts.sms.SmsProvider`: the recording peer.

    ``permanent`` / ``temporary``: the ``(code, HTTP status)`` the provider answers a refusal
    with; ``report``: the provider's delivery-report callback for a message id.
    """

    emulator: _Emulator
    permanent: tuple[str, int]
    temporary: tuple[str, int]
    reporter: Callable[[str], tuple[bytes, Mapping[str, str]]]
    refuses: bool = True

    def received(self) -> list[tuple[str, str]]:
        return [(as_e164(s.to), s.text) for s in self.emulator.sent]

    def refuse_next(self, *, permanent: bool) -> None:
        self.emulator.fail_next.append(self.permanent if permanent else self.temporary)

    def report(self, provider_id: str) -> tuple[bytes, Mapping[str, str]]:
        return self.reporter(provider_id)


def netgsm_peer(emulator: NetgsmEmulator) -> EmulatorPeer:
    """Netgsm: 40 (sender name refused) is permanent, 80 (rate limit) temporary; reports are JSON."""

    def report(jobid: str) -> tuple[bytes, Mapping[str, str]]:
        body = [{"jobid": jobid, "status": "1", "telno": "905321234567"}]
        return json.dumps(body).encode(), {"Content-Type": "application/json"}

    return EmulatorPeer(emulator, ("40", 200), ("80", 200), report)


def iletimerkezi_peer(emulator: IletiMerkeziEmulator) -> EmulatorPeer:
    """İleti Merkezi: 451 (bad numbers) is permanent, 503 (outage) temporary; reports are JSON."""

    def report(order_id: str) -> tuple[bytes, Mapping[str, str]]:
        body = {"report": {"id": order_id, "packet_id": "1", "status": "111", "to": "905321234567"}}
        return json.dumps(body).encode(), {"Content-Type": "application/json"}

    return EmulatorPeer(emulator, ("451", 451), ("503", 503), report)


def twilio_peer(emulator: TwilioEmulator) -> EmulatorPeer:
    """Twilio: 21211 (invalid To) is permanent, 20429 (too many requests) temporary; form callbacks."""

    def report(sid: str) -> tuple[bytes, Mapping[str, str]]:
        form = {"MessageSid": sid, "MessageStatus": "delivered", "To": "+905321234567"}
        return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}

    return EmulatorPeer(emulator, ("21211", 400), ("20429", 429), report)
