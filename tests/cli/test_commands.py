"""Every ``crmkit`` command over what exists: db, invoices import, outbox dispatch, plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import UblInvoiceSource
from crmkit.adapters.sqlalchemy.migrations import REVISIONS
from crmkit.bootstrap import connect
from crmkit.cli import main
from crmkit.cli.invoices import REJECTED_EXIT, CountedSource
from crmkit.cli.plugins import distributions
from crmkit.domain.messaging import MessageKind
from crmkit.plugins import make_plugin_manager
from crmkit.services.messaging import enqueue_sms
from crmkit.services.messaging.dispatch import Dispatcher, DispatchReport

# kept in the repository
SAMPLES = Path(__file__).resolve().parents[1] / "services" / "invoices" / "samples" / "ubl-tr"
UBL = f"ubl-tr://{SAMPLES}"


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


# -- db ---------------------------------------------------------------------------------------


def test_db_history_lists_every_revision_and_marks_the_current_one(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = database
    assert main(["--json", "db", "history", url]) == 0
    rows = _json(capsys)
    assert isinstance(rows, list)
    assert [row["revision"] for row in rows] == list(REVISIONS)
    assert [row["revision"] for row in rows if row["current"]] == [REVISIONS[-1]]
    assert rows[0]["message"].startswith("Initial schema")
    assert main(["db", "history", url]) == 0
    table = capsys.readouterr().out
    assert "0001" in table and "current" in table


def test_db_history_of_a_new_database_marks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "db", "history", f"sqlite:///{tmp_path / 'new.db'}"]) == 0
    rows = _json(capsys)
    assert isinstance(rows, list) and not any(row["current"] for row in rows)


def test_db_upgrade_and_current_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    assert main(["--json", "db", "current", url]) == 0
    assert _json(capsys) == {"url": url, "revision": None, "sql": True}
    assert main(["--json", "db", "upgrade", url]) == 0
    assert _json(capsys) == {"url": url, "revision": REVISIONS[-1], "sql": True}


# -- errors -----------------------------------------------------------------------------------


def test_debug_adds_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "oracle://scott@db/crm"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["--debug", "db", "upgrade", "oracle://scott@db/crm"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "UnknownAdapter" in err
    assert err.splitlines()[-1].startswith("crmkit: no storage adapter for scheme 'oracle'"), err


# -- invoices import --------------------------------------------------------------------------


def test_import_lists_rejections_exits_non_zero_and_resumes(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin = database
    common = ["--database-url", url, "--actor", admin]
    assert main([*common, "invoices", "import", UBL]) == REJECTED_EXIT
    captured = capsys.readouterr()
    assert "import summary" in captured.out and "rejected" in captured.out
    assert "ISTISNA-1.xml" in captured.out  # each rejected record is listed with its reason
    assert captured.err == ""  # the progress bar shows on a terminal only
    assert main([*common, "--json", "invoices", "import", UBL]) == 0  # resumed: nothing left
    again = _json(capsys)
    assert isinstance(again, dict)
    assert (again["imported"], again["duplicates"], again["rejected"]) == (0, 0, [])
    assert main([*common, "--json", "invoices", "import", "--from-start", UBL]) == REJECTED_EXIT
    whole = _json(capsys)
    assert isinstance(whole, dict)
    assert whole["imported"] == 0 and whole["duplicates"] > 0
    assert {r["location"] for r in whole["rejected"]} >= {"ISTISNA-1.xml", "OTV.xml"}
    assert all(r["reason"] for r in whole["rejected"])


def test_the_progress_bar_counts_every_record_read() -> None:
    inner = UblInvoiceSource.from_url(UBL)
    seen: list[int] = []
    counted = CountedSource(inner, lambda: seen.append(1))
    assert counted.url == inner.url
    records = list(counted.read())
    assert len(seen) == len(records) == len(list(SAMPLES.glob("*.xml")))


def test_import_by_an_unknown_actor_or_from_an_unknown_scheme_is_one_line(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin = database
    assert main(["--database-url", url, "--actor", "nobody", "invoices", "import", UBL]) == 1
    assert main(["--database-url", url, "--actor", admin, "invoices", "import", "ftp://x/y"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("crmkit: ") for line in err), err
    assert "'ftp'" in err[1]


def test_import_needs_an_actor(database: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", database[0], "invoices", "import", UBL]) == 1
    assert "CRMKIT_ACTOR" in capsys.readouterr().err


# -- outbox dispatch --------------------------------------------------------------------------


def _queue(url: str, count: int) -> None:
    with connect(url) as crm, crm.storage.unit_of_work(None) as uow:
        for n in range(count):
            enqueue_sms(
                uow,
                id=crm.ids.new(),
                key=f"k{n}",
                to="+905321234567",
                text=f"hello {n}",
                kind=MessageKind.INFORMATIONAL,
                now=crm.clock.now(),
            )
        uow.commit()


def _sent(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(["--once"], 3), (["--until-idle"], 3), (["--loop", "--rounds", "2", "--interval", "0"], 3)],
)
def test_dispatch_sends_through_the_configured_gateway(
    database: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mode: list[str],
    expected: int,
) -> None:
    url, _ = database
    _queue(url, 3)
    sms = tmp_path / "sms.jsonl"
    assert (
        main(["--json", "--database-url", url, "--sms-url", f"file://{sms}", "outbox", "dispatch", *mode])
        == 0
    )
    report = _json(capsys)
    assert isinstance(report, dict) and report["sent"] == expected and report["dead"] == 0
    assert sorted(_sent(sms)) == ["hello 0", "hello 1", "hello 2"]
    assert main(["--database-url", url, "--sms-url", f"file://{sms}", "outbox", "dispatch"]) == 0
    assert "claimed" in capsys.readouterr().out  # nothing left: a table of zeros
    assert len(_sent(sms)) == 3


# -- plugins ----------------------------------------------------------------------------------


def test_plugins_lists_every_scheme_and_hook_with_its_distribution(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--json", "plugins"]) == 0
    data = _json(capsys)
    assert isinstance(data, dict)
    schemes = {(s["port"], s["scheme"]): s for s in data["schemes"]}
    assert schemes["sms", "console"]["distribution"] == "crmkit"
    assert schemes["sms", "console"]["plugin"] == "crmkit.adapters.console"
    assert {"storage", "sms", "email", "documents", "invoices"} == {port for port, _ in schemes}
    hooks = {(h["hook"], h["plugin"]) for h in data["hooks"]}
    assert ("crmkit_register_sms_gateways", "crmkit.adapters.sms.plugin") in hooks
    assert main(["plugins"]) == 0
    assert "adapter schemes" in capsys.readouterr().out


def test_a_plugin_given_in_code_has_no_distribution() -> None:
    class InCode:
        pass

    pm = make_plugin_manager([InCode()], load_entrypoints=False)
    found = distributions(pm)
    assert found["crmkit.adapters.console"][0] == "crmkit"
    assert ("(in code)", "") in found.values()


# -- demo -------------------------------------------------------------------------------------


def test_the_demo_sends_its_sms_through_the_configured_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sms = tmp_path / "sms.jsonl"
    assert main(["--sms-url", f"file://{sms}", "demo", "--db", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    texts = _sent(sms)
    # every SMS the demo queued (reminders, point balances) went through the configured gateway
    assert "SMS through FileSmsGateway" in out
    assert len(texts) >= 2
    reminders = [text.split(":")[0] for text in texts if text.startswith("Randevu")]
    assert reminders == ["Randevu hatırlatması 1", "Randevu hatırlatması 2"]


def test_ctrl_c_ends_the_loop_with_the_totals_so_far(
    database: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = database
    _queue(url, 2)
    real = Dispatcher.run_once
    calls: list[int] = []

    def once_then_interrupted(self: Dispatcher) -> DispatchReport:
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(Dispatcher, "run_once", once_then_interrupted)
    argv = ["--json", "--database-url", url, "--sms-url", f"file://{tmp_path / 's.jsonl'}"]
    assert main([*argv, "outbox", "dispatch", "--loop", "--interval", "0"]) == 0
    report = _json(capsys)
    assert isinstance(report, dict) and report["sent"] == 2 and len(calls) == 2


# -- outbox dead / requeue (§9, C12) ----------------------------------------------------------


def test_outbox_dead_lists_and_requeue_puts_back_what_an_outage_killed(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    import uuid

    from crmkit.domain.messaging import DeliveryFailed, MessageKind
    from crmkit.ports.messaging import EmailMessage
    from crmkit.services.messaging.enqueue import enqueue_email

    class Outage:
        def send(self, message: EmailMessage) -> str:
            raise DeliveryFailed("smtp", "550", "550 mailbox unavailable", permanent=True)

    url, admin = database
    with connect(url, email=Outage()) as crm:
        with crm.storage.unit_of_work() as uow:
            enqueue_email(
                uow, id=uuid.uuid4(), key="k-1", to="ali@example.com.tr", subject="Kış", body="Merhaba",
                kind=MessageKind.INFORMATIONAL, now=crm.clock.now(),
            )  # fmt: skip
            uow.commit()
        assert crm.dispatcher.run_once().dead == 1
    capsys.readouterr()
    assert main(["--database-url", url, "--actor", admin, "--json", "outbox", "dead"]) == 0
    dead = json.loads(capsys.readouterr().out)
    assert [(row["to"], row["channel"]) for row in dead] == [("ali@example.com.tr", "email")]
    assert "550" in dead[0]["error"]
    assert main(["--database-url", url, "--actor", admin, "--json", "outbox", "dead", "--error", "nope"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--database-url", url, "--actor", admin, "--json", "outbox", "requeue"]) == 0
    assert json.loads(capsys.readouterr().out) == {"requeued": 1}
    assert main(["--database-url", url, "--actor", admin, "--json", "outbox", "dead"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_outbox_dead_needs_an_admin(database: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = database
    assert main(["--database-url", url, "outbox", "dead"]) == 1  # no actor anywhere
    assert "actor" in capsys.readouterr().err
