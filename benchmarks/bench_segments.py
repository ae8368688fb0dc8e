"""M1 purchase-history segments: a segment's members (page of 50 + total) beside hand-written SQL ``EXISTS``.

Builds the data of ``bench_quotas.py`` — a year of five-line invoices (200
product codes, 5 % returns, 5 % in EUR) over 20,000 customers — storing the
invoices straight through ``uow.invoices.add_many`` (no import: segments read
invoices and their lines only), and a catalogue of the 200 products in 8
categories (two levels, ``Boya/İç cephe`` under ``Boya``) and 5 brands. Then,
for each segment below, alternating so a busy machine slows all alike:

* ours (service): ``crm.marketing.members(actor=admin, segment=…, limit=50)`` —
  loads the actor and the segment, turns categories and brands into product
  codes through the catalogue, compiles filter and access policy to one
  ``WHERE`` and runs the page (domain objects) and the count;
* ours (repository): ``companies.visible(predicate, limit=50)`` +
  ``count_visible(predicate)`` in one unit of work, the predicate built once;
* baseline: the same page and count written by hand as SQL text — ``[NOT]
  EXISTS (SELECT 1 FROM invoices JOIN invoice_lines … WHERE buyer_key =
  tax_no AND kind <> 'return' AND quantity - returned > 0 AND issued_at in the
  window AND product_code IN (…))`` — with the product codes worked out
  beforehand, rows not turned into objects.

The baseline's window is on the stored UTC instant (every generated invoice is
in UTC); ours compares each invoice's local date from its own offset, as M1
requires, so the ratio includes that exactness. The script checks that both
return the same page and total before timing. Target: ratio (service /
baseline) <= 1.5.

    .venv/bin/python benchmarks/bench_segments.py [--lines 1000000] [--customers 20000]
        [--repeat 20] [--url postgresql+psycopg://…]

``bench_quotas.py --segments`` runs the same measurements on its own imported data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _timing import alternate_cpu, p50_ms
from bench_quotas import YEAR, _connect, organise, year_of_invoices

import crmkit
from crmkit.adapters.sqlalchemy.tables import invoice_lines, invoices
from crmkit.domain.invoices import Invoice, InvoiceKind
from crmkit.domain.marketing import SegmentFilter
from crmkit.domain.points import Product

CATEGORIES = (
    "Boya/İç cephe",
    "Boya/Dış cephe",
    "Boya/Astar",
    "Vernik",
    "Yapıştırıcı",
    "Silikon",
    "Alçı",
    "Fırça",
)
BRANDS = ("Marka A", "Marka B", "Marka C", "Marka D", "Marka E")

SEGMENTS: dict[str, dict[str, Any]] = {
    "bought products P-1..P-5, 1 Mar-31 May": {
        "purchases": [
            {
                "what": "product",
                "values": [f"P-{n}" for n in range(1, 6)],
                "from": "2026-03-01",
                "to": "2026-05-31",
            }
        ]
    },
    "bought category Boya (3 subcategories), Q2": {
        "purchases": [{"what": "category", "values": ["Boya"], "from": "2026-04-01", "to": "2026-06-30"}]
    },
    "bought brand Marka A in June": {
        "purchases": [{"what": "brand", "values": ["Marka A"], "from": "2026-06-01", "to": "2026-06-30"}]
    },
    "has not bought anything since 1 Nov": {
        "purchases": [{"bought": False, "what": "anything", "from": "2026-11-01"}]
    },
}
"""The segments timed: name → filter data (``SegmentFilter.from_data``)."""


def catalogue() -> list[Product]:
    """The benchmark's 200 products, spread over the categories and brands."""
    return [
        Product(code=f"P-{n}", name=f"Ürün {n}", category=CATEGORIES[n % 8], brand=BRANDS[n % 5])
        for n in range(200)
    ]


def prepare(crm: crmkit.Crm, actor: uuid.UUID) -> None:
    """Register the catalogue and its category and brand pick-lists (what segments may name, M1, C9)."""
    crm.points.add_products(actor=actor, products=catalogue())
    crm.parties.set_parameters(actor=actor, name="product_categories", values=["Boya", *CATEGORIES])
    crm.parties.set_parameters(actor=actor, name="product_brands", values=list(BRANDS))


def _codes(data: dict[str, Any]) -> list[str] | None:
    """The product codes a condition names, worked out by hand (``None``: anything)."""
    condition = data["purchases"][0]
    products, values = catalogue(), set(condition.get("values", ()))
    if condition["what"] == "product":
        return sorted(values)
    if condition["what"] == "brand":
        return sorted(p.code for p in products if p.brand in values)
    if condition["what"] == "category":
        return sorted(
            p.code for p in products if p.category and any(p.category.split("/")[0] == v for v in values)
        )
    return None


def handwritten(data: dict[str, Any]) -> tuple[sa.TextClause, sa.TextClause, dict[str, Any]]:
    """The page and the count of a one-condition segment as SQL text, with their parameters."""
    condition = data["purchases"][0]
    codes = _codes(data)
    where = [
        "i.buyer_key = c.tax_no",
        "i.kind <> :ret",
        "l.quantity - COALESCE(l.returned_quantity, 0) > 0",
    ]
    params: dict[str, Any] = {"ret": InvoiceKind.RETURN.value}
    binds = [sa.bindparam("ret", type_=invoices.c.kind.type)]
    start = date.fromisoformat(condition["from"]) if condition.get("from") else None
    end = date.fromisoformat(condition["to"]) if condition.get("to") else None
    if start is not None:
        where.append("i.issued_at >= :lo")
        params["lo"] = datetime(start.year, start.month, start.day, tzinfo=UTC)
        binds.append(sa.bindparam("lo", type_=invoices.c.issued_at.type))
    if end is not None:
        where.append("i.issued_at < :hi")
        params["hi"] = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
        binds.append(sa.bindparam("hi", type_=invoices.c.issued_at.type))
    if codes is not None:
        where.append("l.product_code IN :codes")
        params["codes"] = codes
        binds.append(sa.bindparam("codes", expanding=True, type_=invoice_lines.c.product_code.type))
    negated = "NOT " if condition.get("bought") is False else ""
    exists = (
        f"{negated}EXISTS (SELECT 1 FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id"
        f" WHERE {' AND '.join(where)})"
    )
    filtered = f"FROM companies c WHERE c.archived_at IS NULL AND {exists}"
    page = sa.text(f"SELECT c.* {filtered} ORDER BY c.name_key, c.id LIMIT 50").bindparams(*binds)
    count = sa.text(f"SELECT COUNT(*) {filtered}").bindparams(*binds)
    return page, count, params


def measure(crm: crmkit.Crm, actor: uuid.UUID, repeat: int) -> None:
    """Save each segment, check ours equals the hand-written SQL, then time and print them."""
    print(f"M1 purchase-history segments, page of 50 + total, p50 of {repeat} (alternating), wall / CPU:")
    print(f"    {'segment':<44} {'total':>7} {'SQL':>15} {'repository':>15} {'service':>15} {'ratio':>11}")
    storage = crm.storage
    for name, data in SEGMENTS.items():
        segment = crm.marketing.save_segment(actor=actor, name=name, filter=data)
        with storage.unit_of_work() as uow:
            known = uow.points.catalogue()
        predicate = SegmentFilter.from_data(data).predicate(catalogue=known)  # an admin sees every company
        page, count, params = handwritten(data)

        def service(segment_id: uuid.UUID = segment.id) -> Any:
            return crm.marketing.members(actor=actor, segment=segment_id, limit=50)

        def repository(predicate: Any = predicate) -> tuple[list[Any], int]:
            with storage.unit_of_work() as uow:
                return uow.companies.visible(predicate, limit=50), uow.companies.count_visible(predicate)

        def baseline(page: Any = page, count: Any = count, params: Any = params) -> tuple[list[Any], int]:
            with storage.unit_of_work() as uow:
                sql: Any = uow  # the SQL unit of work's execute: the adapter's connection and transaction
                rows = sql.execute(page, params).all()
                return rows, int(sql.execute(count, params).scalar_one())

        ours = service()
        rows, total = baseline()
        assert [c.tax_no for c in ours.items] == [r._mapping["tax_no"] for r in rows], name
        assert ours.total == total == repository()[1], (name, ours.total, total)
        work: list[Callable[[], Any]] = [baseline, repository, service]
        wall, cpu = alternate_cpu(repeat, *work)
        walls, cpus = [p50_ms(t) for t in wall], [p50_ms(t) for t in cpu]
        cells = [f"{w:>6.1f}/{c:>5.1f} ms" for w, c in zip(walls, cpus, strict=True)]
        ratio = f"{walls[2] / walls[0]:>5.2f}/{cpus[2] / cpus[0]:>5.2f}"
        print(f"    {name:<44} {total:>7,} {' '.join(cells)} {ratio}")
    print("    ratio = service / hand-written SQL, wall / CPU (target <= 1.5)")
    print("    (CPU is this process's: on a server back end the database's own work is not in it)")


def main() -> None:
    """Build the data and run :func:`measure`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", default=None, help="a server database (emptied) instead of a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        crm = _connect(args.url or f"sqlite:///{Path(tmp) / 'segments.db'}", bool(args.url))
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
        started = time.perf_counter()
        buyers = organise(crm.storage, args.customers, args.teams)
        batch: list[Invoice] = []
        for invoice in year_of_invoices(args.lines, buyers):
            batch.append(invoice)
            if len(batch) == 5_000:
                _store(crm, batch)
        _store(crm, batch)
        prepare(crm, admin.id)
        kind = str(crm.storage.url).split(":")[0]
        print(
            f"stored {args.lines:,} lines of {YEAR}, {args.customers:,} customers in"
            f" {time.perf_counter() - started:.0f} s ({kind})"
        )
        measure(crm, admin.id, args.repeat)


def _store(crm: crmkit.Crm, batch: list[Invoice]) -> None:
    if batch:
        with crm.storage.unit_of_work() as uow:
            uow.invoices.add_many(batch)
            uow.commit()
        batch.clear()


if __name__ == "__main__":
    main()
