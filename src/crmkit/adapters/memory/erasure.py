"""Erasure on request in the memory back end (M4): see :class:`crmkit.ports.erasure.ErasureRepository`.

:meth:`MemoryErasureRepository.erase` checks the contact's version at once,
counts what would change and stages the plan; the commit erases, under the
storage lock, in the committed data and in the audit entries the unit of
work still stages — or nothing, when the unit of work is rolled back.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from crmkit.adapters.audit import CONTACT_AGGREGATE
from crmkit.adapters.erasing import (
    ERASED_CONTENT,
    FREE_TEXTS,
    erased_message,
    limit_of,
    scrub_changes,
    scrub_fields,
)
from crmkit.adapters.memory.erasure_places import (
    erase_articles,
    erase_companies,
    erase_employees,
    erase_invoices,
    erase_points,
)
from crmkit.domain.audit import AuditEntry, FieldChange
from crmkit.domain.erasure import (
    CONSENT_TOKEN_PREFIX,
    ERASED,
    PERSONAL_FIELDS,
    DocumentWork,
    Erasure,
    ErasureId,
    ErasurePlan,
    WrittenPhone,
    consent_token,
    document_place,
    erased_contact,
    same_person,
    scrub_text,
)
from crmkit.domain.erasure_files import erased_bytes
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import ContactId, DocumentId
from crmkit.domain.messaging import OutboxAttachment
from crmkit.domain.parties import Contact

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryStorage, MemoryUnitOfWork

__all__ = ["MemoryErasureRepository"]

T = TypeVar("T")


def _evolve_texts(
    table: MutableMapping[Any, T], place: str, fields: tuple[str, ...], pattern: re.Pattern[str], write: bool
) -> int:
    """Scrub ``fields`` of every value in ``table``; the number of values that changed."""
    changed = 0
    for key, item in list(table.items()):
        new = scrub_fields({f: getattr(item, f) for f in fields}, fields, pattern, place)
        if new:
            changed += 1
            if write:
                if hasattr(item, "version"):  # a stale copy saved later must conflict, not undo this
                    new["version"] = item.version + 1
                table[key] = attrs.evolve(item, **new)  # type: ignore[misc]  # stored values are attrs
    return changed


def _erased_file(file: OutboxAttachment, theirs: bool, pattern: re.Pattern[str] | None) -> OutboxAttachment:
    """A file of a message to the contact loses name and content; another loses the values from its name."""
    if theirs:
        if (file.filename, file.content) == (ERASED, ERASED_CONTENT):
            return file
        return attrs.evolve(file, filename=ERASED, content=ERASED_CONTENT)
    name = scrub_text(file.filename, pattern, limit_of("outbox_attachments", "filename"))
    content = None if pattern is None else erased_bytes(file.filename, file.media_type, file.content, pattern)
    if name == file.filename and content is None:
        return file
    return attrs.evolve(file, filename=name, content=file.content if content is None else content)


def _finished(work: DocumentWork) -> DocumentWork:
    """``work`` done, its waiting name, type and content dropped."""
    return attrs.evolve(work, done=True, name=None, media_type=None, content=None)


class MemoryErasureRepository:
    """Erases contacts in a :class:`~crmkit.adapters.memory.storage.MemoryStorage` (M4)."""

    def __init__(self, uow: MemoryUnitOfWork, storage: MemoryStorage, lock: threading.RLock) -> None:
        self._uow = uow
        self._storage = storage
        self._lock = lock
        self._plans: list[ErasurePlan] = []
        self._new: list[Erasure] = []
        self._works: list[DocumentWork] = []
        self._done: list[tuple[uuid.UUID, DocumentId]] = []

    # -- the port ---------------------------------------------------------------------
    def erase(self, plan: ErasurePlan) -> dict[str, int]:
        """Check the contact, count what changes, and erase it at commit (see the port).

        Raises:
            NotFound: the contact is not stored.
            ConcurrencyConflict: the contact changed since ``plan.contact`` was read.
        """
        self._uow.check_usable()
        with self._lock:
            self._check(plan)
            report = self._run(plan, write=False)
        self._plans.append(plan)
        return report

    def same_person(
        self, contact: ContactId, emails: Sequence[str], phones: Sequence[WrittenPhone]
    ) -> list[Contact]:
        """The other contact records of the same person, by id (see the port)."""
        self._uow.check_usable()
        with self._lock:
            stored = list(self._storage._contacts.values())
        found = [c for c in stored if c.id != contact and same_person(c.email, c.phone, emails, phones)]
        return sorted(found, key=lambda c: c.id)

    def add(self, record: Erasure) -> None:
        """Stage the record of an erasure.

        Raises:
            Duplicate: the id is taken.
        """
        self._uow.check_usable()
        with self._lock:
            taken = any(r.id == record.id for r in (*self._storage._erasures, *self._new))
        if taken:
            raise Duplicate("id", f"erasure {record.id} already exists")
        self._new.append(record)

    def records(self, contact: ContactId | None = None) -> list[Erasure]:
        """Erasure records (of ``contact``), oldest first, ties by id; document counts as they stand."""
        with self._lock:
            found = [*self._storage._erasures, *self._new]
            works = self._current_works()
        counts: dict[uuid.UUID, dict[str, int]] = {}
        for work in works.values():
            place = document_place(work.action, work.done)
            mine = counts.setdefault(work.erasure, {})
            mine[place] = mine.get(place, 0) + 1
        return sorted(
            (
                attrs.evolve(r, report=r.counts | counts.get(r.id, {}))
                for r in found
                if contact is None or r.contact_id == contact
            ),
            key=lambda r: (r.at, r.id),
        )

    def add_documents(self, works: Sequence[DocumentWork]) -> None:
        """Stage documents to delete or rewrite, pending (see the port)."""
        self._uow.check_usable()
        self._works.extend(works)

    def pending_documents(self) -> list[DocumentWork]:
        """Documents recorded and not yet done, by erasure time, then document id (see the port)."""
        self._uow.check_usable()
        with self._lock:
            at: dict[uuid.UUID, tuple[object, uuid.UUID]] = {
                r.id: (r.at, r.id) for r in (*self._storage._erasures, *self._new)
            }
            pending = [w for w in self._current_works().values() if not w.done]
        return sorted(pending, key=lambda w: (*at[w.erasure], w.document))

    def documents_done(self, erasure: ErasureId, documents: Sequence[DocumentId]) -> None:
        """Stage marking documents done (see the port)."""
        self._uow.check_usable()
        self._done.extend((erasure, d) for d in documents)

    def _current_works(self) -> dict[tuple[uuid.UUID, DocumentId], DocumentWork]:
        works = dict(self._storage._erasure_documents)
        works |= {(w.erasure, w.document): w for w in self._works}
        for key in self._done:
            if key in works:
                works[key] = _finished(works[key])
        return works

    # -- staging ------------------------------------------------------------------------
    def verify(self) -> None:
        """Refuse the commit when a contact changed meanwhile, or a record id was taken."""
        for plan in self._plans:
            self._check(plan)
        taken = {r.id for r in self._storage._erasures}
        for record in self._new:
            if record.id in taken:
                raise Duplicate("id", f"erasure {record.id} already exists")

    def apply(self) -> None:
        """Erase every staged plan in the committed data, then keep the records and document work."""
        for plan in self._plans:
            self._run(plan, write=True)
        self._storage._erasures.extend(self._new)
        self._storage._erasure_documents.update(self._current_works())
        self.discard()

    def discard(self) -> None:
        """Forget the staged plans, records and document work."""
        self._plans = []
        self._new = []
        self._works = []
        self._done = []

    # -- the work -----------------------------------------------------------------------
    def _check(self, plan: ErasurePlan) -> None:
        for contact in plan.contacts:
            stored = self._storage._contacts.get(contact.id)
            if stored is None:
                raise NotFound(CONTACT_AGGREGATE, contact.id)
            if stored.version != contact.version and erased_contact(stored) != stored:
                raise ConcurrencyConflict(CONTACT_AGGREGATE, contact.id, contact.version)

    def _run(self, plan: ErasurePlan, *, write: bool) -> dict[str, int]:
        s = self._storage
        pattern = plan.pattern()
        ids = plan.contact_ids
        report: dict[str, int] = {"contacts": 0}

        for contact in plan.contacts:
            stored = s._contacts[contact.id]
            erased = erased_contact(stored)
            if erased != stored:
                report["contacts"] += 1
                erased = attrs.evolve(erased, version=stored.version + 1)
            if write:
                s._contacts[contact.id] = erased
                self._uow.stage_audit(self._erase_entry(contact.id, erased.version))

        report["audit_entries"] = self._audit(s._audit, plan, pattern, write) + self._audit(
            self._uow.staged_audit_entries(), plan, pattern, write
        )

        report |= self._outbox(plan, pattern, write)

        consents = s._outbox.consents
        changed = 0
        for index, record in enumerate(consents):
            if record.contact_id in ids or record.address in plan.addresses:
                if record.address.startswith(CONSENT_TOKEN_PREFIX):
                    continue
                changed += 1
                if write:
                    token = consent_token(record.address, plan.erasure)
                    consents[index] = attrs.evolve(record, address=token)
        report["consent_records"] = changed

        changed = 0
        for campaign, members in s._marketing.recipients.items():
            for index, member in enumerate(members):
                if member.address is not None and (
                    member.contact_id in ids or member.address in plan.addresses
                ):
                    changed += 1
                    if write:
                        members[index] = attrs.evolve(member, address=None)
            s._marketing.recipients[campaign] = members
        report["campaign_recipients"] = changed

        report["companies"] = erase_companies(s, plan, pattern, write)
        if pattern is not None:
            tables: dict[str, MutableMapping[Any, Any]] = {
                "interactions": s._interactions,
                "appointments": s._appointments,
                "reminders": s._reminders,
                "meeting_notes": s._meeting_notes,
                "samples": s._samples,
                "service_cases": s._service.cases,
                "service_bookings": s._service.bookings,
                "claims": s._claims,
                "regions": s._regions,
                "opportunities": s._opportunities.opportunities,
                "offers": s._opportunities.offers,
                "visits": s._visits,
                "service_work_entries": s._service.entries,
                "service_contracts": s._service.contracts,
                "campaigns": s._marketing.campaigns,
            }
            for place, fields in FREE_TEXTS.items():
                report[place] = _evolve_texts(tables[place], place, fields, pattern, write)
        report |= erase_employees(s, plan, pattern, write)
        report |= erase_invoices(s, plan, pattern, write)
        report |= erase_points(s, plan, pattern, write)
        report["kb_articles"] = erase_articles(s, plan, pattern, write)
        return {place: count for place, count in report.items() if count}

    def _outbox(self, plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool) -> dict[str, int]:
        """Messages and their files (§9, M4); contents no message carries any more are dropped."""
        data = self._storage._outbox
        changed_messages = changed_files = 0
        files_of: dict[Any, tuple[OutboxAttachment, ...]] = {}
        rewritten: set[str] = set()
        for key, message in list(data.messages.items()):
            row = attrs.asdict(message, recurse=False)
            ids = plan.contact_ids
            new = erased_message(row, contacts=ids, addresses=plan.addresses, pattern=pattern)
            theirs = message.contact_id in ids or message.recipient in plan.addresses
            files = tuple(_erased_file(f, theirs, pattern) for f in message.attachments)
            files_changed = sum(
                new.filename != old.filename or (theirs and new.content != old.content)
                for new, old in zip(files, message.attachments, strict=True)
            )
            if not theirs:
                rewritten.update(
                    hashlib.sha256(old.content).hexdigest()
                    for old, new in zip(message.attachments, files, strict=True)
                    if old.content != new.content
                )
            changed_files += files_changed
            changed_messages += bool(new)
            files_of[key] = files
            if write and (new or files != message.attachments):
                data.messages[key] = attrs.evolve(message, **new, attachments=files)
        kept = {
            hashlib.sha256(f.content).hexdigest(): f.content for files in files_of.values() for f in files
        }
        dropped = [digest for digest in data.blobs if digest not in kept]
        if write:
            for digest in dropped:
                del data.blobs[digest]
            for digest, content in kept.items():
                data.blobs.setdefault(digest, content)
        return {
            "outbox_messages": changed_messages,
            "outbox_attachments": changed_files,
            "outbox_blobs": len(dropped),
            "outbox_contents": len(rewritten),
        }

    def _erase_entry(self, contact: ContactId, version: int) -> AuditEntry:
        """The contact's own ``erase`` entry: which fields went, no values (C12, M4)."""
        return AuditEntry(
            actor_id=None if self._uow.actor is None else str(self._uow.actor),
            at=self._storage.clock.now(),
            aggregate_type=CONTACT_AGGREGATE,
            aggregate_id=str(contact),
            version=version,
            action="erase",
            changes=tuple(FieldChange(f, None, None) for f in PERSONAL_FIELDS),
        )

    @staticmethod
    def _audit(
        entries: list[AuditEntry], plan: ErasurePlan, pattern: re.Pattern[str] | None, write: bool
    ) -> int:
        changed = 0
        own_ids = {str(c) for c in plan.contact_ids}
        for index, entry in enumerate(entries):
            own = entry.aggregate_type == CONTACT_AGGREGATE and entry.aggregate_id in own_ids
            triples = [(c.field, c.old, c.new) for c in entry.changes]
            new = scrub_changes(triples, pattern, own=own)
            if new is not None:
                changed += 1
                if write:
                    changes = tuple(FieldChange(str(f), o, n) for f, o, n in new)
                    entries[index] = attrs.evolve(entry, changes=changes)
        return changed
