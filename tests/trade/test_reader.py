"""Reading goods lists: Chinese or English headers, CSV or XLSX, every bad cell named."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.trade.conftest import Rows

from fangdu.trade.reader import COLUMNS, ReadError, read_lines
from fangdu.trade.sample import write_csv, write_xlsx


def test_xlsx_and_csv_read_the_same(clean_rows: Rows, tmp_path: Path) -> None:
    a = read_lines(write_csv(clean_rows, tmp_path / "d.csv"))
    b = read_lines(write_xlsx(clean_rows, tmp_path / "d.xlsx"))
    assert [x.model_dump(exclude={"ref"}) for x in a] == [x.model_dump(exclude={"ref"}) for x in b]
    assert b[0].ref == "明细!2"


def test_english_headers_in_another_order(clean_rows: Rows, tmp_path: Path) -> None:
    en = {c.zh: c.en for c in COLUMNS}
    rows = [{en[k]: v for k, v in reversed(list(r.items()))} for r in clean_rows[:3]]
    with (tmp_path / "en.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert len(read_lines(tmp_path / "en.csv")) == 3


def test_gbk_csv(clean_rows: Rows, tmp_path: Path) -> None:
    p = write_csv(clean_rows[:2], tmp_path / "u.csv")
    g = tmp_path / "g.csv"
    g.write_bytes(p.read_text("utf-8").encode("gb18030"))
    assert read_lines(g)[0].name == clean_rows[0]["品名"]


def test_every_bad_cell_is_named_and_nothing_is_returned(clean_rows: Rows, tmp_path: Path) -> None:
    rows = [dict(r) for r in clean_rows[:5]]
    rows[1]["米数"] = "一千"
    rows[3]["平台确认"] = "maybe"
    rows[4]["成分"] = "65/35涤棉"
    rows[4]["出口日期"] = "12/07/2026"
    with pytest.raises(ReadError) as err:
        read_lines(write_xlsx(rows, tmp_path / "bad.xlsx"))
    where = [(e.sheet, e.row, e.column) for e in err.value.errors]
    assert sorted(where) == sorted(
        [("明细", 3, "米数"), ("明细", 5, "平台确认"), ("明细", 6, "成分"), ("明细", 6, "出口日期")]
    )
    assert all(e.zh and e.en for e in err.value.errors)


def test_missing_column_and_unknown_column(clean_rows: Rows, tmp_path: Path) -> None:
    rows = [{("颜色" if k == "毛重" else k): v for k, v in r.items()} for r in clean_rows[:2]]
    with (tmp_path / "x.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ReadError) as err:
        read_lines(tmp_path / "x.csv")
    msgs = {e.en for e in err.value.errors}
    assert "unknown column: 颜色" in msgs and "missing required column: gross kg" in msgs


def test_a_broken_workbook_is_one_error(tmp_path: Path) -> None:
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ReadError, match="workbook cannot be opened"):
        read_lines(p)


def test_empty_required_cell(clean_rows: Rows, tmp_path: Path) -> None:
    rows = [dict(clean_rows[0], 毛重="")]
    with pytest.raises(ReadError, match=r"csv!2 \[毛重\]"):
        read_lines(write_csv(rows, tmp_path / "e.csv"))


def test_bad_knitted_and_filament_cells_are_named(clean_rows: Rows, tmp_path: Path) -> None:
    rows = [dict(r) for r in clean_rows[:4]]
    rows[0]["针织方式"] = "圆机"  # not 经编 / 纬编
    rows[1]["起绒"] = "绒"
    rows[2]["弹性纱线"] = "150%"
    rows[3]["长丝成分"] = "涤纶"  # no share
    rows[3]["防蚊药剂"] = "maybe"
    with pytest.raises(ReadError) as err:
        read_lines(write_csv(rows, tmp_path / "bad.csv"))
    where = sorted((e.row, e.column) for e in err.value.errors)
    assert where == [
        (2, "针织方式"),
        (3, "起绒"),
        (4, "弹性纱线"),
        (5, "长丝成分"),
        (5, "防蚊药剂"),
    ]


def test_the_new_cells_read_in_english_too(clean_rows: Rows, tmp_path: Path) -> None:
    en = {c.zh: c.en for c in COLUMNS}
    row = dict(clean_rows[0])
    row.update({"针织方式": "warp", "起绒": "looped", "弹性纱线": "5", "长丝成分": "polyester 40%"})
    with (tmp_path / "en.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[en[k] for k in row])
        w.writeheader()
        w.writerow({en[k]: v for k, v in row.items()})
    spec = read_lines(tmp_path / "en.csv")[0].spec
    assert (spec.knit, spec.pile, str(spec.elastomeric_percent)) == ("warp", "looped", "5")
    assert spec.filament is not None and spec.filament[0].fibre == "polyester"
