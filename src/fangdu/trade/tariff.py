"""The tariff rows this context knows, and the 申报要素 layout it writes.

Rows: HS 6-digit subheadings of woven fabrics of headings 5208-5212, 5309-5311, 5407-5408 and
5512-5516,
read from data/hs_woven.json, and of knitted fabrics of headings 6001-6006 from
data/hs_knitted.json (each file's "source" names where they come from; JSON so that the
package data travels with a wheel). Codes of other chapters get format
and 申报要素 checks only (rule CLS-OUT-OF-SCOPE). China's 8+2-digit splits, legal units per
code, export duty and inspection class are not transcribed: the legal units 米/千克 below are
the ones issue 18 states for fabrics, and duty/inspection default to none, overridable per line.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files

__all__ = [
    "CHAPTERS_COVERED",
    "ELEMENTS",
    "HEADINGS_COVERED",
    "LEGAL_UNITS",
    "covered",
    "description",
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
