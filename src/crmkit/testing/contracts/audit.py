"""The audit-trail contract (C12): every committed add/save is recorded, nothing else."""

from __future__ import annotations

import uuid
from datetime import timedelta

import attrs
import pytest

from crmkit.domain.audit import AuditEntry, FieldChange
from crmkit.domain.errors import ConcurrencyConflict
from crmkit.domain.ids import EmployeeId
from crmkit.ports.storage import Storage
from crmkit.testing.contracts.support import read, store
from crmkit.testing.factories import (
    WHEN,
    make_claim,
    make_company,
    make_contact,
    make_employee,
    make_picklist,
)

__all__ = ["AuditLogContract"]


def _changes(entry: AuditEntry) -> dict[str, tuple[str | None, str | None]]:
    return {c.field: (c.old, c.new) for c in entry.changes}


class _Boom(Exception):
    """Raised inside a ``with`` block to prove rolled-back work leaves no trail."""


class AuditLogContract:
    """What every :class:`~crmkit.ports.storage.AuditLog` and the repositories writing it must do.

    Needs a ``storage`` fixture: a migrated, empty storage. Actors are fresh
    employee ids that need not be stored: the trail outlives its authors (C12).
    """

    def test_c12_add_records_a_create_entry_with_actor_version_and_values(self, storage: Storage) -> None:
        """add() writes action "create", the actor, version 1 and every field None → value."""
        actor = EmployeeId(uuid.uuid4())
        company = make_company(name="Ege Kimya A.Ş.", tax_no="1234567890")
        store(storage, company, actor=actor)
        entries = read(storage, lambda uow: uow.audit.for_record("company", str(company.id)))
        assert len(entries) == 1
        entry = entries[0]
        assert (entry.action, entry.version, entry.actor_id) == ("create", 1, str(actor))
        assert (entry.aggregate_type, entry.aggregate_id) == ("company", str(company.id))
        assert entry.at.tzinfo is not None
        changes = _changes(entry)
        assert changes["name"] == (None, "Ege Kimya A.Ş.")
        assert changes["tax_no"] == (None, "1234567890")
        assert changes["type"] == (None, "distributor")
        assert "version" not in changes

    def test_c12_save_records_an_update_with_old_and_new_values_of_changed_fields(
        self, storage: Storage
    ) -> None:
        """save() writes action "update", the new version and only the changed fields old → new."""
        creator, editor = EmployeeId(uuid.uuid4()), EmployeeId(uuid.uuid4())
        company = make_company(name="Eski Ad")
        store(storage, company, actor=creator)
        with storage.unit_of_work(editor) as uow:
            uow.companies.save(attrs.evolve(company, name="Yeni Ad", phone="+905321234567"))
            uow.commit()
        entries = read(storage, lambda uow: uow.audit.for_record("company", str(company.id)))
        assert [(e.action, e.version, e.actor_id) for e in entries] == [
            ("create", 1, str(creator)),
            ("update", 2, str(editor)),
        ]
        assert set(entries[1].changes) == {
            FieldChange("name", "Eski Ad", "Yeni Ad"),
            FieldChange("phone", None, "+905321234567"),
        }

    def test_c12_for_record_keeps_records_apart_oldest_first(self, storage: Storage) -> None:
        """for_record() holds one record's entries only, oldest first (C12)."""
        a, b = make_company(name="A"), make_company(name="B")
        store(storage, a, b)
        current = a
        for name in ("A1", "A2"):
            with storage.unit_of_work() as uow:
                current = uow.companies.save(attrs.evolve(current, name=name))
                uow.commit()
        entries = read(storage, lambda uow: uow.audit.for_record("company", str(a.id)))
        assert [e.version for e in entries] == [1, 2, 3]
        assert [_changes(e)["name"][1] for e in entries] == ["A", "A1", "A2"]
        other = read(storage, lambda uow: uow.audit.for_record("company", str(b.id)))
        assert [e.version for e in other] == [1]

    def test_c12_by_actor_lists_one_actors_changes_oldest_first_in_pages(self, storage: Storage) -> None:
        """by_actor() holds only that actor's entries, oldest first, paged (C12)."""
        ayse, mehmet = EmployeeId(uuid.uuid4()), EmployeeId(uuid.uuid4())
        mine = [make_company(name=f"Ayşe {n}") for n in range(5)]
        for company in mine:
            store(storage, company, actor=ayse)
        store(storage, make_company(name="Mehmet'in"), actor=mehmet)
        entries = read(storage, lambda uow: uow.audit.by_actor(str(ayse)))
        assert [e.aggregate_id for e in entries] == [str(c.id) for c in mine]
        with storage.unit_of_work() as uow:
            pages = [uow.audit.by_actor(str(ayse), limit=2, offset=o) for o in (0, 2, 4)]
        assert [e for page in pages for e in page] == entries
        assert len(read(storage, lambda uow: uow.audit.by_actor(str(mehmet)))) == 1

    def test_c12_work_without_an_actor_is_recorded_as_the_system(self, storage: Storage) -> None:
        """A unit of work without an actor writes entries with ``actor_id=None`` (C12)."""
        company = make_company()
        store(storage, company)
        entries = read(storage, lambda uow: uow.audit.for_record("company", str(company.id)))
        assert [e.actor_id for e in entries] == [None]

    def test_c12_rolled_back_work_leaves_no_entry(self, storage: Storage) -> None:
        """Rollback, an exception and leaving without commit write no audit entry (C12)."""
        actor = EmployeeId(uuid.uuid4())
        company = make_company()
        with storage.unit_of_work(actor) as uow:
            uow.companies.add(company)
            uow.rollback()
        with pytest.raises(_Boom), storage.unit_of_work(actor) as uow:
            uow.companies.add(company)
            raise _Boom
        with storage.unit_of_work(actor) as uow:
            uow.companies.add(company)
        assert read(storage, lambda uow: uow.audit.for_record("company", str(company.id))) == []
        assert read(storage, lambda uow: uow.audit.by_actor(str(actor))) == []

    def test_c12_rolled_back_entries_do_not_ride_along_with_a_later_commit(self, storage: Storage) -> None:
        """After rollback(), committing other work in the same unit of work records only it (C12)."""
        dropped, kept = make_company(name="Geri Alınan"), make_company(name="Kalan")
        with storage.unit_of_work() as uow:
            uow.companies.add(dropped)
            uow.rollback()
            uow.companies.add(kept)
            uow.commit()
        assert read(storage, lambda uow: uow.audit.for_record("company", str(dropped.id))) == []
        kept_entries = read(storage, lambda uow: uow.audit.for_record("company", str(kept.id)))
        assert [e.action for e in kept_entries] == ["create"]

    def test_c12_a_conflicting_save_leaves_no_entry(self, storage: Storage) -> None:
        """A stale save that raises ConcurrencyConflict adds nothing to the trail (C12, §9)."""
        company = make_company()
        store(storage, company)
        with storage.unit_of_work() as uow:
            uow.companies.save(attrs.evolve(company, name="Kazanan"))
            uow.commit()
        with pytest.raises(ConcurrencyConflict), storage.unit_of_work() as uow:
            uow.companies.save(attrs.evolve(company, name="Kaybeden"))
            uow.commit()
        entries = read(storage, lambda uow: uow.audit.for_record("company", str(company.id)))
        assert [e.version for e in entries] == [1, 2]

    def test_c12_every_repository_writes_the_trail(self, storage: Storage) -> None:
        """Contacts, employees, claims and pick-lists are audited like companies (C12)."""
        company = make_company()
        contact = make_contact(company_id=company.id)
        employee = make_employee()
        claim = make_claim(company_id=company.id, claimant_id=employee.id)
        sectors = make_picklist("sectors")
        store(storage, company, contact, employee, claim, sectors)
        keys = {
            "contact": str(contact.id),
            "employee": str(employee.id),
            "claim": str(claim.id),
            "picklist": "sectors",
        }
        with storage.unit_of_work() as uow:
            for kind, key in keys.items():
                entries = uow.audit.for_record(kind, key)
                assert [(e.action, e.version) for e in entries] == [("create", 1)], kind

    def test_c12_secrets_never_reach_the_trail(self, storage: Storage) -> None:
        """Password hashes are masked: the trail shows that they changed, never the value (C12)."""
        employee = make_employee(login="gizli", password_hash="ab" * 32)
        store(storage, employee)
        with storage.unit_of_work() as uow:
            uow.employees.save(employee.resign("Taşındı", WHEN + timedelta(days=3)))
            uow.commit()
        entries = read(storage, lambda uow: uow.audit.for_record("employee", str(employee.id)))
        values = [v for e in entries for c in e.changes for v in (c.old, c.new)]
        assert "ab" * 32 not in values
        assert _changes(entries[0])["password_hash"] == (None, "***")
        assert _changes(entries[1])["password_hash"] == ("***", None)
        assert _changes(entries[1])["login"] == ("gizli", None)
