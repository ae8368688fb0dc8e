"""The demo's interaction section: one rep's day, and an .ics file that parses back (issue 14)."""

from __future__ import annotations

import io
from pathlib import Path

import icalendar

import crmkit
from crmkit.demos.interactions import ics_path_for, interactions_demo


def test_the_demo_shows_a_reps_day_and_writes_a_parseable_ics(tmp_path: Path) -> None:
    out = io.StringIO()
    with crmkit.connect("memory://", load_entrypoints=False) as crm:
        admin = crm.parties.create_first_admin(name="Ayşe Yılmaz", email="ayse@example.com.tr")
        written = interactions_demo(crm, admin.id, out, tmp_path / "agenda.ics")
    text = out.getvalue()
    assert "refused:" in text and "complaint now çözüldü" in text
    assert "then 0 on the second run" in text
    assert "Yıllık sözleşme" in text and "reminder: Numuneyi kargola" in text
    # the pipeline in the rep's day (I9, I10, Q6): the refused win, the due next step, the forecast
    assert "refused: amount: a won opportunity needs the amount won (I9)" in text
    assert "next step: Teklifi takip et — Dezenfektan teklifi istedi (teklif, %40.00)" in text
    assert "1 open, 80000.00 TRY → weighted 32000.00 TRY" in text
    assert "Selin Aksoy: 3 routed, 1 won, 1 lost" in text and "most losses at: aday" in text
    events = icalendar.Calendar.from_ical(written.read_bytes()).walk("VEVENT")
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Akşam teslimat kontrolü", "Yıllık sözleşme"]


def test_the_ics_goes_beside_an_sqlite_file(tmp_path: Path) -> None:
    assert ics_path_for(f"sqlite:///{tmp_path}/crm.db") == tmp_path / "crmkit-demo-agenda.ics"
    assert ics_path_for("memory://").name == "crmkit-demo-agenda.ics"
