"""The dye-house planner (issue 17) and the trade company's clerk (issue 18) in Chromium, in
Chinese and in English: import tables, see row-level errors, solve, read the Gantt chart with
its late lots, re-plan after a rush order; upload a goods list, read the findings by rule ID,
plan, download the documents, re-check a fixed file.

The accounts are made with ``fangdu user add`` against the running service's home, as an
administrator would.
"""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from e2etools import LANGS, LiveServer, _fangdu_command, gettext, nav, sign_in
from playwright.sync_api import Page, expect

from fangdu.dyehouse.tables import sample_tables, tables_csv, tables_xlsx
from fangdu.trade.reader import COLUMNS
from fangdu.trade.sample import sample_rows

pytestmark = pytest.mark.parametrize("lang", LANGS)

PASSWORD = "correct horse battery"
SOLVED_S = 90_000  # ms: a solve of a few seconds on a loaded two-core machine


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> dict[str, str]:
    """username -> password of a planner and a trade clerk."""
    made = {}
    for username, role, party in (
        ("planner", "planner", "柯桥一号印染厂"),
        ("clerk", "trader", "绍兴柯桥华纺进出口有限公司"),
    ):
        subprocess.run(
            [
                *_fangdu_command(),
                "--home",
                str(live_server.home),
                "user",
                "add",
                username,
                "--role",
                role,
                "--party",
                party,
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
        made[username] = PASSWORD
    return made


def test_the_planner_imports_solves_and_replans(
    open_site: Callable[[str], Page], people: dict[str, str], tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    page = open_site(lang)
    sign_in(page, lang, "planner", people["planner"])
    nav(page, lang, "Vat scheduling").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Dye-house vat scheduling"))

    # A bad cell: named by table, row and column; nothing planned.
    day = sample_tables(8, 2, 3, seed=1)
    csv = tables_csv(day)
    lots = csv["lots"].decode("utf-8-sig").splitlines()
    cells = lots[3].split(",")
    cells[3] = "九十"
    lots[3] = ",".join(cells)
    for name, data in (("lots", "\n".join(lots).encode()), ("vats", csv["vats"])):
        (tmp_path / f"{name}.csv").write_bytes(data)
    (tmp_path / "washes.csv").write_bytes(csv["washes"])
    page.get_by_label(_("Lots (CSV)"), exact=True).set_input_files(tmp_path / "lots.csv")
    page.get_by_label(_("Vats (CSV)"), exact=True).set_input_files(tmp_path / "vats.csv")
    page.get_by_label(_("Washes (CSV)"), exact=True).set_input_files(tmp_path / "washes.csv")
    page.get_by_role("button", name=_("Import and solve"), exact=True).click()
    error = page.locator("#table-errors tr.row-error")
    expect(error).to_have_count(1)
    expect(error.locator("td").nth(0)).to_have_text("缸卡")
    expect(error.locator("td").nth(1)).to_have_text("4")
    expect(error.locator("td").nth(2)).to_have_text("重量kg")

    # The same day as a workbook, one lot due the moment its fabric arrives: late whatever.
    jobs = list(day.instance.jobs)
    jobs[0] = jobs[0].model_copy(update={"due": jobs[0].release})
    late_day = day.model_copy(
        update={"instance": day.instance.model_copy(update={"jobs": tuple(jobs)})}
    )
    (tmp_path / "day.xlsx").write_bytes(tables_xlsx(late_day))
    page.get_by_label(_("Excel workbook (sheets 缸卡, 染缸, 洗缸)"), exact=True).set_input_files(
        tmp_path / "day.xlsx"
    )
    page.get_by_label(_("Search time (seconds)"), exact=True).fill("2")
    page.get_by_role("button", name=_("Import and solve"), exact=True).click()
    # The progress page reloads itself until the Gantt chart is there.
    chart = page.locator("svg.gantt")
    expect(chart).to_be_visible(timeout=SOLVED_S)
    expect(chart.locator("g.vat")).to_have_count(2)
    drawn = " ".join(chart.locator("g.run").evaluate_all("gs => gs.map(g => g.dataset.lots)"))
    assert sorted(drawn.split()) == sorted(day.lots)
    late = chart.locator("g.run.late")
    expect(late.first).to_be_visible()
    assert day.lots[0] in " ".join(late.evaluate_all("gs => gs.map(g => g.dataset.lots)"))
    expect(page.locator("#lots tr.late").first).to_contain_text(day.lots[0])
    assert int(page.locator("#kpi-late .value").inner_text()) >= 1
    for kpi in ("#kpi-washes", "#kpi-wash-cost", "#kpi-run-hours", "#kpi-utilisation"):
        expect(page.locator(kpi)).to_be_visible()

    # A rush order: re-planned around the published plan; the new lot is in the chart.
    page.get_by_label(_("Lot"), exact=True).fill("急单-R1")
    page.get_by_label(_("Weight (kg)"), exact=True).fill("100")
    page.get_by_label(_("Shortest program (min)"), exact=True).fill("60")
    page.get_by_label(_("Longest program (min)"), exact=True).fill("180")
    page.get_by_label(_("Due (min)"), exact=True).fill(str(day.instance.horizon))
    page.get_by_role("button", name=_("Re-plan with the rush order"), exact=True).click()
    expect(page.locator("#replan")).to_be_visible(timeout=SOLVED_S)
    expect(page.locator("svg.gantt g.run[data-lots~='急单-R1']")).to_have_count(1)


def _goods(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[c.zh for c in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_the_clerk_checks_plans_and_downloads_documents(
    open_site: Callable[[str], Page], people: dict[str, str], tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    page = open_site(lang)
    sign_in(page, lang, "clerk", people["clerk"])
    nav(page, lang, "Market procurement").click()

    rows = sample_rows(15, seed=11)
    clean = _goods(rows)
    rows[1]["成分"] = "人造棉100%"  # a market name for viscose
    rows[4]["净重"] = str(float(rows[4]["毛重"]) + 8)  # net above gross
    (tmp_path / "day.csv").write_bytes(_goods(rows))
    page.get_by_label(
        _("Goods list with roll lists (Excel or CSV, Chinese headers)"), exact=True
    ).set_input_files(tmp_path / "day.csv")
    page.get_by_role("button", name=_("Upload and check"), exact=True).click()

    alias = page.locator("#findings tr[data-rule='CLS-FIBRE-ALIAS']")
    expect(alias).to_have_count(1)
    expect(alias.locator("td").first).to_have_text("csv!3")
    expect(page.locator("#findings tr[data-rule='CON-NET-GROSS'] td").first).to_have_text("csv!6")
    expect(page.locator("#findings tr.finding-error").first).to_be_visible()
    expect(page.locator("#classification tbody tr")).to_have_count(15)

    page.get_by_role("button", name=_("Plan declarations and containers"), exact=True).click()
    expect(page.locator("#plan-summary")).to_be_visible(timeout=SOLVED_S)
    expect(page.locator("#kpi-held .value")).to_have_text("2")
    with page.expect_download() as download:
        page.locator("a[href$='/documents.zip']").click()
    archive = tmp_path / "documents.zip"
    download.value.save_as(archive)
    names = zipfile.ZipFile(archive).namelist()
    assert "manifest.json" in names and any(n.endswith(".pdf") for n in names)

    # One line fixed in the page: the list is checked again without that finding.
    page.locator("#findings tr[data-rule='CON-NET-GROSS'] a").click()
    expect(page.locator("#line-findings")).to_contain_text("CON-NET-GROSS")
    page.get_by_label("净重", exact=True).fill(str(float(rows[4]["毛重"]) - 5))
    page.get_by_role("button", name=_("Save and check again"), exact=True).click()
    expect(page.locator("#findings tr[data-rule='CLS-FIBRE-ALIAS']")).to_have_count(1)
    expect(page.locator("#findings tr[data-rule='CON-NET-GROSS']")).to_have_count(0)

    # Fixed and uploaded again: no error is left.
    page.get_by_role("link", name=_("Upload a corrected file"), exact=True).click()
    (tmp_path / "fixed.csv").write_bytes(clean)
    page.get_by_label(
        _("Goods list with roll lists (Excel or CSV, Chinese headers)"), exact=True
    ).set_input_files(tmp_path / "fixed.csv")
    page.get_by_role("button", name=_("Upload and check"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(_("Declaration pre-check"))
    expect(page.locator("tr.finding-error")).to_have_count(0)
