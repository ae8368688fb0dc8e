"""Who may do what with loyalty points: pure decisions (§3 A2, A8; §7 V3–V8).

* Configuration (programs, rules, campaigns, tiers, serials, phones) and manual
  adjustments: admins only (A2); adjustments are audited (C12).
* A party's points (balance, statement, redemption) belong to the party: a
  customer's or dealer's follow the visibility of the company with that tax
  number (A8), decided by the access policy and passed in; a sales person sees
  his own (his login is his sales person code). Admins see every ledger.

>>> import uuid
>>> from datetime import datetime, timezone
>>> from crmkit.domain.ids import EmployeeId
>>> from crmkit.domain.employees import Employee
>>> from crmkit.domain.points import PartyRef, Role
>>> rep = Employee(id=EmployeeId(uuid.UUID(int=1)), name="Ali", position="employee",
...                hired_at=datetime(2020, 1, 1, tzinfo=timezone.utc), login="S-7")
>>> may_use_points(rep, PartyRef(role=Role.SALES_PERSON, key="S-7"), None).allowed
True
>>> may_configure_points(rep).reason
'only admins configure points and adjust balances; Ali is employee (A2)'
"""

from __future__ import annotations

from crmkit.domain.access import Decision
from crmkit.domain.employees import Employee
from crmkit.domain.points import PartyRef, Role

__all__ = ["may_configure_points", "may_use_points"]


def may_configure_points(employee: Employee) -> Decision:
    """Allow admins only to configure programs and adjust balances (A2, C12)."""
    if employee.position.is_admin:
        return Decision.allow(f"{employee.name} is {employee.position.value} (A2)")
    return Decision.deny(
        f"only admins configure points and adjust balances; {employee.name} is {employee.position.value} (A2)"
    )


def may_use_points(employee: Employee, party: PartyRef, company: Decision | None) -> Decision:
    """Whether ``employee`` may read or spend ``party``'s points.

    Args:
        employee: the acting employee.
        party: whose points.
        company: the policy's view decision on the company with the party's tax number
            (``None``: no such company is registered).
    """
    if employee.position.is_admin:
        return Decision.allow(f"{employee.name} is {employee.position.value} (A2)")
    if party.role is Role.SALES_PERSON:
        if employee.login is not None and employee.login == party.key:
            return Decision.allow(f"{employee.name} reads his own points")
        return Decision.deny(f"the points of sales person {party.key} are his own and the admins' (A8)")
    if company is None:
        return Decision.deny(
            f"no registered company has tax number {party.key}; only admins see its points (A8)"
        )
    if company.allowed:
        return Decision.allow(f"the points follow the company: {company.reason} (A8)")
    return Decision.deny(f"the points follow the company: {company.reason} (A8)")
