"""The facade calls every hook through pluggy (issue 12 item 3): pluggy's hook-call monitoring,
which tracing tools build on, sees each registration hook, once per implementing plugin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pluggy import HookImpl

from crmkit.plugins import DEFAULT_PLUGINS, REGISTRATION_HOOKS, Plugins, make_plugin_manager


def test_registration_hooks_are_seen_by_pluggy_monitoring() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    seen: Counter[str] = Counter()
    callers: list[str] = []

    def before(hook_name: str, impls: Sequence[HookImpl], kwargs: Mapping[str, object]) -> None:
        seen[hook_name] += 1
        callers.extend(impl.plugin_name for impl in impls)

    def after(
        outcome: object, hook_name: str, impls: Sequence[HookImpl], kwargs: Mapping[str, object]
    ) -> None:
        pass

    undo = pm.add_hookcall_monitoring(before, after)
    try:
        plugins = Plugins(pm)
        plugins.sms_keywords()
    finally:
        undo()
    for port, hook in REGISTRATION_HOOKS.items():
        implementers = len(getattr(pm.hook, hook).get_hookimpls())
        assert seen[hook] == implementers, (port, hook)  # one call per plugin
        assert plugins.schemes(port)
    assert (
        "crmkit_register_sms_keywords" in {*seen} or not pm.hook.crmkit_register_sms_keywords.get_hookimpls()
    )
    assert set(callers) <= set(DEFAULT_PLUGINS)
