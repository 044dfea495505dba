"""What a certificate says about itself (issue 12, finding 14): who issued it (a setting, never a
real registration centre by default), that a demo certificate is a demo, across the page, and
the date it really carries."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime

import pypdf
import pypdfium2 as pdfium
from test_certificate import BASE, page_text

from fangdu.certificates import render_certificate
from fangdu.certificates.model import DEFAULT_ISSUER


def big_glyphs(pdf: bytes, min_height: float = 40) -> str:
    """The characters drawn taller than ``min_height`` points: the demo mark, nothing else."""
    text = pdfium.PdfDocument(pdf)[0].get_textpage()
    chars = []
    for index in range(text.count_chars()):
        _left, bottom, _right, top = text.get_charbox(index)
        if top - bottom > min_height:
            chars.append(text.get_text_range(index, 1))
    return "".join(chars)


def test_the_default_issuer_is_no_real_registration_centre() -> None:
    for word in ("柯桥", "登记中心", "区"):
        assert word not in DEFAULT_ISSUER
    text = page_text(render_certificate(BASE))
    assert "柯桥区纺织品花样版权登记中心" not in text
    assert DEFAULT_ISSUER.split()[-1] in text


def test_the_issuer_is_whoever_the_settings_name() -> None:
    issuer = "Example Pattern Office 示例花样办公室"
    pdf = render_certificate(dataclasses.replace(BASE, issuer=issuer))
    assert issuer in page_text(pdf)
    assert pypdf.PdfReader(io.BytesIO(pdf)).metadata.author == issuer


def test_a_demo_certificate_says_demo_across_the_page() -> None:
    real = render_certificate(BASE)
    demo = render_certificate(dataclasses.replace(BASE, demo=True))
    assert "演示" not in page_text(real) and "DEMO" not in page_text(real)
    text = page_text(demo)
    assert "演示" in text and "DEMO" in text
    assert "no legal effect" in text
    assert big_glyphs(real) == ""
    assert "演示" in big_glyphs(demo) and "DEMO" in big_glyphs(demo)
    assert pypdf.PdfReader(io.BytesIO(demo)).metadata.title.startswith("演示 DEMO")


def test_the_file_carries_the_date_of_registration_not_2000() -> None:
    metadata = pypdf.PdfReader(io.BytesIO(render_certificate(BASE))).metadata
    assert metadata.creation_date == BASE.registered_at
    assert metadata.modification_date == BASE.registered_at
    later = dataclasses.replace(BASE, registered_at=datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))
    reprinted = pypdf.PdfReader(io.BytesIO(render_certificate(later))).metadata
    assert reprinted.creation_date == later.registered_at
