"""GİB's samples share one UUID: the rejection says which UUID and which file holds it (SPEC §7 V1, V2).

An invoice is identified by its UUID (ETTN), so importing the sample folder at
once stores the first document of each UUID and rejects the others. That is
right (V2 idempotency), but the reason must let the user see why: it names the
UUID and the file that already holds it, in the same batch or an earlier import.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmkit.adapters.invoices.ubl import parse_invoice
from crmkit.ports.storage import Storage
from crmkit.testing.clock import FixedClock, SequentialIds
from tests.services.invoices.test_import import World, make_world


@pytest.fixture
def world(storage: Storage, clock: FixedClock, ids: SequentialIds) -> World:
    return make_world(storage, clock, ids, [])


def test_v1_the_sample_folder_imports_one_per_uuid_and_each_rejection_names_uuid_and_holder(
    world: World, tmp_path: Path, samples: Path
) -> None:
    folder = tmp_path / "gib"
    shutil.copytree(samples, folder)
    uuids = {p.name: parse_invoice(p.read_bytes(), where=p.name)[0].id for p in folder.glob("*.xml")}
    report = world.crm.invoices.import_from(f"ubl-tr://{folder}", actor=world.admin.id)
    assert (report.imported, len(report.rejected)) == (len(set(uuids.values())), 5)
    for rejection in report.rejected:
        name = Path(rejection.location).name
        uuid = uuids[name]
        holder = world.crm.invoices.get(uuid, actor=world.admin.id).source
        assert holder != rejection.location and uuids[Path(holder).name] == uuid
        assert str(uuid) in rejection.reason, rejection.reason
        assert f"held by {holder}" in rejection.reason, rejection.reason


def test_v1_a_uuid_stored_by_an_earlier_import_names_that_file(
    world: World, tmp_path: Path, samples: Path
) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    shutil.copy(samples / "Good_TemelFatura.xml", first)
    shutil.copy(samples / "ISTISNA-1.xml", second)  # another invoice under the same UUID
    assert world.crm.invoices.import_from(f"ubl-tr://{first}", actor=world.admin.id).imported == 1
    report = world.crm.invoices.import_from(f"ubl-tr://{second}", actor=world.admin.id)
    assert report.imported == 0 and len(report.rejected) == 1
    uuid = parse_invoice(first.read_bytes(), where="a.xml")[0].id
    holder = world.crm.invoices.get(uuid, actor=world.admin.id).source
    assert holder.endswith("a.xml")
    assert str(uuid) in report.rejected[0].reason and f"held by {holder}" in report.rejected[0].reason
