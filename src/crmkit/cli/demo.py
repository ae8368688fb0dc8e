"""``crmkit demo``: the walk-through of every module on a fresh database (issue 17).

:func:`run_demo` runs the module sections (parties, territory, service, points,
targets, interactions, SMS), then the seed organisation's tour
(:mod:`crmkit.cli.demo_tour`): the organisation, the invoice files imported with a
progress bar, and the closing sections. ``--db`` files are marked with
:data:`DEMO_APPLICATION_ID`: only such a file is replaced without ``--force``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from crmkit.bootstrap import Crm, connect
from crmkit.cli.config import Config
from crmkit.cli.demo_tour import tour
from crmkit.cli.output import Output
from crmkit.demos.interactions import ics_path_for, interactions_demo
from crmkit.demos.points import points_demo
from crmkit.demos.service import service_demo
from crmkit.demos.targets import targets_demo
from crmkit.domain.errors import CrmError, ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.messaging import MessageKind
from crmkit.services.companies import ContactInput
from crmkit.services.messaging import enqueue_sms

__all__ = ["DEMO_APPLICATION_ID", "add_parser", "run", "run_demo"]


def _say(out: TextIO, text: str) -> None:
    print(text, file=out)


def run_demo(url: str, out: TextIO | None = None, *, sms: str = "console://") -> int:
    """Walk through the parties rules (C1–C12) on the storage at ``url``; return an exit code.

    The storage must be empty (the ``demo`` command starts from a fresh file);
    ``out`` defaults to the current ``sys.stdout``; the demo's SMS go through the
    gateway at ``sms`` (``crmkit --sms-url``).
    """
    out = out or sys.stdout
    with connect(url, email="console://", sms=sms) as crm:
        crm.migrate()
        p = crm.parties
        admin = p.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
        _say(out, f"first admin: {admin.name} ({admin.position.value})")
        p.set_parameters(actor=admin.id, name="sectors", values=["İlaç", "Hijyen", "Temizlik", "Kimya"])
        p.set_parameters(actor=admin.id, name="cities", values=["İstanbul", "İzmir", "Ankara", "Isparta"])
        p.set_parameters(actor=admin.id, name="departments", values=["Satış", "Satış Destek"])
        dist = p.register_company(
            actor=admin.id,
            name="Marmara Dağıtım A.Ş.",
            type="distributor",
            tax_no="4730180002",
            email="info@marmara.example.com.tr",
            phone="0212 555 12 34",
            sector="kimya",
            city="istanbul",
            contact=ContactInput(name="Şükrü Öztürk", title="Genel Müdür", phone="0532 123 45 67"),
        )
        _say(
            out,
            f"registered {dist.name} [{dist.type.value}] city={dist.segmentation.city} phone={dist.phone}",
        )
        dealer = p.register_company(
            actor=admin.id, name="Ege Bayi Ltd.", type="dealer", parent=dist.id, city="İzmir"
        )
        customer = p.register_company(
            actor=admin.id,
            name="ISPARTA GÜL KOZMETİK",
            type="customer",
            parent=dealer.id,
            tax_no="6800120004",
            email="satinalma@ispartagul.example.com",
            city="Isparta",
            sector="Hijyen",
            referred_by_company=dist.id,
        )
        _say(out, f"registered {customer.name} under {dealer.name}")
        try:
            p.register_company(actor=admin.id, name="Alt Müşteri", type="customer", parent=customer.id)
        except CrmError as exc:
            _say(out, f"refused: {exc}")
        manager = p.hire(actor=admin.id, name="Mehmet Kaya", position="manager", department="Satış")
        rep = p.hire(
            actor=admin.id,
            name="Gülşen Çelik",
            position="employee",
            department="satış",
            manager=manager.id,
            login="gulsen",
            password="güçlü-parola-1",
        )
        other = p.hire(actor=admin.id, name="İbrahim Şahin", position="employee", manager=manager.id)
        claim = p.claim(actor=rep.id, company=customer.id)
        _say(out, f"{rep.name} claimed {customer.name}: {claim.status.value}")
        try:
            p.claim(actor=other.id, company=customer.id)
        except CrmError as exc:
            _say(out, f"refused: {exc}")
        p.approve_claim(actor=manager.id, claim=claim.id)
        owned = p.get_company(actor=admin.id, company=customer.id)
        _say(out, f"approved: {customer.name} now owned by {rep.name} ({owned.sales_rep_id == rep.id})")
        for trigger in ("offer_sent", "invoice_added", "brochure_sent"):
            moved = p.record_status_trigger(actor=rep.id, company=customer.id, trigger=trigger)
            _say(out, f"{trigger}: status is {moved.status.value}")
        decision = p.portal_password_decision(actor=rep.id, company=customer.id)
        _say(out, f"portal password for {rep.name}? {decision.allowed}: {decision.reason}")
        p.send_portal_password(actor=admin.id, company=customer.id)
        p.dismiss(actor=admin.id, employee=rep.id, reason="Görev yeri değişikliği")
        try:
            p.add_contact(actor=rep.id, company=customer.id, name="Deneme")
        except CrmError as exc:
            _say(out, f"refused: {exc}")
        for text in ("ısparta", "DAGITIM"):
            found = p.search_companies(actor=admin.id, text=text)
            _say(out, f"search {text!r}: " + ", ".join(c.name for c in found))
        names = {str(e.id): e.name for e in (admin, manager, rep, other)}
        _say(out, f"history of {customer.name}:")
        for entry in p.history(actor=admin.id, aggregate_type="company", aggregate_id=customer.id):
            changed = ", ".join(f"{c.field}: {c.old} → {c.new}" for c in entry.changes[:4])
            who = names.get(entry.actor_id or "", "system")
            _say(out, f"  v{entry.version} {entry.action} by {who}: {changed}")
        _territory_demo(crm, admin.id, manager.id, rep.id, out)
        service_demo(crm, admin.id, out)
        points_demo(crm, admin.id, out)
        targets_demo(crm, admin.id, out)  # finds the territory's customers by name: before issue 14's own
        interactions_demo(crm, admin.id, out)  # issue 14: one rep's day, writes an .ics file
        tour(
            crm, admin.id, out, chart=ics_path_for(url).with_name("crmkit-demo-quota.html")
        )  # the seed organisation, its invoice files, the closing sections
        _sms_demo(crm, out)
    _say(out, "demo finished")
    return 0


def _territory_demo(crm: Crm, admin: EmployeeId, manager: EmployeeId, gone: EmployeeId, out: TextIO) -> None:
    """The seed's territory (T1–T5) and what three employees see, and why, with the A1 switch on."""
    t, p = crm.territory, crm.parties
    p.set_parameters(actor=admin, name="micro_region_codes", values=["M-01", "M-02", "A-01", "D-01"])
    europe = t.add_region(actor=admin, name="Avrupa")
    turkey = t.add_region(actor=admin, name="Türkiye", parent=europe.id)
    leaves = {
        name: t.add_region(actor=admin, name=name, parent=turkey.id)
        for name in ("Marmara", "İç Anadolu", "Doğu")
    }
    zeynep = p.hire(actor=admin, name="Zeynep Arslan", position="employee")
    emre = p.hire(actor=admin, name="Emre Demir", position="employee")
    teams = {
        "Marmara": t.add_team(
            actor=admin, name="İstanbul Ekibi", region=leaves["Marmara"].id, leader=zeynep.id
        ),
        "İç Anadolu": t.add_team(
            actor=admin, name="Ankara Ekibi", region=leaves["İç Anadolu"].id, leader=emre.id
        ),
        "Doğu": t.add_team(actor=admin, name="Erzurum Ekibi", region=leaves["Doğu"].id),
    }
    for region, codes in {"Marmara": ["M-01", "M-02"], "İç Anadolu": ["A-01"], "Doğu": ["D-01"]}.items():
        t.add_member(actor=admin, team=teams[region].id, employee=manager, role="manager")
        for code in codes:
            t.link_code(actor=admin, team=teams[region].id, code=code)
    for name, code in (("Kadıköy Eczanesi", "M-01"), ("Bursa Hijyen", "M-02"), ("Çankaya Kimya", "A-01")):
        p.register_company(actor=admin, name=name, type="customer", micro_region=code)
    _say(out, "territory: " + " > ".join(r.name for r in (europe, turkey)) + " > " + ", ".join(leaves))
    switched = connect(crm.storage, email=crm.email, sms=crm.sms, clock=crm.clock, regional_access=True)
    customers = switched.customers
    cankaya = next(c for c in p.search_companies(actor=admin, text="Çankaya"))
    for who, name in ((zeynep.id, zeynep.name), (emre.id, emre.name), (manager, "Mehmet Kaya")):
        page = customers.visible(actor=who, limit=50)
        _say(out, f"{name} sees {page.total}: " + ", ".join(c.name for c in page.items))
        _say(out, f"  why (Çankaya Kimya): {customers.decide(actor=who, company=cankaya.id).reason}")
    next_month = crm.clock.now() + timedelta(days=30)
    t.add_member(actor=admin, team=teams["Marmara"].id, employee=emre.id, valid_from=next_month)
    later = customers.visible(actor=emre.id, at=next_month)
    joined = f"{emre.name} joins {teams['Marmara'].name} next month"
    _say(out, f"{joined} (T4) and will then see {later.total}: " + ", ".join(c.name for c in later.items))
    try:
        customers.visible(actor=gone)
    except CrmError as exc:
        _say(out, f"refused: {exc}")


def _sms_demo(crm: Crm, out: TextIO) -> None:
    """Queue two informational SMS in the outbox and dispatch them through the configured gateway (§9)."""
    with crm.storage.unit_of_work(None) as uow:
        for n, to in enumerate(("+905321234567", "+905051112233"), start=1):
            text = f"Randevu hatırlatması {n}: yarın 10:00"
            key = f"demo-reminder-{n}"
            enqueue_sms(
                uow,
                id=crm.ids.new(),
                key=key,
                to=to,
                text=text,
                kind=MessageKind.INFORMATIONAL,
                now=crm.clock.now(),
            )
        uow.commit()
    report = crm.dispatcher.run_until_idle()
    _say(
        out,
        f"outbox: {report.sent} messages sent (SMS through {crm.sms.__class__.__name__},"
        f" e-mail through {crm.email.__class__.__name__})",
    )


DEMO_APPLICATION_ID = 0x63726D64
"""``PRAGMA application_id`` of an SQLite file made by ``crmkit demo`` ("crmd"): only such a
file is replaced without ``--force``."""


def _is_demo_database(path: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return bool(conn.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID)
    except sqlite3.DatabaseError:  # not an SQLite file at all
        return False


def run(args: argparse.Namespace, config: Config, out: Output) -> int:
    """``crmkit demo``: (re)create the ``--db`` file (or use ``--url``) and run :func:`run_demo`."""
    url = args.url
    if url is None:
        path = Path(args.db)
        if path.exists() and not args.force and not _is_demo_database(path):
            raise ValidationError(
                "db", f"{path} exists and is not a crmkit demo database; pass --force to replace it"
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        conn.close()
        url = f"sqlite:///{path}"
        print(f"demo database: {path} (created afresh)")
    return run_demo(url, sms=config.get("sms_url", "console://") or "console://")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command's subparsers."""
    demo = sub.add_parser("demo", help="run the walk-through on an SQLite file")
    demo.add_argument("--db", default="crm.db", help="SQLite file to (re)create (default crm.db)")
    demo.add_argument("--url", default=None, help="any storage URL instead of --db (must be empty)")
    demo.add_argument(
        "--force", action="store_true", help="replace --db even when it is not a crmkit demo database"
    )
    demo.set_defaults(run=run)
