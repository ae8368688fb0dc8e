"""The memory and the SQLite adapter driven side by side through random workflows (ARCHITECTURE §4).

Every step is applied to both; both must succeed with equal results or fail
with the same error type, and after every step they hold equal records,
equal search results and equal audit trails (C12).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from crmkit.domain.errors import CrmError
from crmkit.domain.ids import CompanyId
from crmkit.domain.parties import Company, CompanyStatus, CompanyType, StatusTrigger
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.ports.storage import Storage, UnitOfWork
from crmkit.testing.backends import make_storage
from crmkit.testing.clock import FixedClock, SequentialIds
from crmkit.testing.factories import WHEN
from crmkit.testing.strategies import tax_numbers, turkish_text
from tests.profiles import examples

pytestmark = pytest.mark.slow  # a stateful machine over two storages

T = TypeVar("T")

NAMES = st.one_of(
    turkish_text(),
    st.sampled_from(["İSTANBUL A.Ş.", "ISPARTA GÜL", "ıspartalı", "Çağlayan", "çağ 50%_x"]),
)


class MemoryVsSqlite(RuleBasedStateMachine):
    companies = Bundle("companies")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="crmkit-machine-"))
        self.ids = SequentialIds()
        clock = FixedClock(WHEN)
        self.memory = make_storage("memory", self.tmp, AdapterContext(clock, self.ids, Settings()))
        self.sql = make_storage("sqlite", self.tmp, AdapterContext(clock, self.ids, Settings()))
        self.known: list[CompanyId] = []

    def teardown(self) -> None:
        self.memory.close()
        self.sql.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def both(self, action: Callable[[UnitOfWork], T], *, commit: bool = True) -> T | None:
        """Run ``action`` in a unit of work on each storage; outcomes must match."""
        outcomes: list[tuple[str, object]] = []
        for storage in (self.memory, self.sql):
            try:
                with storage.unit_of_work() as uow:
                    value = action(uow)
                    if commit:
                        uow.commit()
                outcomes.append(("ok", value))
            except CrmError as exc:
                outcomes.append(("error", type(exc).__name__))
        assert outcomes[0] == outcomes[1], outcomes
        kind, result = outcomes[0]
        return cast(T, result) if kind == "ok" else None

    @rule(
        target=companies, name=NAMES, kind=st.sampled_from(list(CompanyType)), tax=st.none() | tax_numbers()
    )
    def register(self, name: str, kind: CompanyType, tax: str | None) -> CompanyId:
        company = Company(id=CompanyId(self.ids.new()), name=name, type=kind, registered_at=WHEN, tax_no=tax)
        self.both(lambda uow: uow.companies.add(company))
        self.known.append(company.id)
        return company.id

    @rule(company=companies, name=NAMES)
    def rename(self, company: CompanyId, name: str) -> None:
        def act(uow: UnitOfWork) -> Company:
            return uow.companies.save(attrs.evolve(uow.companies.get(company), name=name))

        self.both(act)

    @rule(company=companies, trigger=st.sampled_from(list(StatusTrigger)))
    def advance(self, company: CompanyId, trigger: StatusTrigger) -> None:
        def act(uow: UnitOfWork) -> Company:
            return uow.companies.save(uow.companies.get(company).advance_status(trigger))

        self.both(act)

    @rule(company=companies, name=NAMES)
    def stale_save_is_refused(self, company: CompanyId, name: str) -> None:
        def act(uow: UnitOfWork) -> Company:
            current = uow.companies.get(company)
            return uow.companies.save(attrs.evolve(current, name=name, version=current.version + 7))

        self.both(act)

    @rule(company=companies, name=NAMES)
    def rolled_back_change(self, company: CompanyId, name: str) -> None:
        def act(uow: UnitOfWork) -> Company:
            return uow.companies.save(attrs.evolve(uow.companies.get(company), name=name))

        self.both(act, commit=False)

    @rule(child=companies, parent=companies)
    def reparent(self, child: CompanyId, parent: CompanyId) -> None:
        def act(uow: UnitOfWork) -> Company:
            moved = uow.companies.get(child)
            new_parent = uow.companies.get(parent)
            return uow.companies.save(moved.move_under(new_parent, uow.companies.ancestors(parent)))

        self.both(act)

    @rule(
        text=st.sampled_from(["istanbul", "ısparta", "ISPARTA", "çağ", "50%_", "a", ""]),
        page=st.integers(0, 2),
    )
    def search_agrees(self, text: str, page: int) -> None:
        self.both(
            lambda uow: [c.id for c in uow.companies.search(text, limit=3, offset=3 * page)], commit=False
        )

    @precondition(lambda self: bool(self.known))
    @rule(data=st.data())
    def tree_queries_agree(self, data: st.DataObject) -> None:
        company = data.draw(st.sampled_from(self.known))
        self.both(
            lambda uow: (
                uow.companies.ancestors(company),
                uow.companies.subtree(company),
                [c.id for c in uow.companies.children(company)],
            ),
            commit=False,
        )

    @invariant()
    def same_records_and_history(self) -> None:
        def snapshot(storage: Storage) -> tuple[object, ...]:
            with storage.unit_of_work() as uow:
                records = uow.companies.get_many(self.known)
                history = {
                    key: [(e.version, e.action, e.changes) for e in uow.audit.for_record("company", str(key))]
                    for key in self.known
                }
                return uow.companies.count(), records, history

        assert snapshot(self.memory) == snapshot(self.sql)

    @invariant()
    def statuses_are_valid(self) -> None:
        with self.sql.unit_of_work() as uow:
            for company in uow.companies.get_many(self.known).values():
                assert company.status in set(CompanyStatus)


MemoryVsSqlite.TestCase.settings = settings(max_examples=examples(25), stateful_step_count=20, deadline=None)
TestMemoryVsSqlite = MemoryVsSqlite.TestCase
