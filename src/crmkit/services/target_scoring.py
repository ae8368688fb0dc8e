"""Customer scoring and A/B/C value classes of ``crm.targets`` (SPEC §7, V9).

Mixed into :class:`~crmkit.services.targets.TargetUseCases`. The storage
aggregates each customer's invoices, interactions and decided offers in the
database (:meth:`~crmkit.ports.targets.TargetRepository.activity`, ``contacts``, ``offers``);
:mod:`crmkit.domain.scoring` converts, weighs, ranks and classes them.
:meth:`ScoringUseCases.classify_customers` writes the classes back as each
company's ``value_class`` (C3), each change audited (C12).
:meth:`ScoringUseCases.pareto` finds the customers making 80 % of revenue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from crmkit.domain.errors import PermissionDenied, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, PickListName, parse_id
from crmkit.domain.parties import SEGMENT_PICKLISTS
from crmkit.domain.periods import require_aware
from crmkit.domain.plan_actual import MissingRate, convert
from crmkit.domain.quotas import ScopeType
from crmkit.domain.scoring import CLASSES, Score, Weights, classify, figures_of, score
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ServiceBase

__all__ = ["Pareto", "Scoring", "ScoringUseCases"]


@attrs.frozen
class Pareto:
    """The Pareto (80/20) analysis of revenue (V9).

    Attributes:
        ranked: every customer with revenue, by revenue descending.
        top: the fewest leading customers whose revenue reaches the share asked for.
        total: the whole net revenue.
        top_total: the revenue of ``top``.
        missing_rates: what could not be converted.
    """

    ranked: tuple[tuple[CompanyId, Decimal], ...]
    top: tuple[CompanyId, ...]
    total: Decimal
    top_total: Decimal
    missing_rates: tuple[MissingRate, ...]


@attrs.frozen
class Scoring:
    """Scores best first and the value class of each customer scored (V9)."""

    scores: tuple[Score, ...]
    classes: dict[CompanyId, str]


class ScoringUseCases(ServiceBase):
    """V9 of ``crm.targets``: scores, classes, written back."""

    def _scoring(
        self,
        uow: UnitOfWork,
        actor: object,
        start: datetime,
        end: datetime,
        weights: Weights | None,
        currency: str,
    ) -> Scoring:
        require_aware("start", start)
        require_aware("end", end)
        if end <= start:
            raise ValidationError("end", f"{end:%Y-%m-%d %H:%M} is not after {start:%Y-%m-%d %H:%M}")
        who = self._acting(uow, actor)
        if not who.position.is_admin:
            raise PermissionDenied(f"{who.name} does not see every customer, so he scores none (A2, A8)")
        figures = figures_of(
            uow.targets.activity(start, end),
            uow.targets.contacts(start, end),
            currency.upper(),
            uow.targets.offers(start, end),
            uow.targets.referrals(start, end),
        )
        known = uow.companies.get_many(f.company_id for f in figures)
        scores = score([f for f in figures if f.company_id in known], weights)
        return Scoring(tuple(scores), dict(classify(scores, weights)))

    def score_customers(
        self,
        *,
        actor: object,
        start: datetime,
        end: datetime,
        weights: Weights | None = None,
        currency: str = "TRY",
    ) -> Scoring:
        """Score every customer active in ``[start, end)`` and class them A/B/C (V9); admins only.

        Raises:
            PermissionDenied: the actor is not an admin.
            ValidationError: ``end`` not after ``start``, or a naive datetime.
        """
        with self._work(None) as uow:
            return self._scoring(uow, actor, start, end, weights, currency)

    def classify_customers(
        self,
        *,
        actor: object,
        start: datetime,
        end: datetime,
        weights: Weights | None = None,
        currency: str = "TRY",
    ) -> Scoring:
        """As :meth:`score_customers`, and write each class as the company's ``value_class`` (V9, C3, C12).

        Raises:
            ValidationError: the ``customer_value_classes`` parameter list exists without
                A, B and C (field ``value_class``); nothing is written.
        """
        with self._work(EmployeeId(parse_id("actor", actor))) as uow:
            result = self._scoring(uow, actor, start, end, weights, currency)
            name = PickListName(SEGMENT_PICKLISTS["value_class"])
            listed = uow.picklists.get_many([name]).get(name)
            if listed is not None and not set(CLASSES) <= set(listed.values):
                raise ValidationError("value_class", f"the {name} list lacks one of {', '.join(CLASSES)}")
            companies = uow.companies.get_many(result.classes)
            for company_id, value_class in result.classes.items():
                company = companies[company_id]
                if company.segmentation.value_class != value_class:
                    moved = attrs.evolve(company.segmentation, value_class=value_class)
                    uow.companies.save(attrs.evolve(company, segmentation=moved))
            return result

    # -- V9: Pareto of revenue -----------------------------------------------------------------
    def pareto(
        self,
        *,
        actor: object,
        start: datetime,
        end: datetime,
        share: Decimal = Decimal("0.8"),
        currency: str = "TRY",
    ) -> Pareto:
        """Which customers make ``share`` (default 80 %) of net revenue in ``[start, end)`` (V9).

        Revenue per customer is summed in the storage (one ``GROUP BY`` on SQL back
        ends), returns netted and converted with each invoice's rate; customers are
        then ranked by revenue (ties by id) and taken until their running total
        reaches ``share`` of the whole. Only admins see the whole customer base.

        Raises:
            PermissionDenied: the actor is not an admin.
            ValidationError: ``share`` not in (0, 1], or ``end`` not after ``start``.
        """
        require_aware("start", start)
        require_aware("end", end)
        if end <= start:
            raise ValidationError("end", f"{end:%Y-%m-%d %H:%M} is not after {start:%Y-%m-%d %H:%M}")
        if not isinstance(share, Decimal) or not Decimal(0) < share <= 1:
            raise ValidationError("share", f"{share!r} is not a Decimal share in (0, 1]")
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            if not who.position.is_admin:
                raise PermissionDenied(
                    f"{who.name} does not see every customer, so he gets no Pareto (A2, A8)"
                )
            actuals, missing = convert(
                uow.targets.credits(ScopeType.CUSTOMER, [start, end]), currency.upper()
            )
        revenue = {CompanyId(parse_id("scope", scope)): amount for (scope, _), amount in actuals.items()}
        ranked = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))
        total = sum(revenue.values(), Decimal(0))
        top: list[CompanyId] = []
        running = Decimal(0)
        for company, amount in ranked:
            if total <= 0 or running >= share * total:
                break
            top.append(company)
            running += amount
        return Pareto(
            ranked=tuple(ranked), top=tuple(top), total=total, top_total=running, missing_rates=missing
        )
