"""The documents of a plan, in XLSX and PDF, the same bytes for the same input.

Per container a packing list with its roll list and marks; per declaration an invoice and the
declaration draft (header fields of the 出口货物报关单, items with their three quantity rows,
the merge mapping); per merchant and operator the agency-agreement draft (委托代理出口货物
协议, rule REG-VAT); per merchant and month the exemption summary. Every document is a
title, a header of fields and tables; one renderer writes XLSX (openpyxl), one PDF
(ReportLab, CJK font embedded where Debian's is installed, STSong-Light otherwise).

Drafts say so on their face. Fields the goods list does not give (e.g. 境内货源地, 成交方式)
are left "待填 / to fill": Fangdu does not invent them.

Stability: the XLSX writer (xlsx.py) fixes every timestamp; the PDF canvas runs in
ReportLab's invariant mode. Dates printed are the export dates of the goods.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from fangdu.trade.models import Line, Roll
from fangdu.trade.plan import Container, Declaration, Plan
from fangdu.trade.summary import merchant_months
from fangdu.trade.xlsx import write_workbook

__all__ = ["Document", "Table", "build_documents", "render_pdf", "render_xlsx", "write_documents"]

TO_FILL = "待填 / to fill"
DRAFT = "草稿，仅供核对，不构成申报 / Draft for checking; not a declaration"
CJK_TTF_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


@dataclass(slots=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class Document:
    name: str  # file stem, e.g. "containers/C001-01-packing-list"
    title: str
    header: list[tuple[str, str]]
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    date: dt.date = dt.date(2000, 1, 1)


def _n(x: Decimal | int, places: int = 2) -> str:
    q = Decimal(x).quantize(Decimal(1).scaleb(-places)) if places else Decimal(x)
    return f"{q:f}"


def _rolls_for(line: Line, start: int, count: int) -> list[Roll]:
    """The rolls in packages [start, start+count) of a line: rolls shared out in order."""
    rolls = line.rolls
    if not rolls:
        return []
    per = len(rolls) / line.packages
    return list(rolls[round(start * per) : round((start + count) * per)])


def _packing_list(
    c: Container, key: tuple[str, str, str, str], offsets: dict[str, int]
) -> Document:
    first = c.packages[0][0]
    goods, roll_rows = [], []
    for ln, n in c.packages:
        start = offsets[ln.ref]
        offsets[ln.ref] = start + n
        rolls = _rolls_for(ln, start, n)
        share = Decimal(n) / ln.packages
        goods.append(
            [
                ln.ref,
                ln.merchant.name,
                ln.name,
                ln.declared_code,
                ln.marks,
                f"{start + 1}-{start + n}/{ln.packages}",
                str(len(rolls)),
                _n(sum((r.metres for r in rolls), Decimal(0)) if rolls else ln.metres * share, 1),
                _n(ln.net_kg * share, 1),
                _n(ln.gross_kg * share, 1),
                _n(ln.volume_m3 * share, 3),
            ]
        )
        for r in rolls:
            roll_rows.append(
                [
                    ln.ref,
                    ln.marks,
                    r.number,
                    _n(r.metres, 1),
                    _n(r.kg, 1) if r.kg is not None else "",
                ]
            )
    return Document(
        name=f"containers/{c.id}-packing-list",
        title="装箱单 / Packing list",
        header=[
            ("集装箱 / Container", f"{c.id} ({c.type})"),
            ("发货人 / Shipper", first.operator.name),
            ("收货人 / Consignee", f"{first.purchaser.name} ({first.purchaser.nationality})"),
            ("目的国 / Destination", key[2]),
            ("船期 / Sailing", key[3]),
            ("体积 / Volume m³", _n(c.volume_m3, 3)),
            ("毛重 / Gross kg", _n(c.gross_kg, 1)),
        ],
        tables=[
            Table(
                "货物 / Goods",
                [
                    "line",
                    "商户 merchant",
                    "品名 goods",
                    "编码 code",
                    "唛头 marks",
                    "件号 packages",
                    "卷数 rolls",
                    "米 m",
                    "净重 net kg",
                    "毛重 gross kg",
                    "体积 m³",
                ],
                goods,
            ),
            Table("码单 / Roll list", ["line", "唛头 marks", "卷号 roll", "米 m", "kg"], roll_rows),
        ],
        date=first.export_date,
    )


def _invoice(d: Declaration) -> Document:
    first = d.lines[0]
    rows = [
        [
            ln.ref,
            ln.name,
            ln.declared_code,
            _n(ln.metres, 1),
            _n(ln.amount / ln.metres, 4) if ln.metres else "",
            _n(ln.amount),
            ln.currency,
        ]
        for ln in d.lines
    ]
    rows.append(
        [
            "",
            "合计 / Total",
            "",
            _n(sum((ln.metres for ln in d.lines), Decimal(0)), 1),
            "",
            _n(d.amount),
            d.currency,
        ]
    )
    return Document(
        name=f"declarations/{d.id}-invoice",
        title="商业发票 / Commercial invoice",
        header=[
            ("发票号 / Invoice no.", d.id),
            ("卖方 / Seller", first.operator.name),
            ("买方 / Buyer", f"{first.purchaser.name} ({first.purchaser.nationality})"),
            ("目的国 / Destination", first.destination),
            ("船期 / Sailing", first.sailing),
            ("结算方式 / Payment", first.settlement),
            ("币制 / Currency", d.currency),
            ("日期 / Date", first.export_date.isoformat()),
        ],
        tables=[
            Table(
                "货物 / Goods",
                [
                    "line",
                    "品名 goods",
                    "编码 code",
                    "数量 m",
                    "单价 unit price",
                    "金额 amount",
                    "币制",
                ],
                rows,
            )
        ],
        date=first.export_date,
    )


def _declaration(d: Declaration, containers: Sequence[str]) -> Document:
    first = d.lines[0]
    items = []
    for it in d.items:
        items.append(
            [
                str(it.no),
                it.code,
                f"{it.name} {it.elements}",
                f"{_n(it.legal_qty1, 1)} {it.units[0]}",
                f"{_n(it.legal_qty2, 1)} {it.units[1]}",
                f"{_n(it.deal_qty, 1)} 米",
                _n(it.amount / it.deal_qty, 4) if it.deal_qty else "",
                _n(it.amount),
                d.currency,
                "中国 CN",
                first.destination,
            ]
        )
    mapping = [[str(it.no), it.code, ref, code] for it in d.items for ref, code in it.merged_from]
    return Document(
        name=f"declarations/{d.id}-declaration",
        title="出口货物报关单（草稿）/ Export declaration (draft)",
        header=[
            ("境内发货人 / Domestic consignor", f"{first.operator.name} {first.operator.uscc}"),
            (
                "境外收货人 / Overseas consignee",
                f"{first.purchaser.name}; {first.purchaser.nationality}; "
                f"{first.purchaser.id_number}",
            ),
            ("监管方式 / Customs regime", "市场采购 1039"),
            ("运抵国（地区）/ Destination", first.destination),
            ("贸易国（地区）/ Trading country", first.purchaser.nationality),
            ("出口日期 / Export date", first.export_date.isoformat()),
            ("币制 / Currency", d.currency),
            ("总价 / Total", _n(d.amount)),
            ("件数 / Packages", str(sum(ln.packages for ln in d.lines))),
            ("毛重 / Gross kg", _n(sum((ln.gross_kg for ln in d.lines), Decimal(0)), 1)),
            ("净重 / Net kg", _n(sum((ln.net_kg for ln in d.lines), Decimal(0)), 1)),
            ("集装箱号 / Containers", ", ".join(containers)),
            ("简化申报 / Simplified", "是 yes (REG-SIMPLIFIED)" if d.simplified else "否 no"),
            ("境内货源地 / Domestic source", TO_FILL),
            ("成交方式 / Terms", TO_FILL),
        ],
        tables=[
            Table(
                "商品 / Items",
                [
                    "项号",
                    "商品编号",
                    "商品名称及规格型号",
                    "法定第一数量",
                    "法定第二数量",
                    "成交数量",
                    "单价",
                    "总价",
                    "币制",
                    "原产国",
                    "最终目的国",
                ],
                items,
            ),
            Table(
                "合并对照 / Merge mapping (REG-SIMPLIFIED)",
                ["项号 item", "申报编码 code", "line", "原编码 line code"],
                mapping,
            ),
        ],
        note=DRAFT,
        date=first.export_date,
    )


def _agreement(merchant: str, operator: str, lines: list[tuple[str, Line]]) -> Document:
    first = lines[0][1]
    rows = [
        [decl, ln.ref, ln.name, ln.declared_code, _n(ln.metres, 1), _n(ln.amount), ln.currency]
        for decl, ln in lines
    ]
    return Document(
        name=f"agreements/{first.merchant.uscc}-{first.operator.uscc}-agency-agreement",
        title="委托代理出口货物协议（草稿）/ Export agency agreement (draft)",
        header=[
            ("委托方 / Principal", f"{merchant} {first.merchant.uscc}"),
            ("受托方 / Agent", f"{operator} {first.operator.uscc}"),
            ("贸易方式 / Regime", "市场采购 1039"),
            (
                "增值税 / VAT",
                "免征不退；委托方于出口次月申报免税 / exempt, no refund; the "
                "principal files the exemption in the month after export "
                "(REG-VAT)",
            ),
            ("签署 / Signatures", TO_FILL),
        ],
        tables=[
            Table(
                "委托出口货物 / Goods exported",
                [
                    "报关单 declaration",
                    "line",
                    "品名 goods",
                    "编码 code",
                    "米 m",
                    "金额 amount",
                    "币制",
                ],
                rows,
            )
        ],
        note=DRAFT + "。条款须由双方确定，本草稿不构成法律或税务意见 / Terms are the parties'; "
        "this draft is not legal or tax advice.",
        date=first.export_date,
    )


def build_documents(plan: Plan) -> list[Document]:
    docs: list[Document] = []
    offsets: dict[str, int] = defaultdict(int)
    for g in plan.groups:
        by_line: dict[str, list[str]] = defaultdict(list)
        for c in g.containers:
            docs.append(_packing_list(c, g.key, offsets))
            for ln, _ in c.packages:
                by_line[ln.ref].append(c.id)
        for d in g.declarations:
            docs.append(_invoice(d))
            ids = sorted({cid for ln in d.lines for cid in by_line[ln.ref]})
            docs.append(_declaration(d, ids))
    planned = [(d.id, ln) for d in plan.declarations for ln in d.lines]
    pairs: dict[tuple[str, str], list[tuple[str, Line]]] = defaultdict(list)
    for decl, ln in planned:
        pairs[(ln.merchant.uscc, ln.operator.uscc)].append((decl, ln))
    for key in sorted(pairs):
        ln = pairs[key][0][1]
        docs.append(_agreement(ln.merchant.name, ln.operator.name, pairs[key]))
    for m in merchant_months(planned):
        rows = [
            [
                m.declarations[ln.ref],
                ln.ref,
                ln.name,
                ln.declared_code,
                _n(ln.metres, 1),
                _n(ln.net_kg, 1),
                _n(ln.amount),
                ln.currency,
            ]
            for ln in m.lines
        ]
        docs.append(
            Document(
                name=f"merchants/{m.uscc}-{m.month}-exemption-summary",
                title="市场采购出口月度汇总（免税申报用）/ Monthly 1039 export summary",
                header=[
                    ("商户 / Merchant", f"{m.merchant} {m.uscc}"),
                    ("出口月份 / Export month", m.month),
                    ("申报月份 / File in", m.filing_month),
                    ("米 / Metres", _n(m.metres, 1)),
                    ("净重 / Net kg", _n(m.net_kg, 1)),
                ]
                + [(f"金额 / Amount {cur}", _n(v)) for cur, v in m.amounts.items()],
                tables=[
                    Table(
                        "明细 / Lines",
                        [
                            "报关单 declaration",
                            "line",
                            "品名 goods",
                            "编码 code",
                            "米 m",
                            "净重 kg",
                            "金额 amount",
                            "币制",
                        ],
                        rows,
                    )
                ],
                note="增值税免征不退 (REG-VAT)；本表为出口事实汇总，不是纳税申报，也不是税务意见 / "
                "VAT exempt, no refund; a summary of facts, not a filing or tax advice.",
                date=m.lines[0].export_date,
            )
        )
    return docs


def render_xlsx(doc: Document) -> bytes:
    """A first sheet with the title, note and header fields; one sheet per table."""
    first: list[list[str]] = [[doc.title]] + ([[doc.note]] if doc.note else [])
    first += [[k, v] for k, v in doc.header]
    sheets = [("文件", first, frozenset({0}))]
    sheets += [(t.title.split(" / ")[0], [t.columns, *t.rows], frozenset({0})) for t in doc.tables]
    return write_workbook(sheets)


@functools.cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in CJK_TTF_CANDIDATES:
        if os.path.exists(path):
            name = "FangduTradeCJK"
            try:
                font = TTFont(name, path, subfontIndex=0)
            except TTFError:
                continue
            # Every PDF's subset copies the font's whole glyph table (20 MB for uming): keep
            # one copy per process instead; the tables are immutable bytes.
            font.face.get_table = functools.cache(font.face.get_table)
            pdfmetrics.registerFont(font)
            return name
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


_SIZE, _LINE, _PAD = 7.5, 9.0, 2.5  # cell font size, line pitch, padding (pt)


_MAX_LINES = 40  # per cell: a taller row could not fit on a page (the XLSX keeps it whole)


def _wrap(text: str, width: float, font: str) -> list[str]:
    """A cell's text in lines no wider than ``width``: its own line breaks kept, then broken
    anywhere in CJK text and at the last space in Latin text."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    # No glyph is wider than an em: short cells (most of a roll list) need no measuring.
    if "\n" not in text and (len(text) * _SIZE <= width or stringWidth(text, font, _SIZE) <= width):
        return [text]
    lines: list[str] = []
    for part in text.replace("\r", "").split("\n"):
        cur, w = "", 0.0
        for ch in part:
            cw = _char_width(ch, font)
            if cur and w + cw > width:
                cut = cur.rfind(" ")
                if cut > 0 and ch != " ":
                    lines.append(cur[:cut])
                    cur = cur[cut + 1 :]
                else:
                    lines.append(cur)
                    cur = ""
                w = stringWidth(cur, font, _SIZE)
            cur += ch
            w += cw
        lines.append(cur)
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], lines[_MAX_LINES - 1][:-1] + "…"]
    return lines


@functools.cache
def _char_width(ch: str, font: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(ch, font, _SIZE)


def _grid_table(
    header: list[str] | None, rows: list[list[str]], widths: list[float], font: str
) -> object:
    """A table drawn straight onto the canvas: one text object and one set of rules per
    page, cells wrapped by ``_wrap``, the header row repeated on every page. Platypus's Table
    lays out and draws cell by cell and was most of a peak day's rendering time."""
    from reportlab.lib import colors
    from reportlab.platypus.flowables import Flowable

    def lay(row: list[str]) -> tuple[list[list[str]], float]:
        cells = [
            _wrap(v, w - 2 * _PAD, font) if v else [] for v, w in zip(row, widths, strict=True)
        ]
        return cells, 2 * _PAD + _LINE * max([1, *(len(c) for c in cells)])

    head = lay(header) if header else None
    laid = [lay(r) for r in rows]
    xs = [0.0]
    for w in widths:
        xs.append(xs[-1] + w)

    class Grid(Flowable):
        def __init__(self, body: list[tuple[list[list[str]], float]]) -> None:
            super().__init__()
            self.body = body
            self.width = xs[-1]
            self.height = sum(h for _, h in body) + (head[1] if head else 0)

        def wrap(self, aw: float, ah: float) -> tuple[float, float]:
            return self.width, self.height

        def split(self, aw: float, ah: float) -> list:
            room = ah - (head[1] if head else 0)
            n = 0
            while n < len(self.body) and self.body[n][1] <= room:
                room -= self.body[n][1]
                n += 1
            if n == 0:
                return []
            if n == len(self.body):
                return [self]
            return [Grid(self.body[:n]), Grid(self.body[n:])]

        def draw(self) -> None:
            c = self.canv
            rows = ([head] if head else []) + self.body
            if head:
                c.setFillColor(colors.whitesmoke)
                c.rect(0, self.height - head[1], self.width, head[1], stroke=0, fill=1)
                c.setFillColor(colors.black)
            t = c.beginText()
            t.setFont(font, _SIZE)
            # Text matrices written directly: setTextOrigin's general number formatting was
            # the largest single cost of a long roll list.
            tm = t._code.append
            ys = [self.height]
            for cells, h in rows:
                top = ys[-1]
                for x, lines in zip(xs, cells, strict=False):
                    for k, line in enumerate(lines):
                        tm(f"1 0 0 1 {x + _PAD:.2f} {top - _PAD - (k + 1) * _LINE + 2:.2f} Tm")
                        t._textOut(line)  # textOut would measure it only to move the cursor
                ys.append(top - h)
            c.drawText(t)
            c.setStrokeColor(colors.grey)
            c.setLineWidth(0.25)
            c.grid(xs, ys)

    return Grid(laid)


def render_pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    body = ParagraphStyle("b", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    head = ParagraphStyle("h", parent=body, fontSize=13, leading=17)
    note = ParagraphStyle("n", parent=body, textColor=colors.darkred)
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=28,
        rightMargin=28,
        topMargin=28,
        bottomMargin=28,
        title=doc.title,
        author="Fangdu",
        creator="Fangdu",
        invariant=1,
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list = [p(doc.title, head)]
    if doc.note:
        story.append(p(doc.note, note))
    story.append(Spacer(1, 6))
    if doc.header:
        story.append(_grid_table(None, [[k, v] for k, v in doc.header], [170, 560], font))
    width = landscape(A4)[0] - 56
    for t in doc.tables:
        story += [
            Spacer(1, 8),
            p(t.title, ParagraphStyle("t", parent=body, fontSize=10, leading=12)),
            Spacer(1, 3),
        ]
        if not t.rows:
            story.append(p("（无 / none）"))
            continue
        story.append(
            _grid_table(t.columns, t.rows, [width / len(t.columns)] * len(t.columns), font)
        )
    pdf.build(story)
    return buf.getvalue()


def _render(doc: Document, pdf: bool) -> list[tuple[str, bytes]]:
    out = [(f"{doc.name}.xlsx", render_xlsx(doc))]
    if pdf:
        out.append((f"{doc.name}.pdf", render_pdf(doc)))
    return out


def write_documents(
    plan: Plan, out: Path, pdf: bool = True, workers: int | None = None
) -> dict[str, str]:
    """Write every document as XLSX (and PDF); returns relative path → SHA-256.

    Rendering is per-file work (about 30 ms the PDF), so a big day is rendered in
    ``workers`` processes (default: the CPU count, at most 2 — the machine's size).
    """
    docs = build_documents(plan)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers > 1 and len(docs) > 40:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            rendered = list(pool.map(_render, docs, [pdf] * len(docs), chunksize=16))
    else:
        rendered = [_render(d, pdf) for d in docs]
    written: dict[str, str] = {}
    for files in rendered:
        for name, data in files:
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written[name] = hashlib.sha256(data).hexdigest()
    return dict(sorted(written.items()))
