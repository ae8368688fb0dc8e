"""Erasure on request in the SQL back ends (M4): see :class:`crmkit.ports.erasure.ErasureRepository`.

Everything happens in the unit of work's transaction. Each place is read
through a prefilter that every match passes — ``LIKE`` on the ASCII pieces of
each name and e-mail and on a phone's digits in order
(:func:`~crmkit.adapters.sqlalchemy.erasure_places.mentions`) — so only rows
that may hold a value come back; the rules of
:mod:`crmkit.adapters.erasing` then decide, row by row, what changes, the
same way the memory back end decides. A row whose text changes gets
``version + 1`` when it has a version, so a stale copy saved later raises
``ConcurrencyConflict`` instead of writing the erased value back.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.audit import CONTACT_AGGREGATE
from crmkit.adapters.erasing import (
    ERASED_CONTENT,
    ERASED_DIGEST,
    FREE_TEXTS,
    MESSAGE_TEXTS,
    erased_message,
    limit_of,
    scrub_changes,
    scrub_fields,
)
from crmkit.adapters.sqlalchemy import tables
from crmkit.adapters.sqlalchemy._convert import local, offset_of, utc
from crmkit.adapters.sqlalchemy.bulk import upsert
from crmkit.adapters.sqlalchemy.erasure_places import (
    erase_articles,
    erase_companies,
    erase_employees,
    erase_invoices,
    erase_points,
    mentions,
)
from crmkit.adapters.sqlalchemy.tables import metadata
from crmkit.adapters.sqlalchemy.tables.erasure import erasure_documents, erasures
from crmkit.domain.erasure import (
    CONSENT_TOKEN_PREFIX,
    ERASED,
    PERSONAL_FIELDS,
    DocumentAction,
    DocumentWork,
    Erasure,
    ErasureId,
    ErasurePlan,
    consent_token,
    document_place,
    erased_contact,
    same_person,
    scrub_text,
)
from crmkit.domain.erasure_files import erased_bytes
from crmkit.domain.erasure_text import WrittenPhone, anchors, phone_like
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, EmployeeId
from crmkit.domain.messaging import OutboxState
from crmkit.domain.parties import Contact

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlErasureRepository"]

_STATES = {s.value: s for s in OutboxState}
_PENDING = "pending"
_DONE = "done"


class SqlErasureRepository:
    """Erases contacts in the SQL database of a unit of work (M4)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def erase(self, plan: ErasurePlan) -> dict[str, int]:
        """Erase ``plan.contact`` everywhere in the database (see the port); place → rows changed.

        Raises:
            NotFound: the contact is not stored.
            ConcurrencyConflict: the contact changed since ``plan.contact`` was read; nothing is erased.
        """
        pattern = plan.pattern()
        report = {"contacts": sum(self._contact(contact) for contact in plan.contacts)}
        report["audit_entries"] = self._audit(plan, pattern)
        for contact in plan.contacts:
            self._erase_entry(contact)
        report |= self._outbox(plan, pattern)
        report["consent_records"] = self._consents(plan)
        report["campaign_recipients"] = self._recipients(plan)
        report["companies"] = erase_companies(self._uow, plan, pattern)
        if pattern is not None:
            for place, fields in FREE_TEXTS.items():
                report[place] = self._scrub(metadata.tables[place], fields, plan, pattern)
        report |= erase_employees(self._uow, plan, pattern)
        report |= erase_invoices(self._uow, plan, pattern)
        report |= erase_points(self._uow, plan, pattern)
        report["kb_articles"] = erase_articles(self._uow, plan, pattern)
        return {place: count for place, count in report.items() if count}

    def same_person(
        self, contact: ContactId, emails: Sequence[str], phones: Sequence[WrittenPhone]
    ) -> list[Contact]:
        """The other contact records of the same person, by id (see the port).

        ``LIKE`` narrows the rows (an e-mail's anchors, a phone's digits in order); the
        domain rule (:func:`~crmkit.domain.erasure.same_person`) decides.
        """
        t = tables.contacts
        found: list[sa.ColumnElement[bool]] = []
        for email in emails:
            pieces = anchors(email)
            matching = [t.c.email.icontains(p, autoescape=True) for p in pieces]
            found.append(sa.and_(*matching) if matching else t.c.email.is_not(None))
        found += [t.c.phone.like(phone_like(p)) for p in phones if p.national]
        if not found:
            return []
        query = sa.select(t.c.id, t.c.email, t.c.phone).where(t.c.id != contact, sa.or_(*found))
        ids = [
            row.id for row in self._uow.execute(query) if same_person(row.email, row.phone, emails, phones)
        ]
        return sorted(self._uow.contacts.get_many(ContactId(i) for i in ids).values(), key=lambda c: c.id)

    def add(self, record: Erasure) -> None:
        """Keep the record of an erasure.

        Raises:
            Duplicate: the id is taken.
        """
        row = {
            "id": record.id,
            "contact_id": record.contact_id,
            "company_id": record.company_id,
            "actor_id": record.actor_id,
            "at": utc(record.at),
            "at_offset": offset_of(record.at),  # read back at the clock's offset (V1, revision 0023)
            "reason": record.reason,
            "report": [list(pair) for pair in record.report],
            "others": [str(c) for c in record.others],
        }
        connection = self._uow.connection
        savepoint = connection.begin_nested()
        try:
            connection.execute(sa.insert(erasures), row)
        except IntegrityError:
            savepoint.rollback()
            raise Duplicate("id", f"erasure {record.id} already exists") from None
        savepoint.commit()

    def records(self, contact: ContactId | None = None) -> list[Erasure]:
        """Erasure records (of ``contact``), oldest first, ties by id; document counts as they stand."""
        query = sa.select(erasures).order_by(erasures.c.at, erasures.c.id)
        if contact is not None:
            query = query.where(erasures.c.contact_id == contact)
        rows = list(self._uow.execute(query))
        d = erasure_documents
        counted = sa.select(d.c.erasure_id, d.c.action, d.c.state, sa.func.count().label("n")).group_by(
            d.c.erasure_id, d.c.action, d.c.state
        )
        if contact is not None:
            counted = counted.where(d.c.erasure_id.in_([row.id for row in rows] or [None]))
        works: dict[Any, dict[str, int]] = {}
        for work in self._uow.execute(counted):
            place = document_place(DocumentAction(work.action), work.state == _DONE)
            works.setdefault(work.erasure_id, {})[place] = int(work.n)
        return [
            Erasure(
                id=ErasureId(row.id),
                contact_id=ContactId(row.contact_id),
                company_id=CompanyId(row.company_id),
                actor_id=EmployeeId(row.actor_id),
                at=local(row.at, row.at_offset),
                reason=row.reason,
                report={str(place): int(count) for place, count in row.report} | works.get(row.id, {}),
                others=tuple(ContactId(uuid.UUID(str(c))) for c in row.others or ()),
            )
            for row in rows
        ]

    def add_documents(self, works: Sequence[DocumentWork]) -> None:
        """Record documents to delete or rewrite, pending (see the port)."""
        for work in works:
            row = {
                "erasure_id": work.erasure,
                "document_id": work.document,
                "action": work.action.value,
                "state": _DONE if work.done else _PENDING,
                "name": work.name,
                "media_type": work.media_type,
                "content": work.content,
            }
            self._uow.execute(sa.insert(erasure_documents), row)

    def pending_documents(self) -> list[DocumentWork]:
        """Documents recorded and not yet done, by erasure time, then document id (see the port)."""
        d, e = erasure_documents, erasures
        query = (
            sa.select(d)
            .join(e, e.c.id == d.c.erasure_id)
            .where(d.c.state == _PENDING)
            .order_by(e.c.at, e.c.id, d.c.document_id)
        )
        return [
            DocumentWork(
                erasure=row.erasure_id,
                document=DocumentId(row.document_id),
                action=DocumentAction(row.action),
                name=row.name,
                media_type=row.media_type,
                content=None if row.content is None else bytes(row.content),
            )
            for row in self._uow.execute(query)
        ]

    def documents_done(self, erasure: ErasureId, documents: Sequence[DocumentId]) -> None:
        """Mark documents done and drop their waiting contents (see the port)."""
        d = erasure_documents
        if documents:
            self._uow.execute(
                sa.update(d)
                .where(d.c.erasure_id == erasure, d.c.document_id.in_(list(documents)))
                .values(state=_DONE, name=None, media_type=None, content=None)
            )

    # -- the places ---------------------------------------------------------------------
    def _contact(self, contact: Contact) -> int:
        t = tables.contacts
        row = self._uow.execute(sa.select(t).where(t.c.id == contact.id)).mappings().first()
        if row is None:
            raise NotFound(CONTACT_AGGREGATE, contact.id)
        erased = erased_contact(contact)
        values = {f: getattr(erased, f) for f in PERSONAL_FIELDS}
        if row["version"] != contact.version:
            if all(row[f] == v for f, v in values.items()):
                return 0  # erased already (a repeated request)
            raise ConcurrencyConflict(CONTACT_AGGREGATE, contact.id, contact.version)
        if all(row[f] == v for f, v in values.items()):
            return 0
        update = (
            sa.update(t)
            .where(t.c.id == contact.id, t.c.version == contact.version)
            .values(values | {"version": contact.version + 1})
        )
        if self._uow.execute(update).rowcount != 1:
            raise ConcurrencyConflict(CONTACT_AGGREGATE, contact.id, contact.version)
        return 1

    def _erase_entry(self, contact: Contact) -> None:
        """The contact's own ``erase`` entry: which fields went, no values (C12, M4)."""
        t = tables.contacts
        version = self._uow.execute(sa.select(t.c.version).where(t.c.id == contact.id)).scalar_one()
        now = self._uow.clock.now()
        row = {
            "actor_id": None if self._uow.actor is None else str(self._uow.actor),
            "at": utc(now),
            "at_offset": offset_of(now),  # read back at the offset it was written with (revision 0018)
            "aggregate_type": CONTACT_AGGREGATE,
            "aggregate_id": str(contact.id),
            "version": version,
            "action": "erase",
            "changes": [[field, None, None] for field in PERSONAL_FIELDS],
        }
        self._uow.execute(sa.insert(tables.audit_entries), row)

    def _audit(self, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> int:
        t = tables.audit_entries
        own_ids = sorted(str(c) for c in plan.contact_ids)
        own = sa.and_(t.c.aggregate_type == CONTACT_AGGREGATE, t.c.aggregate_id.in_(own_ids))
        text = sa.cast(t.c.changes, sa.Text)  # anchors are plain ASCII: JSON escapes nothing in them
        query = sa.select(t.c.id, t.c.aggregate_type, t.c.aggregate_id, t.c.changes).where(
            sa.or_(own, mentions([text], plan))
        )
        changed = 0
        for row in list(self._uow.execute(query)):
            is_own = row.aggregate_type == CONTACT_AGGREGATE and row.aggregate_id in own_ids
            new = scrub_changes(row.changes, pattern, own=is_own)
            if new is not None:
                changed += 1
                self._uow.execute(sa.update(t).where(t.c.id == row.id).values(changes=new))
        return changed

    def _outbox(self, plan: ErasurePlan, pattern: re.Pattern[str] | None) -> dict[str, int]:
        t = tables.outbox_messages
        to_contact = sa.or_(t.c.contact_id.in_(plan.contact_ids), t.c.recipient.in_(plan.addresses or [""]))
        texts = [t.c[name] for name in MESSAGE_TEXTS]
        query = sa.select(t).where(sa.or_(to_contact, mentions(texts, plan)))
        changed = 0
        theirs: list[Any] = []
        for found in list(self._uow.execute(query).mappings()):
            row = dict(found) | {"state": _STATES[found["state"]]}
            if row["contact_id"] in plan.contact_ids or row["recipient"] in plan.addresses:
                theirs.append(row["id"])
            new = erased_message(row, contacts=plan.contact_ids, addresses=plan.addresses, pattern=pattern)
            if new:
                changed += 1
                if "state" in new:
                    new["state"] = new["state"].value
                self._uow.execute(sa.update(t).where(t.c.id == row["id"]).values(new))
        changed_files, dropped = self._files(theirs, plan, pattern)
        rewritten, gone = self._contents(theirs, pattern)
        return {
            "outbox_messages": changed,
            "outbox_attachments": changed_files,
            "outbox_blobs": dropped + gone,
            "outbox_contents": rewritten,
        }

    def _contents(self, theirs: Sequence[Any], pattern: re.Pattern[str] | None) -> tuple[int, int]:
        """Stored contents of other messages' files lose the values (§9, M4, issue 11).

        Each distinct content (and media type) is read once and rewritten as a document
        would be (:func:`~crmkit.domain.erasure_files.erased_bytes`: text, binary,
        compressed); the files carrying it are pointed at the new content. A stored
        content cannot be narrowed with ``LIKE`` (it may be compressed), so every one is
        read: an erasure reads the whole outbox file store once.

        Returns:
            ``(contents rewritten, stored contents dropped)``.
        """
        if pattern is None:
            return 0, 0
        a, b = tables.outbox_attachments, tables.outbox_blobs
        others = sa.not_(a.c.message_id.in_(theirs)) if theirs else sa.true()
        kinds = (
            sa.select(a.c.digest, a.c.media_type, sa.func.min(a.c.filename).label("filename"))
            .where(others)
            .group_by(a.c.digest, a.c.media_type)
            .order_by(a.c.digest, a.c.media_type)
        )
        rewritten: set[str] = set()
        for kind in list(self._uow.execute(kinds)):
            content = self._uow.execute(sa.select(b.c.content).where(b.c.digest == kind.digest)).scalar()
            if content is None:
                continue
            new = erased_bytes(kind.filename, kind.media_type, bytes(content), pattern)
            if new is None:
                continue
            digest = hashlib.sha256(new).hexdigest()
            self._uow.execute(
                upsert(b, self._uow.connection.dialect, ["digest"]),
                {"digest": digest, "size": len(new), "content": new},
            )
            self._uow.execute(
                sa.update(a)
                .where(others, a.c.digest == kind.digest, a.c.media_type == kind.media_type)
                .values(digest=digest)
            )
            rewritten.add(kind.digest)
        dropped = 0
        for digest in sorted(rewritten):
            still = sa.select(sa.func.count()).select_from(a).where(a.c.digest == digest)
            if self._uow.execute(still).scalar_one() == 0:
                dropped += int(self._uow.execute(sa.delete(b).where(b.c.digest == digest)).rowcount)
        return len(rewritten), dropped

    def _files(
        self, theirs: Sequence[Any], plan: ErasurePlan, pattern: re.Pattern[str] | None
    ) -> tuple[int, int]:
        """Files of messages to the contact lose name and content; others the values from their names.

        Returns:
            ``(files changed, stored contents dropped)``: a content no file refers to any more goes.
        """
        a, b = tables.outbox_attachments, tables.outbox_blobs
        query = sa.select(a.c.message_id, a.c.position, a.c.filename, a.c.digest).where(
            sa.or_(a.c.message_id.in_(theirs or [None]), mentions([a.c.filename], plan))
        )
        changed = 0
        left: set[str] = set()
        for file in list(self._uow.execute(query)):
            if file.message_id in theirs:
                new = {"filename": ERASED, "digest": ERASED_DIGEST}
            else:
                name = scrub_text(file.filename, pattern, limit_of("outbox_attachments", "filename"))
                new = {"filename": name, "digest": file.digest}
            if (new["filename"], new["digest"]) == (file.filename, file.digest):
                continue
            if new["digest"] != file.digest:
                left.add(file.digest)
                self._uow.execute(
                    upsert(b, self._uow.connection.dialect, ["digest"]),
                    {"digest": ERASED_DIGEST, "size": len(ERASED_CONTENT), "content": ERASED_CONTENT},
                )
            changed += 1
            self._uow.execute(
                sa.update(a)
                .where(a.c.message_id == file.message_id, a.c.position == file.position)
                .values(new)
            )
        dropped = 0
        for digest in sorted(left):
            still = sa.select(sa.func.count()).select_from(a).where(a.c.digest == digest)
            if self._uow.execute(still).scalar_one() == 0:
                dropped += int(self._uow.execute(sa.delete(b).where(b.c.digest == digest)).rowcount)
        return changed, dropped

    def _consents(self, plan: ErasurePlan) -> int:
        t = tables.consent_records
        query = sa.select(t.c.id, t.c.address).where(
            sa.or_(t.c.contact_id.in_(plan.contact_ids), t.c.address.in_(plan.addresses or [""])),
            sa.not_(t.c.address.startswith(CONSENT_TOKEN_PREFIX, autoescape=True)),
        )
        rows = list(self._uow.execute(query))
        for row in rows:
            token = consent_token(row.address, plan.erasure)
            self._uow.execute(sa.update(t).where(t.c.id == row.id).values(address=token))
        return len(rows)

    def _recipients(self, plan: ErasurePlan) -> int:
        t = tables.campaign_recipients
        update = (
            sa.update(t)
            .where(
                t.c.address.is_not(None),
                sa.or_(t.c.contact_id.in_(plan.contact_ids), t.c.address.in_(plan.addresses or [""])),
            )
            .values(address=None)
        )
        return int(self._uow.execute(update).rowcount)

    def _scrub(
        self, table: sa.Table, fields: tuple[str, ...], plan: ErasurePlan, pattern: re.Pattern[str]
    ) -> int:
        versioned = "version" in table.c
        columns = [table.c[f] for f in fields]
        extra = [table.c.version] if versioned else []
        query = sa.select(table.c.id, *extra, *columns).where(mentions(columns, plan))
        changed = 0
        for row in list(self._uow.execute(query).mappings()):
            new = scrub_fields(dict(row), fields, pattern, table.name)
            if new:
                changed += 1
                if versioned:
                    new["version"] = row["version"] + 1
                self._uow.execute(sa.update(table).where(table.c.id == row["id"]).values(new))
        return changed
