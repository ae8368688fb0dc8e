"""SQL loyalty point configuration (§7 V3–V8): programs, products, rules, campaigns, tiers.

Stored as JSON rows of one table, audited (C12). :class:`SqlPointConfig` is the base
of :class:`~crmkit.adapters.sqlalchemy.points.SqlPointRepository`, which adds the ledger.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from crmkit.adapters.audit import audit_entry
from crmkit.adapters.sqlalchemy._convert import converter
from crmkit.adapters.sqlalchemy._errors import savepoint
from crmkit.adapters.sqlalchemy.bulk import upsert
from crmkit.adapters.sqlalchemy.repositories import audit_row
from crmkit.adapters.sqlalchemy.tables import audit_entries
from crmkit.adapters.sqlalchemy.tables.points import (
    point_config,
)
from crmkit.domain.errors import Duplicate, NotFound
from crmkit.domain.points import Campaign, PointRule, Product, Program, Tier

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crmkit.adapters.sqlalchemy.storage import SqlUnitOfWork


__all__ = ["POINTS_AGGREGATE", "SqlPointConfig", "config_data", "config_value"]

POINTS_AGGREGATE = "points"
"""The audit trail's aggregate type of point configuration and manual adjustments (C12)."""

T = TypeVar("T")

_conv = converter.copy()
_conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
_conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
_conv.register_unstructure_hook(Decimal, str)
_conv.register_structure_hook(Decimal, lambda v, _: Decimal(v))


def config_data(item: object) -> str:
    """A configuration value (program, product, rule, campaign, tier) as JSON text."""
    return json.dumps(_conv.unstructure(item), ensure_ascii=False, sort_keys=True)


def config_value(text: str, cls: type[T]) -> T:
    """The configuration value of ``cls`` stored as ``text`` by :func:`config_data`."""
    return _conv.structure(json.loads(text), cls)


def _rule_key(rule: PointRule) -> str:
    return f"{rule.program}|{rule.role.value}|{rule.target.value}|{rule.key}|{rule.valid_from.isoformat()}"


class SqlPointConfig:
    """The configuration half of the point repository of a SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _audit(self, key: str, new: object, old: object | None = None) -> dict[str, Any]:
        entry = audit_entry(
            actor=self._uow.actor,
            at=self._uow.clock.now(),
            aggregate_type=POINTS_AGGREGATE,
            aggregate_id=key,
            version=1,
            old=old,
            new=new,
        )
        return audit_row(entry)

    @contextmanager
    def _writing(self, field: str, what: str) -> Iterator[Connection]:
        try:
            with savepoint(self._uow.connection) as connection:
                yield connection
        except IntegrityError:
            raise Duplicate(field, f"{what} is already stored") from None

    def _put_config(
        self, kind: str, rows: Sequence[tuple[str, str | None, object]], audits: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        values = [
            {"kind": kind, "key": key, "program": program, "data": config_data(item)}
            for key, program, item in rows
        ]
        statement = upsert(point_config, self._uow.connection.dialect, ["kind", "key"], ["program", "data"])
        with self._writing("code", kind) as connection:
            connection.execute(statement, values)
            if audits:
                connection.execute(sa.insert(audit_entries), audits)

    def _config(
        self, kind: str, cls: type[T], program: str | None = None, keys: Iterable[str] | None = None
    ) -> list[T]:
        query = sa.select(point_config.c.data).where(point_config.c.kind == kind).order_by(point_config.c.key)
        if program is not None:
            query = query.where(point_config.c.program == program)
        if keys is not None:
            query = query.where(point_config.c.key.in_(list(keys)))
        return [config_value(text, cls) for text in self._uow.execute(query).scalars()]

    # -- configuration -----------------------------------------------------------------------
    def put_program(self, program: Program) -> None:
        """Store a program, replacing its code's (audited)."""
        old = self._config("program", Program, keys=[program.code])
        self._put_config(
            "program",
            [(program.code, program.code, program)],
            [self._audit(f"program:{program.code}", program, old[0] if old else None)],
        )

    def program(self, code: str) -> Program:
        """The program with this code."""
        found = self._config("program", Program, keys=[code])
        if not found:
            raise NotFound("program", code)
        return found[0]

    def programs(self) -> list[Program]:
        """Every program by code."""
        return self._config("program", Program)

    def put_products(self, products: Sequence[Product]) -> None:
        """Store products."""
        self._put_config("product", [(p.code, None, p) for p in products], [])

    def catalogue(self) -> list[Product]:
        """Every product, by code."""
        return self._config("product", Product)

    def products(self, codes: Iterable[str]) -> dict[str, Product]:
        """Known products among ``codes``."""
        return {p.code: p for p in self._config("product", Product, keys=set(codes))}

    def add_rules(self, rules: Sequence[PointRule]) -> None:
        """Add rule versions (audited)."""
        if not rules:
            return
        values = [
            {"kind": "rule", "key": _rule_key(r), "program": r.program, "data": config_data(r)} for r in rules
        ]
        audits = [self._audit(f"rule:{r.program}:{r.key}", r) for r in rules]
        with self._writing("valid_from", "a rule version starting that day") as connection:
            connection.execute(sa.insert(point_config), values)
            connection.execute(sa.insert(audit_entries), audits)

    def rules(self, program: str) -> list[PointRule]:
        """The program's rule versions."""
        return self._config("rule", PointRule, program=program)

    def add_campaign(self, campaign: Campaign) -> None:
        """Add a campaign (audited)."""
        value = {
            "kind": "campaign",
            "key": campaign.code,
            "program": campaign.program,
            "data": config_data(campaign),
        }
        with self._writing("code", f"campaign {campaign.code}") as connection:
            connection.execute(sa.insert(point_config), [value])
            connection.execute(sa.insert(audit_entries), [self._audit(f"campaign:{campaign.code}", campaign)])

    def campaigns(self, program: str) -> list[Campaign]:
        """The program's campaigns by start then code."""
        return sorted(self._config("campaign", Campaign, program=program), key=lambda c: (c.starts, c.code))

    def put_tiers(self, program: str, tiers: Sequence[Tier]) -> None:
        """Replace the program's tiers (audited)."""
        with self._writing("code", "tiers") as connection:
            connection.execute(
                sa.delete(point_config).where(
                    point_config.c.kind == "tier", point_config.c.program == program
                )
            )
        self._put_config(
            "tier",
            [(f"{program}|{t.role.value}|{t.name}", program, t) for t in tiers],
            [self._audit(f"tier:{program}:{t.role.value}:{t.name}", t) for t in tiers],
        )

    def tiers(self, program: str) -> list[Tier]:
        """The program's tiers by role then threshold."""
        return sorted(
            self._config("tier", Tier, program=program), key=lambda t: (t.role.value, t.threshold, t.name)
        )
