"""Storage port of customers' dated micro-region codes (T3, T4).

Follows the shared repository rules of :mod:`crmkit.ports.storage`. The
contract suite is :class:`crmkit.testing.contracts.targets.CustomerCodeContract`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from crmkit.domain.ids import CompanyId
from crmkit.domain.territory_dates import CustomerCode, CustomerCodeId, DatedHistory
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

    def history(self, company: CompanyId) -> DatedHistory:
        """The company's dated codes *and* dated owners (T4), each by start then id, in one query.

        What a single-record decision at any ``t`` needs (the policy's facts of one company,
        A1/A3): ``history(c).codes == for_company(c)`` and ``history(c).owners ==
        owners.for_company(c)`` in the same unit of work. An unknown company has empty histories.
        """
        ...
