"""The registration certificate: one A4 page that states the record and proves it is checkable."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from tests.qr import pdf_qr_text

from fangdu.certificates import CertificateData, render_certificate
from fangdu.certificates import pdf as certificate_pdf
from fangdu.errors import InputError


def pattern_png(width: int = 640, height: int = 400) -> bytes:
    """A small two-colour repeat, enough for Pillow to decode and a thumbnail to show."""
    image = Image.new("RGB", (width, height), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 80):
        for y in range(0, height, 80):
            draw.ellipse((x + 10, y + 10, x + 70, y + 70), fill=(150, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


IMAGE = pattern_png()
BASE = CertificateData(
    registration_no="FD-2026-0000123",
    title="牡丹缠枝纹 Peony Scroll",
    owner="绍兴柯桥纺都印染有限公司",
    designers=("王晓梅", "Anna Schmidt"),
    created_on=date(2026, 3, 14),
    published_on=None,
    registered_at=datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC),
    category="数码印花 / 花卉",
    sha256=hashlib.sha256(IMAGE).hexdigest(),
    log_index=4711,
    log_origin="fangdu.local/ledger",
    checkpoint_size=4800,
    verify_url="https://fangdu.example.cn/verify/FD-2026-0000123?sha256=d40dd71f",
    image=IMAGE,
)


def make(**changes: object) -> bytes:
    return render_certificate(dataclasses.replace(BASE, **changes))


@pytest.fixture(scope="module")
def certificate() -> bytes:
    return render_certificate(BASE)


def page_text(pdf: bytes) -> str:
    """The text layer as pypdf reads it (pdfium drops repeated lines of a font it lacks)."""
    (page,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return page.extract_text()


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_one_a4_page_with_every_fact(certificate: bytes) -> None:
    (page,) = pypdf.PdfReader(io.BytesIO(certificate)).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
    text = page.extract_text()
    for fact in (
        BASE.registration_no,
        BASE.title,
        BASE.owner,
        BASE.verify_url,
        "王晓梅",
        "作品登记证书",
        "Certificate of Pattern Registration",
        "2026-03-14",
        "2026-11-23T08:00:05Z",
        "2026-11-23 16:00:05",
        "fangdu.local/ledger",
        "4711",
        "4800",
        "fangdu verify",
    ):
        assert fact in text, fact
    # The hash is printed as two even halves of 32 digits.
    assert BASE.sha256 in squeeze(text)
    assert BASE.sha256[:32] in text and BASE.sha256[32:] in text


def test_qr_code_carries_exactly_the_verify_url(certificate: bytes) -> None:
    assert pdf_qr_text(certificate) == BASE.verify_url


@pytest.mark.parametrize("port", [34663, 34664, 8000])
@pytest.mark.parametrize("number", [13, 123])
def test_qr_code_reads_back_whatever_the_address(port: int, number: int) -> None:
    # The classic OpenCV detector misread two of these; a scanner must read them all.
    registration_no = f"FD-2026-{number:07d}"
    url = f"http://127.0.0.1:{port}/verify/{registration_no}"
    assert pdf_qr_text(make(registration_no=registration_no, verify_url=url)) == url


def test_same_data_gives_the_same_bytes() -> None:
    first, second = make(), make()
    assert first == second
    # Invariant mode: no creation time in the file, so tomorrow's copy is the same too.
    today = datetime.now().strftime("D:%Y%m%d").encode()  # ReportLab would use local time
    assert today not in first
    assert make(log_index=4712) != first


def test_very_long_chinese_names_wrap_inside_the_frame() -> None:
    # The registry's column limits: title 300 characters, owner 200.
    title = ("柯桥缠枝牡丹纹数码印花面料" * 30)[:300]
    owner = ("绍兴市柯桥区纺都印染有限公司" * 20)[:200]
    pdf = make(title=title, owner=owner, category="印花" * 50)
    text = squeeze(page_text(pdf))
    assert title in text and owner in text
    chars = pdfium.PdfDocument(pdf)[0].get_textpage()
    width, height = A4
    frame = 27  # the inner border: nothing may touch or cross it
    boxes = [chars.get_charbox(index) for index in range(chars.count_chars())]
    drawn = [box for box in boxes if box[2] > box[0]]  # generated line breaks have no box
    assert len(drawn) > len(title) + len(owner)
    for left, bottom, right, top in drawn:
        assert frame < left and right < width - frame
        assert frame < bottom and top < height - frame


def test_text_that_cannot_fit_on_a_page_is_refused() -> None:
    with pytest.raises(InputError, match="does not fit on one page"):
        make(title="花" * 3000)


def test_markup_characters_in_user_text_are_printed_literally() -> None:
    text = page_text(make(title="A & B <b>花</b>", owner="X&Y"))
    assert "A & B <b>花</b>" in text
    assert "X&Y" in text


@pytest.mark.parametrize(
    "image",
    [b"", b"definitely not an image", IMAGE[:200], b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
    ids=["empty", "garbage", "truncated-png", "svg"],
)
def test_unreadable_image_is_refused_in_one_line(image: bytes) -> None:
    with pytest.raises(InputError) as caught:
        make(image=image)
    message = str(caught.value)
    assert message and "\n" not in message


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"registered_at": datetime(2026, 11, 23, 8, 0)}, "timezone-aware"),
        ({"sha256": "ABC"}, "64 lowercase hex"),
        ({"verify_url": "https://x.example/ v"}, "without whitespace"),
        ({"verify_url": "https://纺都.example/v"}, "ASCII"),
        ({"verify_url": "https://x.example/" + "v" * 150}, "too long for a printed QR code"),
        ({"title": "  "}, "title"),
    ],
)
def test_data_that_would_print_something_false_is_refused(
    changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(InputError, match=reason):
        make(**changes)


@pytest.mark.parametrize("size", [None, 4711, 10])
def test_a_checkpoint_that_does_not_include_the_entry_is_not_claimed(size: int | None) -> None:
    # A tree of size n holds entries 0..n-1: a checkpoint of 4711 predates entry 4711.
    text = page_text(make(checkpoint_size=size))
    assert "Checkpoint tree size: 尚未纳入 Not yet included" in text


def test_registration_time_is_converted_from_any_zone() -> None:
    beijing = BASE.registered_at.astimezone(timezone(timedelta(hours=8)))
    assert make(registered_at=beijing) == make()


def embedded_images(pdf: bytes) -> list[tuple[int, int]]:
    page = pdfium.PdfDocument(pdf)[0]
    return [obj.get_px_size() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]


def test_thumbnail_is_downscaled_to_1200_px_keeping_its_shape() -> None:
    big = pattern_png(3000, 1500)
    assert embedded_images(make(image=big)) == [(1200, 600)]


def test_small_image_is_never_upscaled() -> None:
    assert embedded_images(make(image=pattern_png(120, 90))) == [(120, 90)]


def test_without_a_cjk_truetype_font_the_builtin_cid_font_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"\0" * 64)
    candidates = (str(tmp_path / "missing.ttc"), str(not_a_font))
    monkeypatch.setattr(certificate_pdf, "CJK_TTF_CANDIDATES", candidates)
    pdf = make()
    assert b"/STSong-Light" in pdf
    assert BASE.title in page_text(pdf)


def test_an_installed_cjk_truetype_font_is_embedded() -> None:
    installed = [path for path in certificate_pdf.CJK_TTF_CANDIDATES if os.path.isfile(path)]
    if not installed:
        pytest.skip("no Debian CJK TrueType font installed (fonts-arphic-uming, fonts-wqy-*)")
    pdf = make()
    assert b"/FontFile2" in pdf and b"/STSong-Light" not in pdf
    assert BASE.title in page_text(pdf)
