"""``crmkit plugins``: every adapter scheme and hook implementation, with its distribution and version."""

from __future__ import annotations

import argparse
from typing import get_args

import pluggy

from crmkit import __version__
from crmkit.cli.config import Config
from crmkit.cli.output import Output
from crmkit.plugins import DEFAULT_PLUGINS, Plugins, Port, make_plugin_manager

__all__ = ["add_parser", "distributions", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plugins`` to the command's subparsers."""
    plugins = sub.add_parser(
        "plugins", help="adapter schemes and hook implementations, and where they come from"
    )
    plugins.set_defaults(run=run)


def distributions(pm: pluggy.PluginManager) -> dict[str, tuple[str, str]]:
    """Plugin name → ``(distribution, version)``: built-ins are crmkit's, entry points their package's.

    A plugin registered in code, not from an entry point, is ``("(in code)", "")``.
    """
    found = {name: ("crmkit", __version__) for name in DEFAULT_PLUGINS}
    for plugin, dist in pm.list_plugin_distinfo():
        name = pm.get_name(plugin)
        if name is not None:
            found[name] = (dist.project_name, dist.version)
    for name, _ in pm.list_name_plugin():
        found.setdefault(name, ("(in code)", ""))
    return found


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """Print the adapter schemes by port, then every hook implementation."""
    pm = make_plugin_manager()
    facade = Plugins(pm)
    dists = distributions(pm)
    schemes = [
        {
            "port": port,
            "scheme": scheme,
            "plugin": plugin,
            "distribution": dists[plugin][0],
            "version": dists[plugin][1],
        }
        for port in get_args(Port)
        for scheme, plugin in facade.providers(port).items()
    ]
    hooks = [
        {
            "hook": name,
            "plugin": impl.plugin_name,
            "distribution": dists[impl.plugin_name][0],
            "version": dists[impl.plugin_name][1],
        }
        for name in sorted(vars(pm.hook))
        if not name.startswith("_")
        for impl in getattr(pm.hook, name).get_hookimpls()
    ]
    if out.as_json:
        out.json({"schemes": schemes, "hooks": hooks})
    else:
        out.table(
            "adapter schemes",
            ("port", "scheme", "plugin", "distribution", "version"),
            [tuple(s.values()) for s in schemes],
        )
        out.table(
            "hook implementations",
            ("hook", "plugin", "distribution", "version"),
            [tuple(h.values()) for h in hooks],
        )
    return 0
