"""The warning letter (警告函) as a bilingual PDF: Chinese authoritative, English alongside.

It says who claims what and on which registration (with the verification QR), shows the
side-by-side comparison, lists the evidence ids, the requested action and its deadline, how to
dispute, show a licence or name a supplier (著作权法 Art 59), and the fee with its formula.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"  # ReportLab's built-in CID font: needs no font file on the host


@dataclass(frozen=True)
class NoticeData:
    case: int
    claimant: str
    agent: str | None
    authorisation_sha256: str | None
    respondent: str
    work_label: str
    work_title: str
    verify_text: str  # what the QR code holds: how to verify the registration
    evidence: Sequence[str]  # "log entry 12 (sighting S-3, 2026-12-07, 北市场 2 楼)"
    score: str
    deadline: str
    fee: str
    formula: str
    token: str | None  # the respondent's case token, so they can answer
    comparison_png: bytes | None


def render_notice(data: NoticeData) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(f"警告函 Warning letter C-{data.case}")
    width, height = A4
    y = height - 60

    def line(text: str, size: float = 10, gap: float = 4) -> None:
        nonlocal y
        for part in textwrap.wrap(text, 60 if size <= 10 else 40) or [""]:
            pdf.setFont(FONT, size)
            pdf.drawString(50, y, part)
            y -= size + gap

    line(f"警告函 · Warning letter  (案件 Case C-{data.case})", 16, 8)
    line("以中文文本为准。The Chinese text is authoritative.", 9, 8)
    line(f"权利人 Claimant: {data.claimant}")
    if data.agent:
        line(
            f"代理人 Agent: {data.agent}; 授权书 authorisation SHA-256 {data.authorisation_sha256}"
        )
    line(f"被通知人 Respondent: {data.respondent}")
    line(f"登记作品 Registered work: {data.work_label} {data.work_title}")
    line(f"相似度 Similarity: {data.score}")
    line("证据 Evidence (均已存证 all in the evidence log):")
    for item in data.evidence:
        line(f"  · {item}", 9, 3)
    line(
        "要求 Requested: 停止销售该花样的复制品并下架 — stop selling copies of this pattern "
        f"and remove them, by {data.deadline} (截止日期 deadline)."
    )
    line(f"费用 Fee: {data.fee} 元 yuan; 计算方法 formula: {data.formula}")
    line(
        "如何答复 How to answer: 您可以提出异议、出示许可合同、或提供合法来源（供货商及发票，"
        "著作权法第五十九条）；出示后要求暂停。You may dispute this, show a licence, or name "
        "your supplier with an invoice (legal source, Copyright Law Art 59); the demand then "
        "pauses. 也可以申请调解 You may ask for mediation."
    )
    if data.token:
        line(f"答复口令 Your case token: {data.token}  (fangdu case respond C-{data.case} ...)")
    if data.comparison_png:
        image = ImageReader(io.BytesIO(data.comparison_png))
        iw, ih = image.getSize()
        box_w = width - 100
        box_h = min(box_w * ih / iw, y - 180)
        if box_h > 60:
            pdf.drawImage(image, 50, y - box_h, box_w, box_h, preserveAspectRatio=True)
            y -= box_h + 10
    qr = QrCodeWidget(data.verify_text)
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(90, 90, transform=[90 / (x1 - x0), 0, 0, 90 / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 150, 40)
    pdf.setFont(FONT, 8)
    pdf.drawString(50, 60, f"核验 Verify: {data.verify_text}"[:110])
    pdf.showPage()
    pdf.save()
    return out.getvalue()
