"""Importing invoices from the accounting system, and what follows them (SPEC §7 V1, V2, V10).

:meth:`Invoices.import_from` reads an :class:`~crmkit.ports.invoices.InvoiceSource`
(``ubl-tr:///srv/efatura/inbox``, ``csv:///srv/erp/sales.csv``, a plugin's ERP)
and stores its invoices:

* **Idempotent (V2).** An invoice already stored — same UUID, or same seller
  and number — is skipped as a duplicate and changes nothing. A document
  that reuses a stored UUID for a *different* seller or number is rejected
  (GİB's own samples share one UUID: they are not the same invoice).
* **Crash-safe (V2).** Invoices are written in batches of whole invoices, one
  transaction each (about ``batch_lines`` lines): a crash leaves every
  invoice either stored completely or not at all, and running the import
  again picks up the rest. The report's ``cursor`` is the last record whose
  outcome is committed.
* **Resumable (V2).** The storage keeps each source's cursor (key: its URL or
  a name the caller gives), written in the same transaction as the batch it
  covers; the next import of that source starts after it, also after a crash.
* **Checked (V1).** Lines must add up to the line-extension total, else the
  invoice is rejected with the figures; a VKN/TCKN whose checksum fails,
  odd line arithmetic and the like are warnings on the report.
* **Returns reverse (V1).** A return invoice's lines are matched to the
  lines of the invoices it references (the original's seller is the return's
  buyer); their returned quantities and amounts grow, and a return that
  takes back more than was sold is rejected. A return imported before the
  invoice it cancels waits for it: the original, when imported, gives back
  what waits (never more than it has left), whatever the order of the export
  (:mod:`crmkit.services.return_matching`, migration 0024).
* **Orders (V10).** Invoice lines that name an order mark its lines
  invoiced; lines not fully invoiced stay "to be invoiced".
* **Hook.** Each newly imported invoice is handed to ``on_imported``
  (the ``crmkit_on_invoice_imported`` plugin hook) after its batch commits.

A large import may opt in to fewer garbage collections through its source
(``?gc=fewer``, :mod:`crmkit.adapters.invoices.collector`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crmkit.domain.access import visibility_predicate
from crmkit.domain.errors import NotFound
from crmkit.domain.ids import EmployeeId, parse_id
from crmkit.domain.invoices import Invoice, InvoiceId, OrderLine, SalesOrder, party_key
from crmkit.domain.limits import check_page
from crmkit.domain.periods import require_aware
from crmkit.ports.invoices import Delivery
from crmkit.ports.storage import UnitOfWork
from crmkit.services.guard import CompanySight  # A8: reads follow the buyer
from crmkit.services.invoice_import import DEFAULT_BATCH_LINES, ImportReport, InvoiceImport, Rejection
from crmkit.services.policy import actor_for

__all__ = ["DEFAULT_BATCH_LINES", "ImportReport", "Invoices", "Rejection"]


class Invoices(InvoiceImport):
    """Invoice use cases: import, returns, delivery tracking, sales orders (V1, V2, V10).

    Args:
        context: the injected ports.
        sources: builds an invoice source from a URL (the plugin registry's ``invoice_source``).
        on_imported: called with each newly imported invoice and its warnings, after its batch commits.
        batch_lines: about how many lines one import transaction writes.
    """

    # -- reading: every read takes the actor and follows the buyer's visibility (A8) -----------
    def _sight(self, uow: UnitOfWork, actor: object) -> CompanySight:
        who = actor_for(uow, self._acting(uow, actor), self._ctx.settings.regional_access)
        return CompanySight(uow, who, self._now())

    def _visible_invoice(self, uow: UnitOfWork, actor: object, invoice: object) -> Invoice:
        found = uow.invoices.get(InvoiceId(parse_id("invoice", invoice)))
        self._sight(uow, actor).party(found.buyer.key).enforce()
        return found

    def get(self, invoice: object, *, actor: object) -> Invoice:
        """The stored invoice with this id, when ``actor`` may see its buyer (A8).

        Raises:
            NotFound: when there is none.
            PermissionDenied: the buyer is out of the actor's sight, with the policy's reason.
        """
        with self._ctx.storage.unit_of_work() as uow:
            return self._visible_invoice(uow, actor, invoice)

    def find(self, seller: str, number: str, *, actor: object) -> Invoice | None:
        """The invoice a seller (tax number, or name) issued under a number, or ``None``.

        Raises:
            PermissionDenied: the invoice's buyer is out of the actor's sight (A8).
        """
        with self._ctx.storage.unit_of_work() as uow:
            sight = self._sight(uow, actor)
            tax_no = seller.strip() if seller.strip().isdigit() else None
            found = uow.invoices.by_number(party_key(tax_no, seller), number)
            if found is not None:
                sight.party(found.buyer.key).enforce()
            return found

    def returned(self, invoice: object, *, actor: object) -> dict[int, tuple[Decimal, Decimal]]:
        """What returns took back from an invoice: line number → (quantity, net amount) (V1, A8)."""
        with self._ctx.storage.unit_of_work() as uow:
            found = self._visible_invoice(uow, actor, invoice)
            return uow.invoices.returned_amounts(found.id)

    # -- delivery (V10) ------------------------------------------------------------------
    def mark_delivered(
        self, *, actor: object, invoice: object, at: datetime | None = None, received_by: str | None = None
    ) -> Delivery:
        """Record that the original invoice was handed to the customer (V10).

        Raises:
            PermissionDenied: the actor may not act, or may not see the invoice's buyer (A8).
            NotFound: no such invoice.
            ValidationError: ``at`` is naive.
        """
        when = self._now() if at is None else require_aware("at", at)
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            found = self._visible_invoice(uow, actor, invoice)
            return uow.invoices.mark_delivered(found.id, when, received_by)

    def delivery(self, invoice: object, *, actor: object) -> Delivery:
        """Whether the original of an invoice was handed over (V10), when ``actor`` may see it (A8)."""
        with self._ctx.storage.unit_of_work() as uow:
            found = self._visible_invoice(uow, actor, invoice)
            return uow.invoices.delivery(found.id)

    def undelivered(self, *, actor: object, limit: int = 50, offset: int = 0) -> list[InvoiceId]:
        """Invoices ``actor`` may see whose original is still to be handed over, oldest first (V10, A8).

        The buyer's visibility is the storage's filter (a SQL back end joins the buyer company
        and runs the access predicate in the same query), so the page is cut after it.
        """
        check_page(limit, offset)
        now = self._now()
        with self._ctx.storage.unit_of_work() as uow:
            who = actor_for(uow, self._acting(uow, actor), self._ctx.settings.regional_access)
            buyers = visibility_predicate(who, now)
            strangers = bool(CompanySight(uow, who, now).company(None))  # a buyer that is no company
            return uow.invoices.undelivered(limit=limit, offset=offset, buyers=buyers, strangers=strangers)

    # -- sales orders (V10) --------------------------------------------------------------
    def register_order(self, *, actor: object, order: SalesOrder) -> SalesOrder:
        """Store a sales order whose lines are then "to be invoiced" until invoices name it (V10).

        Raises:
            PermissionDenied: the actor may not act.
            Duplicate: the order number is taken.
        """
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            self._acting(uow, actor)
            uow.invoices.add_order(order)
        return order

    def order(self, number: str, *, actor: object) -> SalesOrder:
        """The sales order with this number, when ``actor`` may see its customer (A8).

        Raises:
            NotFound: when there is none.
            PermissionDenied: the customer is out of the actor's sight.
        """
        with self._ctx.storage.unit_of_work() as uow:
            sight = self._sight(uow, actor)
            found = uow.invoices.orders([number]).get(number)
            if found is None:
                raise NotFound("order", number)
            sight.party(found.customer).enforce()
            return found

    def to_be_invoiced(
        self, *, actor: object, limit: int = 50, offset: int = 0
    ) -> list[tuple[str, OrderLine]]:
        """Order lines not (fully) invoiced yet of customers ``actor`` sees, by order then line (V10, A8)."""
        check_page(limit, offset)
        now = self._now()
        with self._ctx.storage.unit_of_work() as uow:
            who = actor_for(uow, self._acting(uow, actor), self._ctx.settings.regional_access)
            buyers = visibility_predicate(who, now)  # the customer's visibility runs in the storage
            strangers = bool(CompanySight(uow, who, now).company(None))
            return uow.invoices.to_be_invoiced(limit=limit, offset=offset, buyers=buyers, strangers=strangers)
