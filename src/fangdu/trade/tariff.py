"""The tariff rows this context knows, and the 申报要素 layout it writes.

Rows: HS 6-digit subheadings of woven fabrics of headings 5208-5212, 5309-5311, 5407-5408 and
5512-5516,
read from data/hs_woven.json, and of knitted fabrics of headings 6001-6006 from
data/hs_knitted.json (each file's "source" names where they come from; JSON so that the
package data travels with a wheel). Codes of other chapters get format
and 申报要素 checks only (rule CLS-OUT-OF-SCOPE). China's 10-digit rows for part of the fabric
headings are in data/cn_tariff_fabric.json (third-party copies of the tariff, each row with its
source page; see national()); where a row's legal units or 申报要素 were not legible, the legal
units 米/千克 below (the ones issue 18 states for fabrics) and the draft element layout stand, and
duty/inspection default to none, overridable per line.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

__all__ = [
    "CHAPTERS_COVERED",
    "ELEMENTS",
    "HEADINGS_COVERED",
    "LEGAL_UNITS",
    "National",
    "covered",
    "description",
    "legal_units",
    "national",
    "national_row",
    "required_elements",
    "subheadings",
    "superseded",
]

HEADINGS_COVERED = frozenset(
    {
        "5208",
        "5209",
        "5210",
        "5211",
        "5212",
        "5309",
        "5310",
        "5311",
        "5407",
        "5408",
        "5512",
        "5513",
        "5514",
        "5515",
        "5516",
        "6001",
        "6002",
        "6003",
        "6004",
        "6005",
        "6006",
    }
)
CHAPTERS_COVERED = frozenset({"52", "53", "54", "55", "60"})

# Our layout of the 申报要素 for woven fabric: issue 18 requires 克重 and 幅宽 among them; the
# order and the other names are a draft, not transcribed from the 规范申报目录 (docs/TRADE.md).
ELEMENTS: tuple[str, ...] = ("品名", "织造方法", "染整方法", "成分含量", "幅宽", "克重")
REQUIRED_ELEMENTS: tuple[str, ...] = ("成分含量", "幅宽", "克重")
LEGAL_UNITS: tuple[str, str] = ("米", "千克")


@functools.cache
def subheadings() -> dict[str, str]:
    """6-digit code → abridged description (woven fabrics, then knitted fabrics)."""
    out: dict[str, str] = {}
    for name in ("hs_woven.json", "hs_knitted.json"):
        text = files("fangdu.trade").joinpath(f"data/{name}").read_text(encoding="utf-8")
        out.update(json.loads(text)["subheadings"])
    return out


def covered(code: str) -> bool:
    """Whether the code's heading is one whose subheadings are transcribed."""
    return code[:4] in HEADINGS_COVERED


def description(code: str) -> str | None:
    return subheadings().get(code[:6])


@functools.cache
def _deleted() -> dict[str, dict[str, str]]:
    text = files("fangdu.trade").joinpath("data/hs_editions.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["deleted"])


def superseded(code: str) -> dict[str, str] | None:
    """For a subheading a later HS edition deleted (data/hs_editions.json): the edition that
    deleted it, the subheading that took its goods over and any exception; else None."""
    return _deleted().get(code[:6])


# China's 10-digit rows (data/cn_tariff_fabric.json): transcribed from third-party copies of the
# tariff, each with its source page; only part of each heading was readable (docs/TRADE.md).


@functools.cache
def _cn() -> dict[str, Any]:
    text = files("fangdu.trade").joinpath("data/cn_tariff_fabric.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def national_rows() -> dict[str, dict[str, Any]]:
    """10-digit code → its transcribed row."""
    return dict(_cn()["rows"])


def complete_subheadings() -> frozenset[str]:
    """6-digit subheadings whose 10-digit rows were all read (bounded in a sorted listing)."""
    return frozenset(_cn()["complete_subheadings"])


def rows_under(code6: str) -> dict[str, dict[str, Any]]:
    return {c: r for c, r in national_rows().items() if c[:6] == code6[:6]}


def national_row(code: str) -> dict[str, Any] | None:
    return national_rows().get(code)


def legal_units(code: str) -> tuple[str, ...] | None:
    """The legal units (法定第一/第二单位) of a 10-digit code as transcribed; None if not read."""
    row = national_row(code)
    units = row.get("units") if row else None
    return tuple(units) if units else None


# The 申报要素 a row's list names that this tool's layout carries, by the row's wording.
_ELEMENT_NAMES: tuple[tuple[str, str], ...] = (
    ("织造方法", "织造方法"),
    ("染整方法", "染整方法"),
    ("组织结构", "组织结构"),
    ("成分含量", "成分含量"),
    ("幅宽", "幅宽"),
    ("每平方米克重", "克重"),
)


def required_elements(code: str) -> tuple[str, ...]:
    """The elements a line under this code must give: the issue's (成分含量, 幅宽, 克重), plus
    those of the code's transcribed 申报要素 list that this layout carries (织造方法, 染整方法,
    组织结构). Elements such as 品牌类型 or 出口享惠情况 are declaration-level and not checked."""
    row = national_row(code)
    listed = row.get("elements") if row else None
    if not listed:
        return REQUIRED_ELEMENTS
    extra = [ours for theirs, ours in _ELEMENT_NAMES if any(e.startswith(theirs) for e in listed)]
    return tuple(dict.fromkeys([*REQUIRED_ELEMENTS, *extra]))


@dataclass(slots=True)
class National:
    """The 10-digit code under a 6-digit subheading, or what it turns on."""

    code: str | None = None
    ask: list[str] = field(default_factory=list)  # attributes the split turns on, not given
    candidates: list[str] = field(default_factory=list)
    note: str = ""


def national(code6: str, *, finish: str | None, material: str | None) -> National:
    """The 10-digit row under ``code6`` for a fabric of this finish and material (cotton, silk,
    synthetic, artificial, wool, other): given when the subheading's rows were all read and one
    remains, or when the row's own condition (finish, material) is met; asked when the rows
    that remain turn on an attribute the tool does not carry (e.g. 府绸 / 平布); never guessed."""
    rows = rows_under(code6)
    if not rows:
        return National(note=f"{code6}: no 10-digit row transcribed")
    complete = code6 in complete_subheadings()
    fits: list[str] = []
    positive: set[str] = set()
    for c, r in sorted(rows.items()):
        split = r.get("split", {})
        if "finish" in split:
            if finish not in split["finish"]:
                continue
            positive.add(c)
        if "material" in split:
            if material != split["material"]:
                continue
            positive.add(c)
        fits.append(c)
    if not fits:
        return National(note=f"{code6}: none of the rows read fits; listing not read to its end")
    asks = sorted({rows[c]["split"]["ask"] for c in fits if "ask" in rows[c].get("split", {})})
    if asks:
        return National(ask=asks, candidates=fits, note=f"{code6}: split on {', '.join(asks)}")
    if len(fits) == 1 and (complete or fits[0] in positive):
        return National(code=fits[0], candidates=fits)
    return National(candidates=fits, note=f"{code6}: listing not read to its end")
