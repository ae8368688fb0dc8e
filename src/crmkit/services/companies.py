"""Company use cases: register, update, move, status triggers, owners and claims (C1–C7, C11)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from crmkit.domain.access import Action, CompanyResource, ContactResource, Decision, decide
from crmkit.domain.employees import Employee
from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId, PickListName, parse_id
from crmkit.domain.limits import NOTE_MAX, check_page, check_text
from crmkit.domain.messaging import MessageKind
from crmkit.domain.parties import (
    SEGMENT_PICKLISTS,
    Claim,
    Company,
    CompanyKind,
    CompanyType,
    Contact,
    Reference,
    ReferenceKind,
    Segmentation,
    StatusTrigger,
    check_channel,
)
from crmkit.domain.party_events import (
    ClaimDecided,
    ClaimRequested,
    CompanyRegistered,
    PrimaryContactChanged,
)
from crmkit.domain.permissions import (
    may_act_on_company,
    may_decide_claim,
    may_move_company,
    portal_decision,
)
from crmkit.domain.predicates import CompanyFacts
from crmkit.domain.versions import require_version
from crmkit.ports.storage import UnitOfWork
from crmkit.services.actuals import recredit
from crmkit.services.base import ActorRef, ServiceBase, parse_enum
from crmkit.services.guard import facts_of, require_on_company
from crmkit.services.messaging.enqueue import enqueue_email
from crmkit.services.passwords import hash_password, new_password
from crmkit.services.policy import actor_for
from crmkit.services.stages import listed_contact
from crmkit.services.status_moves import save_status_move
from crmkit.services.territory_dates import follow_owner, owner_synced
from crmkit.validation import normalize_email, normalize_phone, normalize_tax_no

__all__ = ["CompanyUseCases", "ContactInput", "checked_segmentation", "optional_email", "optional_phone"]


def optional_phone(value: str | None, field: str, region: str) -> str | None:
    """A typed-in phone number normalised for ``region``; blank or ``None`` is no number (C1, C4).

    Raises:
        ValidationError: not a phone number, naming ``field``.
    """
    if value is None or not check_text(field, value, NOTE_MAX).strip():
        return None
    return normalize_phone(value, field=field, region=region)


def optional_email(value: str | None, field: str) -> str | None:
    """A typed-in e-mail address normalised; blank or ``None`` is no address (C1, C4).

    Raises:
        ValidationError: not an e-mail address, naming ``field``.
    """
    if value is None or not check_text(field, value, NOTE_MAX).strip():
        return None
    return normalize_email(value, field=field)


def checked_segmentation(uow: UnitOfWork, values: Mapping[str, str | None]) -> Segmentation:
    """Check each segmentation value against its pick-list (C3, C9).

    Raises:
        ValidationError: an unknown field, or a value its pick-list does not hold, naming the field.
    """
    checked: dict[str, str | None] = {}
    for field, value in values.items():
        if field not in SEGMENT_PICKLISTS:
            raise ValidationError(field, "is not a segmentation field")
        if value is None or not str(value).strip():
            checked[field] = None
            continue
        list_name = PickListName(SEGMENT_PICKLISTS[field])
        found = uow.picklists.get_many([list_name]).get(list_name)
        if found is None:
            raise ValidationError(
                field, f"no {list_name!r} pick-list is set, so no value is allowed yet (C9)"
            )
        checked[field] = found.canonical(field, str(value))
    return Segmentation(**checked)


@attrs.frozen(kw_only=True)
class ContactInput:
    """A contact typed in by a user (C4); normalised and validated by the use case."""

    name: str
    title: str | None = None
    position_type: str | None = None
    phone: str | None = None
    email: str | None = None


class CompanyUseCases(ServiceBase):
    """Companies and their contacts, status, owners and claims."""

    # -- helpers ---------------------------------------------------------------
    @staticmethod
    def _check_staff_scope(uow: UnitOfWork, actor: Employee, company: CompanyId | None) -> None:
        """Dealer staff act only inside their own firm's subtree (A6); ancestors are read only for them."""
        needs_lineage = actor.firm_id is not None and company is not None and company != actor.firm_id
        ancestors = uow.companies.ancestors(company) if needs_lineage and company is not None else ()
        may_act_on_company(actor, company, ancestors).enforce()

    def _allowed(self, uow: UnitOfWork, who: Employee, action: Action, company: Company) -> None:
        """Enforce the access policy's decision on ``company`` for ``who`` now (A1–A6, A8).

        An archived company takes no new records (C13): every caller adds to or changes it.
        """
        company.require_active()
        actor = actor_for(uow, who, self._ctx.settings.regional_access)
        require_on_company(uow, actor, action, company, self._now())

    def _active_employee(self, uow: UnitOfWork, field: str, value: object) -> EmployeeId:
        employee = uow.employees.get_many([EmployeeId(parse_id(field, value))])
        found = next(iter(employee.values()), None)
        if found is None:
            raise ValidationError(field, f"no employee {value}")
        if not found.is_active:
            raise ValidationError(field, f"{found.name} is {found.status.value}")
        return found.id

    # -- C1, C2, C3, C4, C6, C7: registration ----------------------------------
    def register_company(
        self,
        /,  # ``self`` is no segmentation field: crm.parties forwards **segmentation to it
        *,
        actor: ActorRef,
        name: str,
        type: str | CompanyType,
        kind: str | CompanyKind = CompanyKind.CORPORATE,
        parent: object | None = None,
        tax_no: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        contact: ContactInput | Mapping[str, str | None] | None = None,
        sales_rep: object | None = None,
        support_rep: object | None = None,
        referred_by_person: str | None = None,
        referred_by_company: object | None = None,
        **segmentation: str | None,
    ) -> Company:
        """Register a company (C1) under ``parent`` (C2) with segmentation (C3).

        The contact given here becomes the primary contact (C4). With a
        ``sales_rep`` the company is assigned at once and cannot be claimed
        (C6). Dealer staff register only under their own firm (A6).

        Raises:
            ValidationError: bad input, naming the field.
            Duplicate: the tax number is already registered.
            RuleViolation: a forbidden channel pair (C2).
            PermissionDenied: the actor may not act.
        """
        company_type = parse_enum(CompanyType, "type", type)
        company_kind = parse_enum(CompanyKind, "kind", kind)
        tax = None if tax_no is None or tax_no == "" else normalize_tax_no(tax_no)
        mail = optional_email(email, "email")
        tel = optional_phone(phone, "phone", self._ctx.settings.phone_region)
        with self._as(actor) as (uow, who):
            parent_id = CompanyId(parse_id("parent", parent)) if parent is not None else None
            if parent_id is None and who.firm_id is not None:
                parent_id = who.firm_id
            if parent_id is not None:
                parent_company = uow.companies.get(parent_id)
                parent_company.require_active()  # C13: an archived company takes no new records
                check_channel(parent_company.type, company_type)
                self._check_staff_scope(uow, who, parent_id)
            reference = None
            if referred_by_person and referred_by_company is not None:
                raise ValidationError(
                    "referred_by", "give a referring person or a referring company, not both"
                )
            if referred_by_person:
                reference = Reference(ReferenceKind.INDIVIDUAL, person_name=referred_by_person)
            elif referred_by_company is not None:
                ref_id = CompanyId(parse_id("referred_by_company", referred_by_company))
                uow.companies.get(ref_id)
                reference = Reference(ReferenceKind.CORPORATE, company_id=ref_id)
            company = Company(
                id=CompanyId(self._new_id()),
                name=name,
                type=company_type,
                kind=company_kind,
                registered_at=self._now(),
                parent_id=parent_id,
                tax_no=tax,
                email=mail,
                phone=tel,
                segmentation=checked_segmentation(uow, segmentation),
                referred_by=reference,
            )
            if sales_rep is not None:
                company = company.assign(
                    self._active_employee(uow, "sales_rep", sales_rep),
                    None if support_rep is None else self._active_employee(uow, "support_rep", support_rep),
                )
            elif support_rep is not None:
                raise ValidationError("support_rep", "a support rep needs a sales rep (C6)")
            self._may_add(uow, who, company)
            new_contact = None
            if contact is not None:
                try:
                    new_contact = self._make_contact(company.id, listed_contact(uow, _contact_input(contact)))
                except ValidationError as error:  # the contact's own fields are named under "contact."
                    if error.field.startswith("contact"):
                        raise
                    raise ValidationError(f"contact.{error.field}", error.reason) from None
                company = attrs.evolve(company, primary_contact_id=new_contact.id)
            with recredit(uow, self._ctx.settings.timezone, tax_nos=[company.tax_no]):  # Q5 summary
                uow.companies.add(company)
            if new_contact is not None:
                uow.contacts.add(new_contact)
            uow.emit(CompanyRegistered(at=self._now(), company_id=company.id, by=who.id))
        return company

    def _may_add(self, uow: UnitOfWork, who: Employee, company: Company) -> None:
        """The policy's ``create`` decision on the new company (A1, A3, A5, A6), enforced.

        With regional access on, an ``employee`` or ``manager`` may register a company
        only with a micro-region code of one of his teams: otherwise he would add a
        record he cannot see.
        """
        lineage = {company.id}
        if company.parent_id is not None:
            lineage |= {company.parent_id, *uow.companies.ancestors(company.parent_id)}
        facts = CompanyFacts(
            id=company.id,
            code=company.segmentation.micro_region,
            owner_id=company.sales_rep_id if company.sales_rep_id is not None else who.id,
            lineage=frozenset(lineage),
        )
        actor = actor_for(uow, who, self._ctx.settings.regional_access)
        resource = CompanyResource(company=facts, name=company.name)
        decide(actor, Action.CREATE, resource, self._now()).enforce()

    def move_company(
        self, *, actor: ActorRef, company: object, parent: object | None, expected_version: int | None = None
    ) -> Company:
        """Place a company under another parent, or at the top (C2: pair and cycle checked)."""
        with self._as(actor) as (uow, who):
            may_move_company(who).enforce()
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            require_version("company", current.id, stored=current.version, expected=expected_version)
            new_parent = None
            chain: list[CompanyId] = []
            if parent is not None:
                new_parent = uow.companies.get(CompanyId(parse_id("parent", parent)))
                chain = uow.companies.ancestors(new_parent.id)
            return uow.companies.save(current.move_under(new_parent, chain))

    # -- C5: status -------------------------------------------------------------
    def record_status_trigger(
        self,
        *,
        actor: ActorRef,
        company: object,
        trigger: str | StatusTrigger,
        expected_version: int | None = None,
    ) -> Company:
        """Note a brochure/CD/presentation/offer sent or a contract/invoice added (C5).

        The status moves forward by itself and never back.
        """
        what = parse_enum(StatusTrigger, "trigger", trigger)
        with self._as(actor) as (uow, who):
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            require_version("company", current.id, stored=current.version, expected=expected_version)
            self._allowed(uow, who, Action.UPDATE, current)
            if what is StatusTrigger.CONTRACT_ADDED:
                moved = current.record_contract()
            elif what is StatusTrigger.INVOICE_ADDED:
                moved = current.record_invoice()
            else:
                moved = current.advance_status(what)
            return save_status_move(uow, current, moved, self._now())

    # -- C6: owners and claims --------------------------------------------------
    # assign_owner (C6, T4) is crm.territory's, forwarded by crm.parties
    def claim(self, *, actor: ActorRef, company: object) -> Claim:
        """A rep asks to own an unowned company; one pending claim per company (C6)."""
        with self._as(actor) as (uow, who):
            current = owner_synced(
                uow, uow.companies.get(CompanyId(parse_id("company", company))), self._now()
            )
            self._allowed(uow, who, Action.VIEW, current)  # he claims what he may see (A1, A6)
            new = Claim(
                id=ClaimId(self._new_id()),
                company_id=current.id,
                claimant_id=who.id,
                requested_at=self._now(),
            )
            uow.companies.save(current.open_claim(new))
            uow.claims.add(new)
            uow.emit(
                ClaimRequested(at=self._now(), claim_id=new.id, company_id=current.id, claimant_id=who.id)
            )
            return new

    def _decide(self, actor: ActorRef, claim: object, approve: bool, reason: str | None) -> Claim:
        with self._as(actor) as (uow, who):
            may_decide_claim(who).enforce()
            pending = uow.claims.get(ClaimId(parse_id("claim", claim)))
            may_decide_claim(who, pending.claimant_id).enforce()
            decided = (
                pending.approve(who.id, self._now())
                if approve
                else pending.reject(who.id, self._now(), reason or "")
            )
            company = uow.companies.get(pending.company_id)
            if approve:
                claimant = uow.employees.get(pending.claimant_id)
                if not claimant.is_active:
                    raise RuleViolation("C6", f"{claimant.name} has left; reject the claim instead")
            with recredit(uow, self._ctx.settings.timezone, companies=[company.id]):  # Q5 summary
                uow.companies.save(company.close_claim(decided))
                if approve:  # a customer with dated owners gets the claimant from now on (T4)
                    follow_owner(uow, company.id, pending.claimant_id, self._now(), self._new_id)
            saved = uow.claims.save(decided)
            uow.emit(
                ClaimDecided(
                    at=self._now(),
                    claim_id=saved.id,
                    company_id=saved.company_id,
                    approved=approve,
                    by=who.id,
                )
            )
            return saved

    def approve_claim(self, *, actor: ActorRef, claim: object) -> Claim:
        """A manager approves a claim: the claimant owns the company (C6)."""
        return self._decide(actor, claim, True, None)

    def reject_claim(self, *, actor: ActorRef, claim: object, reason: str) -> Claim:
        """A manager rejects a claim with a reason: the company is unowned again (C6)."""
        return self._decide(actor, claim, False, reason)

    def pending_claims(self, *, actor: ActorRef, limit: int = 50, offset: int = 0) -> list[Claim]:
        """Claims waiting for a decision, oldest first (C6): the worklist of those who decide them.

        Raises:
            PermissionDenied: the actor does not decide claims (C6).
            ValidationError: on ``limit`` or ``offset`` when not a whole number, not negative.
        """
        limit, offset = check_page(limit, offset)
        with self._as(actor) as (uow, who):
            may_decide_claim(who).enforce()
            return uow.claims.pending(limit=limit, offset=offset)

    # -- C11: portal -------------------------------------------------------------
    def portal_password_decision(self, *, actor: ActorRef, company: object) -> Decision:
        """Whether "send password" may be offered for this company to this actor (C11)."""
        with self._as(actor) as (uow, who):
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            return portal_decision(who, found)

    def send_portal_password(self, *, actor: ActorRef, company: object) -> Company:
        """Issue portal credentials (user name = the company's e-mail) and e-mail the password (C11).

        The e-mail goes through the outbox like every other message (§9): written in the
        same unit of work as the credentials, delivered by the dispatcher with retries,
        never sent when the change rolls back.

        Raises:
            PermissionDenied: the actor is not an admin, or the company has no invoice or contract.
        """
        password = new_password()
        with self._as(actor) as (uow, who):
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            portal_decision(who, current).enforce()
            saved = uow.companies.save(current.issue_portal_credentials(hash_password(password)))
            assert saved.portal_username is not None  # set by issue_portal_credentials
            enqueue_email(
                uow,
                id=self._new_id(),
                key=f"portal-password:{saved.id}:{saved.version}",
                to=saved.portal_username,
                subject=f"{saved.name}: portal password",
                body=f"User name: {saved.portal_username}\nPassword: {password}\n",
                kind=MessageKind.INFORMATIONAL,
                now=self._now(),
            )
        return saved

    # -- C4: contacts -------------------------------------------------------------
    def _make_contact(self, company: CompanyId, data: ContactInput) -> Contact:
        return Contact(
            id=ContactId(self._new_id()),
            company_id=company,
            name=data.name,
            title=data.title,
            position_type=data.position_type,
            phone=optional_phone(data.phone, "contact.phone", self._ctx.settings.phone_region),
            email=optional_email(data.email, "contact.email"),
        )

    def add_contact(
        self,
        *,
        actor: ActorRef,
        company: object,
        name: str,
        title: str | None = None,
        position_type: str | None = None,
        phone: str | None = None,
        email: str | None = None,
    ) -> Contact:
        """Add a contact; the primary contact does not change (C4)."""
        data = ContactInput(name=name, title=title, position_type=position_type, phone=phone, email=email)
        with self._as(actor) as (uow, who):
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            self._allowed(uow, who, Action.UPDATE, current)
            new = self._make_contact(current.id, listed_contact(uow, data))
            uow.contacts.add(new)
            if current.primary_contact_id is None:
                # a company registered without a contact gets its first one as primary (C4)
                uow.companies.save(attrs.evolve(current, primary_contact_id=new.id))
            return new

    def contacts(self, *, actor: ActorRef, company: object) -> list[Contact]:
        """A company's contacts; every active employee may see them (C4)."""
        with self._as(actor) as (uow, employee):
            who = actor_for(uow, employee, self._ctx.settings.regional_access)
            found = uow.companies.get(CompanyId(parse_id("company", company)))
            now = self._now()
            decide(who, Action.VIEW, ContactResource(company=facts_of(uow, found, now)), now).enforce()
            return uow.contacts.for_company(found.id)

    def change_primary_contact(
        self, *, actor: ActorRef, company: object, contact: object, expected_version: int | None = None
    ) -> Company:
        """The explicit operation that changes a company's primary contact (C4)."""
        with self._as(actor) as (uow, who):
            current = uow.companies.get(CompanyId(parse_id("company", company)))
            require_version("company", current.id, stored=current.version, expected=expected_version)
            self._allowed(uow, who, Action.UPDATE, current)
            chosen = uow.contacts.get(ContactId(parse_id("contact", contact)))
            saved = uow.companies.save(current.change_primary_contact(chosen))
            uow.emit(
                PrimaryContactChanged(at=self._now(), company_id=saved.id, contact_id=chosen.id, by=who.id)
            )
            return saved


def _contact_input(value: object) -> ContactInput:
    """A :class:`ContactInput`, or a mapping of its fields; anything else names the field ``contact``.

    Raises:
        ValidationError: field ``contact`` (or ``contact.<key>`` for an unknown key).
    """
    if isinstance(value, ContactInput):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError("contact", f"must be a ContactInput, not {type(value).__name__}")
    known = {field.name for field in attrs.fields(ContactInput)}
    for key in value:
        if key not in known:
            raise ValidationError(f"contact.{key}", "is not a contact field")
    if "name" not in value:
        raise ValidationError("contact.name", "is required")
    return ContactInput(**value)
