"""The dated-code and target storage contracts on every back end (T4, Q1, Q5)."""

from __future__ import annotations

from crmkit.testing.contracts.target_quotas import QuotaContract
from crmkit.testing.contracts.targets import CustomerCodeContract, TargetContract


class TestCustomerCodes(CustomerCodeContract):
    """Customers' dated codes on the parametrized ``storage``."""


class TestTargets(TargetContract):
    """Plans and credits on the parametrized ``storage``."""


class TestQuotas(QuotaContract):
    """Quotas, goals and the actuals summary on the parametrized ``storage``."""
