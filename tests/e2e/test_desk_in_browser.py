"""The reviewer's desk and the applicant's pages in Chromium (issue 12, findings 13 and 19):
a copy cannot be approved with one click, Approve and Reject look different, the queue puts
copies first; a TIFF original is shown through its PNG rendition and downloaded as a file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from e2etools import (
    LANGS,
    NUMBER,
    LiveServer,
    demo_print,
    file_application,
    gettext,
    mirrored_crop,
    nav,
    new_print,
    sign_in,
)
from PIL import Image
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.parametrize("lang", LANGS)

COPIED = {"zh": 8, "en": 9}  # the demo print each language's applicant copies


def background(button: Locator) -> tuple[int, int, int]:
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", colour)[:3])
    return red, green, blue


def test_a_copy_needs_a_reason_and_the_buttons_differ(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    copy = tmp_path / "copy.png"
    Image.fromarray(mirrored_crop(demo_print(COPIED[lang]))).save(copy)
    applicant = open_site(lang)
    sign_in(applicant, lang, "demo", live_server.passwords["demo"])
    nav(applicant, lang, "Apply").click()
    work_id = file_application(applicant, lang, copy, f"抄来的 Copied ({lang})")

    reviewer = open_site(lang)
    sign_in(reviewer, lang, "reviewer", live_server.passwords["reviewer"])
    nav(reviewer, lang, "Review").click()
    first = reviewer.locator("main tbody tr").first
    expect(first.locator(".verdict-copy")).to_have_text(_("Copy"))
    first.get_by_role("link", name=re.compile(r"^W-\d+$")).click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("W-")
    reviewer.goto(f"{live_server.url}/review/{work_id}")

    approve = reviewer.get_by_role("button", name=_("Approve and register"), exact=True)
    reject = reviewer.get_by_role("button", name=_("Reject"), exact=True)
    red, green, _blue = background(approve)
    assert green > red  # approving is green...
    assert background(reject) != background(approve)  # ...and rejecting is not
    assert reject.evaluate("b => getComputedStyle(b).color") != approve.evaluate(
        "b => getComputedStyle(b).color"
    )

    # One click is not enough: the reason is required, and the page stays as it was.
    approve.click()
    reason = reviewer.get_by_label(
        _("Reasons (required: recorded in the evidence log)"), exact=True
    )
    assert reason.evaluate("t => t.validity.valueMissing")
    expect(reviewer.locator("main .status-pending").first).to_have_text(_("Pending review"))
    assert reviewer.url.endswith(f"/review/{work_id}")

    reason.fill(
        "The applicant showed the 2019 hand-drawn original; the registered print "
        "was derived from it."
    )
    approve.click()
    said = reviewer.get_by_role("status")
    expect(said).to_contain_text(f"W-{work_id}")
    expect(said).to_contain_text(NUMBER)


def test_a_tiff_original_is_viewed_as_png_and_downloaded(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    design = tmp_path / "design.tif"
    rgb = new_print(1200 + LANGS.index(lang))
    Image.fromarray(rgb).save(design)
    page = open_site(lang)
    sign_in(page, lang, "demo", live_server.passwords["demo"])
    nav(page, lang, "Apply").click()
    work_id = file_application(page, lang, design, f"TIFF ({lang})")

    with page.expect_download() as download:
        page.get_by_role(
            "link",
            name=_("Download the original file (%(format)s)") % {"format": "TIFF"},
            exact=True,
        ).click()
    saved = tmp_path / "original.tif"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"W-{work_id}.tif"
    assert saved.read_bytes() == design.read_bytes()

    page.get_by_role("link", name=_("Full size (PNG)"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/works/{work_id}/original.png")
    shown = page.locator("img").first  # Chromium shows an image as a document of one <img>
    expect(shown).to_be_visible()
    assert shown.evaluate("img => img.complete && img.naturalWidth") == rgb.shape[1]
