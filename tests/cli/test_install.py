"""A stranger's install (issue 17 item 5): the wheel, not the source tree, in a fresh venv, with a plugin.

Builds crmkit's wheel, creates a virtual environment, installs the wheel and a tiny
third-party SMS gateway distribution built from a temporary folder (entry point group
``crmkit``), then checks that ``crmkit plugins`` lists it with its distribution and
version and that ``crmkit demo --db`` sends the demo's SMS through it. Packages come
from pip's configured sources (a local wheelhouse and index on the CI machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

PLUGIN_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "crmkit-recording-sms"
version = "0.3.1"
dependencies = ["crmkit"]

[project.entry-points.crmkit]
recording = "crmkit_recording_sms"

[tool.hatch.build.targets.wheel]
packages = ["crmkit_recording_sms"]
"""

PLUGIN_MODULE = '''\
"""An SMS gateway that appends each message to the JSON-lines file its URL names."""

import json
import uuid

import crmkit.hookspecs


class RecordingGateway:
    idempotent = False

    def __init__(self, path):
        self.path = path

    def send(self, message):
        provider_id = str(uuid.uuid4())
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"id": provider_id, "to": message.to, "text": message.text}) + "\\n")
        return provider_id

    def status(self, provider_id):
        raise LookupError(provider_id)

    def parse_callback(self, body, headers):
        return []


@crmkit.hookspecs.hookimpl
def crmkit_register_sms_gateways(register):
    register("recording", lambda url, context=None: RecordingGateway(url.removeprefix("recording://")))
'''


def _run(*command: str | Path, cwd: Path) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV"} and not k.startswith("CRMKIT_")
    }
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_a_stranger_installs_the_wheel_and_a_plugin_and_runs_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT, cwd=tmp_path)
    plugin = tmp_path / "plugin"
    (plugin / "crmkit_recording_sms").mkdir(parents=True)
    (plugin / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (plugin / "crmkit_recording_sms" / "__init__.py").write_text(PLUGIN_MODULE)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, plugin, cwd=tmp_path)
    built = sorted(p.name for p in wheels.glob("*.whl"))
    assert [name.split("-")[0] for name in built] == ["crmkit", "crmkit_recording_sms"], built
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run(
        bin_dir / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--find-links",
        wheels,
        "crmkit",
        "crmkit-recording-sms",
        cwd=tmp_path,
    )
    where = _run(bin_dir / "python", "-c", "import crmkit; print(crmkit.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel, not the source tree

    listed = json.loads(_run(bin_dir / "crmkit", "--json", "plugins", cwd=tmp_path))
    recording = [s for s in listed["schemes"] if s["scheme"] == "recording"]
    assert recording == [
        {
            "port": "sms",
            "scheme": "recording",
            "plugin": "recording",
            "distribution": "crmkit-recording-sms",
            "version": "0.3.1",
        }
    ]
    assert {
        "hook": "crmkit_register_sms_gateways",
        "plugin": "recording",
        "distribution": "crmkit-recording-sms",
        "version": "0.3.1",
    } in listed["hooks"]

    sent = tmp_path / "sent.jsonl"
    out = _run(
        bin_dir / "crmkit",
        "--sms-url",
        f"recording://{sent}",
        "demo",
        "--db",
        tmp_path / "demo.db",
        cwd=tmp_path,
    )
    messages = [json.loads(line) for line in sent.read_text().splitlines()]
    assert "SMS through RecordingGateway" in out and "demo finished" in out
    reminders = [m for m in messages if m["text"].startswith("Randevu hatırlatması")]
    assert [m["to"] for m in reminders] == ["+905321234567", "+905051112233"], textwrap.shorten(
        str(messages), 200
    )
