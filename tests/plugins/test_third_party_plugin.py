"""A third-party SMS plugin from outside the package passes SmsGatewayContract (issue 6 item 8).

The plugin and its test module are the two code blocks of the plugin author's
guide (``docs/plugins.md``, "A complete gateway, proved by
``SmsGatewayContract``"), so the guide shows exactly what is tested. They are
installed into ``tmp_path`` as a distribution with a ``crmkit`` entry point,
and run by a separate pytest process, as the plugin's author would run them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _block(first_line: str) -> str:
    blocks: list[str] = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    (found,) = [b for b in blocks if b.startswith(first_line)]
    return found


def _install(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "crmkit_relay.py").write_text(_block("# crmkit_relay.py"), encoding="utf-8")
    dist_info = site / "crmkit_relay-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: crmkit-relay\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[crmkit]\nrelay = crmkit_relay\n")
    env = {k: v for k, v in os.environ.items() if k != "CRMKIT_DISABLE_PLUGIN_AUTOLOAD"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *sys.path])
    return env


def test_the_guides_relay_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    env = _install(tmp_path)
    probe = (
        "from crmkit.plugins import Plugins, make_plugin_manager\n"
        "plugins = Plugins(make_plugin_manager())\n"
        "print(plugins.providers('sms')['relay'])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "relay"


def test_the_guides_relay_plugin_passes_the_contract_suite_in_its_own_pytest(tmp_path: Path) -> None:
    env = _install(tmp_path)
    tests = tmp_path / "plugin_tests"
    tests.mkdir()
    (tests / "test_relay.py").write_text(_block("# test_relay.py"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tests)],
        cwd=tests,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) >= 7, result.stdout[-2000:]
    assert "failed" not in result.stdout
