"""Woven and knitted fabric → HS 6-digit subheading, from the attributes the tariff turns on.

Encoded (docs/TRADE.md, rules CLS-*):
- Section XI Note 2: the material predominating by weight over each other single material;
  chapters 54 and 55 count as one against other chapters; on a tie, the heading that occurs
  last in numerical order.
- "85 % or more by weight" is >= 85.0; "not more than 200 g/m²" is <= 200; "not exceeding
  170 g/m²" is <= 170; "not more than 100 g/m²" is <= 100.
- "mixed mainly or solely with X": X weighs at least as much as each other remaining
  material, the materials counted as Section XI Note 2(B)(d) counts them (a chapter or
  heading that refers to goods of different textile materials treats them as one; applied to
  subheadings by GRI 6): the fibres of another chapter are one material per chapter (all
  man-made staple fibres are one against cotton in 5407.8x, all man-made filaments one in
  5515/5516), and within the chapter being classified another heading's fibres are one (the
  artificial staple fibres of 5516 against cotton in 5513/5514). A fibre a subheading names
  on its own (viscose rayon in 5515.11) is weighed on its own.

- Section XI subheading note 1(e)(i): a fabric dyed white (or given a white dressing) in the
  piece is "bleached", not "dyed" (Finish.DYED_WHITE).
- 5407.5x / 5407.61 / 5407.69: 85 % or more textured polyester filaments; else 85 % or more
  non-textured ones; else "other" — from the textured share when a fabric mixes the two.
- Metallised yarn (heading 56.05) is one textile material, its components' weight together
  (Section XI Note 2(B)(a)): weighed against the others like any material; a fabric in which
  it predominates is out of scope (chapter 56 / 58.09 not transcribed).
- Chapter 53 (Note 2(B)(b) and (d)): the heading within the chapter by the predominant
  vegetable fibre, other chapters' fibres disregarded: flax 5309, jute 5310, the others (true
  hemp, ramie, ...) 5311, ties to the last; 5309 by the 85 % flax threshold and finish.

- Section XI Note 2(A), 2(B)(b)-(d) (CLS-FIL-STAPLE): man-made filament (54) and staple (55)
  are different materials: the heavier kind decides the chapter, ties to 55; each chapter's
  heading by its own materials; "mixed mainly or solely with man-made filaments" (5515.12/.21/
  .91, 5516.2x) counts the filaments as one material. Input: the filament part of the
  composition (FabricSpec.filament), else `yarn` for all man-made fibres, else asked.
- Chapter 60 (CLS-KNIT): pile 6001; width <= 30 cm with >= 5 % elastomeric yarn or rubber
  thread 6002, other 6003; > 30 cm with >= 5 % 6004; warp knit 6005; other 6006; the fibre by
  Section XI subheading note 2(A), the finish as for woven fabrics.

- Width: headings 6002/6003 are "of a width not exceeding 30 cm", 6004-6006 wider; a width
  stated only as over (or not over) 30 cm decides as well as a number (FabricSpec.width_over_30).
  A woven fabric of a width not exceeding 30 cm may be a narrow woven fabric of heading 58.06
  (Chapter 58 Note 5: with selvedges on both edges, or tubular, or bias binding) and is
  declined, not classified in chapters 52-55.

Not encoded, so such goods are reported out of scope rather than guessed: pile and special
woven fabrics (58), high-tenacity or strip fabrics (5407.10/.20/.30, 5408.10), chapters 50 and
51, woven fabrics with rubber thread, insecticide-treated netting (6005.35). An attribute a
decision needs that is missing stops the classification with a question: the heading may
still be known, the code is not guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from fangdu.trade.fibres import FIBRES, FibreGroup
from fangdu.trade.models import (
    Component,
    Construction,
    FabricSpec,
    Finish,
    KnitType,
    Pile,
    Weave,
    YarnKind,
)
from fangdu.trade.tariff import national

__all__ = ["Classification", "classify", "effective_finish"]

_T = TypeVar("_T")
_85 = Decimal(85)
_5 = Decimal(5)
_FILAMENTS = "man-made filaments"
_FINISH_DIGIT = {
    Finish.UNBLEACHED: 1,
    Finish.BLEACHED: 2,
    Finish.DYED: 3,
    Finish.YARN_DYED: 4,
    Finish.PRINTED: 5,
}
# Chapters 5407/5408/5512/5516 group unbleached with bleached.
_FINISH4 = {
    Finish.UNBLEACHED: 1,
    Finish.BLEACHED: 1,
    Finish.DYED: 2,
    Finish.YARN_DYED: 3,
    Finish.PRINTED: 4,
}
# Chapter 53's headings by fibre (Note 2(B)(d): a heading naming several fibres counts them as
# one material); every other vegetable fibre is 5311.
_HEADING53 = {"flax": "5309", "jute": "5310"}
_CHAPTER = {
    FibreGroup.SILK: 50,
    FibreGroup.WOOL: 51,
    FibreGroup.COTTON: 52,
    FibreGroup.VEGETABLE: 53,
    FibreGroup.SYNTHETIC: 55,
    FibreGroup.ARTIFICIAL: 55,
    FibreGroup.METALLISED: 56,  # heading 56.05 (Section XI Note 2(B)(a))
}


@dataclass(slots=True)
class Classification:
    code: str | None = None  # 6 digits when fully determined
    heading: str | None = None  # 4 digits when known
    chapter: str | None = None
    ask: list[str] = field(default_factory=list)  # attributes needed: composition, gsm, ...
    out_of_scope: str = ""  # why the tool does not classify this good
    # The rule that decided each level: {2: rule, 4: rule, 6: rule}
    decided_by: dict[int, str] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    # China's 10-digit code (data/cn_tariff_fabric.json) when the rows read decide it; else the
    # attributes its split turns on (ask10) with the rows that remain, or why not (note10).
    code10: str | None = None
    ask10: list[str] = field(default_factory=list)
    candidates10: list[str] = field(default_factory=list)
    note10: str = ""


class _Ask(Exception):
    def __init__(self, attr: str) -> None:
        self.attr = attr


class _Out(Exception):
    pass


def effective_finish(finish: Finish) -> Finish:
    """The finish as the HS reads it: dyed white counts as bleached (Section XI subheading
    note 1(e)(i): "bleached ... or, unless the context otherwise requires, dyed white or
    treated with a white dressing, in the piece"; 1(f): dyed is "other than white")."""
    return Finish.BLEACHED if finish is Finish.DYED_WHITE else finish


def _shares(components: Sequence[Component]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for c in components:
        if c.fibre is None:
            raise _Ask("composition")
        out[c.fibre] = out.get(c.fibre, Decimal(0)) + c.percent
    return out


def _group_total(shares: dict[str, Decimal], *groups: FibreGroup) -> Decimal:
    return sum((p for k, p in shares.items() if FIBRES[k].group in groups), Decimal(0))


_CH_MATERIAL = {
    FibreGroup.SILK: "silk",
    FibreGroup.WOOL: "wool",
    FibreGroup.COTTON: "cotton",
    FibreGroup.VEGETABLE: "vegetable fibres of chapter 53",
    FibreGroup.METALLISED: "metallised yarn",
}
_STAPLE = "man-made staple fibres"
_ART_FIL = "artificial filaments"
_SYN_STP = "synthetic staple fibres"
_ART_STP = "artificial staple fibres"


def _add(out: dict[str, Decimal], name: str, p: Decimal) -> None:
    if p:
        out[name] = out.get(name, Decimal(0)) + p


def _natural_materials(shares: dict[str, Decimal]) -> dict[str, Decimal]:
    """The materials of chapters 50-53 in a fabric, one per chapter (Section XI Note 2(B)(d):
    a chapter that refers to goods of different textile materials treats them as one)."""
    out: dict[str, Decimal] = {}
    for k, p in shares.items():
        name = _CH_MATERIAL.get(FIBRES[k].group)
        if name:
            _add(out, name, p)
    return out


def _syn(kind: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: p for k, p in kind.items() if FIBRES[k].group is FibreGroup.SYNTHETIC}


def _mainly(others: dict[str, Decimal], key: str) -> bool:
    """Whether fibre ``key`` weighs at least as much as each other remaining fibre."""
    if not others.get(key):
        return False
    return all(others[key] >= p for p in others.values())


class _Classifier:
    def __init__(self, spec: FabricSpec) -> None:
        self.spec = spec
        self.r = Classification()

    def need(self, value: _T | None, attr: str) -> _T:
        if value is None:
            raise _Ask(attr)
        return value

    def finish(self) -> Finish:
        finish = self.need(self.spec.finish, "finish")
        if finish is Finish.DYED_WHITE:
            self.r.trace.append("dyed white counts as bleached (Section XI subheading note 1(e))")
        return effective_finish(finish)

    def _narrow(self) -> bool | None:
        """Whether the width does not exceed 30 cm: from the width, else from a width stated
        only as over or not over 30 cm; None when neither is given. A stated bound that
        contradicts the width is asked."""
        width, over = self.spec.width_cm, self.spec.width_over_30
        if width is None:
            return None if over is None else not over
        if over is not None and over != (width > 30):
            raise _Ask("width_cm")
        return width <= 30

    def run(self) -> Classification:
        try:
            self._classify()
        except _Ask as ask:
            self.r.ask.append(ask.attr)
        except _Out as out:
            self.r.out_of_scope = str(out)
        return self.r

    def _set(self, level: int, value: str, rule: str, why: str) -> None:
        if level == 2:
            self.r.chapter = value
        elif level == 4:
            self.r.heading = value
        else:
            self.r.code = value
        self.r.decided_by[level] = rule
        self.r.trace.append(f"{value}: {why}")

    def _classify(self) -> None:
        spec = self.spec
        if not spec.composition:
            raise _Ask("composition")
        total = sum((c.percent for c in spec.composition), Decimal(0))
        if total != 100:
            raise _Ask("composition")
        shares = _shares(spec.composition)
        construction = self.need(spec.construction, "construction")
        if construction is Construction.KNITTED:
            self._knitted(shares)
            return
        if self._narrow() is True:
            raise _Out(
                "woven fabric of a width not exceeding 30 cm: a narrow woven fabric of heading "
                "58.06 when it has selvedges on both edges, is tubular or is bias binding "
                "(Chapter 58 Note 5); chapter 58 is not transcribed"
            )
        if any(FIBRES[k].group is FibreGroup.RUBBER for k in shares):
            raise _Out("woven fabric with rubber thread is not transcribed")
        # Note 2: per chapter, 54 and 55 together as man-made; ties to the last chapter.
        by_chapter: dict[int, Decimal] = {}
        for key, p in shares.items():
            ch = _CHAPTER[FIBRES[key].group]
            by_chapter[ch] = by_chapter.get(ch, Decimal(0)) + p
        best = max(by_chapter.values())
        chapter = max(ch for ch, p in by_chapter.items() if p == best)
        if chapter == 52:
            self._set(2, "52", "CLS-PREDOMINANT", "cotton predominates (Note 2)")
            self._cotton(shares)
        elif chapter == 55:
            fil, stp = self._kinds(shares)
            ftot, stot = sum(fil.values(), Decimal(0)), sum(stp.values(), Decimal(0))
            mixed = ftot > 0 and stot > 0
            rule = "CLS-FIL-STAPLE" if mixed else "CLS-CONSTRUCTION"
            if ftot > stot:
                why = f"man-made filament {ftot} % > staple {stot} %" if mixed else "filament"
                self._set(2, "54", rule, why)
                self._filament(shares, fil, stp)
            else:
                why = f"man-made staple {stot} % >= filament {ftot} %" if mixed else "staple"
                self._set(2, "55", rule, why)
                self._staple(shares, fil, stp)
        elif chapter == 53:
            self._set(2, "53", "CLS-PREDOMINANT", "vegetable fibres other than cotton predominate")
            self._vegetable(shares)
        else:
            raise _Out(f"chapter {chapter} fabrics are not transcribed")

    def _kinds(self, shares: dict[str, Decimal]) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """(filament, staple) shares of each man-made fibre, % of the fabric's weight: from the
        filament part of the composition when given, else every man-made fibre of the `yarn`
        kind; asked when neither is given or the filament part does not fit the composition."""
        manmade = {
            k: p
            for k, p in shares.items()
            if FIBRES[k].group in (FibreGroup.SYNTHETIC, FibreGroup.ARTIFICIAL)
        }
        given = self.spec.filament
        if given is None:
            yarn = self.need(self.spec.yarn, "yarn")
            if yarn is YarnKind.FILAMENT:
                return manmade, {}
            return {}, manmade
        fil: dict[str, Decimal] = {}
        for c in given:
            if c.fibre is None or c.fibre not in manmade:
                raise _Ask("filament")  # a filament share of a fibre not man-made or absent
            fil[c.fibre] = fil.get(c.fibre, Decimal(0)) + c.percent
        if any(p > manmade[k] for k, p in fil.items()):
            raise _Ask("filament")  # more filament of a fibre than the fibre
        stp = {k: p - fil.get(k, Decimal(0)) for k, p in manmade.items()}
        return {k: p for k, p in fil.items() if p}, {k: p for k, p in stp.items() if p}

    # Chapter 53 -------------------------------------------------------------------------
    def _vegetable(self, shares: dict[str, Decimal]) -> None:
        # Note 2(B)(b): the heading within the chapter, other chapters' materials disregarded.
        by_heading: dict[str, Decimal] = {}
        for key, p in shares.items():
            if FIBRES[key].group is FibreGroup.VEGETABLE:
                h = _HEADING53.get(key, "5311")
                by_heading[h] = by_heading.get(h, Decimal(0)) + p
        best = max(by_heading.values())
        heading = max(h for h, p in by_heading.items() if p == best)
        self._set(4, heading, "CLS-PREDOMINANT", f"chapter 53 materials by heading: {by_heading}")
        if heading == "5311":
            self._set(6, "531100", "CLS-PREDOMINANT", "other vegetable textile fibres")
            return
        finish = self.finish()
        grey = finish in (Finish.UNBLEACHED, Finish.BLEACHED)
        if heading == "5310":
            sub = "531010" if finish is Finish.UNBLEACHED else "531090"
            self._set(6, sub, "CLS-FINISH-WEAVE", finish.value)
            return
        flax = shares["flax"]
        block = 1 if flax >= _85 else 2
        self._set(
            6,
            f"5309{block}{1 if grey else 9}",
            "CLS-85",
            f"flax {flax} % {'>=' if block == 1 else '<'} 85, {finish.value}",
        )

    # Chapter 52 -------------------------------------------------------------------------
    def _cotton(self, shares: dict[str, Decimal]) -> None:
        cotton = shares["cotton"]
        gsm = self.need(self.spec.gsm, "gsm")
        light = gsm <= 200
        # "mixed mainly or solely with man-made fibres": chapters 54 and 55 as one material
        # against each other chapter's (Note 2(B)(c), (d)).
        others = _natural_materials(shares)
        others.pop("cotton", None)
        manmade = _group_total(shares, FibreGroup.SYNTHETIC, FibreGroup.ARTIFICIAL)
        mainly_manmade = manmade > 0 and all(manmade >= p for p in others.values())
        if cotton >= _85:
            heading = "5208" if light else "5209"
            rule = "CLS-85"
            why = f"cotton {cotton} % >= 85, {gsm} g/m² {'<=' if light else '>'} 200"
        elif mainly_manmade:
            heading = "5210" if light else "5211"
            rule = "CLS-85"
            why = f"cotton {cotton} % < 85, mixed mainly with man-made fibres"
        else:
            heading = "5212"
            rule = "CLS-85"
            why = f"cotton {cotton} % < 85, not mainly with man-made fibres"
        self._set(4, heading, rule, why)
        finish = self.finish()
        f = _FINISH_DIGIT[finish]
        if heading == "5212":
            self._set(6, f"5212{1 if light else 2}{f}", "CLS-FINISH-WEAVE", finish.value)
            return
        weave = self.need(self.spec.weave, "weave")
        twill = weave in (Weave.TWILL, Weave.DENIM)
        plain = weave is Weave.PLAIN
        rule = "CLS-FINISH-WEAVE"
        if heading == "5208":
            if plain:
                last = 1 if gsm <= 100 else 2
                rule = "CLS-WEIGHT"
            elif twill and finish is not Finish.PRINTED:
                last = 3
            else:
                last = 9
            sub = f"5208{f}{last}"
            if plain:
                why = f"plain weave, {gsm} g/m² {'<=' if gsm <= 100 else '>'} 100"
            else:
                why = f"{finish.value}, {weave.value}"
            self._set(6, sub, rule, why)
            return
        if heading == "5209":
            if finish is Finish.YARN_DYED:
                last = {Weave.PLAIN: 1, Weave.DENIM: 2, Weave.TWILL: 3}.get(weave, 9)
            else:
                last = 1 if plain else 2 if twill else 9
            self._set(6, f"5209{f}{last}", rule, f"{finish.value}, {weave.value}")
            return
        if heading == "5210":
            twill_split = finish is Finish.DYED
            last = 1 if plain else 2 if (twill and twill_split) else 9
            self._set(6, f"5210{f}{last}", rule, f"{finish.value}, {weave.value}")
            return
        # 5211
        if finish is Finish.BLEACHED:
            self._set(6, "521120", rule, "bleached")
            return
        if finish is Finish.YARN_DYED:
            last = {Weave.PLAIN: 1, Weave.DENIM: 2, Weave.TWILL: 3}.get(weave, 9)
        else:
            last = 1 if plain else 2 if twill else 9
        self._set(6, f"5211{f}{last}", rule, f"{finish.value}, {weave.value}")

    # Chapter 54 -------------------------------------------------------------------------
    def _filament(
        self, shares: dict[str, Decimal], fil: dict[str, Decimal], stp: dict[str, Decimal]
    ) -> None:
        # Note 2(B)(b): the heading within chapter 54 by its own materials (filaments) only.
        syn = _group_total(fil, FibreGroup.SYNTHETIC)
        art = _group_total(fil, FibreGroup.ARTIFICIAL)
        if art >= syn:  # tie: 5408 occurs last
            self._set(4, "5408", "CLS-PREDOMINANT", f"artificial {art} % >= synthetic {syn} %")
            finish = self.finish()
            block = 2 if art >= _85 else 3
            rule = "CLS-85"
            self._set(6, f"5408{block}{_FINISH4[finish]}", rule, f"artificial filament {art} %")
            return
        self._set(4, "5407", "CLS-PREDOMINANT", f"synthetic {syn} % > artificial {art} %")
        pa = fil.get("polyamide", Decimal(0))
        pes = fil.get("polyester", Decimal(0))
        if pa >= _85:
            finish = self.finish()
            self._set(6, f"54074{_FINISH4[finish]}", "CLS-85", f"polyamide {pa} % >= 85")
        elif pes >= _85:
            tex = self._textured_share(pes)
            if tex >= _85:
                finish = self.finish()
                self._set(
                    6, f"54075{_FINISH4[finish]}", "CLS-85", f"textured polyester {tex} % >= 85"
                )
            elif pes - tex >= _85:
                self._set(6, "540761", "CLS-85", f"non-textured polyester {pes - tex} % >= 85")
            else:
                self._set(
                    6,
                    "540769",
                    "CLS-85",
                    f"polyester {pes} % >= 85, neither textured ({tex} %) nor non-textured "
                    f"({pes - tex} %) reaches 85",
                )
        elif syn >= _85:
            finish = self.finish()
            self._set(6, f"54077{_FINISH4[finish]}", "CLS-85", f"synthetic {syn} % >= 85")
        else:
            finish = self.finish()
            # Every material but the synthetic filaments, counted as Note 2(B)(d) counts them:
            # the artificial filaments of 5408 as one, the man-made staple fibres of chapter 55
            # as one (apart from the same polymer's filament), each natural chapter as one.
            others = _natural_materials(shares)
            _add(others, _ART_FIL, _group_total(fil, FibreGroup.ARTIFICIAL))
            _add(others, _STAPLE, sum(stp.values(), Decimal(0)))
            block = 8 if _mainly(others, "cotton") else 9
            self._set(
                6,
                f"5407{block}{_FINISH4[finish]}",
                "CLS-85",
                f"synthetic filament {syn} % < 85, {'mainly cotton' if block == 8 else 'other'}",
            )

    def _textured_share(self, pes: Decimal) -> Decimal:
        """Textured polyester filament, % of the fabric: the share when given, else all of the
        polyester (textured) or none of it (not textured); asked when neither is given."""
        share = self.spec.textured_percent
        if share is None:
            return pes if self.need(self.spec.textured, "textured") else Decimal(0)
        if share > pes:
            raise _Ask("textured")  # more textured polyester than polyester: not a fabric
        return share

    # Chapter 55 -------------------------------------------------------------------------
    def _staple(
        self, shares: dict[str, Decimal], fil: dict[str, Decimal], stp: dict[str, Decimal]
    ) -> None:
        # Note 2(B)(b): the heading within chapter 55 by its own materials (staple) only.
        syn = _group_total(stp, FibreGroup.SYNTHETIC)
        art = _group_total(stp, FibreGroup.ARTIFICIAL)
        filament = sum(fil.values(), Decimal(0))
        if art >= syn:  # tie: 5516 occurs last
            self._artificial_staple(shares, stp, filament, art, syn)
            return
        synthetics = _syn(stp)
        main_syn = max(sorted(synthetics), key=lambda k: synthetics[k])
        pes = stp.get("polyester", Decimal(0))
        acr = stp.get("acrylic", Decimal(0))
        # Every material but the synthetic staple, counted as Note 2(B)(d) counts them: the
        # man-made filaments of chapter 54 as one (5515.12/.21/.91, 5516.2x name them so), the
        # artificial staple fibres of heading 5516 as one, each natural chapter as one.
        others = _natural_materials(shares)
        _add(others, _ART_STP, art)
        _add(others, _FILAMENTS, filament)
        if syn >= _85:
            self._set(4, "5512", "CLS-85", f"synthetic staple {syn} % >= 85")
            finish = self.finish()
            grey = finish in (Finish.UNBLEACHED, Finish.BLEACHED)
            block = 1 if pes >= _85 else 2 if acr >= _85 else 9
            self._set(
                6, f"5512{block}{1 if grey else 9}", "CLS-85", f"polyester {pes} %, acrylic {acr} %"
            )
            return
        if _mainly(others, "cotton"):
            gsm = self.need(self.spec.gsm, "gsm")
            light = gsm <= 170
            heading = "5513" if light else "5514"
            self._set(
                4,
                heading,
                "CLS-85",
                f"synthetic {syn} % < 85 mainly with cotton, {gsm} g/m² "
                f"{'<=' if light else '>'} 170",
            )
            finish = self.finish()
            polyester = main_syn == "polyester"
            weave = self.need(self.spec.weave, "weave")
            plain = weave is Weave.PLAIN
            twill = weave in (Weave.TWILL, Weave.DENIM)
            self._set(
                6,
                _cotton_mix(heading, finish, polyester, plain, twill),
                "CLS-FINISH-WEAVE",
                f"{finish.value}, {weave.value}, main {main_syn}",
            )
            return
        self._set(4, "5515", "CLS-85", f"synthetic {syn} % < 85, not mainly with cotton")
        with_fil = main_syn != "polyester" and _mainly(others, _FILAMENTS)
        # 5515.11 names viscose rayon staple on its own: weighed apart from the other
        # artificial staple fibres.
        sub_others = dict(others)
        viscose = stp.get("viscose", Decimal(0))
        if viscose:
            sub_others.pop(_ART_STP)
            _add(sub_others, "viscose", viscose)
            _add(sub_others, "other " + _ART_STP, art - viscose)
        if main_syn == "polyester":
            if _mainly(sub_others, "viscose"):
                sub = "551511"
            elif _mainly(sub_others, _FILAMENTS):
                with_fil = True
                sub = "551512"
            elif _mainly(sub_others, "wool"):
                sub = "551513"
            else:
                sub = "551519"
        elif main_syn == "acrylic":
            sub = "551521" if with_fil else "551522" if _mainly(others, "wool") else "551529"
        else:
            sub = "551591" if with_fil else "551599"
        rule = "CLS-FIL-STAPLE" if with_fil else "CLS-PREDOMINANT"
        self._set(6, sub, rule, f"main synthetic {main_syn}, mixed with {others}")

    def _artificial_staple(
        self,
        shares: dict[str, Decimal],
        stp: dict[str, Decimal],
        filament: Decimal,
        art: Decimal,
        syn: Decimal,
    ) -> None:
        self._set(4, "5516", "CLS-PREDOMINANT", f"artificial {art} % >= synthetic {syn} %")
        finish = self.finish()
        if art >= _85:
            self._set(6, f"55161{_FINISH4[finish]}", "CLS-85", f"artificial {art} % >= 85")
            return
        # The other materials as Note 2(B)(d) counts them: the synthetic staple fibres of
        # 5512-5515 as one, the man-made filaments as one, each natural chapter as one.
        others = _natural_materials(shares)
        _add(others, _SYN_STP, syn)
        _add(others, _FILAMENTS, filament)
        if _mainly(others, _FILAMENTS):
            block, rule = 2, "CLS-FIL-STAPLE"
        else:
            block = 3 if _mainly(others, "wool") else 4 if _mainly(others, "cotton") else 9
            rule = "CLS-85"
        self._set(6, f"5516{block}{_FINISH4[finish]}", rule, f"artificial {art} % < 85, {others}")

    # Chapter 60 -------------------------------------------------------------------------
    def _knitted(self, shares: dict[str, Decimal]) -> None:
        spec = self.spec
        self._set(2, "60", "CLS-CONSTRUCTION", "knitted or crocheted")
        if spec.insecticide:
            raise _Out(
                "insecticide-treated fabric (Chapter 60 subheading note 1, 6005.35): "
                "yarn decitex not modelled"
            )
        pile = self.need(spec.pile, "pile")
        if pile is not Pile.NONE:
            self._set(4, "6001", "CLS-KNIT", f"pile fabric ({pile.value})")
            if pile is Pile.LONG:
                self._set(6, "600110", "CLS-KNIT", '"long" pile')
                return
            m = self._knit_material(shares, split_manmade=False)
            last = {"cotton": 1, "manmade": 2}.get(m, 9)
            block = 2 if pile is Pile.LOOPED else 9
            self._set(6, f"6001{block}{last}", "CLS-PREDOMINANT", f"{pile.value} pile, of {m}")
            return
        narrow = self.need(self._narrow(), "width_cm")
        width = (
            f"{spec.width_cm}"
            if spec.width_cm is not None
            else ("stated as over 30" if spec.width_over_30 else "stated as not over 30")
        )
        rubber = sum(
            (p for k, p in shares.items() if FIBRES[k].group is FibreGroup.RUBBER), Decimal(0)
        )
        elastomeric = spec.elastomeric_percent
        if elastomeric is None:
            elastomeric = shares.get("elastane", Decimal(0))
        elastic = elastomeric + rubber >= _5
        why = (
            f"width {width} cm {'<=' if narrow else '>'} 30, elastomeric {elastomeric} % "
            f"+ rubber {rubber} % {'>=' if elastic else '<'} 5"
        )
        if elastic:
            heading = "6002" if narrow else "6004"
            self._set(4, heading, "CLS-KNIT", why)
            only_elastomeric = elastomeric >= _5 and not rubber
            sub = f"{heading}{'40' if narrow else '10'}" if only_elastomeric else f"{heading}90"
            self._set(
                6,
                sub,
                "CLS-KNIT",
                "5 % or more elastomeric yarn, no rubber thread" if only_elastomeric else "other",
            )
            return
        if narrow:
            self._set(4, "6003", "CLS-KNIT", why)
            m = self._knit_material(shares, split_manmade=True)
            digit = {"wool": 1, "cotton": 2, "synthetic": 3, "artificial": 4}.get(m, 9)
            self._set(6, f"6003{digit}0", "CLS-PREDOMINANT", f"of {m}")
            return
        knit = self.need(spec.knit, "knit")
        heading = "6005" if knit is KnitType.WARP else "6006"
        self._set(4, heading, "CLS-KNIT", f"{why}; {knit.value} knit")
        m = self._knit_material(shares, split_manmade=True)
        if heading == "6006" and m == "wool":
            self._set(6, "600610", "CLS-PREDOMINANT", "of wool")
            return
        block = {"cotton": 2, "synthetic": 3, "artificial": 4}.get(m)
        if block is None:
            self._set(6, f"{heading}90", "CLS-PREDOMINANT", f"of {m}")
            return
        finish = self.finish()
        last = _FINISH4[finish]
        if heading == "6005" and block == 3:
            last += 5  # HS 2017: 6005.35 (subheading note 1), then .36-.39 by finish
        self._set(6, f"{heading}{block}{last}", "CLS-FINISH-WEAVE", f"of {m}, {finish.value}")

    def _knit_material(self, shares: dict[str, Decimal], *, split_manmade: bool) -> str:
        """The material a knitted fabric is "of" (Section XI subheading note 2(A): the one Note
        2 would select for a fabric of chapters 50-55 of the same materials; rubber thread is
        not a textile material): wool, cotton, manmade (or synthetic / artificial), other."""
        textile = {k: p for k, p in shares.items() if FIBRES[k].group is not FibreGroup.RUBBER}
        if not textile:
            return "other"
        by_chapter: dict[int, Decimal] = {}
        for key, p in textile.items():
            ch = _CHAPTER[FIBRES[key].group]
            by_chapter[ch] = by_chapter.get(ch, Decimal(0)) + p
        best = max(by_chapter.values())
        chapter = max(ch for ch, p in by_chapter.items() if p == best)
        if chapter != 55:
            return {51: "wool", 52: "cotton"}.get(chapter, "other")
        if not split_manmade:
            return "manmade"
        groups = {FIBRES[k].group for k in textile} & {FibreGroup.SYNTHETIC, FibreGroup.ARTIFICIAL}
        if len(groups) == 1:
            return "synthetic" if FibreGroup.SYNTHETIC in groups else "artificial"
        # Both kinds: chapter 54 or 55 by filament against staple, then the heading within it.
        # Whatever the split, the chapter chosen holds at least half the man-made weight, so a
        # kind with a quarter of it or less cannot outweigh the other there (ties: artificial).
        manmade = _group_total(textile, FibreGroup.SYNTHETIC, FibreGroup.ARTIFICIAL)
        syn_all = _group_total(textile, FibreGroup.SYNTHETIC)
        if syn_all * 4 <= manmade:
            return "artificial"
        if (manmade - syn_all) * 4 < manmade:
            return "synthetic"
        fil, stp = self._kinds(textile)
        ftot, stot = sum(fil.values(), Decimal(0)), sum(stp.values(), Decimal(0))
        own = fil if ftot > stot else stp
        syn = _group_total(own, FibreGroup.SYNTHETIC)
        art = _group_total(own, FibreGroup.ARTIFICIAL)
        return "artificial" if art >= syn else "synthetic"


def _cotton_mix(heading: str, finish: Finish, polyester: bool, plain: bool, twill: bool) -> str:
    """Subheadings of 5513 (<= 170 g/m²) and 5514 (> 170 g/m²)."""
    grey = finish in (Finish.UNBLEACHED, Finish.BLEACHED)
    if heading == "5513":
        if grey:
            last = (1 if plain else 2 if twill else 3) if polyester else 9
            return f"55131{last}"
        if finish is Finish.DYED:
            return f"55132{(1 if plain else 3) if polyester else 9}"
        if finish is Finish.YARN_DYED:
            return f"55133{1 if polyester and plain else 9}"
        return f"55134{1 if polyester and plain else 9}"
    if grey:
        return f"55141{(1 if plain else 2 if twill else 9) if polyester else 9}"
    if finish is Finish.YARN_DYED:
        return "551430"
    block = 2 if finish is Finish.DYED else 4
    last = (1 if plain else 2 if twill else 3) if polyester else 9
    return f"5514{block}{last}"


def _material(spec: FabricSpec) -> str:
    """What a fabric is "of" for China's national splits of 6002.40 / 6004.10: wool, cotton,
    silk, synthetic, artificial or other (Section XI subheading note 2(A), as for chapter 60)."""
    cl = _Classifier(spec)
    shares = _shares(spec.composition)
    material = cl._knit_material(shares, split_manmade=True)
    if material == "other":
        silk = _group_total(shares, FibreGroup.SILK)
        if silk and all(
            silk >= _group_total(shares, g) for g in FibreGroup if g != FibreGroup.SILK
        ):
            material = "silk"
    return material


def classify(spec: FabricSpec) -> Classification:
    """The HS subheading of a woven or knitted fabric, or the attributes to ask for, or why not;
    with China's 10-digit code where the transcribed rows decide it."""
    r = _Classifier(spec).run()
    if r.code and not r.ask:
        finish = effective_finish(spec.finish).value if spec.finish else None
        try:
            material: str | None = _material(spec)
        except _Ask:
            material = None
        n = national(r.code, finish=finish, material=material)
        r.code10, r.ask10, r.candidates10, r.note10 = n.code, n.ask, n.candidates, n.note
        if n.code:
            r.trace.append(f"{n.code}: the transcribed China tariff row under {r.code}")
    return r
