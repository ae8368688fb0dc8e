"""Erasure on request: ``crm.parties.erase_contact`` and ``crm.parties.erasures`` (SPEC M4, KVKK art. 7).

One unit of work erases the contact's personal data everywhere the storage
keeps it (:class:`~crmkit.ports.erasure.ErasureRepository`) and records the
erasure; the contact's documents (C10) are deleted from the document store
once that unit of work has committed. What the erasure keeps, and why, is
described in :mod:`crmkit.domain.erasure`.
"""

from __future__ import annotations

from crmkit.domain.documents import DocumentOwner, OwnerKind
from crmkit.domain.erasure import (
    Erasure,
    ErasureId,
    ErasurePlan,
    erasure_values,
    scrub_text,
)
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import ContactId, parse_id
from crmkit.domain.limits import NOTE_MAX, check_text
from crmkit.domain.permissions import may_erase_contact
from crmkit.services.base import ActorRef, ServiceBase

__all__ = ["ErasureUseCases"]

_ADDRESS_FIELDS = ("phone", "email")


class ErasureUseCases(ServiceBase):
    """``crm.parties.erase_contact`` / ``erasures`` (M4): admins only."""

    def erase_contact(self, *, actor: ActorRef, contact: object, reason: str) -> Erasure:
        """Erase a contact's personal data on request (M4, KVKK art. 7, GDPR art. 17).

        The contact keeps its id (interactions, meeting notes and campaign sends
        still refer to it) but its name becomes ``"[erased]"`` and its title,
        position, phone and e-mail go. Its name, phone and e-mail — as they are
        now and as its history (C12) shows them earlier — are erased from its
        audit entries, from messages to it (a message still waiting is skipped),
        from every other message, interaction, appointment, reminder, meeting
        note, sample, service case and booking text that mentions them, and from
        campaign sends; its consent records keep channel, decision, date and
        source, with the address replaced by a keyed token
        (:func:`~crmkit.domain.erasure.consent_token`); documents attached to it
        are deleted. Aggregates — invoices, point ledgers, campaign counts — stay.

        Args:
            actor: an admin.
            contact: the contact's id.
            reason: why (the request's reference); stored with the erasure, the
                erased values scrubbed out of it.

        Returns:
            The :class:`~crmkit.domain.erasure.Erasure` record; its ``report`` says
            how many rows of each place (and documents) had something erased.

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
            values = erasure_values(found, earlier)
            addresses = {
                value
                for field, value in [*((f, getattr(found, f)) for f in _ADDRESS_FIELDS), *earlier]
                if field in _ADDRESS_FIELDS and value
            }
            erasure_id = ErasureId(self._new_id())
            plan = ErasurePlan(erasure=erasure_id, contact=found, values=values, addresses=sorted(addresses))
            report = uow.erasures.erase(plan)
            owner = DocumentOwner(OwnerKind.CONTACT, str(found.id))
            documents = self._ctx.documents.list_for(owner)
            if documents:
                report["documents"] = len(documents)
            record = Erasure(
                id=erasure_id,
                contact_id=found.id,
                company_id=found.company_id,
                actor_id=who.id,
                at=self._now(),
                reason=scrub_text(text, values),
                report=report,
            )
            uow.erasures.add(record)
        for document in documents:
            self._ctx.documents.delete(document.id)
        return record

    def erasures(self, *, actor: ActorRef, contact: object | None = None) -> list[Erasure]:
        """The erasure records (of one contact), oldest first: admins only (M4).

        Raises:
            PermissionDenied: the actor is no admin (rule ``M4``).
        """
        wanted = None if contact is None else ContactId(parse_id("contact", contact))
        with self._as(actor) as (uow, who):
            may_erase_contact(who).enforce()
            return uow.erasures.records(wanted)
