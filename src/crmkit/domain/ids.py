"""Typed identifiers.

Every aggregate has its own id type so that mypy rejects a contact id where a
company id is expected. Ids are UUIDs made by an id-generator port
(:class:`~crmkit.ports.clock.IdGenerator`, so tests control them);
:func:`parse_id` reads one from input.
"""

from __future__ import annotations

import uuid
from typing import NewType

__all__ = [
    "ClaimId",
    "CompanyId",
    "ContactId",
    "DocumentId",
    "EmployeeId",
    "PickListName",
    "parse_id",
]

CompanyId = NewType("CompanyId", uuid.UUID)
"""Identifies a company (account, *firma*)."""
ContactId = NewType("ContactId", uuid.UUID)
"""Identifies a contact person (*yetkili*)."""
EmployeeId = NewType("EmployeeId", uuid.UUID)
"""Identifies an employee."""
ClaimId = NewType("ClaimId", uuid.UUID)
"""Identifies an ownership claim (C6)."""
DocumentId = NewType("DocumentId", uuid.UUID)
"""Identifies a stored document (C10)."""
PickListName = NewType("PickListName", str)
"""Names a parameter list (C9), e.g. ``"sector"``."""


def parse_id(field: str, value: object) -> uuid.UUID:
    """Read an id given as a UUID or its text form.

    Raises:
        ValidationError: naming ``field`` when the value is not a UUID.
    """
    from crmkit.domain.errors import ValidationError

    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a valid id") from None
