"""The planner's own tables (缸卡, 染缸, 洗缸) from CSV and Excel: a round trip, and each bad
cell named by table, row and column with nothing read from a half-good file."""

from __future__ import annotations

import io

import pytest

from fangdu.dyehouse.greedy import greedy
from fangdu.dyehouse.tables import (
    TableErrors,
    csv_rows,
    read_tables,
    read_workbook,
    sample_tables,
    table_rows,
    tables_csv,
    tables_xlsx,
)


def test_csv_and_excel_round_trip_to_the_same_instance():
    t = sample_tables(15, 3, 4, seed=2)
    csv = tables_csv(t)
    back = read_tables(
        *(csv_rows(csv[k], k) for k in ("lots", "vats", "washes")), name=t.instance.name
    )
    assert back == t
    assert read_workbook(tables_xlsx(t), name=t.instance.name) == t
    greedy(t.instance)  # the sample is feasible: the greedy rule plans it


def test_gbk_csv_as_excel_on_chinese_windows_saves_it():
    t = sample_tables(5, 2, 2, seed=1)
    rows = {
        k: csv_rows(v.decode("utf-8-sig").encode("gb18030"), k) for k, v in tables_csv(t).items()
    }
    assert read_tables(rows["lots"], rows["vats"], rows["washes"], name=t.instance.name) == t


def _broken(change):
    rows = table_rows(sample_tables(6, 2, 3, seed=5))
    change(rows)
    with pytest.raises(TableErrors) as err:
        read_tables(rows["lots"], rows["vats"], rows["washes"])
    return [(e.table, e.row, e.column, e.en) for e in err.value.errors]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r["lots"][2].__setitem__(3, "heavy"),
            ("缸卡", 3, "重量kg", "not a whole number"),
        ),
        (
            lambda r: r["lots"][1].__setitem__(4, "neon"),
            ("缸卡", 2, "色系", "unknown recipe class"),
        ),
        (lambda r: r["lots"][3].__setitem__(3, 999999), ("缸卡", 4, "重量kg", "exceeds every")),
        (lambda r: r["lots"][1].__setitem__(8, -1), ("缸卡", 2, "交期min", "due before release")),
        (lambda r: r["lots"][2].__setitem__(9, "9号缸"), ("缸卡", 3, "可用染缸", "unknown vat")),
        (lambda r: r["vats"][1].__setitem__(4, ""), ("染缸", 2, "可用时段", "empty cell")),
        (lambda r: r["vats"][2].__setitem__(4, "100-50"), ("染缸", 3, "可用时段", "ends before")),
        (lambda r: r["lots"][0].__setitem__(3, "kilos"), ("缸卡", 1, "kilos", "unknown column")),
        (lambda r: r["washes"].pop(2), ("洗缸", 0, "", "no wash given")),
    ],
)
def test_each_bad_cell_is_named(change, expected):
    found = _broken(change)
    assert any(f[:3] == expected[:3] and expected[3] in f[3] for f in found), found


def test_a_name_that_looks_like_a_formula_stays_text_in_excel():
    from openpyxl import load_workbook

    t = sample_tables(4, 2, 2, seed=1)
    evil = '=HYPERLINK("http://example.invalid","x")'
    t = t.model_copy(update={"lots": (evil, *t.lots[1:])})
    data = tables_xlsx(t)
    sheet = load_workbook(io.BytesIO(data))["缸卡"]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert sheet["A2"].value == evil and sheet["A2"].data_type == "s"
    assert read_workbook(data).lots[0] == evil
