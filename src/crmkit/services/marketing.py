"""Segments and campaigns (SPEC §8 M1, M2, M3), exposed as ``crm.marketing``.

**Members.** A segment's members for an actor are the companies matching
the segment's filter *and* the actor's visibility predicate
(:func:`crmkit.domain.access.visibility_predicate`): one predicate value, run by the
storage as one query and paged there (SQL ``WHERE … LIMIT``; memory
evaluates the same predicate). A rep never reaches a customer outside
his sight.

**Campaigns.** :meth:`MarketingUseCases.send_campaign` walks the members page
by page and, in the same unit of work, enqueues one commercial outbox message
per member (to the primary contact's phone or e-mail), records each member's
send status and the campaign with its counts. Members whose address has no
granted consent at send time are skipped and counted (M3), as are members
without a primary contact address; a rolled-back campaign enqueues nothing.
:func:`enqueue_campaign` is the same work in a unit of work the caller holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from crmkit.domain.access import visibility_predicate
from crmkit.domain.employees import Employee
from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import ContactId, PickListName, parse_id
from crmkit.domain.limits import check_page
from crmkit.domain.marketing import (
    Campaign,
    CampaignId,
    CampaignRecipient,
    PurchaseScope,
    RecipientStatus,
    Segment,
    SegmentFilter,
    SegmentId,
)
from crmkit.domain.messaging import Channel, MessageKind, OutboxAttachment, may_send
from crmkit.domain.parties import Company, CompanyKind, Contact
from crmkit.domain.periods import require_aware
from crmkit.domain.permissions import may_change_segment
from crmkit.domain.predicates import Predicate, all_of, describe
from crmkit.ports.clock import IdGenerator
from crmkit.ports.outbox import OutboxCopy
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase, parse_enum
from crmkit.services.customers import Page
from crmkit.services.guard import CompanySight
from crmkit.services.messaging import enqueue_email_copies, enqueue_sms_copies
from crmkit.services.policy import actor_for
from crmkit.services.target_quotas import BRAND_LIST, CATEGORY_LIST

__all__ = ["MarketingUseCases", "enqueue_campaign"]

PAGE = 1000
"""Members read per storage query while a campaign is enqueued."""


def _address(channel: Channel, contact: Contact | None) -> str | None:
    if contact is None:
        return None
    return contact.phone if channel is Channel.SMS else contact.email


def enqueue_campaign(
    uow: UnitOfWork,
    campaign: Campaign,
    reach: Predicate,
    ids: IdGenerator,
    *,
    page: int = PAGE,
    attachments: Sequence[OutboxAttachment] = (),
) -> Campaign:
    """Enqueue ``campaign`` to the companies matching ``reach`` in ``uow``; return it with its counts.

    ``reach`` is the segment's predicate AND the sender's visibility. One
    commercial outbox message per member with a granted consent (M3) at
    ``campaign.created_at``; every member gets a send record (M2). An e-mail
    campaign's messages all carry ``attachments`` (see ``enqueue_email_copies``).
    Nothing is committed here: the caller commits, or rolls back and nothing is sent.

    Raises:
        ValidationError: on ``attachments`` for an SMS campaign, or as ``enqueue_email_copies``.
    """
    if attachments and campaign.channel is not Channel.EMAIL:
        raise ValidationError("attachments", "only an e-mail campaign carries attachments")
    recipients: list[CampaignRecipient] = []
    copies: dict[str, list[OutboxCopy]] = {"BIREYSEL": [], "TACIR": []}  # by İYS recipient type
    counts = dict.fromkeys(RecipientStatus, 0)
    offset = 0
    while True:
        companies = uow.companies.visible(reach, limit=page, offset=offset)
        if not companies:
            break
        offset += len(companies)
        wanted = [c.primary_contact_id for c in companies if c.primary_contact_id is not None]
        contacts: Mapping[ContactId, Contact] = uow.contacts.get_many(wanted)
        reached = {
            c.id: contacts.get(c.primary_contact_id) for c in companies if c.primary_contact_id is not None
        }
        addresses = {key: _address(campaign.channel, contact) for key, contact in reached.items()}
        found = {a for a in addresses.values() if a is not None}
        consents = uow.consents.current(campaign.channel, found, campaign.created_at) if found else {}
        for company in companies:
            contact = reached.get(company.id)
            address = addresses.get(company.id)
            contact_id = None if contact is None else contact.id
            if address is None or contact is None:
                status, message_id = RecipientStatus.SKIPPED_NO_ADDRESS, None
            elif not may_send(MessageKind.COMMERCIAL, consents.get(address)):
                status, message_id = RecipientStatus.SKIPPED_NO_CONSENT, None
            else:
                message_id = ids.new()
                kind = "TACIR" if company.kind is CompanyKind.CORPORATE else "BIREYSEL"
                copies[kind].append((message_id, f"campaign:{campaign.id}:{company.id}", address, contact.id))
                status = RecipientStatus.QUEUED
            counts[status] += 1
            recipients.append(
                CampaignRecipient(
                    campaign_id=campaign.id,
                    company_id=company.id,
                    status=status,
                    contact_id=contact_id,
                    address=address,
                    message_id=message_id,
                )
            )
        if len(companies) < page:
            break
    done = Campaign(
        id=campaign.id,
        name=campaign.name,
        channel=campaign.channel,
        body=campaign.body,
        subject=campaign.subject,
        segment_id=campaign.segment_id,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        queued=counts[RecipientStatus.QUEUED],
        skipped_no_consent=counts[RecipientStatus.SKIPPED_NO_CONSENT],
        skipped_no_address=counts[RecipientStatus.SKIPPED_NO_ADDRESS],
    )
    for recipient_type, group in copies.items():
        if campaign.channel is Channel.SMS:
            enqueue_sms_copies(
                uow,
                recipients=group,
                text=campaign.body,
                kind=MessageKind.COMMERCIAL,
                now=campaign.created_at,
                campaign_id=campaign.id,
                recipient_type=recipient_type,
            )
        else:
            enqueue_email_copies(
                uow,
                recipients=group,
                subject=campaign.subject,
                body=campaign.body,
                kind=MessageKind.COMMERCIAL,
                now=campaign.created_at,
                campaign_id=campaign.id,
                attachments=attachments,
            )
    uow.marketing.add_campaign(done, recipients)
    return done


class MarketingUseCases(ServiceBase):
    """Saved segments, their members for an actor, and campaigns (M1, M2, M3)."""

    def _reach(self, uow: UnitOfWork, who: Employee, segment: Segment, at: datetime) -> Predicate:
        policy_actor = actor_for(uow, who, self._ctx.settings.regional_access)
        by_catalogue = any(
            p.what in (PurchaseScope.CATEGORY, PurchaseScope.BRAND) for p in segment.filter.purchases
        )
        catalogue = uow.points.catalogue() if by_catalogue else ()  # M1: categories/brands → products now
        return all_of(segment.predicate(at, catalogue=catalogue), visibility_predicate(policy_actor, at))

    @staticmethod
    def _check_purchases(uow: UnitOfWork, chosen: SegmentFilter) -> None:
        """Refuse a product outside the catalogue, a category or brand outside its pick-list (M1, C9)."""
        for condition in chosen.purchases:
            if condition.what is PurchaseScope.PRODUCT:
                known = set(uow.points.products(condition.values))
            elif condition.what is PurchaseScope.ANYTHING:
                continue
            else:
                name = PickListName(CATEGORY_LIST if condition.what is PurchaseScope.CATEGORY else BRAND_LIST)
                listed = uow.picklists.get_many([name]).get(name)
                known = set() if listed is None else set(listed.values)
            unknown = sorted(condition.values - known)
            if unknown:
                raise ValidationError("values", f"no {condition.what.value} {unknown[0]!r}")

    def save_segment(
        self, *, actor: ActorRef, name: str, filter: SegmentFilter | Mapping[str, Any]
    ) -> Segment:
        """Save a segment (M1).

        ``filter`` is a :class:`~crmkit.domain.marketing.SegmentFilter` or ``{field: value(s)}``,
        with ``"purchases": [...]`` for conditions over purchase history
        (:class:`~crmkit.domain.marketing.PurchaseCondition`).

        Raises:
            ValidationError: an unknown field, an empty value list, a blank name; on ``values``
                a product outside the catalogue or a category / brand outside the
                ``product_categories`` / ``product_brands`` pick-list; on ``start`` / ``end``
                a missing date, a datetime, or an end before the start.
            PermissionDenied: an unknown or departed actor.
        """
        chosen = filter if isinstance(filter, SegmentFilter) else SegmentFilter.from_data(filter)
        with self._as(actor) as (uow, who):
            self._check_purchases(uow, chosen)
            segment = Segment(
                id=SegmentId(self._new_id()),
                name=name,
                filter=chosen,
                created_by=who.id,
                created_at=self._now(),
            )
            uow.marketing.add_segment(segment)
            return segment

    def update_segment(
        self,
        *,
        actor: ActorRef,
        segment: object,
        version: int,
        name: str | None = None,
        filter: SegmentFilter | Mapping[str, Any] | None = None,
    ) -> Segment:
        """Rename a segment and/or replace its filter (M1); returns it with ``version + 1``.

        Validated like :meth:`save_segment`; ``version`` is the version the caller read,
        so a change made meanwhile by someone else is never overwritten. Audited (C12)
        in the same unit of work. Campaigns already sent keep their recipients.

        Raises:
            ValidationError: an unknown field, an empty value list, a blank name, nothing to change.
            NotFound: no such segment.
            ConcurrencyConflict: the segment changed since ``version`` was read.
            PermissionDenied: an unknown or departed actor.
        """
        if name is None and filter is None:
            raise ValidationError("segment", "give a new name, a new filter, or both")
        chosen = (
            None
            if filter is None
            else filter
            if isinstance(filter, SegmentFilter)
            else SegmentFilter.from_data(filter)
        )
        with self._as(actor) as (uow, who):
            current = uow.marketing.get_segment(SegmentId(parse_id("segment", segment)))
            may_change_segment(who, current.created_by).enforce()
            if chosen is not None:
                self._check_purchases(uow, chosen)
            changed = attrs.evolve(
                current,
                name=current.name if name is None else name,
                filter=current.filter if chosen is None else chosen,
                version=version,
            )
            return uow.marketing.update_segment(changed)

    def delete_segment(self, *, actor: ActorRef, segment: object, version: int) -> None:
        """Delete a segment no campaign references (M1), audited (C12) in the same unit of work.

        A segment a campaign was sent to is kept, so the campaign's record always says
        whom it targeted: the delete is refused with a ``RuleViolation`` (M1); rename it
        instead (e.g. "(arşiv) …").

        Raises:
            NotFound: no such segment.
            ConcurrencyConflict: the segment changed since ``version`` was read.
            RuleViolation: (M1) a campaign references the segment.
            PermissionDenied: an unknown or departed actor.
        """
        with self._as(actor) as (uow, who):
            found = uow.marketing.get_segment(SegmentId(parse_id("segment", segment)))
            may_change_segment(who, found.created_by).enforce()
            uow.marketing.delete_segment(found.id, version)

    def segments(self, *, actor: ActorRef, limit: int = 50, offset: int = 0) -> list[Segment]:
        """Saved segments by name then id; every active employee may read them (M1).

        Raises:
            PermissionDenied: an unknown or departed actor (A5).
        """
        with self._as(actor) as (uow, _):
            return uow.marketing.segments(limit=limit, offset=offset)

    def members(
        self,
        *,
        actor: ActorRef,
        segment: object,
        at: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Company]:
        """The segment's companies ``actor`` may see at ``at``, by folded name then id, and their total.

        Segment and policy run together as one storage query, paged there (M1, A7).
        """
        when = self._now() if at is None else at
        require_aware("at", when)
        with self._as(actor) as (uow, who):
            found = uow.marketing.get_segment(SegmentId(parse_id("segment", segment)))
            reach = self._reach(uow, who, found, when)
            items = uow.companies.visible(reach, limit=limit, offset=offset)
            total = uow.companies.count_visible(reach)
            return Page(items=tuple(items), total=total, limit=limit, offset=offset, rule=describe(reach))

    def send_campaign(
        self,
        *,
        actor: ActorRef,
        name: str,
        segment: object,
        channel: str | Channel,
        body: str,
        subject: str = "",
        attachments: Sequence[OutboxAttachment] = (),
    ) -> Campaign:
        """Send ``body`` (and ``subject`` for e-mail) to the segment's members ``actor`` may see (M2).

        One commercial outbox message per member with granted consent (M3), all in
        one unit of work with the campaign and its send records; the dispatcher
        delivers them after the commit. An e-mail campaign may carry ``attachments``,
        sent with every message (the outbox stores each file's bytes once for all of them;
        the campaign record itself keeps no files). Returns
        the campaign with its counts.

        Raises:
            ValidationError: a blank name or body, an e-mail without subject, a bad channel;
                on ``attachments`` for an SMS campaign, too many bytes, or not attachments.
            NotFound: no such segment.
            PermissionDenied: an unknown or departed actor.
        """
        chosen = parse_enum(Channel, "channel", channel)
        if chosen is Channel.CALL:
            raise ValidationError("channel", "a campaign goes by sms or email")
        now = self._now()
        with self._as(actor) as (uow, who):
            found = uow.marketing.get_segment(SegmentId(parse_id("segment", segment)))
            campaign = Campaign(
                id=CampaignId(self._new_id()),
                name=name,
                channel=chosen,
                body=body,
                subject=subject,
                segment_id=found.id,
                created_by=who.id,
                created_at=now,
            )
            return enqueue_campaign(
                uow, campaign, self._reach(uow, who, found, now), self._ctx.ids, attachments=attachments
            )

    def campaign(self, *, actor: ActorRef, id: object) -> Campaign:
        """A campaign with its counts; every active employee may read it (M2).

        Raises:
            NotFound: no such campaign.
            PermissionDenied: an unknown or departed actor (A5).
        """
        with self._as(actor) as (uow, _):
            return uow.marketing.get_campaign(CampaignId(parse_id("id", id)))

    def recipients(
        self, *, actor: ActorRef, campaign: object, limit: int = 1000, offset: int = 0
    ) -> list[CampaignRecipient]:
        """A campaign's send records (M2) of the companies ``actor`` may see (A8), by company id.

        Raises:
            PermissionDenied: an unknown or departed actor (A5).
        """
        check_page(limit, offset)
        now = self._now()
        with self._as(actor) as (uow, employee):
            who = actor_for(uow, employee, self._ctx.settings.regional_access)
            key = CampaignId(parse_id("campaign", campaign))
            # the visibility runs in the storage (a SQL back end joins the company), paged after it
            seen = visibility_predicate(who, now)
            gone = bool(CompanySight(uow, who, now).company(None))  # a company no longer stored
            return uow.marketing.recipients(key, limit=limit, offset=offset, companies=seen, strangers=gone)
