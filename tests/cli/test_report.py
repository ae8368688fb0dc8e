"""``crmkit report quota``: plan vs actual as a table, CSV, JSON and a chart checked in Chromium (Q5)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crmkit.cli import main
from crmkit.cli.quota_html import BAR_WIDTH, COLOURS, month_bar_x, panel_baselines
from tests.cli.conftest import SALES
from tests.cli.png import hex_pixel, read_png, runs

Db = tuple[str, str, str]


def _report(db: Db, capsys: pytest.CaptureFixture[str], *extra: str, form: tuple[str, ...] = ()) -> str:
    url, admin, plan = db
    assert (
        main(["--database-url", url, "--actor", admin, *extra, "report", "quota", "--plan", plan, *form]) == 0
    )
    return capsys.readouterr().out


def test_json_has_every_month_of_every_scope_with_attainment(
    quota_database: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(_report(quota_database, capsys, "--json"))
    assert data["plan"]["name"] == "Bölge planı" and data["plan"]["scope_type"] == "sales_region"
    by = {(r["name"], r["month"]): r for r in data["rows"]}
    assert {name for name, _ in by} == {"Türkiye", "Marmara", "İç Anadolu"}  # the top rolls up (Q5)
    assert by[("Marmara", "2")]["actual"] == "12000.00" and by[("Marmara", "2")]["attainment"] == "1.2000"
    assert by[("Marmara", "3")]["variance"] == "-1000.00"
    assert by[("İç Anadolu", "4")]["actual"] == "5000.00"
    assert by[("Türkiye", "2")] | {"name": "", "scope": ""} == {
        "scope": "",
        "name": "",
        "source": "children",
        "month": "2",
        "target": "20000.00",
        "actual": "22000.00",
        "variance": "2000.00",
        "attainment": "1.1000",
    }
    assert by[("Marmara", "year")]["actual"] == "24000.00"
    assert by[("Marmara", "year")]["target"] == "120000.00"


def test_csv_has_a_header_and_thirteen_lines_per_scope(
    quota_database: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(_report(quota_database, capsys, form=("--csv",)))))
    assert len(rows) == 3 * 13
    assert {r["name"] for r in rows if r["month"] == "5" and r["actual"] == "3000.00"} == {
        "Marmara",
        "Türkiye",
    }


def test_the_table_names_the_plan_and_shows_attainment(
    quota_database: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _report(quota_database, capsys)
    assert "Bölge planı" in table and "Marmara" in table and "120 %" in table and "30 %" in table


def test_an_unknown_plan_is_one_line(quota_database: Db, capsys: pytest.CaptureFixture[str]) -> None:
    url, admin, _ = quota_database
    assert main(["--database-url", url, "--actor", admin, "report", "quota", "--plan", "Yok"]) == 1
    assert capsys.readouterr().err.strip() == "crmkit: plan: no plan with id or name 'Yok'"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_the_html_chart_renders_every_bar_in_a_real_browser(
    quota_database: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, plan = quota_database
    page = tmp_path / "report.html"
    assert (
        main(
            ["--database-url", url, "--actor", admin, "report", "quota", "--plan", plan, "--html", str(page)]
        )
        == 0
    )
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text and "<script" not in text and "<link" not in text  # nothing fetched
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "no chromium on this machine (.ci/run installs it when it can): the chart was not rendered"
        )
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1000,800",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = read_png(shot)
    assert len(pixels) == 800 and len(pixels[0]) == 1000
    colours = {name: hex_pixel(value) for name, value in COLOURS.items()}
    # Not blank: the screenshot is not one colour.
    assert len({p for row in pixels[::20] for p in row[::20]}) > 3
    found: list[list[tuple[str, int, int]]] = []
    for baseline in panel_baselines(3):
        found.append(runs(pixels[baseline - 2], colours))
    # Every month has a target bar in every panel: 36; actual bars where something was sold.
    assert [sum(1 for r in panel if r[0] == "target") for panel in found] == [12, 12, 12]
    actual = sorted((name, x) for panel in found for name, x, _ in panel if name != "target")
    assert len(actual) == sum(len(s) for s in SALES.values()) + 4  # the top has months 2, 3, 4, 5
    assert all(length == BAR_WIDTH for panel in found for _, _, length in panel)
    # Each bar where the layout puts it, coloured by attainment.
    by_panel = [{x: name for name, x, _ in panel} for panel in found]
    colours_by_month = sorted(
        tuple((m, panel[month_bar_x(m)[1]]) for m in range(1, 13) if month_bar_x(m)[1] in panel)
        for panel in by_panel
    )
    assert colours_by_month == sorted(
        [
            ((2, "met"), (3, "short"), (4, "short"), (5, "short")),  # Türkiye: 110 %, 45 %, 25 %, 15 %
            ((2, "met"), (3, "near"), (5, "short")),  # Marmara: 120 %, 90 %, 30 %
            ((2, "met"), (4, "short")),  # İç Anadolu: 100 %, 50 %
        ]
    )
    assert all(panel.get(month_bar_x(m)[0]) == "target" for panel in by_panel for m in range(1, 13))
