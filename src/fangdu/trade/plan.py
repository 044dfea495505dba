"""From checked lines to declarations and containers.

Lines that may travel and be declared together form a group (operator × purchaser ×
destination × sailing; one currency, rule REG-ONE-CURRENCY). Lines with an error finding are
held, never planned. Per group:

- containers: the packages of the group's lines, by volume (× fill factor) and payload, fewest
  containers (a line's packages may span containers);
- declarations: the lines, by USD value under the cap (REG-CAP) and at most ``max_items``
  lines each, fewest declarations (a line is never split between declarations);
- each declaration's items: listed one by one, or simplified (REG-SIMPLIFIED,
  simplified.py).

Containers and declarations are packed independently, so "fewest containers, then fewest
declarations" holds for each without trading one against the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from fangdu.errors import InputError
from fangdu.trade.binpack import pack
from fangdu.trade.checks import CheckReport, check_lines, group_key, usd_value
from fangdu.trade.models import CONTAINERS, Line, TradeSettings
from fangdu.trade.simplified import DeclarationItem, declaration_items

__all__ = ["Container", "Declaration", "Group", "Plan", "plan_lines"]


@dataclass(slots=True)
class Declaration:
    id: str
    lines: list[Line]
    usd: Decimal
    currency: str
    items: list[DeclarationItem]
    simplified: bool

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(slots=True)
class Container:
    id: str
    type: str
    packages: list[tuple[Line, int]]  # line, number of its packages in this container
    volume_m3: Decimal
    gross_kg: Decimal


@dataclass(slots=True)
class Group:
    key: tuple[str, str, str, str]
    currency: str
    declarations: list[Declaration]
    containers: list[Container]
    declarations_lower_bound: int
    containers_lower_bound: int
    declaration_method: str
    container_method: str


@dataclass(slots=True)
class Plan:
    groups: list[Group]
    held: dict[str, list[str]] = field(default_factory=dict)  # line ref → rule IDs

    @property
    def declarations(self) -> list[Declaration]:
        return [d for g in self.groups for d in g.declarations]

    @property
    def containers(self) -> list[Container]:
        return [c for g in self.groups for c in g.containers]

    def summary(self) -> dict[str, int]:
        return {
            "groups": len(self.groups),
            "declarations": len(self.declarations),
            "declarations_lower_bound": sum(g.declarations_lower_bound for g in self.groups),
            "containers": len(self.containers),
            "containers_lower_bound": sum(g.containers_lower_bound for g in self.groups),
            "lines_planned": sum(len(d.lines) for d in self.declarations),
            "lines_held": len(self.held),
        }


def _cents(x: Decimal) -> int:
    return int((x * 100).to_integral_value(ROUND_CEILING))


def _group(
    gi: int, key: tuple[str, str, str, str], lines: list[Line], settings: TradeSettings
) -> Group:
    ctype = CONTAINERS.get(settings.container)
    if ctype is None:
        raise InputError(f"未知柜型 / unknown container type: {settings.container}")
    # Containers: units are packages; litres and tenths of a kilogram as integers.
    vol_cap = int(ctype.volume_m3 * settings.fill_factor * 1000)
    wt_cap = int(ctype.payload_kg * 10)
    sizes = [
        (
            int((ln.volume_m3 / ln.packages * 1000).to_integral_value(ROUND_CEILING)),
            int((ln.gross_kg / ln.packages * 10).to_integral_value(ROUND_CEILING)),
        )
        for ln in lines
    ]
    try:
        boxes = pack(
            sizes,
            [ln.packages for ln in lines],
            (vol_cap, wt_cap),
            seconds=settings.cpsat_seconds,
            max_units_for_cpsat=settings.cpsat_max_items,
        )
    except ValueError as exc:
        raise InputError(f"单件超出柜容 / a package exceeds a container: {exc}") from None
    containers = []
    for k, content in enumerate(boxes.bins, start=1):
        pk = [(lines[t], n) for t, n in sorted(content.items())]
        containers.append(
            Container(
                id=f"C{gi:03d}-{k:02d}",
                type=ctype.code,
                packages=pk,
                volume_m3=sum((ln.volume_m3 / ln.packages * n for ln, n in pk), Decimal(0)),
                gross_kg=sum((ln.gross_kg / ln.packages * n for ln, n in pk), Decimal(0)),
            )
        )
    # Declarations: units are lines; value in cents and one item slot each.
    usd = [usd_value(ln, settings) for ln in lines]
    max_items = settings.max_items or len(lines)
    decl = pack(
        [(_cents(u), 1) for u in usd],
        [1] * len(lines),
        (_cents(settings.cap_usd), max_items),
        seconds=settings.cpsat_seconds,
        max_units_for_cpsat=settings.cpsat_max_items,
    )
    declarations = []
    # Largest first, then by first line: stable numbering for the same input.
    bins = sorted(decl.bins, key=lambda c: (-sum(usd[t] for t in c), min(c)))
    for k, content in enumerate(bins, start=1):
        idx = sorted(content)
        dl = [lines[t] for t in idx]
        total = sum((usd[t] for t in idx), Decimal(0))
        assert total <= settings.cap_usd, "REG-CAP"  # the packing guarantees it
        items, simplified = declaration_items(dl, settings)
        declarations.append(
            Declaration(
                id=f"D{gi:03d}-{k:02d}",
                lines=dl,
                usd=total,
                currency=dl[0].currency,
                items=items,
                simplified=simplified,
            )
        )
    return Group(
        key=key,
        currency=lines[0].currency,
        declarations=declarations,
        containers=containers,
        declarations_lower_bound=decl.lower_bound,
        containers_lower_bound=boxes.lower_bound,
        declaration_method=decl.method,
        container_method=boxes.method,
    )


def plan_lines(
    lines: Sequence[Line], settings: TradeSettings | None = None, report: CheckReport | None = None
) -> Plan:
    """Plan every line without an error finding; the rest are held with their rule IDs."""
    settings = settings or TradeSettings()
    report = report or check_lines(lines, settings)
    held: dict[str, list[str]] = {}
    for r in report.lines:
        errs = sorted({f.rule for f in r.findings if f.severity == "error"})
        if errs:
            held[r.ref] = errs
    bad_groups = {f.where for f in report.groups if f.severity == "error"}
    groups: dict[tuple[str, str, str, str], list[Line]] = defaultdict(list)
    for line in lines:
        key = group_key(line)
        if " / ".join(key) in bad_groups:
            held.setdefault(line.ref, []).append("REG-ONE-CURRENCY")
        elif line.ref not in held:
            groups[key].append(line)
    out = [
        _group(gi, key, ls, settings)
        for gi, (key, ls) in enumerate(sorted(groups.items()), start=1)
    ]
    return Plan(groups=out, held=held)
