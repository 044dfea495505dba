"""On a phone, in Chromium (issue 12, findings 17 and 18): the side-by-side comparison opens
full size when tapped, and the verification page answers in plain words before its proof."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from e2etools import (
    LANGS,
    OTHER_LOCALE,
    LiveServer,
    demo_print,
    get_json,
    gettext,
    mirrored_crop,
    switch_language,
    write_png,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.parametrize("lang", LANGS)

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
COPIED = 6  # the demo print the check copies


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[str], Page]]:
    """``phone(lang)``: a person on a 390 × 844 touch screen, in ``lang``."""
    contexts: list[BrowserContext] = []

    def open_(lang: str) -> Page:
        context = browser.new_context(locale=OTHER_LOCALE[lang], **PHONE)
        contexts.append(context)
        page = context.new_page()
        switch_language(page, live_server, lang)
        return page

    yield open_
    for context in contexts:
        context.close()


def test_tapping_the_comparison_shows_it_full_size(
    phone: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    copy = write_png(mirrored_crop(demo_print(COPIED)), tmp_path / "stall-photo.png")
    page = phone(lang)
    page.goto(live_server.url + "/check")
    page.get_by_label(_("Image or photo"), exact=True).set_input_files(copy)
    page.get_by_role("button", name=_("Check"), exact=True).tap()
    picture = page.get_by_role(
        "img", name=_("Your image (left) and the match (right), the shared region marked")
    ).first
    expect(picture).to_be_visible()
    natural = picture.evaluate("img => img.naturalWidth")
    # In the page, the picture is squeezed into the phone's width: too small to read.
    assert picture.bounding_box()["width"] < natural / 2
    expect(page.locator("main")).to_contain_text(_("Tap the picture to see it full size."))

    picture.tap()
    figure = page.locator("figure.explanation:target")
    expect(figure).to_have_count(1)
    # Over the whole screen, the picture at its own size, panned by scrolling.
    assert figure.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert picture.bounding_box()["width"] == pytest.approx(natural, abs=1)
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")
    close = figure.get_by_role("link", name=_("Close"), exact=True)
    expect(close).to_be_visible()

    close.tap()
    expect(page.locator("figure.explanation:target")).to_have_count(0)
    assert picture.bounding_box()["width"] < natural / 2


def test_the_verification_page_answers_plainly_first(
    phone: Callable[[str], Page], live_server: LiveServer, lang: str
) -> None:
    _ = gettext(lang)
    work = get_json(f"{live_server.url}/api/v1/works/1")
    page = phone(lang)
    page.goto(f"{live_server.url}/verify/{work['registration_no']}")
    answer = page.get_by_role("status").locator(".answer")
    expect(answer).to_be_visible()
    for fact in (work["registration_no"], work["title"], work["owner"]):
        expect(answer).to_contain_text(fact)
    # The answer is on the first screen; the log's proof is folded away until asked for.
    assert answer.bounding_box()["y"] + answer.bounding_box()["height"] < 844
    root_hash = page.get_by_text(_("Root hash"), exact=True)
    expect(root_hash).to_be_hidden()
    page.get_by_text(_("Technical details"), exact=True).tap()
    expect(root_hash).to_be_visible()
