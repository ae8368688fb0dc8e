"""A plugin outside the package, installed as a distribution, is found through the ``crmkit`` entry point.

The distribution is written into ``tmp_path`` exactly as an installer would
leave it in ``site-packages``: a module and a ``*.dist-info`` folder whose
``entry_points.txt`` names it in the ``crmkit`` group.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import crmkit
from crmkit.adapters.console import ConsoleSmsGateway
from crmkit.domain.errors import UnknownAdapter
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import DISABLE_AUTOLOAD_ENV, Plugins, make_plugin_manager
from crmkit.ports.messaging import SmsGateway, SmsMessage
from crmkit.testing import FixedClock, SequentialIds

MODULE = "crmkit_acme"

PLUGIN_SOURCE = '''
"""crmkit-acme: an SMS gateway plugin living outside crmkit."""

from urllib.parse import urlsplit

import crmkit
from crmkit.domain.errors import NotFound


class AcmeGateway:
    idempotent = False

    def __init__(self, user, clock):
        self.user = user
        self.clock = clock
        self.sent = []

    @classmethod
    def from_url(cls, url, context):
        return cls(urlsplit(url).username, context.clock)

    def send(self, message):
        self.sent.append((self.clock.now(), message))
        return f"acme-{len(self.sent)}"

    def status(self, provider_id):
        raise NotFound("sms", provider_id)

    def parse_callback(self, body, headers):
        return []


@crmkit.hookimpl
def crmkit_register_sms_gateways(register):
    register("acme", AcmeGateway.from_url)
'''


@pytest.fixture
def acme_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install ``crmkit-acme`` 0.1 into a temporary folder put first on ``sys.path``."""
    (tmp_path / f"{MODULE}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    dist_info = tmp_path / f"{MODULE}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        textwrap.dedent(
            """\
            Metadata-Version: 2.1
            Name: crmkit-acme
            Version: 0.1
            Summary: An SMS gateway plugin for crmkit
            """
        ),
        encoding="utf-8",
    )
    (dist_info / "entry_points.txt").write_text(f"[crmkit]\nacme = {MODULE}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(tmp_path)  # also invalidates importlib's finder caches
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
    yield tmp_path
    sys.modules.pop(MODULE, None)


@pytest.fixture
def context() -> AdapterContext:
    return AdapterContext(FixedClock(), SequentialIds(), Settings())


@pytest.mark.usefixtures("acme_distribution")
def test_make_plugin_manager_discovers_the_distribution_through_its_entry_point(
    context: AdapterContext,
) -> None:
    pm = make_plugin_manager()

    assert pm.has_plugin("acme")
    plugin = pm.get_plugin("acme")
    assert plugin is sys.modules[MODULE]
    assert [(dist.project_name, dist.version) for p, dist in pm.list_plugin_distinfo() if p is plugin] == [
        ("crmkit-acme", "0.1")
    ]

    plugins = Plugins(pm)
    assert plugins.providers("sms")["acme"] == "acme"
    gateway = plugins.build("sms", "acme://ayse@", context)
    assert type(gateway).__module__ == MODULE
    assert isinstance(gateway, SmsGateway)
    assert gateway.send(SmsMessage("+905321234567", "Merhaba")) == "acme-1"


@pytest.mark.usefixtures("acme_distribution")
def test_crmkit_uses_the_discovered_adapter() -> None:
    clock = FixedClock()
    crm = crmkit.connect(sms="acme://ayse@", clock=clock)

    message = SmsMessage("+905321234567", "Randevunuz yarın 10:00")
    assert crm.sms.send(message) == "acme-1"
    assert getattr(crm.sms, "sent", None) == [(clock.now(), message)]
    assert getattr(crm.sms, "user", None) == "ayse"


@pytest.mark.usefixtures("acme_distribution")
def test_the_environment_variable_disables_autoload(
    monkeypatch: pytest.MonkeyPatch, context: AdapterContext
) -> None:
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    pm = make_plugin_manager()

    assert not pm.has_plugin("acme")
    assert MODULE not in sys.modules
    with pytest.raises(UnknownAdapter, match=r"no sms adapter for scheme 'acme'; known schemes: .*console"):
        Plugins(pm).build("sms", "acme://ayse@", context)


@pytest.mark.usefixtures("acme_distribution")
def test_load_entrypoints_false_skips_the_distribution(context: AdapterContext) -> None:
    pm = make_plugin_manager(load_entrypoints=False)

    assert not pm.has_plugin("acme")
    assert isinstance(Plugins(pm).build("sms", "console://", context), ConsoleSmsGateway)


@pytest.mark.usefixtures("acme_distribution")
def test_load_entrypoints_true_overrides_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    assert make_plugin_manager(load_entrypoints=True).has_plugin("acme")


def test_without_the_distribution_the_scheme_is_unknown(
    monkeypatch: pytest.MonkeyPatch, context: AdapterContext
) -> None:
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
    with pytest.raises(UnknownAdapter):
        Plugins(make_plugin_manager()).build("sms", "acme://ayse@", context)
