"""The parties namespace of a CRM: ``crm.parties`` (SPEC §1)."""

from __future__ import annotations

from crmkit.domain.parties import Company, CompanyKind
from crmkit.services.archive import ArchiveUseCases
from crmkit.services.base import ActorRef, ServiceContext
from crmkit.services.companies import CompanyUseCases, ContactInput
from crmkit.services.customers import CustomerUseCases
from crmkit.services.employees import EmployeeUseCases
from crmkit.services.erasure import ErasureUseCases
from crmkit.services.records import RecordUseCases

__all__ = ["ContactInput", "Parties"]


class Parties(CompanyUseCases, EmployeeUseCases, RecordUseCases, ArchiveUseCases, ErasureUseCases):
    """Every parties use case: companies, contacts, claims, employees, parameters, documents, history, M4.

    Reading, searching and changing a company go through the access policy
    (A1–A7): they are ``crm.customers``'s own use cases, shared, not rebuilt per call.

    Args:
        context: the ports and settings.
        customers: the customer use cases to share (default: new ones on ``context``).
    """

    def __init__(self, context: ServiceContext, customers: CustomerUseCases | None = None) -> None:
        super().__init__(context)
        self._customers = CustomerUseCases(context) if customers is None else customers

    def get_company(self, *, actor: ActorRef, company: object) -> Company:
        """One company, when the policy lets ``actor`` see it.

        Raises:
            NotFound: no such company.
            PermissionDenied: with the policy's reason (A1, A5, A6).
        """
        return self._customers.get(actor=actor, id=company)

    def search_companies(
        self, *, actor: ActorRef, text: str = "", limit: int = 50, offset: int = 0
    ) -> list[Company]:
        """Companies ``actor`` may see whose name contains ``text`` (Turkish case/accent-insensitive).

        The policy's predicate and the name filter run together in the storage,
        so pages are full and paging is exact.
        """
        page = self._customers.visible(actor=actor, text=text, limit=limit, offset=offset)
        return list(page.items)

    def update_company(
        self,
        *,
        actor: ActorRef,
        company: object,
        name: str | None = None,
        kind: str | CompanyKind | None = None,
        tax_no: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        expected_version: int | None = None,
        **segmentation: str | None,
    ) -> Company:
        """Change a company's own fields when the policy allows (A3); ``None`` keeps a field.

        Read-modify-write: pass the ``version`` of the copy you read as
        ``expected_version``; if someone saved the company since, ``ConcurrencyConflict``
        (``Conflict``) is raised and nothing is written — read again and retry.

        Status, owner and primary contact change only through their own
        operations (C4, C5, C6).

        Raises:
            PermissionDenied: with the policy's reason; nothing is written.
            ValidationError: bad input, naming the field.
        """
        return self._customers.update(
            actor=actor,
            id=company,
            name=name,
            kind=kind,
            tax_no=tax_no,
            email=email,
            phone=phone,
            expected_version=expected_version,
            **segmentation,
        )
