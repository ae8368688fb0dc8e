"""SQL segments and campaigns (M1, M2): a :class:`~crmkit.ports.marketing.MarketingRepository`.

A campaign and its send records are written with one insert each (the
records as one ``executemany``), inside a savepoint so a refused write
leaves the unit of work usable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.sqlalchemy._convert import RowMapper, converter
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.predicates import compile_predicate
from crmkit.adapters.sqlalchemy.sql_repository import change_row
from crmkit.adapters.sqlalchemy.tables import audit_entries
from crmkit.adapters.sqlalchemy.tables import companies as company_table
from crmkit.adapters.sqlalchemy.tables.marketing import campaign_recipients, campaigns, segments
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound, RuleViolation
from crmkit.domain.marketing import (
    CAMPAIGN_AGGREGATE,
    SEGMENT_AGGREGATE,
    Campaign,
    CampaignId,
    CampaignRecipient,
    Segment,
    SegmentFilter,
    SegmentId,
)
from crmkit.domain.predicates import Predicate
from crmkit.domain.text import fold

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork

__all__ = ["SqlMarketingRepository"]


def _opt_uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


converter.register_unstructure_hook(
    SegmentFilter, lambda f: json.dumps(f.to_data(), ensure_ascii=False, sort_keys=True)
)
converter.register_structure_hook(SegmentFilter, lambda v, _: SegmentFilter.from_data(json.loads(v)))
# A segment's filter is one JSON text column (M1): the shared mapper stores and loads it through
# these two hooks, so segments go through the same RowMapper as every other aggregate (§2).

_segments = RowMapper(Segment, segments, extra=lambda s: {"name_key": fold(s.name)})
"""Segments ↔ rows: the filter as JSON text, the folded name as the sort key."""
_campaigns = RowMapper(Campaign, campaigns)
"""Campaigns ↔ rows, by the shared mapper."""
_recipients = RowMapper(CampaignRecipient, campaign_recipients)
"""Send records ↔ rows."""


_MEMBER = company_table.alias("member")
_GONE = company_table.alias("gone")
"""The company aliases of the recipients' visibility filter (A8), built once."""


class SqlMarketingRepository:
    """Segments, campaigns and send records of a SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _audit(
        self, aggregate_type: str, key: object, version: int, new: object | None, old: object | None = None
    ) -> dict[str, Any]:
        """The audit row of creating ``new``, changing ``old`` into it, or deleting ``old`` (C12)."""
        return change_row(self._uow, aggregate_type, key, version, old, new)

    @contextmanager
    def _writing(self, what: str) -> Iterator[Connection]:
        try:
            with savepoint(self._uow.connection) as connection:
                yield connection
        except IntegrityError:
            raise Duplicate("id", f"this {what} is already stored") from None

    def add_segment(self, segment: Segment) -> None:
        """Store a new segment."""
        row = _segments.to_row(segment)
        with self._writing("segment") as connection:
            connection.execute(sa.insert(segments), [row])
            connection.execute(
                sa.insert(audit_entries),
                [self._audit(SEGMENT_AGGREGATE, segment.id, segment.version, segment)],
            )

    def _locked_segment(self, id: SegmentId, version: int) -> Segment:
        query = sa.select(segments).where(segments.c.id == id)
        if self._uow.connection.dialect.name != "sqlite":
            query = query.with_for_update()
        row = self._uow.execute(query).one_or_none()
        if row is None:
            raise NotFound("segment", id)
        if row.version != version:
            raise ConcurrencyConflict(SEGMENT_AGGREGATE, id, version)
        return _segments.from_row(row._mapping)

    def update_segment(self, segment: Segment) -> Segment:
        """Store a changed segment with a conditional ``UPDATE`` and an ``update`` audit entry."""
        old = self._locked_segment(segment.id, segment.version)
        new = attrs.evolve(segment, version=segment.version + 1)
        row = _segments.to_row(new)
        values = {key: row[key] for key in ("version", "name", "name_key", "filter")}
        update = (
            sa.update(segments)
            .where(segments.c.id == segment.id, segments.c.version == segment.version)
            .values(values)
        )
        with self._writing("segment") as connection:
            if connection.execute(update).rowcount != 1:
                raise ConcurrencyConflict(SEGMENT_AGGREGATE, segment.id, segment.version)
            connection.execute(
                sa.insert(audit_entries), [self._audit(SEGMENT_AGGREGATE, segment.id, new.version, new, old)]
            )
        return new

    def delete_segment(self, id: SegmentId, version: int) -> None:
        """Delete a segment no campaign references (M1), with a ``delete`` audit entry.

        The foreign key ``campaigns.segment_id`` backs the check against a campaign
        committed concurrently.
        """
        old = self._locked_segment(id, version)
        count = sa.select(sa.func.count()).select_from(campaigns).where(campaigns.c.segment_id == id)
        used = int(self._uow.execute(count).scalar_one())
        if used:
            raise RuleViolation("M1", f"segment {id} is used by {used} campaign(s) and cannot be deleted")
        delete = sa.delete(segments).where(segments.c.id == id, segments.c.version == version)
        try:
            with savepoint(self._uow.connection) as connection:
                if connection.execute(delete).rowcount != 1:
                    raise ConcurrencyConflict(SEGMENT_AGGREGATE, id, version)
                connection.execute(
                    sa.insert(audit_entries), [self._audit(SEGMENT_AGGREGATE, id, version, None, old)]
                )
        except IntegrityError:
            raise RuleViolation("M1", f"segment {id} is used by a campaign and cannot be deleted") from None

    def get_segment(self, id: SegmentId) -> Segment:
        """The segment with this id."""
        row = self._uow.execute(sa.select(segments).where(segments.c.id == id)).one_or_none()
        if row is None:
            raise NotFound("segment", id)
        return _segments.from_row(row._mapping)

    def segments(self, *, limit: int = 50, offset: int = 0) -> list[Segment]:
        """Saved segments by folded name then id."""
        query = (
            sa.select(segments)
            .order_by(segments.c.name_key, segments.c.id)
            .limit(max(limit, 0))
            .offset(max(offset, 0))
        )
        return [_segments.from_row(row._mapping) for row in self._uow.execute(query)]

    def add_campaign(self, campaign: Campaign, recipients: Iterable[CampaignRecipient]) -> None:
        """Store a campaign and its send records (one ``executemany``)."""
        row = _campaigns.to_row(campaign)
        rows = [_recipients.to_row(r) for r in recipients]
        with self._writing("campaign") as connection:
            connection.execute(sa.insert(campaigns), [row])
            connection.execute(
                sa.insert(audit_entries), [self._audit(CAMPAIGN_AGGREGATE, campaign.id, 1, campaign)]
            )
            if rows:
                connection.execute(sa.insert(campaign_recipients), rows)

    def get_campaign(self, id: CampaignId) -> Campaign:
        """The campaign with this id."""
        row = self._uow.execute(sa.select(campaigns).where(campaigns.c.id == id)).one_or_none()
        if row is None:
            raise NotFound("campaign", id)
        return _campaigns.from_row(row._mapping)

    def recipients(
        self,
        campaign: CampaignId,
        *,
        limit: int = 1000,
        offset: int = 0,
        companies: Predicate | None = None,
        strangers: bool = True,
    ) -> list[CampaignRecipient]:
        """The campaign's send records by company id; ``companies`` compiled into the query (A8)."""
        t = campaign_recipients
        where: sa.ColumnElement[bool] = t.c.campaign_id == campaign
        if companies is not None:
            member, gone = _MEMBER, _GONE
            seen: sa.ColumnElement[bool] = sa.exists().where(
                member.c.id == t.c.company_id, compile_predicate(companies, member)
            )
            if strangers:
                seen = sa.or_(seen, ~sa.exists().where(gone.c.id == t.c.company_id))
            where = sa.and_(where, seen)
        query = sa.select(t).where(where).order_by(t.c.company_id).limit(max(limit, 0)).offset(max(offset, 0))
        return [_recipients.from_row(row._mapping) for row in self._uow.execute(query)]
