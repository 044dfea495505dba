"""Declaration items, and the simplified declaration (rules REG-SIMPLIFIED, -EXCL).

With ``simplified_min_varieties`` (5) or more varieties, the ``top_listed`` (5) highest-value
goods are listed one by one in descending value; the rest are merged per tariff chapter under
the code of that chapter's highest-value item, quantities and values summed, and the mapping
kept. Goods with export duty or export inspection (class N) are never merged. Each item
carries the declaration's three quantity rows: first and second legal quantity (米, 千克, as
issue 18 states for fabric) and the transaction quantity (metres).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from fangdu.trade.checks import elements_string
from fangdu.trade.models import Line, TradeSettings
from fangdu.trade.tariff import LEGAL_UNITS

__all__ = ["DeclarationItem", "declaration_items"]


@dataclass(slots=True)
class DeclarationItem:
    no: int
    code: str
    name: str
    elements: str
    legal_qty1: Decimal  # 米
    legal_qty2: Decimal  # 千克 (net)
    deal_qty: Decimal  # 成交数量, 米
    amount: Decimal
    merged_from: list[tuple[str, str]] = field(default_factory=list)  # (line ref, its code)
    rule: str = ""  # REG-SIMPLIFIED when merged, REG-SIMPLIFIED-EXCL when kept apart by it
    units: tuple[str, str] = LEGAL_UNITS


def _item(lines: Sequence[Line], rule: str = "") -> DeclarationItem:
    head = lines[0]  # the highest-value line names and codes the item
    return DeclarationItem(
        no=0,
        code=head.declared_code,
        name=head.name,
        elements=elements_string(head),
        legal_qty1=sum((ln.metres for ln in lines), Decimal(0)),
        legal_qty2=sum((ln.net_kg for ln in lines), Decimal(0)),
        deal_qty=sum((ln.metres for ln in lines), Decimal(0)),
        amount=sum((ln.amount for ln in lines), Decimal(0)),
        merged_from=[(ln.ref, ln.declared_code) for ln in lines] if len(lines) > 1 else [],
        rule=rule,
    )


def declaration_items(
    lines: Sequence[Line], settings: TradeSettings
) -> tuple[list[DeclarationItem], bool]:
    """The items of one declaration and whether the simplified form applied."""
    ordered = sorted(lines, key=lambda ln: (-ln.amount, ln.ref))
    if len(ordered) < settings.simplified_min_varieties:
        items = [_item([ln]) for ln in ordered]
        simplified = False
    else:
        simplified = True
        items = [_item([ln]) for ln in ordered[: settings.top_listed]]
        by_chapter: dict[str, list[Line]] = {}
        rest: list[DeclarationItem] = []
        for ln in ordered[settings.top_listed :]:
            if any(ln.declared_code.startswith(p) for p in settings.no_merge_prefixes):
                rest.append(_item([ln], "REG-SIMPLIFIED-EXCL"))
            else:
                by_chapter.setdefault(ln.declared_code[:2], []).append(ln)
        rest += [_item(group, "REG-SIMPLIFIED") for group in by_chapter.values()]
        items += sorted(rest, key=lambda it: (-it.amount, it.code))
    for no, it in enumerate(items, start=1):
        it.no = no
    return items, simplified
