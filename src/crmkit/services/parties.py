"""The parties namespace of a CRM: ``crm.parties`` (SPEC §1).

``crm.parties`` is composed, not inherited: it holds one use-case object per
concept — companies, employees, pick-lists, documents, history, archive, owners — and
the ``crm.customers`` use cases it shares with the CRM, and forwards each public
method to the part that owns it. The forwarded methods keep the part's name,
signature and docstring, so hosts, docs and the A8 check see the same
``crm.parties.*`` methods as before.

To add a concept: build its part in ``Parties.__init__`` and forward its
public methods in the class body, under a heading of their own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from crmkit.domain.parties import Company, CompanyKind
from crmkit.services.archive import ArchiveUseCases
from crmkit.services.base import ActorRef, ServiceContext
from crmkit.services.companies import CompanyUseCases, ContactInput
from crmkit.services.customers import CustomerUseCases
from crmkit.services.documents import DocumentUseCases
from crmkit.services.employees import EmployeeUseCases
from crmkit.services.erasure import ErasureUseCases
from crmkit.services.history import HistoryUseCases
from crmkit.services.picklists import PickListUseCases
from crmkit.services.territory import TerritoryUseCases

__all__ = ["ContactInput", "Parties"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _forward(part: str, method: Callable[Concatenate[Any, _P], _R]) -> Callable[Concatenate[Any, _P], _R]:
    """A method that calls ``method`` on the part held in the attribute ``part``.

    It keeps ``method``'s name, docstring and signature (``inspect.signature``
    follows ``__wrapped__``), so documentation and the A8 actor check read the
    part's own definition.
    """

    @functools.wraps(method)
    def forwarded(self: Any, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(getattr(self, part), *args, **kwargs)

    return forwarded


class Parties:
    """Every parties use case: companies, contacts, claims, employees, parameters, documents, history, M4.

    Reading, searching and changing a company go through the access policy
    (A1–A7): they are ``crm.customers``'s own use cases, shared, not rebuilt per call.

    Args:
        context: the ports and settings.
        customers: the customer use cases to share (default: new ones on ``context``).
    """

    def __init__(self, context: ServiceContext, customers: CustomerUseCases | None = None) -> None:
        self._customers = CustomerUseCases(context) if customers is None else customers
        self._companies = CompanyUseCases(context)
        self._employees = EmployeeUseCases(context)
        self._picklists = PickListUseCases(context)
        self._documents = DocumentUseCases(context)
        self._history = HistoryUseCases(context)
        self._archive = ArchiveUseCases(context)
        self._territory = TerritoryUseCases(context)  # owners (C6, T4): the one assign_owner
        self._erasure = ErasureUseCases(context)  # erasure of a person's data (M4)

    # -- companies through the access policy (A1–A7), shared with crm.customers --
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

    # -- companies: registration, moves, status, owners, claims, portal, contacts (C1–C7, C11) --
    register_company = _forward("_companies", CompanyUseCases.register_company)
    move_company = _forward("_companies", CompanyUseCases.move_company)
    record_status_trigger = _forward("_companies", CompanyUseCases.record_status_trigger)
    assign_owner = _forward("_territory", TerritoryUseCases.assign_owner)
    claim = _forward("_companies", CompanyUseCases.claim)
    approve_claim = _forward("_companies", CompanyUseCases.approve_claim)
    reject_claim = _forward("_companies", CompanyUseCases.reject_claim)
    pending_claims = _forward("_companies", CompanyUseCases.pending_claims)
    portal_password_decision = _forward("_companies", CompanyUseCases.portal_password_decision)
    send_portal_password = _forward("_companies", CompanyUseCases.send_portal_password)
    add_contact = _forward("_companies", CompanyUseCases.add_contact)
    contacts = _forward("_companies", CompanyUseCases.contacts)
    change_primary_contact = _forward("_companies", CompanyUseCases.change_primary_contact)

    # -- archive, restore, delete (C13) --
    archive_company = _forward("_archive", ArchiveUseCases.archive_company)
    restore_company = _forward("_archive", ArchiveUseCases.restore_company)
    delete_company = _forward("_archive", ArchiveUseCases.delete_company)

    # -- erasure of a person's data on request (M4) --
    erase_contact = _forward("_erasure", ErasureUseCases.erase_contact)
    erasures = _forward("_erasure", ErasureUseCases.erasures)
    finish_erasures = _forward("_erasure", ErasureUseCases.finish_erasures)

    # -- employees (C8) --
    create_first_admin = _forward("_employees", EmployeeUseCases.create_first_admin)
    hire = _forward("_employees", EmployeeUseCases.hire)
    set_credentials = _forward("_employees", EmployeeUseCases.set_credentials)
    authenticate = _forward("_employees", EmployeeUseCases.authenticate)
    dismiss = _forward("_employees", EmployeeUseCases.dismiss)
    resign = _forward("_employees", EmployeeUseCases.resign)
    get_employee = _forward("_employees", EmployeeUseCases.get_employee)
    staff = _forward("_employees", EmployeeUseCases.staff)

    # -- pick-lists (C9) --
    set_parameters = _forward("_picklists", PickListUseCases.set_parameters)
    parameters = _forward("_picklists", PickListUseCases.parameters)

    # -- documents (C10) --
    attach_document = _forward("_documents", DocumentUseCases.attach_document)
    documents = _forward("_documents", DocumentUseCases.documents)

    # -- history (C12) --
    history = _forward("_history", HistoryUseCases.history)
    changes_by = _forward("_history", HistoryUseCases.changes_by)
