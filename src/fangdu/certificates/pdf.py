"""The registration certificate (登记证书): one A4 page, Chinese first, English beneath.

Layout, top to bottom: issuer and title; registration number, times and dates beside a
thumbnail of the pattern; the details that vary in length (title, owner, designers, category),
the file's SHA-256 and its place in the evidence log; the verification URL as text and QR code
with a note on offline checking; issue date and issuer. Only the details table can grow, so it
is set at the largest type size that fits the space left (10.5 pt down to 7 pt); the registry's
column limits (title 300, owner 200, category 100 characters) fit at 7.5 pt, and data that
still does not fit is refused rather than printed off the page. The issue date is the day of
registration in Beijing time, so a reprint is the same file. A certificate from a demo
installation says 演示 DEMO across the page and beneath the title, so it cannot pass for a real
one.

Fonts. Every label starts in Chinese, so CJK text must render whatever the host has:

- If a TrueType CJK font from a Debian package is installed (fonts-arphic-uming,
  fonts-wqy-zenhei, fonts-wqy-microhei, fonts-droid-fallback), the glyphs used are embedded as
  subsets and the PDF looks the same in every viewer, even one with no Chinese font. Noto CJK
  (fonts-noto-cjk) is not on the list: its outlines are CFF, which ReportLab cannot embed.
- Otherwise the text is set in ReportLab's built-in CID font STSong-Light (Adobe-GB1, encoding
  UniGB-UCS2-H). It needs no font file and is referenced, not embedded: Acrobat, browsers and
  poppler/pdfium substitute a Song face from the system. A viewer without any CJK font shows
  the Latin text only; the text layer (search, copy, extraction) is right either way.
- ASCII runs in any text are set in Helvetica (Courier for the hash and URL), so Latin looks
  the same with either CJK font and stays readable where no CJK font can be substituted.

The canvas runs in ReportLab's invariant mode (fixed document ID), and the file's creation and
modification dates are the time of registration rather than the time of drawing (invariant
mode alone would write 2000-01-01), so the same data and the same font give byte-identical
PDFs; a host with another CJK font gives another, equally valid file.
"""

from __future__ import annotations

import functools
import io
import os
import re
from collections.abc import Sequence
from datetime import UTC, date, timedelta, timezone
from xml.sax.saxutils import escape

from PIL import Image
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from fangdu.certificates.model import CertificateData, check
from fangdu.errors import InputError
from fangdu.imaging import decode_image

__all__ = ["CJK_TTF_CANDIDATES", "render_certificate"]

# Debian's TrueType CJK fonts, Song (Ming) face first to match the STSong-Light fallback.
CJK_TTF_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
CID_FONT = "STSong-Light"

# The image was accepted at registration; this limit only guards the certificate renderer.
MAX_IMAGE_PIXELS = 100_000_000
THUMBNAIL_MAX_PX = 1200  # over 500 dpi in the 54 mm box, yet small enough to embed

PAGE_W, PAGE_H = A4
MARGIN = 50
CONTENT_W = PAGE_W - 2 * MARGIN
LABEL_W = 112
THUMB_BOX = 152
GUTTER = 14
QR_SIZE = 104
VERIFY_TEXT_W = CONTENT_W - QR_SIZE - GUTTER
STACK_GAP = 4
SECTION_GAP = 12
VALUE_SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7)  # details table, largest that fits wins

INK = colors.HexColor("#1d2733")
MUTED_HEX = "#5b6675"  # English labels and notes
MUTED = colors.HexColor(MUTED_HEX)
ACCENT = colors.HexColor("#8c1d18")  # seal red, for the frame and the title
RULE = colors.HexColor("#b9c1cb")
LABEL_BG = colors.HexColor("#f3f4f7")

BEIJING = timezone(timedelta(hours=8))  # China has kept UTC+8 without DST since 1991
NOT_GIVEN = "未填写 Not given"
DEMO_MARK = "演示 DEMO"
DEMO_NOTE = "演示证书，不具法律效力 · Demo certificate, of no legal effect"
# Runs are taken from escaped text; its entities (&amp; &lt;) are ASCII, so none is split.
_ASCII_RUN = re.compile(r"[\x20-\x7e]+")


def render_certificate(data: CertificateData) -> bytes:
    """Draw the certificate for ``data`` as a one-page A4 PDF; raise InputError on bad data."""
    check(data)
    thumbnail = _thumbnail(data.image)
    font = _cjk_font(CJK_TTF_CANDIDATES)
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    # The document's date is the record's: true, and the same on every reprint.
    stamp = data.registered_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    pdf.setDateFormatter(lambda *_: stamp)
    title = f"作品登记证书 Certificate of Pattern Registration {data.registration_no}"
    pdf.setTitle(f"{DEMO_MARK} {title}" if data.demo else title)
    pdf.setAuthor(data.issuer)
    pdf.setSubject(data.title)
    pdf.setCreator("Fangdu")
    _Page(pdf, font, data).draw(thumbnail)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _thumbnail(image: bytes) -> ImageReader:
    """The pattern, upright, at most THUMBNAIL_MAX_PX a side, as a JPEG ReportLab embeds as is."""
    rgb = decode_image(image, max_pixels=MAX_IMAGE_PIXELS, draft_side=THUMBNAIL_MAX_PX).rgb
    picture = Image.fromarray(rgb)
    picture.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX), Image.Resampling.LANCZOS)
    encoded = io.BytesIO()
    # 4:4:4 keeps the hard colour edges of printed patterns free of chroma fringes.
    picture.save(encoded, format="JPEG", quality=90, subsampling=0)
    encoded.seek(0)
    return ImageReader(encoded)


@functools.cache
def _cjk_font(candidates: tuple[str, ...]) -> str:
    """Register and name the CJK font: the first usable embeddable TTF, else STSong-Light."""
    for path in candidates:
        if not os.path.isfile(path):
            continue
        name = f"FangduCJK-{os.path.basename(path).split('.')[0]}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except TTFError:
            continue  # e.g. a CFF font under a TrueType name: try the next one
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


class _Page:
    """One certificate page. Header and summary go top-down, the footer sits on the bottom
    margin, and the details table gets the room between them, less the verification block."""

    def __init__(self, pdf: Canvas, font: str, data: CertificateData) -> None:
        self.pdf = pdf
        self.font = font
        self.data = data

    def draw(self, thumbnail: ImageReader) -> None:
        self._frame()
        top = self._header(PAGE_H - MARGIN + 6)
        top = self._summary(top - SECTION_GAP, thumbnail)
        floor = self._footer(MARGIN) + 2 * SECTION_GAP
        column = self._verification_text()
        height = max(QR_SIZE, _stack_height(column, VERIFY_TEXT_W))
        top = self._details(top - SECTION_GAP, floor + height + 2 * SECTION_GAP)
        self._rule(top - SECTION_GAP)
        self._verification(top - 2 * SECTION_GAP, column, height)
        if self.data.demo:
            self._demo_mark()

    # -- sections ----------------------------------------------------------------------------

    def _frame(self) -> None:
        pdf = self.pdf
        pdf.setStrokeColor(ACCENT)
        pdf.setLineWidth(1.6)
        pdf.rect(22, 22, PAGE_W - 44, PAGE_H - 44)
        pdf.setLineWidth(0.5)
        pdf.rect(27, 27, PAGE_W - 54, PAGE_H - 54)

    def _header(self, top: float) -> float:
        issuer = self._para(self._text(self.data.issuer), 10.5, color=MUTED, align=TA_CENTER)
        top -= self._place(issuer, MARGIN, top, CONTENT_W) + 27
        pdf = self.pdf
        pdf.setFillColor(ACCENT)
        pdf.setFont(self.font, 28)
        pdf.drawCentredString(PAGE_W / 2, top, "作品登记证书", charSpace=8)
        top -= 22
        pdf.setFillColor(INK)
        pdf.setFont("Helvetica", 13)
        pdf.drawCentredString(PAGE_W / 2, top, "Certificate of Pattern Registration", charSpace=1)
        if self.data.demo:
            note = self._para(self._text(DEMO_NOTE), 10, color=ACCENT, align=TA_CENTER)
            top -= self._place(note, MARGIN, top - 5, CONTENT_W) + 5
        top -= 14
        pdf.setStrokeColor(ACCENT)
        pdf.setLineWidth(0.8)
        pdf.line(MARGIN + 60, top, PAGE_W - MARGIN - 60, top)
        return top

    def _demo_mark(self) -> None:
        """演示 / DEMO diagonally across the page, over everything but translucent: nothing can
        be laid over it, no crop of the page leaves it out, and the text stays legible."""
        pdf = self.pdf
        pdf.saveState()
        pdf.setFillColor(ACCENT)
        pdf.setFillAlpha(0.16)
        pdf.translate(PAGE_W / 2, PAGE_H / 2)
        pdf.rotate(55)
        chinese, english = DEMO_MARK.split()
        pdf.setFont(self.font, 150)
        pdf.drawCentredString(0, 10, chinese, charSpace=20)
        pdf.setFont("Helvetica-Bold", 130)
        pdf.drawCentredString(0, -120, english, charSpace=6)
        pdf.restoreState()

    def _summary(self, top: float, thumbnail: ImageReader) -> float:
        """Fixed-length facts on the left, the pattern on the right. Returns the bottom."""
        data = self.data
        registered = data.registered_at.astimezone(BEIJING)
        utc = data.registered_at.astimezone(UTC)
        rows = [
            (
                self._label("登记号", "Registration No."),
                self._para(escape(data.registration_no), 16, font="Helvetica-Bold"),
            ),
            (
                self._label("登记时间", "Time of registration"),
                self._para(
                    self._text(f"{registered:%Y-%m-%d %H:%M:%S} 北京时间 (UTC+8)")
                    + f'<br/><font name="Courier" size="9">{utc:%Y-%m-%dT%H:%M:%SZ}</font>',
                    10,
                ),
            ),
            (self._label("创作完成日期", "Date of creation"), self._date(data.created_on)),
            (
                self._label("首次发表日期", "Date of first publication"),
                self._date(data.published_on),
            ),
        ]
        width = CONTENT_W - THUMB_BOX - GUTTER
        height = self._place(self._table(rows, width), MARGIN, top, width)

        x = PAGE_W - MARGIN - THUMB_BOX
        pdf = self.pdf
        pdf.setStrokeColor(RULE)
        pdf.setLineWidth(0.5)
        pdf.rect(x, top - THUMB_BOX, THUMB_BOX, THUMB_BOX)
        # Fitted inside the box with its aspect ratio kept: the box bounds it on every side.
        inner = THUMB_BOX - 8
        pdf.drawImage(
            thumbnail,
            x + 4,
            top - THUMB_BOX + 4,
            inner,
            inner,
            preserveAspectRatio=True,
            anchor="c",
        )
        caption = self._para(
            '作品图样 <font name="Helvetica">Pattern</font>', 8, color=MUTED, align=TA_CENTER
        )
        caption_h = self._place(caption, x, top - THUMB_BOX - 3, THUMB_BOX)
        return top - max(height, THUMB_BOX + 3 + caption_h)

    def _details(self, top: float, bottom: float) -> float:
        """The rows whose length depends on the data, at the largest size that fits between
        ``top`` and ``bottom``. Returns the table's bottom."""
        room = top - bottom
        for size in VALUE_SIZES:
            table = self._table(self._detail_rows(size), CONTENT_W)
            height = table.wrap(CONTENT_W, room)[1]
            if height <= room:
                table.drawOn(self.pdf, MARGIN, top - height)
                return top - height
        raise InputError(
            "certificate text does not fit on one page: title, owner, designers or category "
            "too long"
        )

    def _detail_rows(self, size: float) -> list[tuple[Flowable, Flowable]]:
        data = self.data
        sha = data.sha256
        included_in = data.included_in
        checkpoint = "尚未纳入 Not yet included" if included_in is None else str(included_in)
        evidence = "<br/>".join(
            f'{cn} <font name="Helvetica" color="{MUTED_HEX}">{en}:</font> {self._text(value)}'
            for cn, en, value in (
                ("日志名称", "Log origin", data.log_origin),
                ("条目序号", "Entry index", str(data.log_index)),
                ("检查点树大小", "Checkpoint tree size", checkpoint),
            )
        )
        return [
            (self._label("作品名称", "Title"), self._para(self._text(data.title), size + 1.5)),
            (self._label("著作权人", "Copyright owner"), self._para(self._text(data.owner), size)),
            (
                self._label("设计者", "Designers"),
                self._para(self._text("、".join(data.designers) or NOT_GIVEN), size),
            ),
            (
                self._label("作品类别", "Category"),
                self._para(self._text(data.category or NOT_GIVEN), size),
            ),
            # Two even halves of 32 hex digits rather than wherever the line happens to end.
            (
                self._label("原件哈希值", "SHA-256 of the original file"),
                self._para(f"{sha[:32]}<br/>{sha[32:]}", 10, font="Courier"),
            ),
            (self._label("区块链存证", "Evidence log"), self._para(evidence, size)),
        ]

    def _verification_text(self) -> list[Paragraph]:
        return [
            self._label("在线核验", "Verify online"),
            self._para(escape(self.data.verify_url), 9, font="Courier"),
            self._para(
                "本证书所载登记信息可通过上述网址在线核验，也可对电子证据包运行 "
                '<font name="Courier">fangdu verify</font> 离线校验，无需信赖登记机构。',
                9,
            ),
            self._para(
                "This record can be verified at the address above, or offline by running "
                '<font name="Courier">fangdu verify</font> on the evidence bundle, without '
                "trusting the registry.",
                8,
                font="Helvetica",
                color=MUTED,
            ),
        ]

    def _verification(self, top: float, column: list[Paragraph], height: float) -> None:
        """QR code on the left, URL and how to verify on the right, vertically centred."""
        self._qr(MARGIN, top - (height + QR_SIZE) / 2)
        y = top - (height - _stack_height(column, VERIFY_TEXT_W)) / 2
        for paragraph in column:
            y -= self._place(paragraph, MARGIN + QR_SIZE + GUTTER, y, VERIFY_TEXT_W) + STACK_GAP

    def _footer(self, bottom: float) -> float:
        """Issue date on the left, issuer on the right. Returns the block's top."""
        issued = self.data.registered_at.astimezone(BEIJING).date()
        half = (CONTENT_W - GUTTER) / 2
        left = self._para(
            '发证日期 <font name="Helvetica">Date of issue</font><br/>'
            + self._text(f"{issued.year}年{issued.month}月{issued.day}日 · {issued.isoformat()}"),
            10,
        )
        right = self._para(
            '发证机构 <font name="Helvetica">Issuer</font><br/>' + self._text(self.data.issuer),
            10,
            align=TA_RIGHT,
        )
        height = max(left.wrap(half, PAGE_H)[1], right.wrap(half, PAGE_H)[1])
        left.drawOn(self.pdf, MARGIN, bottom)
        right.drawOn(self.pdf, MARGIN + half + GUTTER, bottom)
        return bottom + height

    # -- pieces ------------------------------------------------------------------------------

    def _qr(self, x: float, y: float) -> None:
        # Level M survives ~15% damage (creases, stamps); barBorder=4 is the standard quiet zone.
        widget = QrCodeWidget(
            self.data.verify_url, barLevel="M", barBorder=4, barWidth=QR_SIZE, barHeight=QR_SIZE
        )
        drawing = Drawing(QR_SIZE, QR_SIZE)
        drawing.add(widget)
        renderPDF.draw(drawing, self.pdf, x, y)

    def _rule(self, y: float) -> None:
        self.pdf.setStrokeColor(RULE)
        self.pdf.setLineWidth(0.5)
        self.pdf.line(MARGIN, y, PAGE_W - MARGIN, y)

    def _place(self, flowable: Flowable, x: float, top: float, width: float) -> float:
        """Draw ``flowable`` with its top edge at ``top``; return its height."""
        height = flowable.wrap(width, PAGE_H)[1]
        flowable.drawOn(self.pdf, x, top - height)
        return height

    def _table(self, rows: Sequence[tuple[Flowable, Flowable]], width: float) -> Table:
        table = Table([list(row) for row in rows], colWidths=(LABEL_W, width - LABEL_W))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        return table

    def _label(self, chinese: str, english: str) -> Paragraph:
        return self._para(
            f'{chinese}<br/><font name="Helvetica" size="7" color="{MUTED_HEX}">{english}</font>',
            9.5,
        )

    def _date(self, value: date | None) -> Paragraph:
        return self._para(self._text(value.isoformat() if value else NOT_GIVEN), 10)

    @staticmethod
    def _text(text: str) -> str:
        """Paragraph markup for user text: escaped, with ASCII runs set in Helvetica.

        Latin letters then look the same whichever CJK font is in use (some have fixed-width
        Latin), and stay readable in a viewer that has no CJK font to substitute.
        """
        return _ASCII_RUN.sub(lambda m: f'<font name="Helvetica">{m.group()}</font>', escape(text))

    def _para(
        self,
        markup: str,
        size: float,
        *,
        font: str | None = None,
        color: colors.Color = INK,
        align: int = TA_LEFT,
    ) -> Paragraph:
        # wordWrap="CJK" breaks between any two ideographs and backs up to a space in Latin text.
        style = ParagraphStyle(
            "certificate",
            fontName=font or self.font,
            fontSize=size,
            leading=size * 1.3,
            textColor=color,
            alignment=align,
            wordWrap="CJK",
        )
        return Paragraph(markup, style)


def _stack_height(paragraphs: Sequence[Paragraph], width: float) -> float:
    return sum(p.wrap(width, PAGE_H)[1] for p in paragraphs) + STACK_GAP * (len(paragraphs) - 1)
