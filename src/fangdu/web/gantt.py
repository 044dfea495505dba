"""A vat plan drawn as a Gantt chart: server-rendered SVG, one row per vat.

Drawn with SVG presentation attributes only (the CSP forbids inline styles and scripts):
availability windows as pale bands, each run as a bar in its recipe class's colour, the wash
before it as a grey hatched bar, runs holding a late lot outlined in red with a "!".
Every mark has a <title>, so hovering tells the lots, times and wash.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from fangdu.dyehouse.models import Batch, Instance

# A light-to-dark ramp (classes are named light to dark, by convention), then other hues.
PALETTE = (
    "#f4f1e8",
    "#f2d58a",
    "#e7a15a",
    "#c8553d",
    "#7a3b69",
    "#3c4f76",
    "#1f2430",
    "#2a6f4e",
    "#b5838d",
    "#6d6875",
)
RAMP = 7
DARK_TEXT = 3  # palette entries from this one on get white text
LEFT, RIGHT, TOP, ROW, BAR = 84, 16, 28, 46, 30
WIDTH = 1000


@dataclass(frozen=True)
class Names:
    lots: tuple[str, ...]
    vats: tuple[str, ...]
    classes: tuple[str, ...]


def colour_index(attribute: int, n_attributes: int) -> int:
    """The palette entry of a class: spread over the ramp, white to black, up to seven."""
    if n_attributes <= 1:
        return 0
    if n_attributes <= RAMP:
        return round((attribute - 1) * (RAMP - 1) / (n_attributes - 1))
    return (attribute - 1) % len(PALETTE)


def late_lots(inst: Instance, batches: tuple[Batch, ...] | list[Batch]) -> set[int]:
    """1-based ids of the lots that end after their due time."""
    return {j for bt in batches for j in bt.jobs if bt.end > inst.jobs[j - 1].due}


def _step(span: int) -> int:
    """A tick step in minutes giving about 6-14 ticks."""
    for step in (15, 30, 60, 120, 240, 480, 720, 1440, 2880, 5760):
        if span / step <= 14:
            return step
    return 10080


def _clock(minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    return (f"D{days + 1} " if days else "") + f"{rest // 60:02d}:{rest % 60:02d}"


def gantt_svg(
    inst: Instance, batches: tuple[Batch, ...] | list[Batch], names: Names, *, title: str
) -> str:
    """The chart as one <svg> element (escaped: names come from uploaded files)."""
    # The span the runs use (and a little after), not the whole horizon: bars stay readable.
    last = max((bt.end for bt in batches), default=inst.horizon)
    end = max(last, min(inst.horizon, int(last * 1.1) + 60))
    scale = (WIDTH - LEFT - RIGHT) / max(end, 1)
    height = TOP + ROW * len(inst.machines) + 8
    late = late_lots(inst, batches)

    def x(t: float) -> float:
        return round(LEFT + t * scale, 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="gantt-title">',
        f'<title id="gantt-title">{escape(title)}</title>',
        '<defs><pattern id="wash" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2"/></pattern></defs>',
    ]
    step = _step(end)
    for t in range(0, end + 1, step):
        parts.append(
            f'<line x1="{x(t)}" y1="{TOP - 6}" x2="{x(t)}" y2="{height - 8}" '
            'stroke="#e0e0e0" stroke-width="1"/>'
            f'<text x="{x(t)}" y="{TOP - 10}" font-size="11" text-anchor="middle" '
            f'fill="#555">{_clock(t)}</text>'
        )
    per_vat: dict[int, list[Batch]] = {}
    for bt in batches:
        per_vat.setdefault(bt.machine, []).append(bt)
    for m, machine in enumerate(inst.machines, 1):
        y = TOP + (m - 1) * ROW
        vat = names.vats[m - 1]
        parts.append(
            f'<g class="vat" data-vat="{escape(vat)}">'
            f'<text x="{LEFT - 8}" y="{y + BAR / 2 + 5}" font-size="13" text-anchor="end" '
            f'fill="#222">{escape(vat)}</text>'
        )
        for s, e in machine.shifts:
            if s >= end:
                continue
            e = min(e, end)
            parts.append(
                f'<rect class="window" x="{x(s)}" y="{y - 3}" width="{x(e) - x(s)}" '
                f'height="{BAR + 6}" fill="#eef5ee" stroke="#cfe3cf"/>'
            )
        prev = machine.init_state
        for bt in sorted(per_vat.get(m, []), key=lambda b: b.start):
            wash_t = inst.setup_time(prev, bt.attribute)
            wash_c = inst.setup_cost(prev, bt.attribute)
            cls_from, cls_to = names.classes[prev - 1], names.classes[bt.attribute - 1]
            if wash_t:
                parts.append(
                    f'<rect class="wash" x="{x(bt.start - wash_t)}" y="{y + 4}" '
                    f'width="{x(bt.start) - x(bt.start - wash_t)}" height="{BAR - 8}" '
                    f'fill="url(#wash)"><title>{escape(f"洗缸 wash {cls_from} → {cls_to}")}: '
                    f"{wash_t} min, {wash_c}</title></rect>"
                )
            prev = bt.attribute
            lots = [names.lots[j - 1] for j in bt.jobs]
            late_here = [names.lots[j - 1] for j in bt.jobs if j in late]
            index = colour_index(bt.attribute, inst.n_attributes)
            colour = PALETTE[index]
            ink = "#fff" if DARK_TEXT <= index < RAMP else "#222"
            tip = f"{vat} · {cls_to} · {_clock(bt.start)}–{_clock(bt.end)} · " + "、".join(lots)
            if late_here:
                tip += " · 延误 late: " + "、".join(late_here)
            outline = 'stroke="#d00000" stroke-width="3"' if late_here else 'stroke="#444"'
            w = x(bt.end) - x(bt.start)
            parts.append(
                f'<g class="run{" late" if late_here else ""}" '
                f'data-lots="{escape(" ".join(lots))}">'
                f"<title>{escape(tip)}</title>"
                f'<rect x="{x(bt.start)}" y="{y}" width="{w}" height="{BAR}" rx="3" '
                f'fill="{colour}" {outline}/>'
            )
            label = "、".join(lots)
            if w > 7 * len(label):
                parts.append(
                    f'<text x="{x(bt.start) + 4}" y="{y + BAR / 2 + 4}" font-size="11" '
                    f'fill="{ink}">{escape(label)}</text>'
                )
            if late_here:
                parts.append(
                    f'<text x="{x(bt.end) - 10}" y="{y - 4}" font-size="14" font-weight="bold" '
                    'fill="#d00000">!</text>'
                )
            parts.append("</g>")
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def kpis(inst: Instance, batches: tuple[Batch, ...] | list[Batch]) -> dict[str, float | int]:
    """What the planner's cards show: late lots, washes, wash cost and time, run hours, use."""
    washes = cost = wash_time = 0
    prev = {m: mc.init_state for m, mc in enumerate(inst.machines, 1)}
    for bt in sorted(batches, key=lambda b: (b.machine, b.start)):
        c = inst.setup_cost(prev[bt.machine], bt.attribute)
        t = inst.setup_time(prev[bt.machine], bt.attribute)
        if c or t:
            washes += 1
        cost, wash_time = cost + c, wash_time + t
        prev[bt.machine] = bt.attribute
    run = sum(bt.end - bt.start for bt in batches)
    available = sum(e - s for mc in inst.machines for s, e in mc.shifts)
    return {
        "late_lots": len(late_lots(inst, batches)),
        "runs": len(batches),
        "washes": washes,
        "wash_cost": cost,
        "wash_minutes": wash_time,
        "run_hours": round(run / 60, 1),
        "utilisation": round(100 * (run + wash_time) / max(available, 1), 1),
    }
