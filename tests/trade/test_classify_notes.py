"""The three rules the first held-out set found missing, each from the tariff text, each with a
case it decides and a declaration it catches:

- Section XI subheading note 1(e)(i): dyed white in the piece counts as bleached;
- 5407.5x / 5407.61 / 5407.69: the textured share of polyester filament;
- chapter 53 (Note 2(B)(b), (d)): flax 5309, jute 5310, true hemp and the others 5311.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.trade.conftest import Rows, row_for
from tests.trade.test_checks import Check

from fangdu.trade.classify import classify, effective_finish
from fangdu.trade.fibres import lookup
from fangdu.trade.models import Construction, FabricSpec, Finish, Weave, YarnKind
from fangdu.trade.reader import parse_composition
from fangdu.trade.tariff import subheadings


def spec(
    comp: str,
    finish: Finish | None = Finish.DYED,
    yarn: YarnKind | None = YarnKind.FILAMENT,
    textured: bool | None = None,
    textured_percent: str | None = None,
    weave: Weave = Weave.PLAIN,
    gsm: str = "150",
) -> FabricSpec:
    return FabricSpec(
        composition=parse_composition(comp),
        construction=Construction.WOVEN,
        yarn=yarn,
        textured=textured,
        textured_percent=Decimal(textured_percent) if textured_percent else None,
        finish=finish,
        weave=weave,
        width_cm=Decimal(150),
        gsm=Decimal(gsm),
    )


# Dyed white ---------------------------------------------------------------------------------


def test_dyed_white_is_bleached_for_the_hs() -> None:
    assert effective_finish(Finish.DYED_WHITE) is Finish.BLEACHED
    assert effective_finish(Finish.DYED) is Finish.DYED


@pytest.mark.parametrize(
    ("comp", "yarn", "textured", "white", "dyed"),
    [
        # NY A84153's pongees: textured polyester filament, dyed white -> 5407.51, not .52
        ("涤纶100%", YarnKind.FILAMENT, True, "540751", "540752"),
        ("棉100%", YarnKind.STAPLE, None, "520822", "520832"),
        ("涤纶65%/棉35%", YarnKind.STAPLE, None, "551311", "551321"),
        ("粘纤100%", YarnKind.STAPLE, None, "551611", "551612"),
    ],
)
def test_dyed_white_takes_the_bleached_subheading(
    comp: str, yarn: YarnKind, textured: bool | None, white: str, dyed: str
) -> None:
    c = classify(spec(comp, Finish.DYED_WHITE, yarn, textured))
    assert c.code == white
    assert any("subheading note 1(e)" in t for t in c.trace)
    assert classify(spec(comp, Finish.DYED, yarn, textured)).code == dyed


# Textured share ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comp", "share", "code"),
    [
        # Tuscany Wide: 67.3 % non-textured, 32.7 % textured -> neither reaches 85: 5407.69
        ("涤纶100%", "32.7", "540769"),
        ("涤纶100%", "85", "540752"),  # 85 % textured is "85 % or more"
        ("涤纶100%", "15", "540761"),  # 85 % non-textured
        ("涤纶100%", "15.1", "540769"),  # 84.9 % non-textured, 15.1 % textured
        ("涤纶100%", "0", "540761"),
        ("涤纶100%", "100", "540752"),
        ("涤纶90%/氨纶10%", "90", "540752"),
        ("涤纶90%/氨纶10%", "5", "540761"),  # 85 % non-textured of the whole fabric
        ("涤纶90%/氨纶10%", "6", "540769"),  # 84 % non-textured, 6 % textured
    ],
)
def test_the_textured_share_decides_5407_5_61_69(comp: str, share: str, code: str) -> None:
    # the share overrides the yes/no flag, whichever way the flag points
    for flag in (None, True, False):
        assert classify(spec(comp, textured=flag, textured_percent=share)).code == code


def test_the_yes_no_flag_still_means_all_or_none() -> None:
    assert classify(spec("涤纶100%", textured=True)).code == "540752"
    assert classify(spec("涤纶100%", textured=False)).code == "540761"


def test_more_textured_polyester_than_polyester_is_asked() -> None:
    c = classify(spec("涤纶90%/氨纶10%", textured_percent="95"))
    assert (c.code, c.heading, c.ask) == (None, "5407", ["textured"])


# Chapter 53 ----------------------------------------------------------------------------------


def test_hemp_and_jute_are_known_fibres() -> None:
    hemp, standard = lookup("大麻")
    assert hemp is not None and hemp.key == "hemp" and standard
    alias, standard = lookup("汉麻")
    assert alias is hemp and not standard
    jute, _ = lookup("jute")
    assert jute is not None and jute.eu == "jute"


@pytest.mark.parametrize(
    ("comp", "finish", "code"),
    [
        # NY C83661: 64 % rayon staple, 36 % hemp -> man-made predominates: 5516.91
        ("粘纤64%/大麻36%", Finish.UNBLEACHED, "551691"),
        ("大麻100%", Finish.DYED, "531100"),
        ("苎麻60%/大麻40%", Finish.DYED, "531100"),  # one heading names both (Note 2(B)(d))
        ("亚麻100%", Finish.BLEACHED, "530911"),
        ("亚麻100%", Finish.DYED_WHITE, "530911"),
        ("亚麻100%", Finish.PRINTED, "530919"),
        ("亚麻85%/棉15%", Finish.UNBLEACHED, "530911"),  # 85 % or more flax
        ("亚麻84.9%/棉15.1%", Finish.UNBLEACHED, "530921"),
        ("亚麻55%/棉45%", Finish.DYED, "530929"),
        # Note 2(B)(b): chapter 53 first (70 %), then flax 40 against 5311's 30 (cotton ignored)
        ("亚麻40%/大麻30%/棉30%", Finish.YARN_DYED, "530929"),
        ("亚麻50%/大麻50%", Finish.DYED, "531100"),  # a tie: the last heading
        ("黄麻100%", Finish.UNBLEACHED, "531010"),
        ("黄麻100%", Finish.BLEACHED, "531090"),  # 5310.10 is unbleached only
        # Note 2(A): neither chapter predominates; 5309 occurs after 5212
        ("亚麻50%/棉50%", Finish.DYED, "530929"),
    ],
)
def test_chapter_53(comp: str, finish: Finish, code: str) -> None:
    c = classify(spec(comp, finish, yarn=YarnKind.STAPLE))
    assert c.code == code, c.trace
    assert code in subheadings()


def test_chapter_53_asks_for_the_finish_where_it_decides() -> None:
    assert classify(spec("亚麻100%", None, yarn=YarnKind.STAPLE)).ask == ["finish"]
    # 5311 has one subheading: nothing to ask
    assert classify(spec("大麻100%", None, yarn=YarnKind.STAPLE)).code == "531100"


# The same rules as findings on a declaration ------------------------------------------------


def _one(rows: Rows, fabric: str, **cells: str) -> Rows:
    row = row_for(rows, fabric)
    row.update(cells)
    return [row]


def test_dyed_white_declared_as_dyed_is_caught(clean_rows: Rows, check_rows: Check) -> None:
    ok = check_rows(_one(clean_rows, "全棉府绸", 染整="染白", 商品编码="5208220000"))
    assert ok.findings == []
    assert "染整方法:漂白" in ok.lines[0].elements
    bad = check_rows(_one(clean_rows, "全棉府绸", 染整="染白", 商品编码="5208320000"))
    assert [f.rule for f in bad.findings] == ["CLS-FINISH-WEAVE"]
    assert "subheading note 1(e)" in bad.findings[0].detail


def test_a_textured_share_declared_as_non_textured_is_caught(
    clean_rows: Rows, check_rows: Check
) -> None:
    ok = check_rows(_one(clean_rows, "涤纶雪纺印花布", 变形丝="32.7%", 商品编码="5407690000"))
    assert ok.findings == []
    bad = check_rows(_one(clean_rows, "涤纶雪纺印花布", 变形丝="32.7%", 商品编码="5407610000"))
    assert [f.rule for f in bad.findings] == ["CLS-85"]


def test_a_textured_share_over_100_is_a_bad_cell(clean_rows: Rows, read_rows: object) -> None:
    from fangdu.errors import InputError

    with pytest.raises(InputError):
        read_rows(_one(clean_rows, "涤纶雪纺印花布", 变形丝="132%"))  # type: ignore[operator]
    with pytest.raises(InputError, match="textured share"):
        read_rows(_one(clean_rows, "涤纶雪纺印花布", 变形丝="partly"))  # type: ignore[operator]


def test_linen_and_hemp_declarations(clean_rows: Rows, check_rows: Check) -> None:
    linen = {"成分": "亚麻100%", "染整": "漂白"}
    ok = check_rows(_one(clean_rows, "全棉府绸", **linen, 商品编码="5309110000"))
    assert ok.findings == []
    bad = check_rows(_one(clean_rows, "全棉府绸", **linen, 商品编码="5309190000"))
    assert [f.rule for f in bad.findings] == ["CLS-FINISH-WEAVE"]
    hemp = {"成分": "大麻100%"}
    ok = check_rows(_one(clean_rows, "全棉府绸", **hemp, 商品编码="5311000000"))
    assert ok.findings == []
    bad = check_rows(_one(clean_rows, "全棉府绸", **hemp, 商品编码="5309290000"))
    assert [f.rule for f in bad.findings] == ["CLS-PREDOMINANT"]
