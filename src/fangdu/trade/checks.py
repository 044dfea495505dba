"""The pre-check: findings per line and per declaration group, each under one rule ID."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import list_currencies

from fangdu.errors import InputError
from fangdu.trade.classify import Classification, classify
from fangdu.trade.exclusions import ExclusionList, load_exclusions
from fangdu.trade.fibres import FIBRES
from fangdu.trade.models import Component, FabricSpec, Finding, Labelling, Line, TradeSettings
from fangdu.trade.rules import rule
from fangdu.trade.tariff import (
    CHAPTERS_COVERED,
    ELEMENTS,
    complete_subheadings,
    covered,
    legal_units,
    national_row,
    required_elements,
    rows_under,
    subheadings,
    superseded,
)
from fangdu.trade.uscc import is_valid

__all__ = [
    "CheckReport",
    "LineResult",
    "check_lines",
    "elements_string",
    "group_key",
    "parse_elements",
    "usd_value",
]

# CLDR territory codes that are not ISO 3166-1 assignments.
_NOT_ISO_3166 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
_CASH = frozenset({"现金", "cash", "现金结算"})
_WEIGHT_PAIRS = ({"5208", "5209"}, {"5210", "5211"}, {"5513", "5514"})
# GB 18401-2010 limits per category: formaldehyde mg/kg, pH range.
_GB18401 = {
    "A": (Decimal(20), Decimal("4.0"), Decimal("7.5")),
    "B": (Decimal(75), Decimal("4.0"), Decimal("8.5")),
    "C": (Decimal(300), Decimal("4.0"), Decimal("9.0")),
}
_AZO_LIMIT = Decimal(30)


@cache
def _countries() -> frozenset[str]:
    terr = Locale("en").territories
    return frozenset(k for k in terr if len(k) == 2 and k.isalpha()) - _NOT_ISO_3166


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@dataclass(slots=True)
class LineResult:
    ref: str
    declared_code: str
    derived: Classification
    elements: str  # the 申报要素 string in the code's order
    usd: Decimal | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def derived_code(self) -> str | None:
        return self.derived.code


@dataclass(slots=True)
class CheckReport:
    lines: list[LineResult]
    groups: list[Finding]  # per declaration group

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.lines for f in r.findings] + self.groups

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for f in self.findings:
            out[f.rule] += 1
        return dict(sorted(out.items()))


def finding(rule_id: str, where: str, detail: str = "") -> Finding:
    r = rule(rule_id)
    return Finding(
        rule=r.id,
        severity=r.severity,
        zh=r.zh,
        en=r.en,
        clause=r.clause,
        where=where,
        detail=detail,
    )


def group_key(line: Line) -> tuple[str, str, str, str]:
    """Lines that may share a declaration: operator × purchaser × destination × sailing."""
    return (
        line.operator.uscc,
        f"{line.purchaser.name}|{line.purchaser.id_number}",
        line.destination,
        line.sailing,
    )


def usd_value(line: Line, settings: TradeSettings) -> Decimal:
    rate = settings.usd_rates.get(line.currency)
    if rate is None:
        raise InputError(
            f"没有{line.currency}兑美元汇率 / no USD rate for {line.currency}: "
            f"give the rate of the day (--rate {line.currency}=...)"
        )
    return line.amount * rate


def parse_elements(text: str) -> dict[str, str]:
    """ "品名:涤纶布|幅宽:150cm" → {name: value}; values may be empty."""
    out: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        key, _, value = part.replace("：", ":").partition(":")
        out[key.strip()] = value.strip()
    return out


def _composition_text(parts: Iterable[Component]) -> str:
    return "/".join(
        f"{FIBRES[c.fibre].zh if c.fibre else c.name}{c.percent.normalize():f}%" for c in parts
    )


def elements_string(line: Line) -> str:
    """The 申报要素 in ELEMENTS order: given values first, the spec's where none was given."""
    given = parse_elements(line.elements)
    spec = line.spec
    derived = {
        "品名": line.name,
        "织造方法": {"woven": "机织", "knitted": "针织"}.get(spec.construction or "", ""),
        "染整方法": {
            "unbleached": "本色",
            "bleached": "漂白",
            "dyed_white": "漂白",  # the HS counts dyed white as bleached
            "dyed": "染色",
            "yarn_dyed": "色织",
            "printed": "印花",
        }.get(spec.finish or "", ""),
        "成分含量": _composition_text(spec.composition),
        "幅宽": f"{spec.width_cm.normalize():f}cm" if spec.width_cm is not None else "",
        "克重": f"{spec.gsm.normalize():f}g/m2" if spec.gsm is not None else "",
        "组织结构": {"plain": "平纹", "twill": "斜纹", "denim": "斜纹", "other": "其他"}.get(
            spec.weave or "", ""
        ),
    }
    # 组织结构 is written when the code's transcribed 申报要素 list names it.
    layout = ELEMENTS + tuple(k for k in required_elements(line.declared_code) if k not in ELEMENTS)
    return "|".join(f"{k}:{given.get(k) or derived[k]}" for k in layout)


# Which rule decides the 5th and the 6th digit of each covered heading.
_FW, _85R, _WT, _PR = "CLS-FINISH-WEAVE", "CLS-85", "CLS-WEIGHT", "CLS-PREDOMINANT"
_DIGIT5 = {
    "5208": _FW,
    "5209": _FW,
    "5210": _FW,
    "5211": _FW,
    "5212": _WT,
    "5309": _85R,
    "5310": _FW,
    "5311": _PR,
    "5513": _FW,
    "5514": _FW,
    "5407": _85R,
    "5408": _85R,
    "5512": _85R,
    "5515": _PR,
    "5516": _85R,
    "6001": "CLS-KNIT",  # looped pile / other pile
    "6002": "CLS-KNIT",
    "6003": _PR,
    "6004": "CLS-KNIT",
    "6005": _PR,  # the 5th digit is the fibre, the 6th the finish
    "6006": _PR,
}


def _mismatch_rule(declared: str, derived: str) -> str:
    """The rule whose decision the declared code contradicts, at the first digit that differs."""
    d2, c2 = declared[:2], derived[:2]
    if d2 != c2:
        if {d2, c2} <= {"54", "55"} or "60" in (d2, c2):
            return "CLS-CONSTRUCTION"
        return _PR
    if declared[:4] != derived[:4]:
        if c2 == "53":
            return _PR  # chapter 53's headings go by the predominant fibre (Note 2(B)(b))
        if c2 == "60":
            return "CLS-KNIT"  # pile, width 30 cm, elastomeric 5 %, warp or weft
        return _WT if {declared[:4], derived[:4]} in _WEIGHT_PAIRS else _85R
    heading = derived[:4]
    if declared[4] != derived[4]:
        return _DIGIT5.get(heading, _FW)
    if heading == "5208" and {declared[5], derived[5]} == {"1", "2"}:
        return _WT  # plain weave, 100 g/m² split
    if heading == "5407" and derived[4] == "6":
        return _85R  # 5407.61 / .69: 85 % non-textured polyester filaments
    if heading == "5515" or heading in ("6001", "6003"):
        return _PR
    if heading in ("6002", "6004"):
        return "CLS-KNIT"  # rubber thread or not
    return _FW


def _classification(line: Line, out: list[Finding]) -> Classification:
    code, ref = line.declared_code, line.ref
    spec = line.spec
    total = sum((c.percent for c in spec.composition), Decimal(0))
    if total != 100:
        out.append(
            finding(
                "CLS-COMP-SUM",
                ref,
                f"{_composition_text(spec.composition)} = {total.normalize():f} %",
            )
        )
    for c in spec.composition:
        if c.fibre is None:
            out.append(finding("CLS-FIBRE-UNKNOWN", ref, c.name))
        elif not c.standard:
            out.append(finding("CLS-FIBRE-ALIAS", ref, f"{c.name} → {FIBRES[c.fibre].zh}"))
    if len(code) != 10 or not code.isdigit():
        out.append(finding("TAR-FORMAT", ref, code))
    in_scope = code[:2] in CHAPTERS_COVERED and covered(code)
    absent = in_scope and code[:6] not in subheadings()
    if absent:
        # A subheading an HS edition deleted: name the edition and the successor (the code
        # is still absent from the tariff year, so the finding stands).
        old = superseded(code)
        detail = (
            f"{code}: {old['edition']} 删除/deleted, 现为/now {old['successor']}"
            + (f" ({old['except']})" if old.get("except") else "")
            if old
            else code
        )
        out.append(finding("TAR-ABSENT", ref, detail))
    elif in_scope and code[:6] in complete_subheadings() and not national_row(code):
        # Every 10-digit row of this subheading was read: the code is not one of them.
        rows = ", ".join(sorted(rows_under(code[:6])))
        out.append(finding("TAR-ABSENT", ref, f"{code}: {code[:6]} 下仅有/has only {rows}"))
    c = classify(spec)
    # Woven vs knitted is judged (60 against 52/54/55); other Section XI headings (pile,
    # special, technical fabrics) are not modelled, so a code there is not second-guessed.
    judged = in_scope or code[:2] == "60"
    if c.out_of_scope or not judged:
        out.append(finding("CLS-OUT-OF-SCOPE", ref, c.out_of_scope or code))
        return c
    if c.ask:
        if total == 100 and all(x.fibre for x in spec.composition):
            out.append(
                finding(
                    "CLS-ASK",
                    ref,
                    ", ".join(c.ask) + (f" (heading {c.heading})" if c.heading else ""),
                )
            )
        return c
    if c.code10 and code[:6] == c.code and code != c.code10 and national_row(code):
        # The declared code is a row of the same subheading, but not the one the attributes
        # select (an unknown code is TAR-ABSENT above).
        why = "; ".join(c.trace)
        out.append(finding("TAR-NATIONAL", ref, f"declared {code}, derived {c.code10}: {why}"))
    if c.code and code[:6] != c.code and not absent and len(code) >= 6:
        out.append(
            finding(
                # a fabric mixing filament and staple: the reading of the mix is contradicted
                "CLS-FIL-STAPLE"
                if "CLS-FIL-STAPLE" in c.decided_by.values() and code[:2] in ("54", "55")
                else _mismatch_rule(code, c.code),
                ref,
                f"declared {code}, derived {c.code}: {'; '.join(c.trace)}",
            )
        )
    return c


def _labelling(line: Line, out: list[Finding]) -> None:
    ref = line.ref
    label = line.label or line.spec.composition
    total = sum((c.percent for c in label), Decimal(0))
    if total != 100:
        out.append(finding("LAB-SUM", ref, f"{total.normalize():f} %"))
    lab = line.lab
    if lab is not None and lab.composition:
        tested: dict[str | None, Decimal] = defaultdict(Decimal)
        for c in lab.composition:
            tested[c.fibre] += c.percent
        off = []
        for c in label:
            t = tested.get(c.fibre, Decimal(0))
            limit = Decimal(3) if c.percent <= 10 else Decimal(5)
            if abs(c.percent - t) > limit or (c.percent <= 3 and t == 0):
                off.append(f"{c.name}: label {c.percent} %, tested {t} %")
        if off:
            out.append(finding("LAB-TOLERANCE", ref, "; ".join(off)))
    if line.labelling is Labelling.CN and lab is not None and lab.category:
        limits = _GB18401.get(lab.category.upper())
        if limits is None:
            out.append(finding("LAB-GB18401", ref, f"unknown category {lab.category}"))
        else:
            fmax, ph_lo, ph_hi = limits
            if lab.formaldehyde_mg_kg is not None and lab.formaldehyde_mg_kg > fmax:
                out.append(
                    finding(
                        "LAB-GB18401",
                        ref,
                        f"formaldehyde {lab.formaldehyde_mg_kg}"
                        f" mg/kg > {fmax} (category {lab.category})",
                    )
                )
            if lab.ph is not None and not ph_lo <= lab.ph <= ph_hi:
                out.append(finding("LAB-GB18401", ref, f"pH {lab.ph} outside {ph_lo}-{ph_hi}"))
    if line.labelling is Labelling.EU:
        annex = {f.eu for f in FIBRES.values()}
        bad = [c.name for c in label if c.name.lower() not in annex]
        if bad:
            out.append(finding("LAB-EU-NAMES", ref, ", ".join(bad)))
        if lab is not None and lab.azo_mg_kg is not None and lab.azo_mg_kg > _AZO_LIMIT:
            out.append(finding("LAB-AZO", ref, f"{lab.azo_mg_kg} mg/kg > 30"))


def check_line(line: Line, settings: TradeSettings, exclusions: ExclusionList) -> LineResult:
    out: list[Finding] = []
    ref = line.ref
    c = _classification(line, out)
    spec: FabricSpec = line.spec
    # Regime
    if not line.confirmed:
        out.append(finding("REG-EXCL-PLATFORM", ref))
    if line.excluded:
        out.append(finding("REG-EXCL-AUTH", ref))
    listed = exclusions.match(line.declared_code)
    if listed:
        out.append(finding("REG-EXCL-LIST", ref, f"{listed} (list of {exclusions.as_of})"))
    if line.settlement.strip().lower() in _CASH:
        out.append(finding("REG-CASH", ref, line.settlement))
    if not (line.operator.registered and line.operator.consignor):
        out.append(finding("REG-OPERATOR", ref, line.operator.name))
    if not line.purchaser.id_number.strip():
        out.append(finding("REG-PURCHASER", ref, line.purchaser.name))
    usd: Decimal | None = None
    if line.currency in _currencies():
        usd = usd_value(line, settings)
        if usd > settings.cap_usd:
            parts = math.ceil(usd / settings.cap_usd)
            out.append(
                finding(
                    "REG-CAP-LINE",
                    ref,
                    f"US${usd:,.2f} > US${settings.cap_usd:,}: split into {parts} "
                    f"lines of about {(line.metres / parts).quantize(Decimal(1))} m",
                )
            )
    else:
        out.append(finding("CON-CURRENCY", ref, line.currency))
    # Consistency
    if line.net_kg > line.gross_kg:
        out.append(finding("CON-NET-GROSS", ref, f"net {line.net_kg} > gross {line.gross_kg}"))
    if spec.width_cm is not None and spec.gsm is not None and line.net_kg > 0:
        expected = line.metres * spec.width_cm / 100 * spec.gsm / 1000
        if abs(expected - line.net_kg) > settings.weight_tolerance * line.net_kg:
            out.append(
                finding(
                    "CON-WEIGHT",
                    ref,
                    f"{line.metres} m × {spec.width_cm} cm × "
                    f"{spec.gsm} g/m² = {expected:.1f} kg, net {line.net_kg} kg",
                )
            )
    if line.rolls:
        total = sum((r.metres for r in line.rolls), Decimal(0))
        if abs(total - line.metres) > settings.roll_tolerance_m:
            out.append(finding("CON-ROLLS", ref, f"rolls {total} m, line {line.metres} m"))
    for where, code in (
        ("destination", line.destination),
        ("purchaser nationality", line.purchaser.nationality),
    ):
        if code not in _countries():
            out.append(finding("CON-COUNTRY", ref, f"{where}: {code}"))
    for who, code in (("merchant", line.merchant.uscc), ("operator", line.operator.uscc)):
        if not is_valid(code):
            out.append(finding("CON-USCC", ref, f"{who}: {code}"))
    elements = elements_string(line)
    # A given 申报要素 string is checked as given; the full one is the suggested fix.
    values = parse_elements(line.elements) if line.elements.strip() else parse_elements(elements)
    missing = [k for k in required_elements(line.declared_code) if not values.get(k)]
    if missing:
        out.append(finding("TAR-ELEMENTS", ref, "、".join(missing)))
    units = legal_units(line.declared_code)
    if units:
        # The code's legal units (transcribed) against the quantities the line declares.
        carried = {"米": line.metres > 0, "千克": line.net_kg > 0}
        gaps = [u for u in units if not carried.get(u, False)]
        if gaps:
            detail = (
                f"{line.declared_code}: {'/'.join(units)}, 未申报/not declared {'/'.join(gaps)}"
            )
            out.append(finding("TAR-UNITS", ref, detail))
    if line.labelling is not Labelling.NONE:
        _labelling(line, out)
    return LineResult(
        ref=ref,
        declared_code=line.declared_code,
        derived=c,
        elements=elements,
        usd=usd,
        findings=out,
    )


def check_lines(
    lines: Sequence[Line],
    settings: TradeSettings | None = None,
    exclusions: ExclusionList | None = None,
) -> CheckReport:
    settings = settings or TradeSettings()
    exclusions = exclusions or load_exclusions()
    results = [check_line(line, settings, exclusions) for line in lines]
    groups: list[Finding] = []
    by_group: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for line in lines:
        by_group[group_key(line)].add(line.currency)
    for key, currencies in by_group.items():
        if len(currencies) > 1:
            groups.append(
                finding("REG-ONE-CURRENCY", " / ".join(key), ", ".join(sorted(currencies)))
            )
    return CheckReport(lines=results, groups=groups)
