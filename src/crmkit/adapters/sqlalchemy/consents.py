"""SQL consent history (M3): append-only decisions, the latest one at a time counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.sqlalchemy._convert import utc
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.bulk import chunks
from crmkit.adapters.sqlalchemy.outbox_codecs import (
    consents,
)
from crmkit.adapters.sqlalchemy.tables.outbox import (
    consent_records,
)
from crmkit.domain.errors import Duplicate
from crmkit.domain.messaging import (
    Channel,
    ConsentRecord,
    ConsentState,
    consent_at,
)

if TYPE_CHECKING:
    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlConsentRepository"]


class SqlConsentRepository:
    """Consent history of a SQL unit of work (see :class:`crmkit.ports.outbox.ConsentRepository`)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, record: ConsentRecord) -> None:
        """Record a decision.

        Raises:
            Duplicate: the id is taken.
        """
        try:
            with savepoint(self._uow.connection) as connection:
                connection.execute(sa.insert(consent_records), [consents.to_row(record)])
        except IntegrityError:
            raise Duplicate("id", "this value is already taken in consent_records") from None

    def history(self, channel: Channel, address: str) -> list[ConsentRecord]:
        """Decisions for one address, oldest first."""
        c = consent_records
        query = (
            sa.select(c).where(c.c.channel == channel.value, c.c.address == address).order_by(c.c.at, c.c.id)
        )
        return [consents.from_row(r._mapping) for r in self._uow.execute(query)]

    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        """The decision in force at ``at`` per address (one query per 1,000 addresses)."""
        c = consent_records
        wanted = sorted(set(addresses))
        by_address: dict[str, list[ConsentRecord]] = {}
        for chunk in chunks(wanted):
            query = (
                sa.select(c)
                .where(c.c.channel == channel.value, c.c.address.in_(chunk), c.c.at <= utc(at))
                .order_by(c.c.address, c.c.at, c.c.id)
            )
            for row in self._uow.execute(query):
                record = consents.from_row(row._mapping)
                by_address.setdefault(record.address, []).append(record)
        out: dict[str, ConsentState] = {}
        for address, records in by_address.items():
            state = consent_at(records, at)
            if state is not None:
                out[address] = state
        return out
