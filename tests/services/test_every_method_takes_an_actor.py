"""A8: every public method of every ``crm.*`` namespace takes the acting employee.

The only exceptions are named in :data:`crmkit.services.system.SYSTEM_OPERATIONS`, with who
runs them; a new method without ``actor`` fails here until it takes one or is listed (and
documented) as a system operation.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

import crmkit
from crmkit.services.base import ServiceContext
from crmkit.services.system import SYSTEM_OPERATIONS


def _namespaces(crm: crmkit.Crm) -> dict[str, object]:
    """The service namespaces of a CRM: attributes whose class is defined in ``crmkit.services``.

    ``crm.context`` (the injected ports, no use cases) is not one.
    """
    attributes = {name: getattr(crm, name) for name in dir(crm) if not name.startswith("_")}
    return {
        name: value
        for name, value in attributes.items()
        if not name.startswith("_")
        and type(value).__module__.startswith("crmkit.services.")
        and not isinstance(value, ServiceContext)
    }


def _public_methods(crm: crmkit.Crm) -> Iterator[tuple[str, inspect.Signature]]:
    for name, method in inspect.getmembers(crm, inspect.ismethod):
        if not name.startswith("_"):
            yield name, inspect.signature(method)
    for space, obj in _namespaces(crm).items():
        for name, method in inspect.getmembers(obj, inspect.ismethod):
            if not name.startswith("_"):
                yield f"{space}.{name}", inspect.signature(method)


@pytest.fixture
def crm() -> Iterator[crmkit.Crm]:
    built = crmkit.connect(load_entrypoints=False)
    yield built
    built.close()


def test_the_walk_sees_every_namespace(crm: crmkit.Crm) -> None:
    assert {"parties", "territory", "customers", "interactions", "agenda", "marketing", "invoices"} <= set(
        _namespaces(crm)
    )
    assert {"dispatcher", "inbound", "deliveries"} <= set(_namespaces(crm))


def test_a8_every_public_method_takes_an_actor_or_is_a_documented_system_operation(crm: crmkit.Crm) -> None:
    methods = dict(_public_methods(crm))
    without = {name for name, signature in methods.items() if "actor" not in signature.parameters}
    assert without - set(SYSTEM_OPERATIONS) == set(), "take actor= or list it in SYSTEM_OPERATIONS"
    # the list names only real methods that really take no actor, so it cannot go stale
    assert set(SYSTEM_OPERATIONS) <= without
    for name in methods.keys() - without:
        assert methods[name].parameters["actor"].default is inspect.Parameter.empty, f"{name}: actor optional"


def test_every_system_operation_says_who_runs_it() -> None:
    assert all(len(who) > 20 for who in SYSTEM_OPERATIONS.values())
