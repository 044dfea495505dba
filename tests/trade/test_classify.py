"""Classification of woven fabric, with the boundary cases the tariff text draws."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fangdu.trade.classify import classify
from fangdu.trade.models import Construction, FabricSpec, Finish, Weave, YarnKind
from fangdu.trade.reader import parse_composition
from fangdu.trade.tariff import subheadings


def spec(
    comp: str,
    gsm: str | None = "150",
    yarn: YarnKind | None = YarnKind.STAPLE,
    finish: Finish | None = Finish.DYED,
    weave: Weave | None = Weave.PLAIN,
    textured: bool | None = None,
    construction: Construction | None = Construction.WOVEN,
) -> FabricSpec:
    return FabricSpec(
        composition=parse_composition(comp),
        construction=construction,
        yarn=yarn,
        textured=textured,
        finish=finish,
        weave=weave,
        width_cm=Decimal(150),
        gsm=Decimal(gsm) if gsm else None,
    )


@pytest.mark.parametrize(
    ("comp", "gsm", "code"),
    [
        # 85 % threshold: 85.0 is "85 % or more", 84.9 is not
        ("棉85%/涤纶15%", "150", "520832"),
        ("棉84.9%/涤纶15.1%", "150", "521031"),
        # 200 g/m²: "not more than 200" vs "more than 200"
        ("棉100%", "200", "520832"),
        ("棉100%", "200.1", "520931"),
        # 100 g/m² for plain weave
        ("棉100%", "100", "520831"),
        ("棉100%", "100.1", "520832"),
        # 170 g/m² for polyester staple mixed with cotton
        ("涤纶65%/棉35%", "170", "551321"),
        ("涤纶65%/棉35%", "170.1", "551421"),
        # 50/50: no material predominates, the heading last in numerical order wins (Note 2)
        ("棉50%/涤纶50%", "150", "551321"),
        ("粘纤50%/涤纶50%", "150", "551692"),
        # man-made together (54 and 55 as one chapter) outweigh cotton
        ("棉40%/涤纶35%/粘纤25%", "150", "551321"),  # polyester > viscose within 55
        ("涤纶65%/粘纤35%", "230", "551511"),
        ("粘纤70%/棉30%", "130", "551642"),
        ("涤纶100%", "200", "551219"),
    ],
)
def test_boundaries(comp: str, gsm: str, code: str) -> None:
    c = classify(spec(comp, gsm))
    assert c.code == code, c.trace
    assert code in subheadings()


@pytest.mark.parametrize(
    ("comp", "textured", "finish", "code"),
    [
        ("涤纶100%", False, Finish.PRINTED, "540761"),
        ("涤纶100%", True, Finish.PRINTED, "540754"),
        ("涤纶84%/氨纶16%", True, Finish.DYED, "540772"),
        ("锦纶100%", None, Finish.BLEACHED, "540741"),
        ("涤纶60%/棉40%", None, Finish.DYED, "540782"),
        ("粘纤100%", None, Finish.YARN_DYED, "540823"),
        ("粘纤50%/涤纶50%", None, Finish.DYED, "540832"),  # tie: 5408, < 85 % artificial
    ],
)
def test_filament(comp: str, textured: bool | None, finish: Finish, code: str) -> None:
    c = classify(spec(comp, yarn=YarnKind.FILAMENT, textured=textured, finish=finish))
    assert c.code == code, c.trace


def test_denim_and_twill_subheadings() -> None:
    assert (
        classify(spec("棉100%", "340", finish=Finish.YARN_DYED, weave=Weave.DENIM)).code == "520942"
    )
    assert (
        classify(spec("棉100%", "180", finish=Finish.PRINTED, weave=Weave.TWILL)).code == "520859"
    )  # no printed-twill subheading under 5208
    assert (
        classify(spec("棉70%/涤纶30%", "250", finish=Finish.BLEACHED, weave=Weave.TWILL)).code
        == "521120"
    )


@pytest.mark.parametrize(
    ("missing", "kwargs", "heading"),
    [
        ("gsm", {"gsm": None}, None),
        ("weave", {"weave": None}, "5208"),
        ("finish", {"finish": None}, "5208"),
        ("yarn", {"yarn": None}, None),
        ("construction", {"construction": None}, None),
    ],
)
def test_a_missing_attribute_is_asked_for_not_guessed(
    missing: str, kwargs: dict[str, object], heading: str | None
) -> None:
    comp = "棉100%" if missing != "yarn" else "涤纶100%"
    c = classify(spec(comp, **kwargs))  # type: ignore[arg-type]
    assert c.code is None
    assert c.ask == [missing]
    assert c.heading == heading


def test_polyester_filament_without_textured_flag_asks() -> None:
    c = classify(spec("涤纶100%", yarn=YarnKind.FILAMENT))
    assert (c.code, c.heading, c.ask) == (None, "5407", ["textured"])


def test_knitted_asks_for_pile_and_wool_is_out_of_scope() -> None:
    knitted = classify(spec("涤纶100%", construction=Construction.KNITTED))
    assert (knitted.chapter, knitted.code, knitted.ask) == ("60", None, ["pile"])
    assert "51" in classify(spec("羊毛60%/涤纶40%")).out_of_scope


def test_every_derivable_code_exists_in_the_transcribed_rows() -> None:
    comps = [
        "棉100%",
        "棉70%/涤纶30%",
        "棉60%/羊毛40%",
        "涤纶100%",
        "涤纶65%/棉35%",
        "锦纶65%/棉35%",
        "涤纶60%/羊毛40%",
        "腈纶100%",
        "丙纶100%",
        "粘纤100%",
        "粘纤60%/羊毛40%",
        "涤纶60%/粘纤40%",
        "腈纶60%/羊毛40%",
        "锦纶100%",
    ]
    seen = set()
    for comp in comps:
        for gsm in ("90", "150", "180", "250"):
            for finish in Finish:
                for weave in Weave:
                    for yarn in YarnKind:
                        for textured in (True, False):
                            c = classify(spec(comp, gsm, yarn, finish, weave, textured))
                            if c.code:
                                assert c.code in subheadings(), (comp, gsm, finish, weave, yarn)
                                seen.add(c.code)
    assert len(seen) > 100


def test_development_set_heading_always_right_and_never_a_guess() -> None:
    # Set 1 (data/heldout_rulings.json): published CBP rulings, now a development set (its
    # misses were fixed against it). Every heading derived is the ruling's; the one remaining
    # 6-digit miss is a pre-2007 subheading; the two questions are a width the ruling omits.
    from fangdu.trade.bench import classify_heldout

    r = classify_heldout()
    assert r["items"] == 41 and r["answered"] == 39
    assert r["heading_ok"] == r["answered"]
    assert r["code_ok"] == 38 and r["superseded_code"] == 1
    assert r["superseded_successor_ok"] == 1  # 5211.22 -> 5211.20 (HS 2007)
    assert r["out_of_scope"] == 0 and r["asked"] == 2
    assert all("asked" in m or m["got"][:4] == m["want"][:4] for m in r["misses"])
    assert all(m.get("asked") in (None, ["width_cm"]) for m in r["misses"])


def test_set_2_now_a_development_set() -> None:
    # Set 2 (data/heldout_rulings_2.json) was held out until its misses (7 fabrics mixing
    # filament and staple, 7 knitted declined) were fixed against it; it pins those fixes.
    from pathlib import Path

    from fangdu.trade import bench

    r = bench.classify_heldout(Path(bench.__file__).with_name("data") / bench.SETS["2"][0])
    assert (r["items"], r["answered"], r["heading_ok"], r["code_ok"]) == (49, 48, 48, 46)
    assert (r["asked"], r["out_of_scope"]) == (1, 0)
    # the two misses are 6005.32 (before HS 2017), whose successor the tool gives (6005.37)
    assert r["superseded_code"] == r["superseded_successor_ok"] == 2
    # the question is the finish of a warp knit whose ruling does not state it
    assert [m["asked"] for m in r["misses"] if "asked" in m] == [["finish"]]


def test_set_3_now_a_development_set() -> None:
    # Set 3 (data/heldout_rulings_3.json) was held out (committed 07c3675 before the first run:
    # 41 answered, 37 right at six digits, 4 asked); its misses were then fixed against it
    # (h18c: Note 2(B)(d) materials, soybean protein fibre, a width stated as over 30 cm, HS
    # edition successors), so it pins those fixes and measures nothing.
    from pathlib import Path

    from fangdu.trade import bench

    r = bench.classify_heldout(Path(bench.__file__).with_name("data") / bench.SETS["3"][0])
    assert (r["items"], r["answered"], r["heading_ok"], r["code_ok"]) == (45, 44, 44, 41)
    assert (r["asked"], r["out_of_scope"]) == (1, 0)
    # the three 6005.32 rulings predate HS 2017; the tool gives the successor, 6005.37
    assert r["superseded_code"] == r["superseded_successor_ok"] == 3
    assert [m for m in r["misses"] if "got" in m and "note" not in m] == []
    # NY 868872: the ruling says pile, not which kind
    assert [m["asked"] for m in r["misses"] if "asked" in m] == [["pile"]]


def test_heldout_set_4_as_measured() -> None:
    # Set 4 (data/heldout_rulings_4.json), committed (f166d40) before the classifier was run on
    # it. First run: 26 answered, 26 headings, 25 at six digits, 2 asked (metallised yarn, not a
    # known material). The metallised-yarn rule (Section XI Note 2(B)(a)) was added after
    # seeing that run; this pins the figures with it. The one miss is NY N037361, a printed
    # linen/cotton fabric the ruling puts under 5309.21 (unbleached or bleached).
    from pathlib import Path

    from fangdu.trade import bench

    r = bench.classify_heldout(Path(bench.__file__).with_name("data") / bench.SETS["4"][0])
    assert (r["items"], r["answered"], r["heading_ok"], r["code_ok"]) == (28, 28, 28, 27)
    assert (r["asked"], r["out_of_scope"], r["superseded_code"]) == (0, 0, 0)
    assert [(m["want"], m["got"]) for m in r["misses"]] == [("530921", "530929")]
