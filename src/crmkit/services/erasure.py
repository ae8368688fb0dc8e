"""Erasure on request: ``crm.parties.erase_contact`` and ``crm.parties.erasures`` (SPEC M4, KVKK art. 7).

One unit of work erases the person's personal data everywhere the storage
keeps it (:class:`~crmkit.ports.erasure.ErasureRepository`) and records the
erasure with the document work it needs, pending; once it has committed the
documents (C10) are deleted or rewritten in the document store and each piece
of work is marked done. ``crm.parties.finish_erasures`` (a system operation)
finishes work a crash left pending. What the erasure keeps, and why, is
described in :mod:`crmkit.domain.erasure`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.erasure import (
    DocumentAction,
    DocumentWork,
    Erasure,
    ErasureId,
    ErasurePlan,
    WrittenPhone,
    erased_document,
    erasure_phones,
    erasure_values,
    scrub_text,
)
from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, ContactId, parse_id
from crmkit.domain.limits import NOTE_MAX, check_text
from crmkit.domain.parties import Company, CompanyKind, Contact
from crmkit.domain.permissions import may_erase_contact
from crmkit.ports.documents import DocumentScan
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase
from crmkit.validation import phone_parts

__all__ = ["ErasureUseCases"]

_ADDRESS_FIELDS = ("phone", "email")


def _earlier(uow: UnitOfWork, contact: Contact) -> list[tuple[str, str | None]]:
    """``(field, value)`` pairs of every value the contact's history (C12) shows."""
    return [
        (change.field, value)
        for entry in uow.audit.for_record("contact", str(contact.id))
        for change in entry.changes
        for value in (change.old, change.new)
    ]


def _addresses(contact: Contact, earlier: Sequence[tuple[str, str | None]]) -> set[str]:
    """The contact's phone numbers and e-mail addresses, now and in its history."""
    now = [(f, getattr(contact, f)) for f in _ADDRESS_FIELDS]
    return {value for field, value in [*now, *earlier] if field in _ADDRESS_FIELDS and value}


class ErasureUseCases(ServiceBase):
    """``crm.parties.erase_contact`` / ``erasures`` (M4): admins only."""

    def erase_contact(self, *, actor: ActorRef, contact: object, reason: str) -> Erasure:
        """Erase a contact's personal data on request (M4, KVKK art. 7, GDPR art. 17).

        The contact keeps its id (interactions, meeting notes and campaign sends
        still refer to it) but its name becomes ``"[erased]"`` and its title,
        position, phone and e-mail go. Its name, phone and e-mail — as they are
        now and as its history (C12) shows them earlier, in any case, Turkish
        spelling or phone spacing (:mod:`crmkit.domain.erasure_text`) — are
        erased from its audit entries, from messages to it (a message still
        waiting is skipped), from every other message, interaction, appointment,
        reminder, meeting note, sample, service case, booking, claim, region,
        opportunity, offer, visit, work entry, contract, point-ledger text,
        campaign and knowledge-base article (with its search index) that mentions
        them — never making a text longer than its field allows — from campaign
        sends, from a person buyer's name on imported invoices and sales orders,
        from employee records of the same person whose employment ended, and
        from the names and contents (compressed ones too) of every other document;
        its consent records keep channel, decision, date and source, with the
        address replaced by a keyed token
        (:func:`~crmkit.domain.erasure.consent_token`); documents attached to it
        are deleted. Aggregates — invoice amounts, dates and tax numbers, actuals,
        point balances, campaign counts — stay. What is erased where, and why, is
        described in :mod:`crmkit.domain.erasure`.

        The same person's other contact records — sharing an e-mail address or a phone
        number with her, never just a name (:func:`~crmkit.domain.erasure.same_person`) —
        are erased with her, and named in the record's ``others``.

        Args:
            actor: an admin.
            contact: the contact's id.
            reason: why (the request's reference); stored with the erasure, the
                erased values scrubbed out of it.

        Returns:
            The :class:`~crmkit.domain.erasure.Erasure` record; its ``report`` says
            how many rows of each place had something erased: the places of
            :data:`~crmkit.ports.erasure.ERASURE_PLACES`, ``documents`` (its own,
            deleted), ``document_contents`` (other documents rewritten),
            ``documents_pending`` / ``document_contents_pending`` (recorded, not yet done:
            only after a failure, until ``finish_erasures``) and ``documents_unsearched``
            (1: the document store cannot be walked, so other documents were not looked at).

        Raises:
            PermissionDenied: the actor is no admin (rule ``M4``).
            NotFound: no such contact.
            ValidationError: a blank or overlong ``reason``.
            ConcurrencyConflict: the contact changed meanwhile; nothing was erased.

        A repeated request is recorded again and finds nothing more: the values went
        with the first erasure, so a text typed with them afterwards is new data.
        """
        text = check_text("reason", reason, NOTE_MAX)
        if not text.strip():
            raise ValidationError("reason", "must not be blank")
        with self._as(actor) as (uow, who):
            may_erase_contact(who).enforce()
            found = uow.contacts.get(ContactId(parse_id("contact", contact)))
            plan = self._plan(uow, found)
            pattern = plan.pattern()
            report = uow.erasures.erase(plan)
            own: list[Document] = []
            for person in plan.contacts:
                own += self._ctx.documents.list_for(DocumentOwner(OwnerKind.CONTACT, str(person.id)))
            works = [
                DocumentWork(erasure=plan.erasure, document=d.id, action=DocumentAction.DELETE) for d in own
            ]
            waiting = uow.erasures.pending_documents()
            works += self._rewrites(plan.erasure, pattern, {d.id for d in own}, waiting, report)
            uow.erasures.add(
                Erasure(
                    id=plan.erasure,
                    contact_id=found.id,
                    company_id=found.company_id,
                    actor_id=who.id,
                    at=self._now(),
                    reason=scrub_text(text, pattern, NOTE_MAX),
                    report=report,
                    others=[c.id for c in plan.others],
                )
            )
            uow.erasures.add_documents(works)
        self._write_documents(works, waiting)
        with self._work(None) as uow:
            return next(r for r in uow.erasures.records(found.id) if r.id == plan.erasure)

    def _plan(self, uow: UnitOfWork, found: Contact) -> ErasurePlan:
        """What to erase: ``found`` and the same person's other records, with all their values.

        The other records are those :func:`~crmkit.domain.erasure.same_person` matches; each
        record's values are taken now and from its history (C12, M4).
        """
        earlier = _earlier(uow, found)
        mine = _addresses(found, earlier)
        phones = [WrittenPhone(*phone_parts(p)) for p in erasure_phones(found, earlier)]
        others = uow.erasures.same_person(found.id, [a for a in mine if "@" in a], phones)
        values: set[str] = set()
        addresses: set[str] = set()
        numbers: set[str] = set()
        companies: dict[CompanyId, Company] = {}
        for person in (found, *others):
            history = earlier if person is found else _earlier(uow, person)
            values.update(erasure_values(person, history))
            addresses.update(_addresses(person, history))
            numbers.update(erasure_phones(person, history))
            if person.company_id not in companies:
                companies[person.company_id] = uow.companies.get(person.company_id)
        individual = [c for c in companies.values() if c.kind is CompanyKind.INDIVIDUAL]
        return ErasurePlan(
            erasure=ErasureId(self._new_id()),
            contact=found,
            others=others,
            values=sorted(values, key=lambda v: (-len(v), v)),
            addresses=sorted(addresses),
            phones=[WrittenPhone(*phone_parts(p)) for p in sorted(numbers)],
            own_buyers=sorted(c.tax_no for c in individual if c.tax_no),
            own_companies=[c.id for c in individual],
        )

    def _rewrites(
        self,
        erasure: ErasureId,
        pattern: re.Pattern[str] | None,
        own: set[object],
        waiting: Sequence[DocumentWork],
        report: dict[str, int],
    ) -> list[DocumentWork]:
        """Every other document with the values erased from its name or content (C10, M4), as work to do.

        A document an earlier erasure still has to rewrite (``waiting``, after a crash) is
        taken as that rewrite left it, so the later rewrite — done after it — keeps both
        erasures; one still to be deleted is left to that deletion. A store that cannot be
        walked (:class:`~crmkit.ports.documents.DocumentScan`) is reported as
        ``documents_unsearched``.
        """
        store = self._ctx.documents
        if not isinstance(store, DocumentScan):
            report["documents_unsearched"] = 1
            return []
        deleted = {w.document for w in waiting if w.action is DocumentAction.DELETE}
        rewritten = {w.document: w for w in waiting if w.action is DocumentAction.REPLACE}
        works: list[DocumentWork] = []
        for stored in store.each():
            if stored.id in own or stored.id in deleted:
                continue
            document = stored
            earlier = rewritten.get(stored.id)
            if earlier is not None and earlier.name and earlier.media_type and earlier.content is not None:
                document = attrs.evolve(
                    stored, name=earlier.name, media_type=earlier.media_type, content=earlier.content
                )
            new = erased_document(document.name, document.media_type, document.content, pattern)
            if new is not None:
                name, media_type, content = new
                works.append(
                    DocumentWork(
                        erasure=erasure,
                        document=document.id,
                        action=DocumentAction.REPLACE,
                        name=name,
                        media_type=media_type,
                        content=content,
                    )
                )
        return works

    def _write_documents(self, works: Sequence[DocumentWork], waiting: Sequence[DocumentWork]) -> None:
        """Do the recorded document work in the document store, then mark it done (M4, C10).

        Each document is written before it is marked; a crash in between leaves it pending
        and :meth:`finish_erasures` writes it again, which changes nothing more. Earlier
        erasures' pending work on the same document (``waiting``) is marked done with it:
        this work was computed from theirs (or deletes the document), so it carries them.
        """
        store = self._ctx.documents
        for work in works:
            if work.action is DocumentAction.DELETE:
                store.delete(work.document)
            elif isinstance(store, DocumentScan) and work.content is not None:
                assert work.name is not None and work.media_type is not None  # a rewrite carries all three
                try:
                    stored = store.get(work.document)
                except NotFound:
                    stored = None  # deleted meanwhile: nothing is left to rewrite
                if stored is not None:
                    store.replace(
                        attrs.evolve(stored, name=work.name, media_type=work.media_type, content=work.content)
                    )
            carried = [w for w in waiting if w.document == work.document and w.erasure != work.erasure]
            with self._work(None) as uow:
                for done in (work, *carried):
                    uow.erasures.documents_done(ErasureId(done.erasure), [done.document])

    def finish_erasures(self) -> int:
        """Finish document work erasures recorded but did not do (system operation, M4, C10).

        An erasure commits first and rewrites documents after; a crash in between leaves
        their work pending (its report says ``documents_pending`` /
        ``document_contents_pending``). This does it and marks it done; of several
        erasures' pending work on one document only the latest is written (it was computed
        from the earlier ones). Idempotent: run it at start-up or on a schedule; with
        nothing pending it does nothing.

        Returns:
            How many documents it deleted or rewrote.
        """
        with self._work(None) as uow:
            pending = uow.erasures.pending_documents()
        latest = {w.document: w for w in pending}  # oldest erasure first: the last one wins
        self._write_documents(list(latest.values()), pending)
        return len(latest)

    def erasures(self, *, actor: ActorRef, contact: object | None = None) -> list[Erasure]:
        """The erasure records (of one contact), oldest first: admins only (M4).

        Raises:
            PermissionDenied: the actor is no admin (rule ``M4``).
        """
        wanted = None if contact is None else ContactId(parse_id("contact", contact))
        with self._as(actor) as (uow, who):
            may_erase_contact(who).enforce()
            return uow.erasures.records(wanted)
