"""The due-diligence report as a PDF (Chinese labels first, English beneath), drawn from the
signed JSON alone, so the same JSON always gives the same bytes: ReportLab's invariant mode and
the report's own date as the file's date, as the certificate does."""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fangdu.certificates.pdf import CJK_TTF_CANDIDATES, _cjk_font

MUTED = colors.HexColor("#555555")


def render_report_pdf(report: bytes) -> bytes:
    """The PDF of a signed report (the JSON bytes ``build_report`` returned)."""
    body = json.loads(report)["report"]
    font = _cjk_font(CJK_TTF_CANDIDATES)
    out = io.BytesIO()
    stamp = body["as_of"].replace("-", "")
    work = body["work"]
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=1,
        title=f"尽职调查报告 Due-diligence report {work['registration_no']}",
        author="Fangdu",
        creator="Fangdu",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    text = ParagraphStyle("t", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("h", parent=text, fontSize=14, leading=18)
    sub = ParagraphStyle("s", parent=text, fontSize=11, leading=15, spaceBefore=6)
    found = body["findings"]

    def para(value: object, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    def label(zh: str, en: str) -> Paragraph:
        return Paragraph(
            f'{escape(zh)}<br/><font name="Helvetica" size="7" color="#555555">{escape(en)}</font>',
            text,
        )

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, MUTED),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    def holdings(items: list[dict[str, Any]]) -> Table | Paragraph:
        if not items:
            return para("无 none")
        rows = [
            [
                para(i["role"]),
                para(body.get("names", {}).get(i["party"]) or i["party"][:16] + "…"),
                para(f"{i['share'] / 100:g} %" if i.get("share") else i.get("right") or ""),
                para(i.get("starts_on") or f"applied {i.get('applied_on')}"),
                para(i.get("ends_on") or "—"),
                para(f"R-{i['record']}" if i.get("record") else "registration"),
            ]
            for i in items
        ]
        return table(rows, [32 * mm, 34 * mm, 24 * mm, 28 * mm, 24 * mm, 22 * mm])

    standing = found["standing"]
    story: list[Any] = [
        para("著作权尽职调查报告 Copyright due-diligence report", head),
        para(f"{work['registration_no']} · {work['title']} · as of {body['as_of']}"),
        Spacer(1, 4 * mm),
        table(
            [
                [label("登记号", "Registration no."), para(work["registration_no"])],
                [label("作品", "Work"), para(f"{work['title']} (W-{work['work_id']})")],
                [label("创作日期", "Created"), para(work["created_on"] or "—")],
                [label("原件 SHA-256", "Original"), para(work["original_sha256"])],
                [label("保护期届满", "Protection ends"), para(found["protection_ends"] or "—")],
                [
                    label("贷款到期", "Loan maturity"),
                    para(
                        f"{body['maturity']}: "
                        + (
                            "保护期长于贷款 protection outlasts the loan"
                            if found["protection_outlasts_maturity"]
                            else "保护期短于贷款 protection ends before maturity"
                        )
                    ),
                ],
                [
                    label("权属争议", "Title disputes"),
                    para(
                        "; ".join(body["prior_art_conflicts"])
                        or "在先作品无冲突 no prior-art conflict on record"
                    ),
                ],
            ],
            [40 * mm, 134 * mm],
        ),
        para("现权利状态 Standing on the day", sub),
        para("著作权人 Owners"),
        holdings(standing["owners"]),
        para("许可 Licences in force"),
        holdings(standing["licences"]),
        para("质权（已在国家登记）Pledges registered and in force"),
        holdings(standing["pledges"]),
        para("待登记质押 Pledges pending national registration"),
        holdings(standing["pending_pledges"]),
        para("权利链 Chain of title", sub),
        holdings(found["chain_of_title"]),
        para("权利负担 Encumbrances: pledges in order", sub),
        holdings(found["pledges_in_order"]),
        para("专有许可 Exclusive licences"),
        holdings(found["exclusive_licences"]),
        para("质押前许可 Licences granted before the first pledge"),
        holdings(found["licences_before_first_pledge"]),
        para("许可收入 Licence income on record", sub),
        para(
            "; ".join(f"R-{i['record']}: {i['fee']}" for i in found["licence_income_on_record"])
            or "无 none"
        ),
        para("声明的签署 Signatures declared by another party, not seen made", sub),
        para(
            "; ".join(
                f"R-{d['record']}: {body['names'].get(d['party'], d['party'][:12])} ({d['role']})"
                for d in found.get("signatures_declared", ())
            )
            or "无 none"
        ),
        para("证据 Evidence", sub),
        para(
            f"{len(body['entries'])} log entries of {body['log']}, each with its inclusion proof "
            "in the signed checkpoint below; the JSON twin of this report is signed by the log "
            "key and checks offline: fangdu verify report.json --policy POLICY.toml."
        ),
        para(f"log key: {body['log_key']}"),
        para(
            "未核查 Not checked: infringement cases and holds (not consulted); the entries run "
            "unbroken from the work's first, but that none follows the last one listed is not "
            "proven by this report. Names are as the registry states them."
        ),
    ]
    doc.build(
        story,
        onFirstPage=lambda canvas, _: canvas.setDateFormatter(lambda *_: f"D:{stamp}000000+00'00'"),
    )
    return out.getvalue()
