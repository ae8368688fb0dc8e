"""Storage port of customers' dated micro-region codes (T3, T4).

Follows the shared repository rules of :mod:`crmkit.ports.storage`. The
contract suite is :class:`crmkit.testing.contracts.targets.CustomerCodeContract`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from crmkit.domain.ids import CompanyId
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId
from crmkit.ports.storage import Repository

__all__ = ["CustomerCodeRepository"]


class CustomerCodeRepository(Repository[CustomerCode, CustomerCodeId], Protocol):
    """Customers' dated micro-region codes (T4)."""

    def for_company(self, company: CompanyId) -> list[CustomerCode]:
        """Every dated code of a company, by start then id."""
        ...

    def for_companies(self, companies: Iterable[CompanyId]) -> list[CustomerCode]:
        """Every dated code of these companies, by company, start, then id."""
        ...
