"""Companies, contacts and ownership claims (SPEC §1, C1–C7, C11).

Entities are frozen attrs classes; every change is a method that checks the
rule and returns a new instance (the storage adapters keep the version).
Rules that need other records (the parent's ancestors, the contact being
made primary) take them as arguments.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.fields import (
    aware_or_none,
    cleaned,
    cleaned_or_none,
    e164,
    email_shape,
    nonblank,
    parse_enum,
    positive_version,
    tax_number_shape,
)
from crmkit.domain.ids import ClaimId, CompanyId, ContactId, EmployeeId
from crmkit.domain.limits import LABEL_MAX, NAME_MAX, limited
from crmkit.domain.periods import require_aware

__all__ = [
    "ALLOWED_CHILDREN",
    "SEGMENT_PICKLISTS",
    "Claim",
    "ClaimStatus",
    "Company",
    "CompanyKind",
    "CompanyStatus",
    "CompanyType",
    "Contact",
    "Reference",
    "ReferenceKind",
    "Segmentation",
    "StatusTrigger",
    "check_channel",
    "check_no_cycle",
    "e164",
    "email_shape",
    "nonblank",
    "tax_number_shape",
]


# -- C1: type and kind ------------------------------------------------------


class CompanyType(enum.StrEnum):
    """The place of a company in the sales channel (C1)."""

    DISTRIBUTOR = "distributor"
    MAIN_DEALER = "main_dealer"
    DEALER = "dealer"
    CUSTOMER = "customer"


class CompanyKind(enum.StrEnum):
    """Corporate account or individual (retail, one-off e-commerce) buyer (C1)."""

    CORPORATE = "corporate"
    INDIVIDUAL = "individual"


def _company_type(value: CompanyType | str) -> CompanyType:
    return parse_enum(CompanyType, "type", value)


def _company_kind(value: CompanyKind | str) -> CompanyKind:
    return parse_enum(CompanyKind, "kind", value)


# -- C2: channel hierarchy --------------------------------------------------

ALLOWED_CHILDREN: dict[CompanyType, frozenset[CompanyType]] = {
    CompanyType.DISTRIBUTOR: frozenset({CompanyType.MAIN_DEALER, CompanyType.DEALER, CompanyType.CUSTOMER}),
    CompanyType.MAIN_DEALER: frozenset({CompanyType.DEALER, CompanyType.CUSTOMER}),
    CompanyType.DEALER: frozenset({CompanyType.CUSTOMER}),
    CompanyType.CUSTOMER: frozenset(),
}
"""Which company types each type may register under itself (C2)."""


def check_channel(parent: CompanyType, child: CompanyType) -> None:
    """Refuse a parent/child pair the channel hierarchy does not allow (C2).

    Raises:
        RuleViolation: rule ``C2``, naming both types.
    """
    if child not in ALLOWED_CHILDREN[parent]:
        allowed = ", ".join(sorted(t.value for t in ALLOWED_CHILDREN[parent])) or "nothing"
        raise RuleViolation(
            "C2",
            f"a {parent.value} may not have a {child.value} under it"
            f" (a {parent.value} may register: {allowed})",
        )


def check_no_cycle(child: CompanyId, parent_chain: Sequence[CompanyId]) -> None:
    """Refuse placing ``child`` under a parent chain that contains it (C2).

    ``parent_chain`` is the new parent first, then its ancestors.

    Raises:
        RuleViolation: rule ``C2``.
    """
    if child in parent_chain:
        raise RuleViolation("C2", f"company {child} cannot be placed under its own descendant")


# -- C3: segmentation -------------------------------------------------------

SEGMENT_PICKLISTS: dict[str, str] = {
    "sector": "sectors",
    "category": "company_categories",
    "city": "cities",
    "district": "districts",
    "size": "company_sizes",
    "value_class": "customer_value_classes",
    "micro_region": "micro_region_codes",
    "sales_region": "sales_regions",
}
"""Segmentation field → the parameter list (C9) its values must come from (C3)."""


@attrs.frozen
class Segmentation:
    """The segmentation fields of a company (C3); allowed values are parameters (C9)."""

    sector: str | None = attrs.field(default=None, converter=cleaned_or_none)
    category: str | None = attrs.field(default=None, converter=cleaned_or_none)
    city: str | None = attrs.field(default=None, converter=cleaned_or_none)
    district: str | None = attrs.field(default=None, converter=cleaned_or_none)
    size: str | None = attrs.field(default=None, converter=cleaned_or_none)
    value_class: str | None = attrs.field(default=None, converter=cleaned_or_none)
    micro_region: str | None = attrs.field(default=None, converter=cleaned_or_none)
    sales_region: str | None = attrs.field(default=None, converter=cleaned_or_none)

    def filled(self) -> dict[str, str]:
        """The fields that have a value, by name."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


# -- C5: status -------------------------------------------------------------


class CompanyStatus(enum.StrEnum):
    """Where a company stands in the sales process (C5); the order matters."""

    PRE_MEETING = "pre_meeting"
    IN_TALKS = "in_talks"
    POTENTIAL = "potential"

    @property
    def rank(self) -> int:
        """Position in the process (pre_meeting 0, in_talks 1, potential 2)."""
        return _STATUS_ORDER.index(self)


_STATUS_ORDER = (CompanyStatus.PRE_MEETING, CompanyStatus.IN_TALKS, CompanyStatus.POTENTIAL)


def _company_status(value: CompanyStatus | str) -> CompanyStatus:
    return parse_enum(CompanyStatus, "status", value)


class StatusTrigger(enum.StrEnum):
    """Events that move a company's status (C5)."""

    BROCHURE_SENT = "brochure_sent"
    CD_SENT = "cd_sent"
    PRESENTATION_SENT = "presentation_sent"
    OFFER_SENT = "offer_sent"
    CONTRACT_ADDED = "contract_added"
    INVOICE_ADDED = "invoice_added"

    @property
    def target(self) -> CompanyStatus:
        """The status this trigger moves a company to (never backwards)."""
        if self in (StatusTrigger.CONTRACT_ADDED, StatusTrigger.INVOICE_ADDED):
            return CompanyStatus.POTENTIAL
        return CompanyStatus.IN_TALKS


# -- C7: references ---------------------------------------------------------


class ReferenceKind(enum.StrEnum):
    """Who referred a company (C7)."""

    INDIVIDUAL = "individual"
    CORPORATE = "corporate"


def _reference_kind(value: ReferenceKind | str) -> ReferenceKind:
    return parse_enum(ReferenceKind, "referred_by.kind", value)


@attrs.frozen
class Reference:
    """The person or company that referred a company (C7).

    An individual reference names a person; a corporate one points at a company.
    """

    kind: ReferenceKind = attrs.field(converter=_reference_kind)
    person_name: str | None = attrs.field(default=None, converter=cleaned_or_none)
    company_id: CompanyId | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind is ReferenceKind.INDIVIDUAL and (
            self.person_name is None or self.company_id is not None
        ):
            raise ValidationError("referred_by", "an individual reference names a person and no company")
        if self.kind is ReferenceKind.CORPORATE and (self.company_id is None or self.person_name is not None):
            raise ValidationError(
                "referred_by", "a corporate reference points at a company and names no person"
            )


# -- companies --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Company:
    """A company (account, *firma*) in the sales channel.

    Attributes:
        id: its id.
        name: the trade name (Turkish text kept as typed, NFC-normalised).
        type: its place in the channel (C1).
        kind: corporate or individual (C1).
        registered_at: when it was registered (aware).
        parent_id: the distributor or dealer it was registered under (C2), or ``None``.
        status: C5 status; moved only by :meth:`advance_status`.
        tax_no: VKN (10 digits) or TCKN (11 digits).
        email: its e-mail, which is also its portal user name (C11).
        phone: E.164 phone number.
        segmentation: C3 fields.
        primary_contact_id: the primary contact (C4); changed only by :meth:`change_primary_contact`.
        sales_rep_id: the owning sales rep (C6).
        support_rep_id: the sales-support rep (C6).
        pending_claim_id: the one pending ownership claim, if any (C6).
        referred_by: who referred it (C7).
        has_contract: a contract was added (C5, C11).
        has_invoice: an invoice was added (C5, C11).
        portal_username: set when portal credentials are issued (C11).
        portal_password_hash: the hash of the portal password, never the password.
        archived_at: when it was archived (C13): it leaves listings and takes no new records.
        version: optimistic-concurrency version, kept by storage.
    """

    id: CompanyId
    name: str = attrs.field(converter=cleaned, validator=[limited(NAME_MAX), nonblank])
    type: CompanyType = attrs.field(converter=_company_type)
    kind: CompanyKind = attrs.field(converter=_company_kind, default=CompanyKind.CORPORATE)
    registered_at: datetime = attrs.field(validator=aware_or_none)
    parent_id: CompanyId | None = None
    status: CompanyStatus = attrs.field(converter=_company_status, default=CompanyStatus.PRE_MEETING)
    tax_no: str | None = attrs.field(default=None, validator=tax_number_shape)
    email: str | None = attrs.field(default=None, validator=email_shape)
    phone: str | None = attrs.field(default=None, validator=e164)
    segmentation: Segmentation = attrs.field(factory=Segmentation)
    primary_contact_id: ContactId | None = None
    sales_rep_id: EmployeeId | None = None
    support_rep_id: EmployeeId | None = None
    pending_claim_id: ClaimId | None = None
    referred_by: Reference | None = None
    has_contract: bool = False
    has_invoice: bool = False
    portal_username: str | None = None
    portal_password_hash: str | None = attrs.field(default=None, repr=False)
    archived_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if self.parent_id is not None and self.parent_id == self.id:
            raise RuleViolation("C2", "a company cannot be its own parent")
        if self.referred_by is not None and self.referred_by.company_id == self.id:
            raise ValidationError("referred_by", "a company cannot refer itself")

    @property
    def is_assigned(self) -> bool:
        """True when a sales rep owns the company (C6)."""
        return self.sales_rep_id is not None

    # C5 --------------------------------------------------------------------
    def advance_status(self, trigger: StatusTrigger) -> Company:
        """Move the status forward for ``trigger``; never backwards (C5)."""
        target = StatusTrigger(trigger).target
        if target.rank <= self.status.rank:
            return self
        return attrs.evolve(self, status=target)

    def record_contract(self) -> Company:
        """Note that a contract was added: status becomes ``potential`` (C5, C11)."""
        return attrs.evolve(self.advance_status(StatusTrigger.CONTRACT_ADDED), has_contract=True)

    def record_invoice(self) -> Company:
        """Note that an invoice was added: status becomes ``potential`` (C5, C11); ``self`` if unchanged."""
        moved = self.advance_status(StatusTrigger.INVOICE_ADDED)
        return moved if moved.has_invoice else attrs.evolve(moved, has_invoice=True)

    # C13 -------------------------------------------------------------------
    @property
    def is_archived(self) -> bool:
        """True once the company was archived (C13)."""
        return self.archived_at is not None

    def require_active(self) -> None:
        """Refuse a new record on an archived company (C13).

        Raises:
            RuleViolation: rule ``C13``.
        """
        if self.archived_at is not None:
            raise RuleViolation(
                "C13", f"{self.name} is archived since {self.archived_at:%Y-%m-%d} and takes no new records"
            )

    def archive(self, at: datetime) -> Company:
        """The company archived at ``at`` (C13); archiving an archived company changes nothing."""
        return self if self.archived_at is not None else attrs.evolve(self, archived_at=at)

    def restore(self) -> Company:
        """The company back in listings (C13)."""
        return attrs.evolve(self, archived_at=None)

    # C4 --------------------------------------------------------------------
    def change_primary_contact(self, contact: Contact) -> Company:
        """Make ``contact`` the primary contact (C4); it must be one of this company's contacts.

        Raises:
            RuleViolation: rule ``C4`` when the contact belongs to another company.
        """
        if contact.company_id != self.id:
            raise RuleViolation("C4", f"contact {contact.name} belongs to another company")
        return attrs.evolve(self, primary_contact_id=contact.id)

    # C2 --------------------------------------------------------------------
    def move_under(self, parent: Company | None, parent_ancestors: Sequence[CompanyId]) -> Company:
        """Re-parent the company under ``parent`` (``None``: top level) (C2).

        Args:
            parent: the new parent.
            parent_ancestors: the ids above ``parent``, nearest first.

        Raises:
            RuleViolation: rule ``C2`` for a forbidden pair or a cycle.
        """
        if parent is None:
            return attrs.evolve(self, parent_id=None)
        check_channel(parent.type, self.type)
        check_no_cycle(self.id, [parent.id, *parent_ancestors])
        return attrs.evolve(self, parent_id=parent.id)

    # C6 --------------------------------------------------------------------
    def assign(self, sales_rep: EmployeeId, support_rep: EmployeeId | None = None) -> Company:
        """Give the company an owner (and a support rep) directly (C6).

        Raises:
            RuleViolation: rule ``C6`` while a claim is pending; decide it first, so
                no claim is left pending for ever.
        """
        if self.pending_claim_id is not None:
            raise RuleViolation("C6", f"company {self.name} has a pending claim; decide it first")
        return attrs.evolve(self, sales_rep_id=sales_rep, support_rep_id=support_rep)

    def open_claim(self, claim: Claim) -> Company:
        """Record ``claim`` as the company's one pending claim (C6).

        Raises:
            RuleViolation: rule ``C6`` when the company is owned or a claim is already pending.
        """
        if claim.company_id != self.id:
            raise ValidationError("claim.company_id", "the claim is for another company")
        if self.is_assigned:
            raise RuleViolation("C6", f"company {self.name} already has an owner and cannot be claimed")
        if self.pending_claim_id is not None:
            raise RuleViolation("C6", f"company {self.name} already has a pending claim")
        return attrs.evolve(self, pending_claim_id=claim.id)

    def close_claim(self, claim: Claim) -> Company:
        """Apply a decided claim: approval assigns the claimant, rejection frees the company (C6)."""
        if self.pending_claim_id != claim.id:
            raise RuleViolation("C6", "this claim is not the company's pending claim")
        if claim.status is ClaimStatus.APPROVED:
            return attrs.evolve(self, sales_rep_id=claim.claimant_id, pending_claim_id=None)
        if claim.status is ClaimStatus.REJECTED:
            return attrs.evolve(self, pending_claim_id=None)
        raise RuleViolation("C6", "the claim has not been decided")

    # C11 -------------------------------------------------------------------
    @property
    def portal_eligible(self) -> bool:
        """True once the company has an invoice or a contract (C11)."""
        return self.has_invoice or self.has_contract

    def issue_portal_credentials(self, password_hash: str) -> Company:
        """Set the portal user name (the company's e-mail) and password hash (C11).

        Raises:
            RuleViolation: rule ``C11`` without an invoice or contract, or without an e-mail.
        """
        if not self.portal_eligible:
            raise RuleViolation(
                "C11", f"company {self.name} has no invoice or contract yet, so no portal password"
            )
        if self.email is None:
            raise RuleViolation("C11", f"company {self.name} has no e-mail to use as portal user name")
        return attrs.evolve(self, portal_username=self.email, portal_password_hash=password_hash)


# -- C4: contacts -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Contact:
    """A contact person (*yetkili*) of a company (C4)."""

    id: ContactId
    company_id: CompanyId
    name: str = attrs.field(converter=cleaned, validator=[limited(LABEL_MAX), nonblank])
    title: str | None = attrs.field(default=None, converter=cleaned_or_none, validator=limited(LABEL_MAX))
    position_type: str | None = attrs.field(
        default=None, converter=cleaned_or_none, validator=limited(LABEL_MAX)
    )
    phone: str | None = attrs.field(default=None, validator=e164)
    email: str | None = attrs.field(default=None, validator=email_shape)
    version: int = attrs.field(default=1, validator=positive_version)


# -- C6: claims -------------------------------------------------------------


class ClaimStatus(enum.StrEnum):
    """The state of an ownership claim (C6)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def _claim_status(value: ClaimStatus | str) -> ClaimStatus:
    return parse_enum(ClaimStatus, "status", value)


@attrs.frozen(kw_only=True)
class Claim:
    """A rep's request to own an unowned company; a manager decides (C6)."""

    id: ClaimId
    company_id: CompanyId
    claimant_id: EmployeeId
    requested_at: datetime = attrs.field(validator=aware_or_none)
    status: ClaimStatus = attrs.field(converter=_claim_status, default=ClaimStatus.PENDING)
    decided_by: EmployeeId | None = None
    decided_at: datetime | None = attrs.field(default=None, validator=aware_or_none)
    reason: str | None = attrs.field(default=None, converter=cleaned_or_none)
    version: int = attrs.field(default=1, validator=positive_version)

    def _decide(self, status: ClaimStatus, by: EmployeeId, at: datetime, reason: str | None) -> Claim:
        if self.status is not ClaimStatus.PENDING:
            raise RuleViolation("C6", f"the claim was already {self.status.value}")
        require_aware("at", at)
        return attrs.evolve(self, status=status, decided_by=by, decided_at=at, reason=reason)

    def approve(self, by: EmployeeId, at: datetime) -> Claim:
        """Approve the claim (C6)."""
        return self._decide(ClaimStatus.APPROVED, by, at, None)

    def reject(self, by: EmployeeId, at: datetime, reason: str) -> Claim:
        """Reject the claim with a reason (C6)."""
        if not reason or not reason.strip():
            raise ValidationError("reason", "a rejection needs a reason")
        return self._decide(ClaimStatus.REJECTED, by, at, reason)
