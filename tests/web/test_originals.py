"""Originals in any accepted format (issue 12, finding 19): a BMP original is served, a TIFF
one is downloaded (browsers do not show TIFF), and every original has a PNG rendition that the
pages show in full size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from webtools import HTML

from fangdu.synth import make_print


def encoded(fmt: str, seed: int, size: int = 300) -> tuple[np.ndarray, bytes]:
    rgb = make_print(seed, size=size, real_art=False).rgb
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt)
    return rgb, buffer.getvalue()


@pytest.fixture
def applicant_site(site):
    site.applicant = site.account("merchant", "applicant")
    site.login("merchant")
    return site


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension", "disposition"),
    [
        ("BMP", "image/bmp", ".bmp", "inline"),
        ("TIFF", "image/tiff", ".tif", "attachment"),
        ("PNG", "image/png", ".png", "inline"),
    ],
)
def test_the_original_is_served_as_what_it_is(
    applicant_site, fmt, media_type, extension, disposition
):
    site = applicant_site
    _rgb, data = encoded(fmt, 70)
    work_id = site.file_application(data, site.applicant)
    response = site.client.get(f"/works/{work_id}/original")
    assert response.status_code == 200
    assert response.content == data  # the file as filed, byte for byte
    assert response.headers["content-type"] == media_type
    assert (
        response.headers["content-disposition"]
        == f'{disposition}; filename="W-{work_id}{extension}"'
    )


@pytest.mark.parametrize("fmt", ["TIFF", "BMP"])
def test_every_original_has_a_png_rendition_the_page_shows(applicant_site, fmt):
    site = applicant_site
    rgb, data = encoded(fmt, 71)
    work_id = site.file_application(data, site.applicant)
    response = site.client.get(f"/works/{work_id}/original.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    shown = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))
    assert np.array_equal(shown, rgb)  # lossless at this size
    page = site.client.get(f"/applications/{work_id}", headers=HTML).text
    assert f'href="/works/{work_id}/original.png"' in page
    assert f'href="/works/{work_id}/original" download' in page
    assert fmt in page


def test_a_large_original_is_rendered_at_a_viewable_size(applicant_site):
    site = applicant_site
    _rgb, data = encoded("TIFF", 72, size=3000)
    work_id = site.file_application(data, site.applicant)
    shown = Image.open(io.BytesIO(site.client.get(f"/works/{work_id}/original.png").content))
    assert max(shown.size) == 2400
