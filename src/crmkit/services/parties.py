"""The parties namespace of a CRM: ``crm.parties`` (SPEC §1)."""

from __future__ import annotations

from crmkit.services.companies import CompanyUseCases, ContactInput
from crmkit.services.employees import EmployeeUseCases
from crmkit.services.records import RecordUseCases

__all__ = ["ContactInput", "Parties"]


class Parties(CompanyUseCases, EmployeeUseCases, RecordUseCases):
    """Every parties use case: companies, contacts, claims, employees, parameters, documents, history."""
