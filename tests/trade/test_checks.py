"""Every rule with a failing case (one field broken → exactly that rule) and the clean day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from tests.trade.conftest import Rows, row_for

from fangdu.errors import InputError
from fangdu.trade.checks import CheckReport
from fangdu.trade.exclusions import ExclusionList
from fangdu.trade.models import TradeSettings

Check = Callable[..., CheckReport]

# rule → (fabric of the clean row to break, the cells to change)
BREAKS: dict[str, tuple[str, dict[str, str]]] = {
    "REG-CAP-LINE": ("全棉府绸", {"金额": "150000.01"}),
    "REG-EXCL-PLATFORM": ("全棉府绸", {"平台确认": "否"}),
    "REG-EXCL-AUTH": ("全棉府绸", {"主管部门排除": "是"}),
    "REG-CASH": ("全棉府绸", {"结算方式": "现金"}),
    "REG-OPERATOR": ("全棉府绸", {"经营者为发货人": "否"}),
    "REG-PURCHASER": ("全棉府绸", {"采购商证件号": ""}),
    "CLS-COMP-SUM": ("涤棉府绸", {"成分": "涤纶65%/棉30%"}),
    "CLS-FIBRE-UNKNOWN": ("涤棉府绸", {"成分": "涤纶65%/竹炭纤维35%"}),
    "CLS-FIBRE-ALIAS": ("人棉印花布", {"成分": "人造棉100%"}),
    # a 65/35 polyester/cotton declared under cotton
    "CLS-PREDOMINANT": ("涤棉府绸", {"商品编码": "5210310000"}),
    "CLS-85": ("棉涤平布", {"商品编码": "5208320000"}),
    "CLS-WEIGHT": ("全棉府绸", {"商品编码": "5209310000"}),
    "CLS-CONSTRUCTION": ("涤纶雪纺印花布", {"商品编码": "5512990000"}),
    "CLS-FINISH-WEAVE": ("全棉府绸", {"商品编码": "5208520000"}),
    "CLS-ASK": ("涤棉府绸", {"组织": ""}),
    "CLS-OUT-OF-SCOPE": ("涤纶雪纺印花布", {"成分": "羊毛100%", "商品编码": "5112190000"}),
    "TAR-FORMAT": ("全棉府绸", {"商品编码": "52083200"}),
    "TAR-ABSENT": ("涤棉府绸", {"商品编码": "5513220000"}),  # deleted subheading
    "TAR-ELEMENTS": ("全棉府绸", {"申报要素": "品名:全棉府绸|成分含量:棉100%|幅宽:150cm"}),
    "CON-WEIGHT": ("全棉府绸", {"克重": "200", "商品编码": "5208320000"}),
    "CON-NET-GROSS": ("全棉府绸", {"毛重": "1"}),
    "CON-ROLLS": ("全棉府绸", {"码单": "100;100"}),
    "CON-CURRENCY": ("全棉府绸", {"币制": "RMB"}),
    "CON-COUNTRY": ("全棉府绸", {"目的国": "UK"}),
    "CON-USCC": ("全棉府绸", {"商户信用代码": "91330621MA2B000000"}),
}


def _break(rows: Rows, fabric: str, cells: dict[str, str]) -> Rows:
    row = row_for(rows, fabric)
    row.update(cells)
    return [row]


def test_the_clean_day_has_no_finding(clean_rows: Rows, check_rows: Check) -> None:
    report = check_rows(clean_rows)
    assert report.findings == []
    assert all(r.derived_code == r.declared_code[:6] for r in report.lines)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_one_break_one_rule(rule_id: str, clean_rows: Rows, check_rows: Check) -> None:
    fabric, cells = BREAKS[rule_id]
    clean = check_rows([row_for(clean_rows, fabric)])
    assert clean.findings == []
    report = check_rows(_break(clean_rows, fabric, cells))
    assert [f.rule for f in report.findings] == [rule_id], report.findings
    f = report.findings[0]
    assert f.zh and f.en and f.clause and f.where == "csv!2"


def test_a_line_over_the_cap_is_offered_a_split(clean_rows: Rows, check_rows: Check) -> None:
    report = check_rows(_break(clean_rows, "全棉府绸", {"金额": "400000"}))
    assert "split into 3 lines" in report.findings[0].detail


def test_cap_uses_the_rate_of_the_day(clean_rows: Rows, check_rows: Check) -> None:
    rows = _break(clean_rows, "全棉府绸", {"币制": "CNY", "金额": "1000000"})
    rate = TradeSettings(usd_rates={"USD": Decimal(1), "CNY": Decimal("0.14")})
    assert check_rows(rows, rate).findings == []  # US$140,000
    rate = TradeSettings(usd_rates={"USD": Decimal(1), "CNY": Decimal("0.16")})
    assert [f.rule for f in check_rows(rows, rate).findings] == ["REG-CAP-LINE"]
    with pytest.raises(InputError, match="CNY"):
        check_rows(rows)  # no rate given: no FX is guessed


def test_listed_goods_are_excluded(clean_rows: Rows, check_rows: Check) -> None:
    rows = [row_for(clean_rows, "全棉府绸")]
    listed = ExclusionList(as_of=dt.date(2026, 1, 1), source="test list", prefixes=("5208",))
    report = check_rows(rows, exclusions=listed)
    assert [f.rule for f in report.findings] == ["REG-EXCL-LIST"]
    assert "2026-01-01" in report.findings[0].detail


def test_two_currencies_in_one_declaration_group(clean_rows: Rows, check_rows: Check) -> None:
    a = row_for(clean_rows, "全棉府绸")
    b = dict(a, 币制="EUR")
    rates = TradeSettings(usd_rates={"USD": Decimal(1), "EUR": Decimal("1.1")})
    report = check_rows([a, b], rates)
    assert [f.rule for f in report.findings] == ["REG-ONE-CURRENCY"]
    assert report.lines[0].findings == [] and report.lines[1].findings == []
    other_sailing = dict(b, 船期="OTHER V1")
    assert check_rows([a, other_sailing], rates).findings == []


def test_woven_declared_as_knitted_and_a_pile_code(clean_rows: Rows, check_rows: Check) -> None:
    knitted = _break(clean_rows, "涤纶雪纺印花布", {"商品编码": "6006320000"})
    assert [f.rule for f in check_rows(knitted).findings] == ["CLS-CONSTRUCTION"]
    pile = _break(clean_rows, "涤纶雪纺印花布", {"商品编码": "5801370000"})
    assert [f.rule for f in check_rows(pile).findings] == ["CLS-OUT-OF-SCOPE"]


def test_elements_string_in_the_codes_order(clean_rows: Rows, check_rows: Check) -> None:
    report = check_rows([row_for(clean_rows, "涤棉府绸")])
    assert report.lines[0].elements == (
        "品名:涤棉府绸|织造方法:机织|染整方法:染色|成分含量:涤纶65%/棉35%|幅宽:150cm|克重:120g/m2"
    )


LABEL_BREAKS: dict[str, dict[str, str]] = {
    "LAB-SUM": {"标签": "中国", "标签成分": "涤纶65%/棉30%"},
    "LAB-TOLERANCE": {"标签": "中国", "检测成分": "涤纶71%/棉29%"},
    "LAB-GB18401": {"标签": "中国", "甲醛": "80", "pH": "6.5", "安全类别": "B"},
    "LAB-EU-NAMES": {"标签": "欧盟", "标签成分": "涤纶65%/棉35%"},
    "LAB-AZO": {"标签": "欧盟", "标签成分": "polyester 65%/cotton 35%", "偶氮": "31"},
}
LABEL_CLEAN: dict[str, dict[str, str]] = {
    "LAB-SUM": {"标签": "中国", "标签成分": "涤纶65%/棉35%"},
    "LAB-TOLERANCE": {"标签": "中国", "检测成分": "涤纶70%/棉30%"},
    "LAB-GB18401": {"标签": "中国", "甲醛": "75", "pH": "8.5", "安全类别": "B"},
    "LAB-EU-NAMES": {"标签": "欧盟", "标签成分": "polyester 65%/cotton 35%"},
    "LAB-AZO": {"标签": "欧盟", "标签成分": "polyester 65%/cotton 35%", "偶氮": "30"},
}


@pytest.mark.parametrize("rule_id", sorted(LABEL_BREAKS))
def test_labelling_rules(rule_id: str, clean_rows: Rows, check_rows: Check) -> None:
    ok = check_rows(_break(clean_rows, "涤棉府绸", LABEL_CLEAN[rule_id]))
    assert ok.findings == []
    bad = check_rows(_break(clean_rows, "涤棉府绸", LABEL_BREAKS[rule_id]))
    assert [f.rule for f in bad.findings] == [rule_id], bad.findings


@pytest.mark.parametrize(
    ("label", "tested", "ok"),
    [
        ("涤纶92%/氨纶8%", "涤纶95%/氨纶5%", True),  # ≤10 %: 3 points
        ("涤纶92%/氨纶8%", "涤纶96%/氨纶4%", False),
        ("涤纶97%/氨纶3%", "涤纶100%", False),  # ≤3 % must not test 0
        ("涤纶97%/氨纶3%", "涤纶99.5%/氨纶0.5%", True),
    ],
)
def test_gb29862_tolerances(
    label: str, tested: str, ok: bool, clean_rows: Rows, check_rows: Check
) -> None:
    cells = {"标签": "中国", "标签成分": label, "检测成分": tested}
    report = check_rows(_break(clean_rows, "涤纶低弹印花布", cells))
    assert (report.findings == []) == ok, report.findings


def test_labelling_is_not_checked_unless_asked(clean_rows: Rows, check_rows: Check) -> None:
    cells = {"标签成分": "涤纶65%/棉30%", "甲醛": "900", "安全类别": "A"}
    assert check_rows(_break(clean_rows, "涤棉府绸", cells)).findings == []
