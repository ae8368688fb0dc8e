"""The contract of response-time KPIs in storage (SPEC §5 I3; A7).

Needs a ``storage`` fixture: a migrated, empty storage. Random interactions
with random working-time figures are stored; every back end's
``uow.interactions.response_kpis`` must equal the domain reference
:func:`crmkit.domain.response_times.kpis` over the same interactions —
for each grouping, several percentile sets, a creation period and an access
predicate.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.domain.ids import EmployeeId
from crmkit.domain.interactions import Interaction, InteractionChannel, InteractionId
from crmkit.domain.parties import Segmentation
from crmkit.domain.predicates import EVERYTHING, CodeIn
from crmkit.domain.response_times import KpiGroup, kpis
from crmkit.domain.territory import TeamId
from crmkit.ports.storage import Storage
from crmkit.testing.factories import make_company

__all__ = ["ResponseKpiContract"]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _interactions(seed: int, companies: list[uuid.UUID]) -> list[Interaction]:
    rng = random.Random(seed)
    reps = [EmployeeId(uuid.UUID(int=100 + i)) for i in range(4)]
    teams: list[TeamId | None] = [None, TeamId(uuid.UUID(int=200)), TeamId(uuid.UUID(int=201))]
    out: list[Interaction] = []
    for _ in range(rng.randint(0, 40)):
        created = T0 + timedelta(minutes=rng.randint(0, 60 * 24 * 40))
        response = rng.choice([None, rng.randint(0, 50), rng.randint(0, 200_000)])
        resolution = None if response is None else rng.choice([None, response + rng.randint(0, 90_000)])
        owner = rng.choice(reps)
        out.append(
            Interaction(
                id=InteractionId(uuid.UUID(int=rng.getrandbits(128))),
                company_id=rng.choice(companies),  # type: ignore[arg-type]  # CompanyId is a UUID
                channel=rng.choice(list(InteractionChannel)),
                category="Genel",
                subject="Konu",
                created_by=owner,
                owner_id=owner,
                owner_team_id=rng.choice(teams),
                created_at=created,
                first_response_at=None if response is None else created + timedelta(hours=1),
                resolved_at=None if resolution is None else created + timedelta(hours=2),
                response_seconds=response,
                resolution_seconds=resolution,
            )
        )
    return out


class ResponseKpiContract:
    """``response_kpis`` equals the domain reference on every back end (I3)."""

    @pytest.mark.parametrize("seed", range(6))
    def test_kpis_equal_the_reference(self, storage: Storage, seed: int) -> None:
        """Counts, averages and nearest-rank percentiles per channel, team and rep, as the reference."""
        companies = [
            make_company(name=f"Firma {i}", segmentation=Segmentation(micro_region=code))
            for i, code in enumerate(["M-01", "A-01", None])
        ]
        items = _interactions(seed, [c.id for c in companies])
        with storage.unit_of_work() as uow:
            for company in companies:
                uow.companies.add(company)
            uow.interactions.add_many(items)
            uow.commit()
        since, until = T0 + timedelta(days=3), T0 + timedelta(days=30)
        code = CodeIn(frozenset({"M-01"}))
        allowed = {companies[0].id}
        with storage.unit_of_work() as uow:
            for group in KpiGroup:
                for percentiles in ((50, 90), (1, 33, 100)):
                    got = uow.interactions.response_kpis(EVERYTHING, group=group, percentiles=percentiles)
                    assert got == kpis(items, group, percentiles)
                narrowed = [i for i in items if since <= i.created_at < until and i.company_id in allowed]
                got = uow.interactions.response_kpis(code, group=group, since=since, until=until)
                assert got == kpis(narrowed, group, (50, 90))
