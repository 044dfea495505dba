"""The self-service check: results with explanations, refusals that say why, limits, no trace."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from fangdu.synth import make_print
from fangdu.web.config import WebSettings


def jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def blob_count(site) -> int:
    return sum(1 for p in site.settings.blobs_path.rglob("*") if p.is_file())


def test_a_copy_is_found_and_explained_and_not_kept(library_site, print_png):
    site = library_site
    before = blob_count(site)
    copy = np.ascontiguousarray(make_print(2, size=256, real_art=False).rgb[:, ::-1])  # mirrored
    response = site.post_form(
        "/check", "/check", files={"image": ("stall.jpg", jpeg(copy), "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert "FD-" in html and 'class="badge verdict-copy"' in html
    assert 'src="data:image/jpeg;base64,' in html  # the side-by-side picture, never stored
    assert "stall.jpg" in html
    assert blob_count(site) == before


def test_an_unrelated_image_finds_nothing(library_site, print_png):
    response = library_site.post_form(
        "/check", "/check", files={"image": ("x.png", print_png(77), "image/png")}
    )
    assert response.status_code == 200
    assert 'class="badge verdict-copy"' not in response.text
    assert "alert ok" in response.text


@pytest.mark.parametrize(
    "lang, message",
    [
        ("en", "SVG drawings are not accepted"),
        ("zh", "不接受 SVG 矢量图"),
    ],
)
def test_svg_is_refused_with_a_clear_message(site, lang, message):
    site.client.get(f"/lang/{lang}")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = site.post_form("/check", "/check", files={"image": ("x.svg", svg, "image/svg+xml")})
    assert response.status_code == 422
    assert message in response.text and "<script>alert(1)" not in response.text


def test_html_named_png_is_refused(site):
    page = b"<html><script>alert(document.cookie)</script></html>"
    response = site.post_form("/check", "/check", files={"image": ("cat.png", page, "image/png")})
    assert response.status_code == 422
    assert "不是纺都能读取的图片" in response.text  # Chinese by default
    assert "alert(document.cookie)" not in response.text


def test_no_file_is_refused(site):
    response = site.post_form(
        "/check", "/check", files={"image": ("", b"", "application/octet-stream")}
    )
    assert response.status_code == 422


def test_an_oversized_upload_is_refused_before_it_is_read(make_site, print_png):
    site = make_site(max_image_bytes=50_000)
    big = b"\x89PNG" + bytes(400_000)
    page = site.post_form("/check", "/check", files={"image": ("big.png", big, "image/png")})
    assert page.status_code == 413 and "text/html" in page.headers["content-type"]
    api = site.client.post("/api/v1/check", files={"file": ("big.png", big, "image/png")})
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 413 and "Too Large" in api.json()["title"]


def test_a_streamed_upload_without_length_is_cut_off(make_site):
    site = make_site(max_image_bytes=50_000)
    boundary = "fangdu-test-boundary"

    def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        for _ in range(100):
            yield bytes(10_000)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = site.client.post(
        "/api/v1/check",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_a_file_just_over_the_image_limit_is_refused(make_site, print_png):
    png = print_png(1)
    site = make_site(max_image_bytes=len(png) - 1)
    response = site.client.post("/api/v1/check", files={"file": ("p.png", png, "image/png")})
    assert response.status_code == 413 and response.json()["status"] == 413


def test_checks_are_rate_limited_per_client(make_site, print_png):
    site = make_site(web=WebSettings(check_per_minute=2))
    png = print_png(5)
    for _ in range(2):
        assert site.client.post("/api/v1/check", files={"file": ("a.png", png)}).status_code == 200
    refused = site.client.post("/api/v1/check", files={"file": ("a.png", png)})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["content-type"] == "application/problem+json"
    page = site.post_form("/check", "/check", files={"image": ("a.png", png, "image/png")})
    assert page.status_code == 429 and "retry-after" in page.headers
