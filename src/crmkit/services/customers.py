"""Policy-checked customers and contacts: ``crm.customers`` (SPEC §3, A1–A7).

Every call builds the actor as the policy sees him — the employee, his dated
memberships and his teams' code links, the A1 switch from the settings —
and asks :func:`crmkit.domain.access.decide` or :func:`~crmkit.domain.access.visibility_predicate`.
Listing pushes the visibility predicate into the storage (SQL ``WHERE``), so
a rep's page never loads all customers. A refused action raises
:class:`~crmkit.domain.errors.PermissionDenied` carrying the policy's reason.

The acting employee must be able to act *now* (A5); ``at`` asks what he may
see on another date (his team memberships then).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from crmkit.domain.access import (
    Action,
    CompanyResource,
    ContactResource,
    Decision,
    decide,
    visibility_predicate,
)
from crmkit.domain.errors import NotFound, PermissionDenied
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId, parse_id
from crmkit.domain.limits import SEARCH_MAX, check_page, check_text
from crmkit.domain.parties import Company, CompanyKind, Contact
from crmkit.domain.predicates import OwnedBy, Predicate, all_of, describe
from crmkit.domain.versions import require_version
from crmkit.services.actuals import credits_change, recredit
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.companies import checked_segmentation, optional_email, optional_phone
from crmkit.services.guard import facts_of
from crmkit.services.policy import PolicyUseCases, actor_for
from crmkit.services.stages import listed_fields
from crmkit.services.territory_dates import follow_code
from crmkit.validation import normalize_tax_no

__all__ = ["CustomerUseCases", "Page", "facts_of"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list and the size of the whole list.

    Attributes:
        items: the rows of this page, in the list's order.
        total: how many rows the whole list has.
        limit: the page size asked for.
        offset: how many rows were skipped.
        rule: the visibility rule applied, in words.
    """

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int
    rule: str = ""


class CustomerUseCases(PolicyUseCases):
    """List, read and change customers and contacts through the access policy."""

    def predicate(self, *, actor: ActorRef, at: datetime | None = None) -> Predicate:
        """The visibility predicate of ``actor`` at ``at`` (A7), for hosts that run their own queries."""
        when = self._at(at)
        with self._as_policy_actor(actor) as (_, who):
            return visibility_predicate(who, when)

    def visible(
        self,
        *,
        actor: ActorRef,
        at: datetime | None = None,
        text: str = "",
        owner: object | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Company]:
        """The companies ``actor`` may see at ``at``, by folded name then id, and their total (A1–A7).

        A non-empty ``text`` keeps only names containing it, matched the Turkish
        way (``ısparta`` finds ``ISPARTA``). ``owner`` (an employee id) keeps only the
        customers he owns at ``at`` — a rep's "my customers" list. Both the page and the
        count run in the storage.

        Codes and owners are read as valid at ``at`` from their dated histories (T4), the
        same source A3 decisions, ``served_by`` and plan-vs-actual read: a customer moved to
        another code, or given another owner, from a date D is listed under the old one
        before D and under the new one from D on, with nothing to run when D passes.

        Raises:
            ValidationError: ``text`` is not text, holds NUL or is longer than any name;
                ``limit``/``offset`` are not whole numbers ≥ 0 — the same on every back end.
        """
        check_text("text", text, SEARCH_MAX)
        check_page(limit, offset)
        when = self._at(at)
        owned = None if owner is None else EmployeeId(parse_id("owner", owner))
        with self._as_policy_actor(actor) as (uow, who):
            predicate = visibility_predicate(who, when)
            if owned is not None:
                predicate = all_of(predicate, OwnedBy(owned, at=when))
            items = uow.companies.visible(predicate, text=text, limit=limit, offset=offset)
            total = uow.companies.count_visible(predicate, text=text)
            return Page(items=tuple(items), total=total, limit=limit, offset=offset, rule=describe(predicate))

    def decide(
        self,
        *,
        actor: ActorRef,
        company: object,
        action: str | Action = Action.VIEW,
        at: datetime | None = None,
    ) -> Decision:
        """Whether ``actor`` may do ``action`` on ``company``, with the reason; never raises for a denial."""
        when = self._at(at)
        what = parse_enum(Action, "action", action)
        with self._work(None) as uow:
            try:
                employee = uow.employees.get(EmployeeId(parse_id("actor", actor)))
            except NotFound:
                return Decision.deny(f"unknown actor {actor}: nobody may act for him (A5)")
            # no require_can_act here: a departed actor gets the policy's A5 denial as a value
            who = actor_for(uow, employee, self._ctx.settings.regional_access)
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            return decide(
                who, what, CompanyResource(company=facts_of(uow, found, when), name=found.name), when
            )

    def get(self, *, actor: ActorRef, id: object, at: datetime | None = None) -> Company:
        """One company, when the policy lets ``actor`` see it.

        Raises:
            NotFound: no such company.
            PermissionDenied: with the policy's reason.
        """
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.companies.get(CompanyId(parse_id("id", id)))
            resource = CompanyResource(company=facts_of(uow, found, when), name=found.name)
            decide(who, Action.VIEW, resource, when).enforce()
            return found

    def update(
        self,
        *,
        actor: ActorRef,
        id: object,
        name: str | None = None,
        kind: str | CompanyKind | None = None,
        tax_no: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        expected_version: int | None = None,
        **segmentation: str | None,
    ) -> Company:
        """Change a company's own fields (as ``crm.parties.update_company``) when the policy allows.

        An ``employee`` changes only companies he owns (A3); nobody below admin may
        re-code a company out of his own sight (A1). ``None`` keeps a field.
        ``expected_version`` is the ``version`` of the copy the caller read: pass it,
        and a change someone else saved meanwhile is never overwritten (§9).

        Raises:
            PermissionDenied: with the policy's reason; nothing is written.
            ValidationError: bad input, naming the field.
            ConcurrencyConflict: ``expected_version`` is given and the record moved on since.
        """
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if kind is not None:
            changes["kind"] = parse_enum(CompanyKind, "kind", kind)
        if tax_no is not None:
            changes["tax_no"] = normalize_tax_no(tax_no)
        if email is not None:
            changes["email"] = optional_email(email, "email")
        if phone is not None:
            changes["phone"] = optional_phone(phone, "phone", self._ctx.settings.phone_region)
        when = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.companies.get(CompanyId(parse_id("id", id)))
            require_version("company", current.id, stored=current.version, expected=expected_version)
            facts = facts_of(uow, current, when)
            decide(who, Action.UPDATE, CompanyResource(company=facts, name=current.name), when).enforce()
            if segmentation:
                merged = {**attrs.asdict(current.segmentation), **segmentation}
                changes["segmentation"] = checked_segmentation(uow, merged)
            if not changes:
                return current
            new = attrs.evolve(current, **changes)
            touched = [current.id] if credits_change(current, new) else []  # Q5: only what credits read
            zone = self._ctx.settings.timezone
            with recredit(uow, zone, companies=touched, tax_nos=[new.tax_no] if touched else []):
                if new.segmentation.micro_region != current.segmentation.micro_region:
                    moved = attrs.evolve(facts, code=new.segmentation.micro_region)
                    after = decide(who, Action.VIEW, CompanyResource(company=moved, name=new.name), when)
                    if not after:
                        raise PermissionDenied(
                            f"re-coding would take {new.name} out of sight: {after.reason}"
                        )
                    follow_code(uow, current, new, when, self._new_id)
                return uow.companies.save(new)  # the Q5 summary follows a new code, category or tax number

    def contacts(self, *, actor: ActorRef, company: object, at: datetime | None = None) -> list[Contact]:
        """A company's contacts; every employee sees them (C4), dealer staff only under their firm (A6)."""
        when = self._at(at)
        with self._as_policy_actor(actor) as (uow, who):
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            decide(who, Action.VIEW, ContactResource(company=facts_of(uow, found, when)), when).enforce()
            return uow.contacts.for_company(found.id)

    def update_contact(
        self,
        *,
        actor: ActorRef,
        contact: object,
        name: str | None = None,
        title: str | None = None,
        position_type: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        expected_version: int | None = None,
    ) -> Contact:
        """Change a contact when the actor may change its company (A3, A6); ``None`` keeps a field.

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the record moved on since.
        """
        changes: dict[str, Any] = {
            k: v
            for k, v in {"name": name, "title": title, "position_type": position_type}.items()
            if v is not None
        }
        if phone is not None:
            changes["phone"] = optional_phone(phone, "phone", self._ctx.settings.phone_region)
        if email is not None:
            changes["email"] = optional_email(email, "email")
        with self._as_policy_actor(actor) as (uow, who):
            current = uow.contacts.get(ContactId(parse_id("contact", contact)))
            require_version("contact", current.id, stored=current.version, expected=expected_version)
            company = uow.companies.get(current.company_id)
            when = self._now()
            resource = ContactResource(company=facts_of(uow, company, when), name=current.name)
            decide(who, Action.UPDATE, resource, when).enforce()
            changes.update(listed_fields(uow, title=title, position_type=position_type))  # C9 (issue 14)
            return current if not changes else uow.contacts.save(attrs.evolve(current, **changes))
