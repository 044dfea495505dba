"""The two rules set 2 found missing, each from the tariff text, each with cases it decides,
cases it must not decide the same way, and a declaration it catches:

- CLS-FIL-STAPLE (Section XI Note 2(A), 2(B)(b)-(d)): filament (chapter 54) and staple
  (chapter 55) of man-made fibres are different textile materials: the chapter by weight, ties
  to 55; the heading within each chapter by its own materials; "mixed mainly or solely with
  man-made filaments" (5515.12/.21/.91, 5516.2x).
- CLS-KNIT (chapter 60): pile 6001; width <= 30 cm with >= 5 % elastomeric yarn or rubber
  thread 6002, other 6003; > 30 cm with >= 5 % 6004; warp knit 6005; other 6006; the fibre by
  Section XI subheading note 2(A), the finish as for woven fabrics.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from tests.trade.conftest import Rows, row_for
from tests.trade.test_checks import Check

from fangdu.trade.classify import classify
from fangdu.trade.models import (
    Construction,
    FabricSpec,
    Finish,
    KnitType,
    Line,
    Pile,
    Weave,
    YarnKind,
)
from fangdu.trade.reader import parse_composition
from fangdu.trade.tariff import subheadings


def woven(
    comp: str,
    filament: str | None,
    finish: Finish = Finish.DYED,
    weave: Weave = Weave.PLAIN,
    yarn: YarnKind | None = None,
    gsm: str = "150",
) -> FabricSpec:
    return FabricSpec(
        composition=parse_composition(comp),
        construction=Construction.WOVEN,
        yarn=yarn,
        textured=False,
        filament=parse_composition(filament) if filament else None,
        finish=finish,
        weave=weave,
        width_cm=Decimal(150),
        gsm=Decimal(gsm),
    )


def knitted(
    comp: str,
    width: str | None = "150",
    knit: KnitType | None = KnitType.WEFT,
    pile: Pile | None = Pile.NONE,
    finish: Finish | None = Finish.DYED,
    elastomeric: str | None = None,
    yarn: YarnKind | None = None,
    insecticide: bool = False,
) -> FabricSpec:
    return FabricSpec(
        composition=parse_composition(comp),
        construction=Construction.KNITTED,
        yarn=yarn,
        finish=finish,
        knit=knit,
        pile=pile,
        elastomeric_percent=Decimal(elastomeric) if elastomeric else None,
        insecticide=insecticide,
        width_cm=Decimal(width) if width else None,
        gsm=Decimal(200),
    )


# CLS-FIL-STAPLE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comp", "filament", "finish", "code"),
    [
        # NY 867234's shape: 38.87 filament + 24.49 staple polyester, 36.64 cotton: man-made
        # predominates; filament outweighs staple, so chapter 54; 5407, synthetic filament
        # < 85 %, the rest mainly cotton (cotton 36.64 > staple polyester 24.49): 5407.81
        ("涤纶63.36%/棉36.64%", "涤纶38.87%", Finish.UNBLEACHED, "540781"),
        # NY K85046's shape: 69 % staple, 31 % filament polyester: 5515, mixed mainly with
        # man-made filaments: 5515.12
        ("涤纶100%", "涤纶31%", Finish.DYED, "551512"),
        # 40 filament / 40 staple polyester / 20 staple rayon: staple 60 > 40: 5515.12
        ("涤纶80%/粘纤20%", "涤纶40%", Finish.DYED, "551512"),
        # 51 staple / 49 filament rayon: 5516.21 (unbleached)
        ("粘纤100%", "粘纤49%", Finish.UNBLEACHED, "551621"),
        # 59 filament / 41 staple rayon, printed: chapter 54, 5408, < 85 %: 5408.34
        ("粘纤100%", "粘纤59%", Finish.PRINTED, "540834"),
        # acrylic staple mixed mainly with filaments: 5515.21; another synthetic: 5515.91
        ("腈纶60%/涤纶40%", "涤纶40%", Finish.DYED, "551521"),
        ("丙纶60%/涤纶40%", "涤纶40%", Finish.DYED, "551591"),
        # staple rayon 55.9, filament cupro 39.1, flax 5: 5516, mainly filaments, dyed: 5516.22
        ("粘纤55.9%/铜氨纤维39.1%/亚麻5%", "铜氨纤维39.1%", Finish.DYED, "551622"),
        # the heading within chapter 54 by filaments only: 30 polyester filament against 20
        # viscose filament, 45 viscose staple disregarded -> 5407 (not 5408)
        ("粘纤70%/涤纶30%", "涤纶30%/粘纤25%", Finish.DYED, "540792"),
    ],
)
def test_filament_and_staple_are_different_materials(
    comp: str, filament: str, finish: Finish, code: str
) -> None:
    c = classify(woven(comp, filament, finish))
    assert c.code == code, c.trace
    assert c.code in subheadings()


def test_filament_staple_tie_goes_to_chapter_55() -> None:
    # 50/50 filament/staple polyester: Note 2(A), the heading last in numerical order (55)
    c = classify(woven("涤纶100%", "涤纶50%"))
    assert c.chapter == "55" and c.decided_by[2] == "CLS-FIL-STAPLE"
    # one point more filament: chapter 54
    assert classify(woven("涤纶100%", "涤纶50.1%")).chapter == "54"


def test_a_single_yarn_kind_is_not_read_as_a_mix() -> None:
    # failing cases of the rule: the same composition read as all filament or all staple
    assert classify(woven("涤纶100%", None, yarn=YarnKind.FILAMENT)).heading == "5407"
    assert classify(woven("涤纶100%", None, yarn=YarnKind.STAPLE)).code == "551219"
    # a filament part of the whole fibre is all filament, as `yarn` says
    assert classify(woven("涤纶100%", "涤纶100%")).heading == "5407"
    # without the mix, 69/31 polyester is not 5515.12
    assert classify(woven("涤纶100%", None, yarn=YarnKind.STAPLE)).code != "551512"


def test_a_filament_part_that_does_not_fit_is_asked() -> None:
    assert classify(woven("涤纶100%", "涤纶101%")).ask == ["filament"]
    assert classify(woven("涤纶60%/棉40%", "棉40%")).ask == ["filament"]  # cotton is staple
    assert classify(woven("涤纶100%", "粘纤10%")).ask == ["filament"]  # not in the fabric
    # neither a filament part nor a yarn kind: asked, not guessed
    assert classify(woven("涤纶100%", None)).ask == ["yarn"]


def test_cotton_predominance_needs_no_yarn_kind() -> None:
    c = classify(woven("棉60%/锦纶40%", None, Finish.YARN_DYED))
    assert c.code == "521041"


def test_a_mixed_fabric_declared_as_all_staple_is_caught(
    clean_rows: Rows, check_rows: Check
) -> None:
    row = row_for(clean_rows, "涤纶雪纺印花布")
    row.update({"成分": "涤纶100%", "纱线": "", "长丝成分": "涤纶31%", "商品编码": "5512990000"})
    findings = check_rows([row]).findings
    assert [f.rule for f in findings] == ["CLS-FIL-STAPLE"]
    row["商品编码"] = "5515120000"
    assert check_rows([row]).findings == []


# CLS-KNIT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        # pile first, whatever the width or elastane
        (knitted("涤纶100%", pile=Pile.LONG), "600110"),
        (knitted("棉80%/涤纶20%", pile=Pile.LOOPED), "600121"),
        (knitted("涤纶100%", pile=Pile.LOOPED, width="20"), "600122"),
        (knitted("羊毛100%", pile=Pile.LOOPED), "600129"),
        (knitted("涤纶90%/氨纶10%", pile=Pile.OTHER), "600192"),
        (knitted("棉100%", pile=Pile.OTHER), "600191"),
        # width <= 30 cm
        (knitted("锦纶80%/氨纶20%", width="30"), "600240"),
        (knitted("锦纶80%/橡胶丝20%", width="25"), "600290"),
        (knitted("锦纶80%/氨纶15%/橡胶丝5%", width="25"), "600290"),
        (knitted("棉100%", width="30"), "600320"),
        (knitted("羊毛100%", width="10"), "600310"),
        (knitted("涤纶100%", width="10"), "600330"),
        (knitted("粘纤100%", width="10"), "600340"),
        (knitted("蚕丝100%", width="10"), "600390"),
        # width > 30 cm
        (knitted("涤纶82%/氨纶18%", width="30.1"), "600410"),
        (knitted("涤纶80%/橡胶丝20%"), "600490"),
        (knitted("棉100%", knit=KnitType.WARP, finish=Finish.PRINTED), "600524"),
        (knitted("涤纶100%", knit=KnitType.WARP), "600537"),
        (knitted("涤纶100%", knit=KnitType.WARP, finish=Finish.UNBLEACHED), "600536"),
        (knitted("粘纤100%", knit=KnitType.WARP, finish=Finish.YARN_DYED), "600543"),
        (knitted("羊毛100%", knit=KnitType.WARP), "600590"),
        (knitted("羊毛100%"), "600610"),
        (knitted("棉60%/涤纶40%", finish=Finish.YARN_DYED), "600623"),
        (knitted("涤纶65%/棉35%"), "600632"),
        (knitted("涤纶100%", finish=Finish.DYED_WHITE), "600631"),  # dyed white = bleached
        (knitted("莫代尔95%/氨纶4.9%/棉0.1%"), "600642"),
        (knitted("亚麻100%"), "600690"),
    ],
)
def test_chapter_60_headings_and_subheadings(spec: FabricSpec, code: str) -> None:
    c = classify(spec)
    assert c.code == code, c.trace
    assert c.code in subheadings()


@pytest.mark.parametrize(
    ("width", "elastane", "heading"),
    [
        ("30", "5", "6002"),  # "not exceeding 30 cm": 30 is narrow; "5 % or more": 5.0 counts
        ("30", "4.9", "6003"),
        ("30.1", "5", "6004"),
        ("30.1", "4.9", "6006"),
    ],
)
def test_the_30_cm_and_5_percent_boundaries(width: str, elastane: str, heading: str) -> None:
    rest = Decimal(100) - Decimal(elastane)
    c = classify(knitted(f"涤纶{rest}%/氨纶{elastane}%", width=width))
    assert c.heading == heading, c.trace


def test_elastomeric_share_given_apart_overrides_the_composition() -> None:
    # an elastomeric yarn the composition does not name elastane (e.g. elastomultiester)
    assert classify(knitted("涤纶100%", elastomeric="6")).code == "600410"
    assert classify(knitted("涤纶95%/氨纶5%", elastomeric="4")).heading == "6006"


def test_missing_knitted_attributes_are_asked() -> None:
    assert classify(knitted("涤纶100%", pile=None)).ask == ["pile"]
    assert classify(knitted("涤纶100%", width=None)).ask == ["width_cm"]
    assert classify(knitted("涤纶100%", knit=None)).ask == ["knit"]
    assert classify(knitted("涤纶100%", finish=None)).ask == ["finish"]
    # synthetic and artificial together: which one may depend on filament against staple
    mixed = knitted("涤纶50%/粘纤50%")
    # ... but not when one kind has a quarter of the man-made weight or less
    assert classify(knitted("粘纤75%/涤纶25%")).code == "600642"
    assert classify(knitted("粘纤74.9%/涤纶25.1%")).ask == ["yarn"]
    assert classify(knitted("涤纶75.1%/粘纤24.9%")).code == "600632"
    assert classify(knitted("涤纶75%/粘纤25%")).ask == ["yarn"]
    assert (classify(mixed).heading, classify(mixed).ask) == ("6006", ["yarn"])
    assert classify(knitted("涤纶50%/粘纤50%", yarn=YarnKind.FILAMENT)).code == "600642"
    # narrow or elastic fabric needs no knit type; wool needs no finish
    assert classify(knitted("涤纶100%", knit=None, width="20")).code == "600330"
    assert classify(knitted("羊毛100%", finish=None)).code == "600610"


def test_insecticide_treated_netting_is_declined() -> None:
    c = classify(knitted("涤纶100%", knit=KnitType.WARP, insecticide=True))
    assert c.code is None and "6005.35" in c.out_of_scope


def test_a_woven_with_rubber_thread_is_declined() -> None:
    assert "rubber" in classify(woven("棉90%/橡胶丝10%", None, yarn=YarnKind.STAPLE)).out_of_scope


def test_every_derivable_knitted_code_exists() -> None:
    seen = set()
    for comp in ("棉100%", "涤纶100%", "粘纤100%", "羊毛100%", "亚麻100%", "涤纶90%/氨纶10%"):
        for width in ("20", "150"):
            for knit in KnitType:
                for pile in Pile:
                    for finish in Finish:
                        c = classify(knitted(comp, width, knit, pile, finish))
                        if c.code:
                            assert c.code in subheadings(), (comp, width, knit, pile, finish)
                            seen.add(c.code)
    assert len(seen) >= 35


def test_a_knitted_fabric_declared_under_the_wrong_heading_is_caught(
    clean_rows: Rows, check_rows: Check
) -> None:
    row = row_for(clean_rows, "涤纶雪纺印花布")
    cells = {"织造": "针织", "针织方式": "纬编", "起绒": "无", "染整": "染色"}
    row.update({**cells, "商品编码": "6005370000"})  # a weft knit declared as warp knit
    assert [f.rule for f in check_rows([row]).findings] == ["CLS-KNIT"]
    row["商品编码"] = "6006320000"
    assert check_rows([row]).findings == []
    row.update({"针织方式": "", "商品编码": "6006320000"})
    assert [f.rule for f in check_rows([row]).findings] == ["CLS-ASK"]


def test_the_reader_takes_the_new_columns(
    clean_rows: Rows, read_rows: Callable[[Rows], list[Line]]
) -> None:
    row = row_for(clean_rows, "涤纶雪纺印花布")
    row.update(
        {
            "织造": "针织",
            "针织方式": "经编",
            "起绒": "毛圈",
            "弹性纱线": "6%",
            "防蚊药剂": "否",
            "长丝成分": "涤纶40%",
        }
    )
    (line,) = read_rows([row])
    s = line.spec
    assert (s.knit, s.pile, s.elastomeric_percent, s.insecticide) == (
        KnitType.WARP,
        Pile.LOOPED,
        Decimal(6),
        False,
    )
    assert s.filament is not None and s.filament[0].fibre == "polyester"
