"""Who may do what beyond visibility (C6, C8, C9, C11, C12, A2, A6): pure rules returning a Decision.

:mod:`crmkit.domain.access` decides what an actor may see and change among
companies, interactions and the agenda. The rules here decide the other
actions: each is a pure function of the acting employee and the records the
action touches, and returns a :class:`~crmkit.domain.access.Decision` —
allowed or not, the reason fit to show a user, and the rule that decided.
Services ask and enforce; they hold no rule of their own.

>>> from datetime import UTC, datetime
>>> from uuid import UUID
>>> from crmkit.domain.employees import Employee, Position
>>> rep = Employee(id=UUID(int=1), name="Zeynep", position=Position.EMPLOYEE,
...                hired_at=datetime(2026, 1, 1, tzinfo=UTC))
>>> may_shape_territory(rep)
Decision(allowed=False, reason='only admins shape the territory; Zeynep is employee (A2)', rule='A2')
"""

from __future__ import annotations

from collections.abc import Collection

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee, Position
from crmkit.domain.ids import CompanyId, EmployeeId
from crmkit.domain.parties import Company

__all__ = [
    "may_act_on_company",
    "may_assign_owner",
    "may_change_segment",
    "may_decide_claim",
    "may_end_employment",
    "may_erase_contact",
    "may_hire",
    "may_manage_outbox",
    "may_move_company",
    "may_read_changes_by",
    "may_restore_company",
    "may_set_credentials",
    "may_set_parameters",
    "may_shape_territory",
    "portal_decision",
]


def may_hire(actor: Employee, firm: CompanyId | None, position: Position | None = None) -> Decision:
    """Whether ``actor`` may hire into ``firm`` (``None``: the host company) at ``position`` (C8).

    Admins of the host company hire anywhere; a manager of a dealer firm hires
    into his own firm, but never an admin. ``position`` ``None`` asks about the
    firm only (before the new employee's details are checked).
    """
    if not (actor.position.is_admin and actor.firm_id is None) and not (
        actor.firm_id is not None and actor.firm_id == firm and actor.position.manages
    ):
        return Decision.deny(
            f"{actor.name} ({actor.position.value}) may not hire into this firm (C8)", rule="C8"
        )
    if position is not None and actor.firm_id is not None and position.is_admin:
        return Decision.deny("dealer managers may not create admins (C8)", rule="C8")
    return Decision.allow(f"{actor.name} ({actor.position.value}) hires into this firm", rule="C8")


def may_end_employment(actor: Employee, target: Employee, *, resign: bool) -> Decision:
    """Whether ``actor`` may record ``target``'s dismissal, or resignation when ``resign`` (C8).

    Admins may, and a manager for his direct reports; anyone may record his own resignation.
    """
    if actor.position.is_admin or (actor.position.manages and target.manager_id == actor.id):
        return Decision.allow(f"{actor.name} ends {target.name}'s employment", rule="C8")
    if resign and actor.id == target.id:
        return Decision.allow(f"{actor.name} resigns", rule="C8")
    return Decision.deny(f"{actor.name} may not end {target.name}'s employment (C8)", rule="C8")


def may_set_credentials(actor: Employee, target: Employee) -> Decision:
    """Whether ``actor`` may set ``target``'s login and password: an admin, or the employee himself (C8)."""
    if actor.id == target.id or actor.position.is_admin:
        return Decision.allow(f"{actor.name} sets {target.name}'s password", rule="C8")
    return Decision.deny(f"{actor.name} may not set another employee's password", rule="C8")


def _admins_only(actor: Employee, rule: str, denial: str) -> Decision:
    """Allow admins (``admin``, ``admin_manager``); deny anyone else with ``denial``."""
    if actor.position.is_admin:
        return Decision.allow(f"{actor.name} is {actor.position.value}", rule=rule)
    return Decision.deny(denial, rule=rule)


def may_shape_territory(actor: Employee) -> Decision:
    """Whether ``actor`` may change regions, teams, memberships, code links and owners: admins only (A2)."""
    return _admins_only(
        actor, "A2", f"only admins shape the territory; {actor.name} is {actor.position.value} (A2)"
    )


def may_move_company(actor: Employee) -> Decision:
    """Whether ``actor`` may place a company under another parent: admins only (A2, C2)."""
    return _admins_only(
        actor, "A2", f"only admins may move companies; {actor.name} is {actor.position.value}"
    )


def may_act_on_company(
    actor: Employee, company: CompanyId | None, ancestors: Collection[CompanyId]
) -> Decision:
    """Whether dealer staff may act on ``company`` (with its ``ancestors``): only under their firm (A6).

    Host-company employees (no ``firm_id``) are not limited by this rule.
    """
    if actor.firm_id is None:
        return Decision.allow(f"{actor.name} works for the host company", rule="A6")
    if company is not None and (company == actor.firm_id or actor.firm_id in ancestors):
        return Decision.allow(f"the company is under {actor.name}'s firm", rule="A6")
    return Decision.deny(
        f"{actor.name} works for a dealer firm and may act only on companies under it (A6)", rule="A6"
    )


def may_assign_owner(actor: Employee) -> Decision:
    """Whether ``actor`` may set a company's owner directly: managers and admins (C6)."""
    if actor.position.manages:
        return Decision.allow(f"{actor.name} is {actor.position.value}", rule="C6")
    return Decision.deny(f"{actor.name} is an employee; only managers assign owners (C6)", rule="C6")


def may_decide_claim(actor: Employee, claimant: EmployeeId | None = None) -> Decision:
    """Whether ``actor`` may approve or reject the claim ``claimant`` made (C6).

    Managers and admins decide claims; a manager never his own (an admin may).
    ``claimant`` ``None`` asks about the position only, before the claim is read.
    """
    if not actor.position.manages:
        return Decision.deny(f"{actor.name} is an employee; only managers decide claims (C6)", rule="C6")
    if claimant == actor.id and not actor.position.is_admin:
        return Decision.deny(f"{actor.name} cannot decide his own claim (C6)", rule="C6")
    return Decision.allow(f"{actor.name} is {actor.position.value}", rule="C6")


def portal_decision(actor: Employee, company: Company) -> Decision:
    """Whether "send portal password" may be offered for ``company`` to ``actor`` (C11).

    Only admins, only for a company with an invoice or contract, and only when it has an e-mail.
    """
    if not actor.position.is_admin:
        return Decision.deny(
            f"only admins may send portal passwords; {actor.name} is {actor.position.value} (C11)", rule="C11"
        )
    if not company.portal_eligible:
        return Decision.deny(f"{company.name} has no invoice or contract yet (C11)", rule="C11")
    if company.email is None:
        return Decision.deny(f"{company.name} has no e-mail to use as portal user name (C11)", rule="C11")
    return Decision.allow(
        f"{actor.name} is an admin and {company.name} has an invoice or contract", rule="C11"
    )


def may_set_parameters(actor: Employee) -> Decision:
    """Whether ``actor`` may create or replace a pick-list: admins only (C9)."""
    return _admins_only(actor, "C9", f"only admins set parameters; {actor.name} is {actor.position.value}")


def may_read_changes_by(actor: Employee) -> Decision:
    """Whether ``actor`` may list the changes another employee made: admins only (C12)."""
    return _admins_only(actor, "C12", "only admins may read another employee's changes (C12)")


def may_change_segment(actor: Employee, created_by: EmployeeId) -> Decision:
    """A saved segment is changed or deleted by the employee who saved it, or by an admin (M1, A2, A3)."""
    if actor.position.is_admin:
        return Decision.allow(f"{actor.name} is {actor.position.value} and may change every segment (A2)")
    if actor.id == created_by:
        return Decision.allow(f"{actor.name} saved this segment (A3)")
    return Decision.deny(f"{actor.name} may change only the segments he saved (A3)")


def may_restore_company(actor: Employee) -> Decision:
    """Whether ``actor`` may bring an archived company back: admins only (C13, A2)."""
    return _admins_only(
        actor, "C13", f"only admins restore archived companies; {actor.name} is {actor.position.value} (C13)"
    )


def may_manage_outbox(actor: Employee) -> Decision:
    """Whether ``actor`` may list and re-queue dead outbox messages: admins only (§9, A2)."""
    return _admins_only(
        actor, "A2", f"only admins re-queue dead messages; {actor.name} is {actor.position.value} (A2)"
    )


def may_erase_contact(actor: Employee) -> Decision:
    """Whether ``actor`` may erase a contact's personal data on request: admins only (M4, A2)."""
    return _admins_only(
        actor,
        "M4",
        f"only admins erase personal data on request; {actor.name} is {actor.position.value} (M4)",
    )
