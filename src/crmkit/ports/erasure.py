"""The erasure port (SPEC M4): erase one contact's personal data everywhere the storage keeps it.

``uow.erasures`` works inside the unit of work, like every repository: an
erasure that is rolled back erased nothing. Documents live behind the
document port (C10) and are deleted by the use case, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from crmkit.domain.erasure import DocumentWork, Erasure, ErasureId, ErasurePlan, WrittenPhone
from crmkit.domain.ids import ContactId, DocumentId
from crmkit.domain.parties import Contact

__all__ = ["ERASURE_PLACES", "ErasureRepository"]

ERASURE_PLACES: tuple[str, ...] = (
    "contacts",
    "audit_entries",
    "outbox_messages",
    "outbox_attachments",
    "outbox_blobs",
    "outbox_contents",
    "consent_records",
    "campaign_recipients",
    "companies",
    "interactions",
    "appointments",
    "reminders",
    "meeting_notes",
    "samples",
    "service_cases",
    "service_bookings",
    "claims",
    "regions",
    "opportunities",
    "offers",
    "visits",
    "service_work_entries",
    "service_contracts",
    "campaigns",
    "kb_articles",
    "employees",
    "employees_kept_active",
    "invoices",
    "sales_orders",
    "point_entries",
    "point_tier_changes",
    "point_serials",
    "point_phones",
    "point_replies",
)
"""Where an adapter looks, by the names its report uses (one per kind of record; SQL: the table).

* ``contacts``: the contact itself, anonymised (:func:`~crmkit.domain.erasure.erased_contact`);
* ``audit_entries``: every entry of the contact loses its personal values; every other
  entry loses the erased values from its old/new texts (C12);
* ``outbox_messages``: a message to the contact (by contact id or address) loses its
  recipient, subject and body, and one still waiting is skipped; any other message loses
  the values from its subject, body and errors (§9);
* ``outbox_attachments``: the files of messages to the contact lose name and content (a
  rendered offer names its addressee, I8); other files lose the values from their names;
* ``outbox_blobs``: stored contents no message refers to any more are dropped;
* ``outbox_contents``: a stored content of other messages' files that showed a value is
  rewritten as a document would be (text, binary, compressed: :mod:`crmkit.domain.erasure`);
* ``consent_records``: the address becomes a keyed token (M3, M4);
* ``campaign_recipients``: the address used for the contact is forgotten (M2);
* ``companies``: the name of a referring person (C7); an e-mail, phone or portal user
  name that is the contact's (C11); the name of her own company of kind ``individual`` (C1);
* the free texts of interactions, appointments, reminders, meeting notes, samples,
  service cases, bookings, claims, regions, opportunities, offers, visits, work entries
  and contracts;
* ``campaigns``: a campaign's name, subject and body (M2); the copies rendered from it are
  outbox messages, erased as above;
* ``kb_articles``: an article's title, body and keywords, and its search index (S7): the
  terms (SQL: ``kb_terms`` and ``search_text``) are rebuilt from the new texts;
* ``employees``: records of the same person (her e-mail or phone) whose employment
  ended, and exit reasons (C8); ``employees_kept_active`` counts such records still
  employed, which are kept;
* ``invoices`` / ``sales_orders``: a person buyer's name, a name-made buyer key (its
  pseudonym, :func:`~crmkit.domain.erasure.party_token`) and who received an original
  (V1, V10); amounts, dates, lines and tax numbers stay;
* ``point_entries`` / ``point_tier_changes`` / ``point_serials``: a name-made party key
  becomes the same pseudonym (the kept sums follow, so balances stay) and ledger reasons
  lose the values (V4);
* ``point_phones`` / ``point_replies``: the contact's mobile number's registration and
  reply log (V5–V7).

What is the contact's personal data in each, and why the rest stays, is described in
:mod:`crmkit.domain.erasure`.
"""


class ErasureRepository(Protocol):
    """Erases a contact's personal data in the storage, and keeps the erasure records (M4)."""

    def erase(self, plan: ErasurePlan) -> dict[str, int]:
        """Erase ``plan.contact`` everywhere the storage keeps it; returns place → rows changed.

        Places are named as in :data:`ERASURE_PLACES`; places where nothing changed are
        left out. Aggregates (invoices, point ledgers, counts, campaign totals) are not
        touched. The contact's own audit trail gets one ``erase`` entry naming the erased
        fields, without values.

        Raises:
            NotFound: the contact is not stored.
            ConcurrencyConflict: the contact changed since ``plan.contact`` was read; nothing is erased.
        """
        ...

    def same_person(
        self, contact: ContactId, emails: Sequence[str], phones: Sequence[WrittenPhone]
    ) -> list[Contact]:
        """The other contact records of the same person, by id (M4).

        A record other than ``contact`` whose e-mail is one of ``emails`` or whose phone is
        one of ``phones`` in any shape, as :func:`~crmkit.domain.erasure.same_person`
        decides; a name alone never matches.
        """
        ...

    def add(self, record: Erasure) -> None:
        """Keep the record of an erasure (never changed or deleted).

        Raises:
            Duplicate: the id is taken.
        """
        ...

    def records(self, contact: ContactId | None = None) -> list[Erasure]:
        """Erasure records (of one contact, if given), oldest first (ties by id).

        Each report's document places are counted from the recorded document work as it
        stands (:func:`~crmkit.domain.erasure.document_place`): done or still pending.
        """
        ...

    def add_documents(self, works: Sequence[DocumentWork]) -> None:
        """Record the documents an erasure deletes or rewrites, in the erasure's transaction (M4, C10).

        Their erasure record is added in the same unit of work.
        """
        ...

    def pending_documents(self) -> list[DocumentWork]:
        """Recorded document work not yet done, by erasure time, then document id."""
        ...

    def documents_done(self, erasure: ErasureId, documents: Sequence[DocumentId]) -> None:
        """Mark ``documents`` of ``erasure`` done; a rewrite's waiting name, type and content go."""
        ...
