"""``crm.parties`` is composed of one part per concept and forwards every part's use cases (issue 12 §2).

A method added to a part and not forwarded would be unreachable as ``crm.parties.*``
(hosts and docs call it there); a forwarder whose signature drifted from its part's
would document and check (A8) something else than what runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

import crmkit
from crmkit.services.archive import ArchiveUseCases
from crmkit.services.companies import CompanyUseCases
from crmkit.services.documents import DocumentUseCases
from crmkit.services.employees import EmployeeUseCases
from crmkit.services.history import HistoryUseCases
from crmkit.services.parties import Parties
from crmkit.services.picklists import PickListUseCases

PARTS = (
    CompanyUseCases,
    EmployeeUseCases,
    PickListUseCases,
    DocumentUseCases,
    HistoryUseCases,
    ArchiveUseCases,
)


@pytest.fixture
def crm() -> Iterator[crmkit.Crm]:
    built = crmkit.connect(load_entrypoints=False)
    yield built
    built.close()


def _public(kind: type) -> dict[str, object]:
    return {name: f for name, f in inspect.getmembers(kind, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__)
def test_every_use_case_of_a_part_is_forwarded_with_its_signature(part: type) -> None:
    forwarded = _public(Parties)
    for name, function in _public(part).items():
        assert name in forwarded, f"crm.parties.{name} is not forwarded"
        assert inspect.signature(forwarded[name]) == inspect.signature(function), name  # type: ignore[arg-type]
        assert forwarded[name].__doc__ == function.__doc__


def test_the_parties_share_the_crms_customer_use_cases(crm: crmkit.Crm) -> None:
    """One CustomerUseCases for crm.customers and crm.parties, not one per call (A1–A7)."""
    assert crm.parties._customers is crm.customers
    assert not isinstance(crm.parties, CompanyUseCases)  # composed, no longer a mixin


def test_a_forwarded_call_runs_the_part(crm: crmkit.Crm) -> None:
    """C8, C9: the first admin and a pick-list, through the forwarded methods."""
    admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
    crm.parties.set_parameters(actor=admin.id, name="departments", values=["Satış", "Destek"])
    assert crm.parties.parameters(actor=admin.id, name="departments").values == ("Satış", "Destek")
    assert [e.name for e in crm.parties.staff(actor=admin.id)] == ["Ayşe Yılmaz"]
