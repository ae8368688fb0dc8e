"""Settings come from flags, then the environment, then a TOML file; secrets are never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmkit.adapters.sqlalchemy.migrations import REVISIONS
from crmkit.cli import main
from crmkit.cli.config import load_config


def test_a_flag_beats_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "settings.toml"
    toml.write_text(
        'database_url = "sqlite:///file.db"\nsms_url = "file:///sms.jsonl"\nactor = "from-file"\n'
    )
    env = {"CRMKIT_DATABASE_URL": "sqlite:///env.db", "CRMKIT_SMS_URL": "console://"}
    config = load_config({"database_url": "sqlite:///flag.db"}, file=str(toml), environ=env)
    assert config.values["database_url"] == "sqlite:///flag.db"
    assert config.values["sms_url"] == "console://"
    assert config.values["actor"] == "from-file"
    assert config.origins == {"database_url": "flag", "sms_url": "env", "actor": str(toml)}


def test_crmkit_toml_in_the_working_directory_is_read_without_config() -> None:
    Path("crmkit.toml").write_text('timezone = "Europe/Istanbul"\n')
    assert load_config({}, file=None, environ={}).values == {"timezone": "Europe/Istanbul"}
    assert load_config({}, file=None, environ={"CRMKIT_TIMEZONE": "UTC"}).values == {"timezone": "UTC"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("database_url = ", "is not valid TOML"),
        ("colour = 'red'", "unknown keys ['colour']"),
        ("actor = 3", "actor must be a string"),
    ],
)
def test_a_bad_file_is_one_clear_line(text: str, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("bad.toml").write_text(text)
    assert main(["--config", "bad.toml", "db", "current"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmkit: ") and reason in err and err.count("\n") == 1, err


def test_a_missing_setting_names_the_flag_and_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current"]) == 1
    assert "pass --database-url, set CRMKIT_DATABASE_URL" in capsys.readouterr().err


def test_the_database_url_comes_from_the_file_when_nothing_else_sets_it(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = database
    Path("crmkit.toml").write_text(f'database_url = "{url}"\n')
    assert main(["--json", "db", "current"]) == 0
    assert json.loads(capsys.readouterr().out)["revision"] == REVISIONS[-1]
    monkeypatch.setenv("CRMKIT_DATABASE_URL", "sqlite:///elsewhere/missing.db")  # env beats the file
    assert main(["db", "current"]) == 1
    assert main(["--database-url", url, "db", "current"]) == 0  # the flag beats env


def test_passwords_in_urls_are_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "s3cr3t-Pa55"
    assert (
        main(["--database-url", f"postgresql+psycopg://crm:{secret}@127.0.0.1:1/crm", "db", "current"]) == 1
    )
    captured = capsys.readouterr()
    assert secret not in captured.err + captured.out
    assert captured.err.startswith("crmkit: ")
    config = load_config({"sms_url": f"netgsm://user:{secret}@api.example"}, file=None, environ={})
    assert secret not in json.dumps(config.shown())


def test_config_shows_each_setting_and_its_origin_with_secrets_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "k3y-Secret"
    Path("crmkit.toml").write_text('timezone = "Europe/Istanbul"\nactor = "file-actor"\n')
    monkeypatch.setenv("CRMKIT_SMS_URL", f"netgsm://user:{secret}@api.example")
    monkeypatch.setenv("CRMKIT_ACTOR", "env-actor")
    argv = ["--json", "--database-url", f"postgresql+psycopg://crm:{secret}@db/crm", "config"]
    assert main(argv) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {
        "database_url": {"value": "postgresql+psycopg://crm:***@db/crm", "from": "flag"},
        "sms_url": {"value": "netgsm://user:***@api.example", "from": "env"},
        "timezone": {"value": "Europe/Istanbul", "from": "crmkit.toml"},
        "actor": {"value": "env-actor", "from": "env"},
    }
    assert main(argv[1:]) == 0
    table = capsys.readouterr().out
    assert secret not in table and "crmkit.toml" in table
