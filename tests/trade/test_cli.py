"""fangdu trade sample / check / plan / docs on a sample day, with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fangdu.cli.trade import trade_app

runner = CliRunner()


def test_sample_check_plan_docs(tmp_path: Path) -> None:
    day = tmp_path / "day.xlsx"
    r = runner.invoke(trade_app, ["sample", str(day), "--lines", "30"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(trade_app, ["check", str(day)])
    assert r.exit_code == 0, r.output
    assert "30 lines, 0 errors" in r.output
    r = runner.invoke(trade_app, ["check", str(day), "--json"])
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 30 and all(x["derived_code"] == x["declared_code"][:6] for x in rows)
    r = runner.invoke(trade_app, ["plan", str(day), "-o", str(tmp_path / "plan.json"), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["lines_planned"] == 30
    out = tmp_path / "docs"
    r = runner.invoke(trade_app, ["docs", str(day), "-o", str(out), "--no-pdf"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(manifest["files"]) > 0 and all(f.endswith(".xlsx") for f in manifest["files"])


def test_a_bad_day_exits_1_and_holds_the_line(tmp_path: Path) -> None:
    day = tmp_path / "day.xlsx"
    runner.invoke(trade_app, ["sample", str(day), "--lines", "5"])
    wb = load_workbook(day)
    ws = wb["明细"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("结算方式") + 1, value="现金")
    wb.save(day)
    r = runner.invoke(trade_app, ["check", str(day)])
    assert r.exit_code == 1 and "REG-CASH" in r.output
    r = runner.invoke(trade_app, ["plan", str(day), "--json"])
    assert json.loads(r.stdout)["lines_held"] == 1


def test_unreadable_file_names_the_cell_and_exits_2(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    runner.invoke(trade_app, ["sample", str(day), "--lines", "3"])
    text = day.read_text("utf-8").splitlines()
    cells = text[2].split(",")
    i = text[0].split(",").index("米数")
    text[2] = ",".join([*cells[:i], "abc", *cells[i + 1 :]])
    day.write_text("\n".join(text) + "\n", encoding="utf-8")
    r = runner.invoke(trade_app, ["plan", str(day)])
    assert r.exit_code == 2
    assert "csv!3 [米数]" in r.output


def test_missing_rate_is_an_input_error(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    runner.invoke(trade_app, ["sample", str(day), "--lines", "2"])
    day.write_text(day.read_text("utf-8").replace(",USD,", ",EUR,"), encoding="utf-8")
    assert runner.invoke(trade_app, ["check", str(day)]).exit_code == 2
    r = runner.invoke(trade_app, ["check", str(day), "--rate", "EUR=1.08"])
    assert r.exit_code == 0, r.output


def test_a_merchant_sees_only_its_own_lines(tmp_path: Path) -> None:
    from fangdu.trade.reader import read_lines

    day = tmp_path / "day.csv"
    runner.invoke(trade_app, ["sample", str(day), "--lines", "40"])
    lines = read_lines(day)
    uscc = lines[0].merchant.uscc
    r = runner.invoke(trade_app, ["check", str(day), "--json", "--merchant", uscc])
    shown = {json.loads(x)["line"] for x in r.stdout.splitlines()}
    assert shown == {ln.ref for ln in lines if ln.merchant.uscc == uscc}
    r = runner.invoke(trade_app, ["check", str(day), "--merchant", "91330621XXXXXXXXXX"])
    assert r.exit_code == 2
