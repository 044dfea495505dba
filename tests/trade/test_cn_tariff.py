"""China's 10-digit rows (data/cn_tariff_fabric.json): the classifier's full code, and the TAR-*
checks that use the rows (TAR-ABSENT, TAR-NATIONAL, TAR-UNITS, TAR-ELEMENTS)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from fangdu.trade import checks as checks_module
from fangdu.trade.bench import classify_heldout
from fangdu.trade.checks import CheckReport
from fangdu.trade.classify import classify
from fangdu.trade.models import Construction, FabricSpec, Finish, Weave, YarnKind
from fangdu.trade.reader import parse_composition
from fangdu.trade.tariff import (
    complete_subheadings,
    legal_units,
    national,
    national_rows,
    required_elements,
    subheadings,
)

from .conftest import Rows, row_for

Check = Callable[..., CheckReport]


def _spec(comp: dict[str, int], finish: Finish, weave: Weave, gsm: int) -> FabricSpec:
    return FabricSpec(
        composition=parse_composition("/".join(f"{k}{v}%" for k, v in comp.items())),
        construction=Construction.WOVEN,
        yarn=YarnKind.STAPLE,
        finish=finish,
        weave=weave,
        gsm=Decimal(gsm),
        width_cm=Decimal(150),
    )


def test_every_row_names_its_source_and_sits_under_a_known_subheading() -> None:
    raw = json.loads(
        files("fangdu.trade").joinpath("data/cn_tariff_fabric.json").read_text(encoding="utf-8")
    )
    assert raw["source"] and raw["edition"] and raw["read"]
    for code, row in national_rows().items():
        assert len(code) == 10 and code.isdigit()
        assert row["sources"] and all(s.startswith("http") for s in row["sources"])
        assert code[:6] in subheadings(), code
    assert all(any(c[:6] == s for c in national_rows()) for s in complete_subheadings())


def test_a_unique_row_is_given_and_a_split_on_finish_is_decided() -> None:
    assert national("520811", finish="unbleached", material="cotton").code == "5208110000"
    n = national("551311", finish="unbleached", material="synthetic")
    assert n.code == "5513111000"


def test_a_split_the_tool_does_not_carry_is_asked_never_guessed() -> None:
    n = national("551311", finish="bleached", material="synthetic")
    assert n.code is None and n.ask == ["fabric_kind"]
    assert n.candidates == ["5513112010", "5513112020", "5513112030"]
    # a listing not read to its end gives no code, even with one row read
    assert national("520819", finish="unbleached", material="cotton").code is None


def test_material_decides_the_knitted_national_split() -> None:
    assert national("600410", finish="dyed", material="synthetic").code == "6004103000"
    assert national("600240", finish="dyed", material="cotton").code == "6002401000"
    assert national("600410", finish="dyed", material="wool").code is None


def test_classify_gives_the_full_code_or_what_it_turns_on() -> None:
    cotton = classify(_spec({"棉": 100}, Finish.UNBLEACHED, Weave.PLAIN, 90))
    assert (cotton.code, cotton.code10) == ("520811", "5208110000")
    tc = classify(_spec({"涤纶": 65, "棉": 35}, Finish.BLEACHED, Weave.PLAIN, 120))
    assert tc.code == "551311" and tc.code10 is None and tc.ask10 == ["fabric_kind"]
    assert not tc.ask  # the 6-digit code stands; only the national split is open
    grey = classify(_spec({"涤纶": 65, "棉": 35}, Finish.UNBLEACHED, Weave.PLAIN, 120))
    assert grey.code10 == "5513111000"


def test_legal_units_and_elements_from_the_row() -> None:
    assert legal_units("5512190000") == ("米", "千克")
    assert legal_units("5208110000") is None  # not legible on the page read
    assert "组织结构" in required_elements("5209110000")
    assert required_elements("5208110000") == ("成分含量", "幅宽", "克重")


def test_row_checks_pass_on_the_right_code(clean_rows: Rows, check_rows: Check) -> None:
    row = row_for(clean_rows, "纯涤纱卡")  # 5512190000: units 米/千克, elements with 组织结构
    report = check_rows([row])
    assert report.findings == []
    assert "组织结构:斜纹" in report.lines[0].elements


def test_a_code_outside_a_fully_read_subheading_is_absent(
    clean_rows: Rows, check_rows: Check
) -> None:
    row = dict(row_for(clean_rows, "人棉印花布"), 商品编码="5516140090")
    assert [f.rule for f in check_rows([row]).findings] == ["TAR-ABSENT"]
    ok = dict(row_for(clean_rows, "人棉印花布"), 商品编码="5516140000")
    assert check_rows([ok]).findings == []


def test_the_wrong_row_of_the_right_subheading(clean_rows: Rows, check_rows: Check) -> None:
    grey = {
        **row_for(clean_rows, "涤棉府绸"),
        "染整": "本色",
        "商品编码": "5513112020",
    }
    report = check_rows([grey])
    assert [f.rule for f in report.findings] == ["TAR-NATIONAL"]
    assert check_rows([dict(grey, 商品编码="5513111000")]).findings == []


def test_a_legal_unit_without_a_quantity(
    clean_rows: Rows, check_rows: Check, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = row_for(clean_rows, "纯涤纱卡")
    monkeypatch.setattr(checks_module, "legal_units", lambda code: ("米", "千克", "条"))
    assert [f.rule for f in check_rows([row]).findings] == ["TAR-UNITS"]


def test_the_rows_elements_are_required(clean_rows: Rows, check_rows: Check) -> None:
    row = dict(row_for(clean_rows, "纯涤纱卡"))
    row["申报要素"] = (
        "品名:纯涤纱卡|织造方法:机织|染整方法:染色|成分含量:涤纶100%|幅宽:150cm|克重:200g/m2"
    )
    findings = check_rows([row]).findings
    assert [f.rule for f in findings] == ["TAR-ELEMENTS"] and "组织结构" in findings[0].detail
    row["申报要素"] += "|组织结构:斜纹"
    assert check_rows([row]).findings == []


def _cn_set(tmp_path: Path, code: str) -> Path:
    item = {
        "source": "test",
        "composition": [["cotton", "100"]],
        "construction": "woven",
        "yarn": "staple",
        "textured": None,
        "finish": "unbleached",
        "weave": "plain",
        "gsm": "90",
        "width_cm": "150",
        "hts": code,
    }
    path = tmp_path / "cn.json"
    path.write_text(json.dumps({"tariff": "CN", "items": [item]}), encoding="utf-8")
    return path


def test_the_bench_scores_china_codes_at_ten_digits(tmp_path: Path) -> None:
    right = classify_heldout(_cn_set(tmp_path, "5208110000"))
    assert (right["code10_answered"], right["code10_ok"], right["code10_accuracy"]) == (1, 1, 1.0)
    wrong = classify_heldout(_cn_set(tmp_path, "5208110090"))
    assert (wrong["code10_answered"], wrong["code10_ok"]) == (1, 0)
    assert wrong["misses"] == [{"source": "test", "want": "5208110090", "got10": "5208110000"}]
