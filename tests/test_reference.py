"""Every ``crm.*`` namespace is in the API reference (issue 11 item 10: ``crm.territory`` and
``crm.customers`` were missing): its class is named by an ``autoclass`` or its module by an
``automodule`` directive under ``docs/reference/``."""

from __future__ import annotations

from pathlib import Path

import crmkit

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference"


def test_every_crm_namespace_is_in_the_api_reference() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in REFERENCE.glob("*.md"))
    crm = crmkit.connect(load_entrypoints=False)
    missing = []
    namespaces = {name: getattr(crm, name) for name in dir(crm) if not name.startswith("_")}
    for name, value in sorted(namespaces.items()):
        kind = type(value)
        if not kind.__module__.startswith("crmkit.services."):
            continue  # adapters and settings, documented with their own modules
        if f"autoclass:: {kind.__module__}.{kind.__qualname__}" in text:
            continue
        if f"automodule:: {kind.__module__}\n" in text:
            continue
        missing.append(f"crm.{name} ({kind.__module__}.{kind.__qualname__})")
    crm.close()
    assert not missing, f"not in docs/reference: {missing}"
    assert {"territory", "customers"} <= set(namespaces)


def test_the_docs_say_an_absolute_sqlite_path_takes_four_slashes() -> None:
    """``sqlite:///abs/path.db`` is relative: users were caught by it (issue 11 item 10)."""
    tutorial = (REFERENCE.parent / "tutorial.md").read_text(encoding="utf-8")
    assert "sqlite:////srv/crm/crm.db" in tutorial and "four" in tutorial
    assert "sqlite:////" in (crmkit.connect.__doc__ or "")


def test_a_gateway_author_finds_delivery_failed_in_crmkit_errors() -> None:
    """The plugin guide raises it; it belongs with the other errors (issue 12 item 7)."""
    from crmkit.domain.messaging import DeliveryFailed
    from crmkit.errors import DeliveryFailed as Exported

    assert Exported is DeliveryFailed
