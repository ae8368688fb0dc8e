"""Sales regions, teams, micro-region codes and effective-dated assignments (SPEC §2, T1–T5).

* Regions form a tree of any depth (T1); :meth:`Region.move_under` moves a
  subtree and refuses a cycle.
* A sales team belongs to one region and may be specialised by product,
  product category or customer status; it has one leader (T2).
* Micro-region codes (a pick-list, C9) are linked to teams; a customer
  carries one code in ``segmentation.micro_region`` (T3). At any moment a
  code belongs to the teams of one region only, so every customer has one
  region path.
* Team membership, code-to-team links and customer owners are
  **effective-dated**: each holds a half-open :class:`Validity`
  ``[valid_from, valid_to)`` (T4), so "who served customer X on date D" is
  answered from history and a reorganisation can be recorded in advance.

Everything here is pure; rules that need other records take them as arguments.

>>> from datetime import UTC, datetime
>>> march = Validity(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
>>> march.contains(datetime(2026, 3, 31, 23, tzinfo=UTC)), march.contains(datetime(2026, 4, 1, tzinfo=UTC))
(True, False)
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.errors import RuleViolation, ValidationError
from crmkit.domain.fields import (
    aware_or_none,
    cleaned,
    cleaned_or_none,
    nonblank,
    parse_enum,
    positive_version,
)
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.limits import CODE_MAX, LABEL_MAX, NOTE_MAX, limited
from crmkit.domain.periods import require_aware

__all__ = [
    "CodeLink",
    "CodeLinkId",
    "Membership",
    "MembershipId",
    "OwnerAssignment",
    "OwnerAssignmentId",
    "Region",
    "RegionId",
    "SalesTeam",
    "Specialisation",
    "TeamId",
    "TeamRole",
    "Validity",
    "check_code_region",
    "check_no_owner_overlap",
    "check_no_region_cycle",
    "codes_at",
    "teams_at",
]

RegionId = NewType("RegionId", uuid.UUID)
"""Identifies a sales region (T1)."""
TeamId = NewType("TeamId", uuid.UUID)
"""Identifies a sales team (T2)."""
MembershipId = NewType("MembershipId", uuid.UUID)
"""Identifies one dated team membership (T2, T4)."""
CodeLinkId = NewType("CodeLinkId", uuid.UUID)
"""Identifies one dated code-to-team link (T3, T4)."""
OwnerAssignmentId = NewType("OwnerAssignmentId", uuid.UUID)
"""Identifies one dated customer-owner assignment (T4)."""


# -- T4: validity ------------------------------------------------------------------------


@attrs.frozen
class Validity:
    """A half-open interval ``[valid_from, valid_to)``; ``valid_to=None`` is open-ended (T4).

    Raises:
        RuleViolation: rule ``T4`` when the end does not come after the start.
    """

    valid_from: datetime = attrs.field(validator=aware_or_none)
    valid_to: datetime | None = attrs.field(default=None, validator=aware_or_none)

    def __attrs_post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise RuleViolation(
                "T4",
                f"an assignment must end after it starts: {self.valid_to:%Y-%m-%d %H:%M} is not after "
                f"{self.valid_from:%Y-%m-%d %H:%M}",
            )

    def contains(self, at: datetime) -> bool:
        """True when ``valid_from <= at < valid_to``."""
        require_aware("at", at)
        return self._holds(at)

    def _holds(self, at: datetime) -> bool:
        """:meth:`contains` for a moment already known to be aware (the hot path of the policy)."""
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    def overlaps(self, other: Validity) -> bool:
        """True when the two intervals share a moment."""
        self_ends_after = self.valid_to is None or other.valid_from < self.valid_to
        other_ends_after = other.valid_to is None or self.valid_from < other.valid_to
        return self_ends_after and other_ends_after

    def ended(self, at: datetime) -> Validity:
        """This interval cut at ``at`` (it must start before ``at``).

        Raises:
            RuleViolation: rule ``T4`` when ``at`` is not after the start.
        """
        if self.valid_to is not None and self.valid_to <= at:
            return self
        return Validity(self.valid_from, at)


# -- T1: regions -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Region:
    """A sales region, a node of the region tree (T1).

    Attributes:
        parent_id: the region above, ``None`` for a top region.
        manager_id: the employee managing the region.
        partner_id: the business partner (*iş ortağı*) company.
        branch: the branch (*şube*) name.
        notes: free text.
    """

    id: RegionId
    name: str = attrs.field(converter=cleaned, validator=[limited(LABEL_MAX), nonblank])
    parent_id: RegionId | None = None
    manager_id: EmployeeId | None = None
    partner_id: CompanyId | None = None
    branch: str | None = attrs.field(default=None, converter=cleaned_or_none, validator=limited(LABEL_MAX))
    notes: str | None = attrs.field(default=None, converter=cleaned_or_none, validator=limited(NOTE_MAX))
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if self.parent_id is not None and self.parent_id == self.id:
            raise RuleViolation("T1", f"region {self.name} cannot be its own parent")

    def move_under(self, parent: Region | None, parent_ancestors: Sequence[RegionId]) -> Region:
        """Move this region, with its whole subtree, under ``parent`` (``None``: to the top) (T1).

        Args:
            parent: the new parent region.
            parent_ancestors: the regions above ``parent``, nearest first.

        Raises:
            RuleViolation: rule ``T1`` when ``parent`` lies in this region's subtree.
        """
        if parent is None:
            return attrs.evolve(self, parent_id=None)
        check_no_region_cycle(self, [parent.id, *parent_ancestors])
        return attrs.evolve(self, parent_id=parent.id)


def check_no_region_cycle(region: Region, parent_chain: Sequence[RegionId]) -> None:
    """Refuse placing ``region`` under a chain (new parent first) that contains it (T1).

    Raises:
        RuleViolation: rule ``T1``.
    """
    if region.id in parent_chain:
        raise RuleViolation("T1", f"region {region.name} cannot be moved under its own subtree (a cycle)")


# -- T2: teams ---------------------------------------------------------------------------


class Specialisation(enum.StrEnum):
    """What a team is specialised by (T2); ``general`` teams serve everything."""

    GENERAL = "general"
    PRODUCT = "product"
    PRODUCT_CATEGORY = "product_category"
    CUSTOMER_STATUS = "customer_status"


class TeamRole(enum.StrEnum):
    """A member's role in a team (T2)."""

    MEMBER = "member"
    REGION_RESPONSIBLE = "region_responsible"
    TEAM_LEADER = "team_leader"
    MANAGER = "manager"
    DIRECTOR = "director"


def _specialisation(value: Specialisation | str) -> Specialisation:
    return parse_enum(Specialisation, "specialisation", value)


def _role(value: TeamRole | str) -> TeamRole:
    return parse_enum(TeamRole, "role", value)


@attrs.frozen(kw_only=True)
class SalesTeam:
    """A sales team under a region (T2).

    Attributes:
        region_id: the region it belongs to.
        specialisation: what it is specialised by.
        focus: the product, category or customer status it focuses on (``None`` for general teams).
        leader_id: its one leader.
    """

    id: TeamId
    name: str = attrs.field(converter=cleaned, validator=[limited(LABEL_MAX), nonblank])
    region_id: RegionId
    specialisation: Specialisation = attrs.field(converter=_specialisation, default=Specialisation.GENERAL)
    focus: str | None = attrs.field(default=None, converter=cleaned_or_none, validator=limited(LABEL_MAX))
    leader_id: EmployeeId | None = None
    version: int = attrs.field(default=1, validator=positive_version)

    def __attrs_post_init__(self) -> None:
        if (self.specialisation is Specialisation.GENERAL) != (self.focus is None):
            raise ValidationError("focus", "a specialised team names its focus; a general team has none (T2)")


# -- T2, T3, T4: dated assignments -------------------------------------------------------


@attrs.frozen(kw_only=True)
class Membership:
    """An employee's membership of a team with a role, for a period (T2, T4)."""

    id: MembershipId
    team_id: TeamId
    employee_id: EmployeeId
    role: TeamRole = attrs.field(converter=_role, default=TeamRole.MEMBER)
    validity: Validity
    version: int = attrs.field(default=1, validator=positive_version)

    def active_at(self, at: datetime) -> bool:
        """True when the membership holds at ``at``."""
        return self.validity.contains(at)


def _code(value: str) -> str:
    return cleaned(value).strip() if isinstance(value, str) else value


@attrs.frozen(kw_only=True)
class CodeLink:
    """A micro-region code attached to a team, for a period (T3, T4)."""

    id: CodeLinkId
    team_id: TeamId
    code: str = attrs.field(converter=_code, validator=[limited(CODE_MAX), nonblank])
    validity: Validity
    version: int = attrs.field(default=1, validator=positive_version)

    def active_at(self, at: datetime) -> bool:
        """True when the link holds at ``at``."""
        return self.validity.contains(at)


@attrs.frozen(kw_only=True)
class OwnerAssignment:
    """The rep owning a customer for a period (T4); credits invoices to the rep of that date."""

    id: OwnerAssignmentId
    company_id: CompanyId
    employee_id: EmployeeId
    validity: Validity
    version: int = attrs.field(default=1, validator=positive_version)

    def active_at(self, at: datetime) -> bool:
        """True when the assignment holds at ``at``."""
        return self.validity.contains(at)


def check_no_owner_overlap(new: OwnerAssignment, existing: Iterable[OwnerAssignment]) -> None:
    """Refuse a customer-owner assignment overlapping another one of the same customer (T4).

    Raises:
        RuleViolation: rule ``T4`` naming the clashing period.
    """
    for other in existing:
        same_customer = other.id != new.id and other.company_id == new.company_id
        if same_customer and other.validity.overlaps(new.validity):
            end = "open end" if other.validity.valid_to is None else f"{other.validity.valid_to:%Y-%m-%d}"
            raise RuleViolation(
                "T4",
                f"customer {new.company_id} already has owner {other.employee_id} from "
                f"{other.validity.valid_from:%Y-%m-%d} to {end}; one owner at a time",
            )


def check_code_region(link: CodeLink, region: RegionId, others: Iterable[tuple[CodeLink, RegionId]]) -> None:
    """Refuse a link that would put one code under teams of two regions at once (T3).

    Args:
        link: the new link; its team lies in ``region``.
        region: the region of the link's team.
        others: the code's other links, each with its team's region.

    Raises:
        RuleViolation: rule ``T3``.
    """
    for other, other_region in others:
        if other.id == link.id or other.code != link.code:
            continue
        if other_region != region and other.validity.overlaps(link.validity):
            raise RuleViolation(
                "T3",
                f"code {link.code} is already held by a team of another region in that period;"
                " a code belongs to one region at a time",
            )
        if other.team_id == link.team_id and other.validity.overlaps(link.validity):
            raise RuleViolation("T3", f"code {link.code} is already linked to this team in that period")


def teams_at(memberships: Iterable[Membership], at: datetime) -> frozenset[TeamId]:
    """The teams of the given memberships that hold at ``at`` (T4)."""
    require_aware("at", at)
    return frozenset(m.team_id for m in memberships if m.validity._holds(at))


def codes_at(links: Iterable[CodeLink], teams: Iterable[TeamId], at: datetime) -> frozenset[str]:
    """The codes linked at ``at`` to any of ``teams`` (T3, T4)."""
    require_aware("at", at)
    wanted = frozenset(teams)
    return frozenset(link.code for link in links if link.team_id in wanted and link.validity._holds(at))
