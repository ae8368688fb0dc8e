"""Erasure on request: ``crm.parties.erase_contact`` and ``crm.parties.erasures`` (SPEC M4, KVKK art. 7).

One unit of work erases the contact's personal data everywhere the storage
keeps it (:class:`~crmkit.ports.erasure.ErasureRepository`) and records the
erasure; the contact's documents (C10) are deleted from the document store
once that unit of work has committed. What the erasure keeps, and why, is
described in :mod:`crmkit.domain.erasure`.
"""

from __future__ import annotations

import re

import attrs

from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.erasure import (
    Erasure,
    ErasureId,
    ErasurePlan,
    WrittenPhone,
    erased_document,
    erasure_phones,
    erasure_values,
    scrub_text,
)
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import ContactId, parse_id
from crmkit.domain.limits import NOTE_MAX, check_text
from crmkit.domain.parties import CompanyKind
from crmkit.domain.permissions import may_erase_contact
from crmkit.ports.documents import DocumentScan
from crmkit.services.base import ActorRef, ServiceBase
from crmkit.validation import phone_parts

__all__ = ["ErasureUseCases"]

_ADDRESS_FIELDS = ("phone", "email")


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
        opportunity, offer, visit, work entry, contract and point-ledger text that
        mentions them, from campaign sends, from a person buyer's name on imported
        invoices and sales orders, from employee records of the same person whose
        employment ended, and from the names and contents of every other document;
        its consent records keep channel, decision, date and source, with the
        address replaced by a keyed token
        (:func:`~crmkit.domain.erasure.consent_token`); documents attached to it
        are deleted. Aggregates — invoice amounts, dates and tax numbers, actuals,
        point balances, campaign counts — stay. What is erased where, and why, is
        described in :mod:`crmkit.domain.erasure`.

        Args:
            actor: an admin.
            contact: the contact's id.
            reason: why (the request's reference); stored with the erasure, the
                erased values scrubbed out of it.

        Returns:
            The :class:`~crmkit.domain.erasure.Erasure` record; its ``report`` says
            how many rows of each place had something erased: the places of
            :data:`~crmkit.ports.erasure.ERASURE_PLACES`, ``documents`` (its own,
            deleted), ``document_contents`` (other documents changed) and
            ``documents_unsearched`` (1: the document store cannot be walked, so other
            documents were not looked at).

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
            earlier = [
                (change.field, value)
                for entry in uow.audit.for_record("contact", str(found.id))
                for change in entry.changes
                for value in (change.old, change.new)
            ]
            addresses = {
                value
                for field, value in [*((f, getattr(found, f)) for f in _ADDRESS_FIELDS), *earlier]
                if field in _ADDRESS_FIELDS and value
            }
            company = uow.companies.get(found.company_id)
            individual = company.kind is CompanyKind.INDIVIDUAL
            plan = ErasurePlan(
                erasure=ErasureId(self._new_id()),
                contact=found,
                values=erasure_values(found, earlier),
                addresses=sorted(addresses),
                phones=[WrittenPhone(*phone_parts(p)) for p in erasure_phones(found, earlier)],
                own_buyer=company.tax_no if individual else None,
                individual=individual,
            )
            pattern = plan.pattern()
            report = uow.erasures.erase(plan)
            owner = DocumentOwner(OwnerKind.CONTACT, str(found.id))
            documents = self._ctx.documents.list_for(owner)
            if documents:
                report["documents"] = len(documents)
            changed = self._documents(pattern, {d.id for d in documents}, report)
            record = Erasure(
                id=plan.erasure,
                contact_id=found.id,
                company_id=found.company_id,
                actor_id=who.id,
                at=self._now(),
                reason=scrub_text(text, pattern, NOTE_MAX),
                report=report,
            )
            uow.erasures.add(record)
        for document in documents:
            self._ctx.documents.delete(document.id)
        if changed:
            store = self._ctx.documents
            assert isinstance(store, DocumentScan)
            for document in changed:
                store.replace(document)
        return record

    def _documents(
        self, pattern: re.Pattern[str] | None, own: set[object], report: dict[str, int]
    ) -> list[Document]:
        """Every other document with the values erased from its name or content (C10, M4).

        A store that cannot be walked (:class:`~crmkit.ports.documents.DocumentScan`) is
        reported as ``documents_unsearched``.
        """
        store = self._ctx.documents
        if not isinstance(store, DocumentScan):
            report["documents_unsearched"] = 1
            return []
        changed: list[Document] = []
        for document in store.each():
            if document.id in own:
                continue
            new = erased_document(document.name, document.media_type, document.content, pattern)
            if new is not None:
                name, media_type, content = new
                changed.append(attrs.evolve(document, name=name, media_type=media_type, content=content))
        if changed:
            report["document_contents"] = len(changed)
        return changed

    def erasures(self, *, actor: ActorRef, contact: object | None = None) -> list[Erasure]:
        """The erasure records (of one contact), oldest first: admins only (M4).

        Raises:
            PermissionDenied: the actor is no admin (rule ``M4``).
        """
        wanted = None if contact is None else ContactId(parse_id("contact", contact))
        with self._as(actor) as (uow, who):
            may_erase_contact(who).enforce()
            return uow.erasures.records(wanted)
