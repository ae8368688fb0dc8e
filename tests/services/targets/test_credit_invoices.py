"""The import's fast crediting is :func:`credit` of the sales (Q5, T4).

``credit_invoices`` reads invoices as they are (no :class:`Sale` per invoice, no
object per line, each distinct amount turned into millionths once); for random
organisations — back-dated code, team and owner changes, returns, three
currencies, instants around both year ends — it gives exactly what ``credit``
gives for the invoices' ``sale_of``, key by key.
"""

from __future__ import annotations

from hypothesis import given, settings

from crmkit.adapters.memory.storage import MemoryStorage
from crmkit.domain.actuals import credit, credit_invoices, sale_of
from tests.services.targets.world import ZONE, World, worlds


@settings(deadline=None)
@given(world=worlds())
def test_q5_credit_invoices_equals_credit_of_their_sales(world: World) -> None:
    storage = MemoryStorage()
    world.store(storage)
    invoices = list(world.invoices) * 2  # a buyer and an amount met twice use what was looked up once
    buyers = {invoice.buyer.key for invoice in invoices}
    with storage.unit_of_work() as uow:
        territory = uow.targets.territory(buyers)
    expected = credit([sale_of(invoice) for invoice in invoices], territory, ZONE)
    assert credit_invoices(invoices, territory, ZONE) == expected
