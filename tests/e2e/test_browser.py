"""The newcomer's tour in a real browser, in Chinese and in English: check a copy, apply,
review and approve, download the certificate, verify it by its QR code; and who may not.

Labels, buttons and links are found by the text the page shows in the language under test,
taken from the service's catalogues; each person switches to that language with the header's
link, from a browser that asks for the other one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from e2etools import (
    APPLICATION,
    LANGS,
    NUMBER,
    LiveServer,
    demo_print,
    file_application,
    get_json,
    gettext,
    mirrored_crop,
    nav,
    new_print,
    sign_in,
    write_png,
)
from playwright.sync_api import Page, expect
from tests.qr import pdf_qr_text

pytestmark = pytest.mark.parametrize("lang", LANGS)

COPIED = 3  # the demo print the check test copies: work id 4, "演示花样 Demo 04"
PASSWORD = "correct horse battery"


def registration_no(server: LiveServer, work_id: int) -> str:
    """A registered work's number, as the public API gives it."""
    return get_json(f"{server.url}/api/v1/works/{work_id}")["registration_no"]


def new_seed(lang: str, offset: int) -> int:
    """A fresh print per test and language: the registry refuses the same bytes twice."""
    return 1000 + 10 * offset + LANGS.index(lang)


def test_check_finds_the_copy_and_shows_where(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    copy = write_png(mirrored_crop(demo_print(COPIED)), tmp_path / "mirrored-crop.png")
    page = open_site(lang)
    nav(page, lang, "AI check").click()
    page.get_by_label(_("Image or photo"), exact=True).set_input_files(copy)
    page.get_by_role("button", name=_("Check"), exact=True).click()

    expect(page.get_by_role("heading", level=2)).to_contain_text(copy.name)
    best = page.locator("main").get_by_role("list").get_by_role("listitem").first
    expect(best).to_contain_text(_("Copy"))
    expect(best).to_contain_text(f"演示花样 Demo {COPIED + 1:02d}")
    number = registration_no(live_server, COPIED + 1)
    expect(best.get_by_role("link", name=number)).to_have_attribute("href", f"/verify/{number}")
    # The side-by-side explanation, drawn for this query, loaded under the page's CSP.
    picture = best.get_by_role(
        "img", name=_("Your image (left) and the match (right), the shared region marked")
    )
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 100")
    expect(best).to_contain_text(
        _("Left: your image. Right: the match. Lines join details that line up.")
    )


def test_apply_review_certificate_verify(
    open_site: Callable[[str], Page],
    visitor: Callable[[str], AbstractContextManager[Page]],
    live_server: LiveServer,
    tmp_path: Path,
    lang: str,
) -> None:
    _ = gettext(lang)
    design = write_png(new_print(new_seed(lang, 0)), tmp_path / "lotus.png")
    title = f"缠枝莲 Lotus scroll ({lang})"

    # (b) A designer creates an account, applies and sees the application pending.
    applicant = open_site(lang)
    applicant.locator("header").get_by_role("link", name=_("Create account"), exact=True).click()
    applicant.get_by_label(_("Username"), exact=True).fill(f"designer-{lang}")
    applicant.get_by_label(_("Your name"), exact=True).fill("王芳 Wang Fang")
    applicant.get_by_label(_("Studio or company (the owner of your designs)"), exact=True).fill(
        "柯桥花样工作室"
    )
    applicant.get_by_label(_("Password"), exact=True).fill(PASSWORD)
    applicant.get_by_label(_("Password again"), exact=True).fill(PASSWORD)
    applicant.get_by_role("button", name=_("Create account"), exact=True).click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(_("Apply to register a pattern"))
    work_id = file_application(applicant, lang, design, title)
    expect(applicant.get_by_role("heading", level=1)).to_contain_text(title)
    expect(applicant.locator("main .status-pending").first).to_have_text(_("Pending review"))
    expect(applicant.locator("main")).to_contain_text(
        _("Your application is waiting for a reviewer. This page shows its status.")
    )
    nav(applicant, lang, "My works").click()
    expect(applicant.get_by_role("link", name=title)).to_have_attribute(
        "href", f"/applications/{work_id}"
    )
    # The studio named at sign-up is only a claim until an administrator verifies it.
    applicant.goto(f"{live_server.url}/account")
    expect(applicant.locator("#party-claim")).to_contain_text(_("pending verification"))
    admin = open_site(lang)
    sign_in(admin, lang, "admin", live_server.passwords["admin"])
    admin.goto(f"{live_server.url}/admin/users")
    claim = admin.locator("#party-claims").get_by_role("row").filter(has_text=f"designer-{lang}")
    expect(claim).to_contain_text("柯桥花样工作室")
    claim.get_by_role("button", name=_("Verify"), exact=True).click()
    expect(admin.locator("#party-claims")).not_to_contain_text(f"designer-{lang}")
    applicant.reload()
    expect(applicant.locator("#party-claim")).to_contain_text(_("verified"))

    # (c) A reviewer opens the queue and the application, and approves it.
    reviewer = open_site(lang)
    sign_in(reviewer, lang, "reviewer", live_server.passwords["reviewer"])
    nav(reviewer, lang, "Review").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(
        _("Applications waiting for review")
    )
    reviewer.get_by_role("link", name=f"W-{work_id}", exact=True).click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(title)
    expect(reviewer.locator("main")).to_contain_text(APPLICATION["originality_statement"])
    reviewer.get_by_role("button", name=_("Approve and register"), exact=True).click()
    expect(reviewer.locator("main .status-registered").first).to_have_text(_("Registered"))
    expect(reviewer.locator("main")).to_contain_text(NUMBER)
    number = NUMBER.search(reviewer.locator("main").inner_text()).group(0)

    # The applicant's status page now shows the number and the certificate.
    applicant.goto(f"{live_server.url}/applications/{work_id}")
    expect(applicant.locator("main")).to_contain_text(number)
    certificate = applicant.get_by_role("link", name=_("Certificate (PDF)"), exact=True)
    expect(certificate).to_have_attribute("href", f"/works/{number}/certificate.pdf")

    # (d) Anyone looks the number up and downloads the certificate; its QR code is the
    # address of the public verification page.
    with visitor(lang) as page:
        nav(page, lang, "Verify a certificate").click()
        page.get_by_label(_("Registration number"), exact=True).fill(number)
        page.get_by_role("button", name=_("Verify"), exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        with page.expect_download() as download:
            page.get_by_role("link", name=_("Certificate (PDF)"), exact=True).click()
        pdf = tmp_path / "certificate.pdf"
        download.value.save_as(pdf)
        assert download.value.suggested_filename == f"{number}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF")
        qr_url = pdf_qr_text(pdf)
        assert qr_url == f"{live_server.url}/verify/{number}"

        # (e) The QR code's address: the record, proven against the latest checkpoint.
        page.goto(qr_url)
        verdict = page.get_by_role("status")
        expect(verdict).to_contain_text("✔ " + _("Verified"))
        expect(page.get_by_text("✔ " + _("verified"), exact=True)).to_have_count(2)
        expect(page.locator("main")).to_contain_text("柯桥花样工作室")
        expect(page.locator("main .status-registered").first).to_have_text(_("Registered"))
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh" else "en")


def test_a_reviewer_cannot_approve_their_own_application(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    design = write_png(new_print(new_seed(lang, 1)), tmp_path / "own.png")
    page = open_site(lang)  # the demo administrator both applies and reviews
    sign_in(page, lang, "admin", live_server.passwords["admin"])
    nav(page, lang, "Apply").click()
    work_id = file_application(page, lang, design, f"自己的 Own design ({lang})")
    nav(page, lang, "Review").click()
    page.get_by_role("link", name=f"W-{work_id}", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        _("This is your own application: another reviewer must decide it.")
    )
    expect(page.get_by_role("button", name=_("Approve and register"), exact=True)).to_have_count(0)
    expect(page.locator("main .status-pending").first).to_have_text(_("Pending review"))


def test_anonymous_visitors_sign_in_before_applying(
    open_site: Callable[[str], Page], live_server: LiveServer, lang: str
) -> None:
    _ = gettext(lang)
    page = open_site(lang)
    hero = page.locator("main")
    hero.get_by_role("link", name=_("Apply to register a pattern"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/login\?next=/apply$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Sign in"))
    page.get_by_label(_("Username"), exact=True).fill("demo")
    page.get_by_label(_("Password"), exact=True).fill(live_server.passwords["demo"])
    page.get_by_role("button", name=_("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/apply")
    # The owner defaults to the party the demo applicant acts for.
    expect(page.get_by_label(_("Owner (person or company)"), exact=True)).to_have_value(
        "演示 Demo 工作室"
    )
