"""A record citing a service contract, the customer's subscription (SPEC §6 S1, S8).

Interactions and cases can cite a contract. :func:`cited_contract` is the one
check both make: the contract exists, belongs to the record's company and is
valid on the record's local date. It lives apart from the service use cases
so ``crm.interactions`` can use it without importing them.
"""

from __future__ import annotations

from datetime import date

from crmkit.domain.errors import NotFound, ValidationError
from crmkit.domain.ids import CompanyId, parse_id
from crmkit.domain.service import Contract, ContractId
from crmkit.ports.storage import UnitOfWork

__all__ = ["cited_contract"]


def cited_contract(uow: UnitOfWork, value: object, company: CompanyId, day: date) -> Contract:
    """The contract ``value`` names, when it is ``company``'s and valid on local ``day`` (S1, S8).

    Raises:
        ValidationError: naming ``contract``: not an id, no such contract, another
            company's, or not in force on ``day``; the caller stores nothing.
    """
    key = ContractId(parse_id("contract", value))
    try:
        found = uow.service.contracts.get(key)
    except NotFound:
        raise ValidationError("contract", f"there is no service contract {key}") from None
    if found.company_id != company:
        raise ValidationError("contract", f"contract {found.title!r} is another company's (S1)")
    if not found.starts_on <= day <= found.ends_on:
        raise ValidationError(
            "contract",
            f"contract {found.title!r} runs {found.starts_on}–{found.ends_on}, not on {day} (S1)",
        )
    return found
