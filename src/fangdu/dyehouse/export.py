"""A plan for the shop floor: the run sheet per vat as Excel and as a printable PDF.

One row per run in the vat's order: when it starts and ends (clock time from the plan's start),
the recipe class, the wash before it (from → to, minutes, cost), its lots with customer and
weight, and whether a lot in it is late. The same plan gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import os
from html import escape

from fangdu.dyehouse.models import Plan
from fangdu.dyehouse.tables import PlannerTables, append_text_safe

__all__ = ["plan_pdf", "plan_rows", "plan_xlsx"]

HEADER = (
    "染缸 vat",
    "缸次 run",
    "开始 start",
    "结束 end",
    "色系 class",
    "洗缸 wash",
    "洗缸min",
    "洗缸成本 cost",
    "缸卡 lots",
    "重量kg",
    "延误 late",
)
# Debian's CJK fonts (fonts-arphic-uming is what `make system-deps` installs); else a CID font.
CJK_TTF_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def clock(minutes: int) -> str:
    """Day and time from the plan's start: ``D2 06:30``."""
    days, rest = divmod(minutes, 1440)
    return f"D{days + 1} {rest // 60:02d}:{rest % 60:02d}"


def plan_rows(tables: PlannerTables, plan: Plan) -> list[list[str | int]]:
    """The run sheet, vat by vat, runs in order (header not included)."""
    inst = tables.instance
    rows: list[list[str | int]] = []
    for m, machine in enumerate(inst.machines, 1):
        prev = machine.init_state
        runs = sorted((bt for bt in plan.batches if bt.machine == m), key=lambda bt: bt.start)
        for i, bt in enumerate(runs, 1):
            late = [tables.lots[j - 1] for j in bt.jobs if bt.end > inst.jobs[j - 1].due]
            lots = [
                f"{tables.lots[j - 1]}"
                + (f" ({tables.customers[j - 1]})" if tables.customers[j - 1] else "")
                for j in bt.jobs
            ]
            rows.append(
                [
                    tables.vats[m - 1],
                    i,
                    clock(bt.start),
                    clock(bt.end),
                    tables.classes[bt.attribute - 1],
                    f"{tables.classes[prev - 1]} → {tables.classes[bt.attribute - 1]}",
                    inst.setup_time(prev, bt.attribute),
                    inst.setup_cost(prev, bt.attribute),
                    "、".join(lots),
                    sum(inst.jobs[j - 1].size for j in bt.jobs),
                    "、".join(late),
                ]
            )
            prev = bt.attribute
    return rows


def plan_xlsx(tables: PlannerTables, plan: Plan) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "排缸 runs"
    append_text_safe(ws, [list(HEADER), *plan_rows(tables, plan)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@functools.cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in CJK_TTF_CANDIDATES:
        if os.path.exists(path):
            name = "FangduDyehouseCJK"
            try:
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
            except TTFError:
                continue
            return name
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def plan_pdf(tables: PlannerTables, plan: Plan, *, title: str) -> bytes:
    """A4 landscape, one table per vat, header repeated on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    font = _font()
    body = ParagraphStyle("b", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    head = ParagraphStyle("h", parent=body, fontSize=14, leading=18)
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=28,
        rightMargin=28,
        topMargin=28,
        bottomMargin=28,
        title=title,
        author="Fangdu",
        creator="Fangdu",
        invariant=1,  # no timestamps or random ids: the same plan, the same bytes
    )
    story: list = [Paragraph(escape(f"排缸单 Run sheet · {title}"), head)]
    obj = plan.objective
    if obj is not None:
        story.append(
            Paragraph(
                escape(
                    f"延误缸卡 late lots {obj.late_jobs} · 洗缸成本 wash cost {obj.setup_cost} · "
                    f"染色时间 run time {obj.runtime} min · 目标值 objective {obj.integer}"
                ),
                body,
            )
        )
    rows = plan_rows(tables, plan)
    widths = [50, 30, 55, 55, 70, 110, 40, 45, 250, 40, 60]
    for vat in tables.vats:
        mine = [r for r in rows if r[0] == vat]
        story += [Spacer(1, 8), Paragraph(escape(f"{vat}: {len(mine)} 缸次 runs"), body)]
        if not mine:
            continue
        data = [[Paragraph(escape(h), body) for h in HEADER]] + [
            [Paragraph(escape(str(v)), body) for v in r] for r in mine
        ]
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
        story.append(table)
    pdf.build(story)
    return buf.getvalue()
