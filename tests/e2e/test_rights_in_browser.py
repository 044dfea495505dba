"""The bank story (issue 15) in Chromium, in Chinese and in English, the scripted chain of
the issue's "Done when": register → licence (non-exclusive) → pledge application, refused
once on each Art 12 ground Fangdu checks, then made for a collection of two works → the
national register's number → transfer refused without the pledgee's consent → consent →
transfer → partial release → due-diligence report verified offline and regenerated
byte-identically. The same chain on the command line: tests/rights/test_cli.py.

The bank officer's account is made with ``fangdu user add`` against the running service's home,
as an administrator would; the owner is the demo's applicant (its party owns the demo prints).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from e2etools import (
    LANGS,
    LiveServer,
    _fangdu_command,
    demo_prior_art,
    fill_application,
    get_json,
    gettext,
    mirrored_crop,
    nav,
    new_print,
    sign_in,
    write_png,
)
from playwright.sync_api import Page, expect

from fangdu.ledger.entries import parse_entry
from fangdu.rights.report import verify_report

pytestmark = pytest.mark.parametrize("lang", LANGS)

PASSWORD = "correct horse battery"
BANK = "柯桥农商银行"
OWNER = "演示 Demo 工作室"  # fangdu.web.demo.OWNER
PDF = {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
COLLECTION = {"zh": 5, "en": 6}  # a demo print each joins the pledged collection
SEED = {"zh": 1500, "en": 1600}  # new prints filed in the browser
DOCUMENTS = ("main_contract", "pledge_contract", "pledgor_id", "pledgee_id", "prior_licences")


@pytest.fixture
def bank(live_server: LiveServer, lang: str) -> tuple[str, str]:
    """A bank officer for each language's run, acting for its own bank: (username, bank)."""
    username, party = f"bank-{lang}", f"{BANK} {lang}"
    subprocess.run(
        [
            *_fangdu_command(),
            "--home",
            str(live_server.home),
            "user",
            "add",
            username,
            "--role",
            "bank_officer",
            "--party",
            party,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return username, party


def _recorded(page: Page) -> None:
    expect(page.get_by_role("status")).to_contain_text("R-")
    expect(page.get_by_role("alert")).to_have_count(0)


def _refused(page: Page, lang: str, *texts: str) -> None:
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(gettext(lang)("Refused"))
    for text in texts:
        expect(alert).to_contain_text(text)


def _register(
    applicant: Page,
    reviewer: Page,
    server: LiveServer,
    lang: str,
    image: Path,
    *,
    created_on: str,
    owner: str,
) -> int:
    """The applicant files a work in the browser and the reviewer approves it (with a
    reason, which a copy needs): a registered work, its id."""
    _ = gettext(lang)
    nav(applicant, lang, "Apply").click()
    fill_application(applicant, lang, image, f"{image.stem} ({lang})")
    applicant.get_by_label(_("Owner (person or company)"), exact=True).fill(owner)
    applicant.get_by_label(_("Created on"), exact=True).fill(created_on)
    applicant.get_by_role("button", name=_("Check and file the application"), exact=True).click()
    applicant.wait_for_url(re.compile(r".*/applications/\d+$"))
    work = int(applicant.url.rsplit("/", 1)[1])
    reviewer.goto(f"{server.url}/review/{work}")
    reviewer.locator("#reason").fill("The applicant showed the dated hand-drawn original.")
    reviewer.get_by_role("button", name=_("Approve and register"), exact=True).click()
    expect(reviewer.get_by_role("status")).to_contain_text(f"W-{work}")
    return work


def _apply_for_pledge(
    officer: Page,
    server: LiveServer,
    lang: str,
    work: int,
    *,
    debt_ends: str,
    pledgors: str = "",
    also: str = "",
) -> None:
    """The bank officer fills in the pledge application on the work's page and sends it."""
    _ = gettext(lang)
    officer.goto(f"{server.url}/works/{work}/rights")
    form = officer.locator("#pledge-form")
    form.get_by_label(_("Secured claim"), exact=True).fill("loan KQ-2026-001")
    form.get_by_label(_("Amount"), exact=True).fill("1000000 CNY")
    form.get_by_label(_("Debtor's term ends"), exact=True).fill(debt_ends)
    form.get_by_label(_("Scope of the security"), exact=True).fill("principal and interest")
    form.get_by_label(_("Term of the security"), exact=True).fill("two years")
    form.get_by_label(_("Pledgor(s) (empty: the owners)"), exact=True).fill(pledgors)
    form.get_by_label(
        _("Other works of the same pledge (registration or W- numbers)"), exact=True
    ).fill(also)
    form.get_by_label(
        _("Other signatories of the contract (the pledgor, co-owners)"), exact=True
    ).fill(OWNER)
    for role in DOCUMENTS:
        form.locator(f"#pl-{role}").set_input_files(PDF)
    form.get_by_role("button", name=_("Record the pledge application")).click()


def _download_report(
    officer: Page, server: LiveServer, lang: str, work: int, maturity: str, kind: str, path: Path
) -> bytes:
    _ = gettext(lang)
    officer.goto(f"{server.url}/works/{work}/rights")
    officer.get_by_label(_("Loan maturity"), exact=True).fill(maturity)
    officer.get_by_label(_("Format"), exact=True).select_option(kind)
    with officer.expect_download() as download:
        officer.get_by_role("button", name=_("Download the report")).click()
    download.value.save_as(path)
    return path.read_bytes()


def test_the_bank_story(
    open_site: Callable[[str], Page],
    live_server: LiveServer,
    bank: tuple[str, str],
    tmp_path: Path,
    lang: str,
) -> None:
    _ = gettext(lang)
    server = live_server
    buyer = f"杭州丝绸 Hangzhou Silk {lang}"
    licensee = f"绍兴织造 Shaoxing Weaving {lang}"
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    debt_ends = (today + dt.timedelta(days=730)).isoformat()

    # Register: the owner's new print, an old one whose protection has ended, and a copy of a
    # market photo the check found as prior art (approved anyway: a disputed title).
    owner = open_site(lang)
    sign_in(owner, lang, "demo", server.passwords["demo"])
    reviewer = open_site(lang)
    sign_in(reviewer, lang, "reviewer", server.passwords["reviewer"])
    seed = SEED[lang]
    prints = {
        "ours": write_png(new_print(seed), tmp_path / "新花样 new print.png"),
        "old": write_png(new_print(seed + 1), tmp_path / "老花样 old print.png"),
        "copied": write_png(
            mirrored_crop(demo_prior_art(LANGS.index(lang))), tmp_path / "仿 copied.png"
        ),
    }
    work = _register(
        owner, reviewer, server, lang, prints["ours"], created_on="2026-03-01", owner=OWNER
    )
    expired = _register(
        owner, reviewer, server, lang, prints["old"], created_on="1960-01-01", owner=OWNER
    )
    disputed = _register(
        owner, reviewer, server, lang, prints["copied"], created_on="2026-03-01", owner=OWNER
    )
    other = COLLECTION[lang]
    rights = f"{server.url}/works/{work}/rights"

    # The public record leads to the rights page.
    number = get_json(f"{server.url}/api/v1/works/{work}")["registration_no"]
    owner.goto(f"{server.url}/verify")
    owner.get_by_label(_("Registration number"), exact=True).fill(number)
    owner.get_by_role("button", name=_("Verify")).click()
    owner.get_by_role(
        "link", name=_("Rights register: owners, licences, pledges (parties, banks)")
    ).click()
    expect(owner).to_have_url(rights)
    expect(owner.get_by_role("heading", level=1)).to_contain_text(_("Rights"))
    expect(owner.locator("main")).to_contain_text(OWNER)

    # Licence (non-exclusive), signed by the owner's account and declared for the licensee.
    form = owner.locator("#licence-form")
    form.get_by_label(_("Licensee"), exact=True).fill(licensee)
    form.get_by_label(_("Ends on"), exact=True).fill((today + dt.timedelta(days=365)).isoformat())
    form.get_by_label(_("Fee"), exact=True).fill("20000 CNY")
    form.get_by_label(_("Liability for breach"), exact=True).fill("as the contract")
    form.get_by_label(
        _("Other signatories of the contract (the licensee, co-owners)"), exact=True
    ).fill(licensee)
    form.get_by_label(_("Licence contract (PDF or image)"), exact=True).set_input_files(PDF)
    form.get_by_role("button", name=_("Record the licence")).click()
    _recorded(owner)
    history = owner.locator("table.history")
    expect(history).to_contain_text(_("Licence"))
    expect(history).to_contain_text(_("signed in as itself"))
    expect(history).to_contain_text(
        _("declared by the submitter; the registry has not seen this signature made")
    )
    expect(owner.locator("#consent-form")).to_have_count(0)  # the bank's own forms
    expect(owner.locator("#pl-pledgee")).to_be_visible()  # an owner's application names its bank

    # The pledge application, refused once on each Art 12 ground Fangdu checks; nothing written.
    officer = open_site(lang)
    username, pledgee = bank
    sign_in(officer, lang, username, PASSWORD)
    _apply_for_pledge(officer, server, lang, work, debt_ends=debt_ends, pledgors="路人甲 Stranger")
    _refused(officer, lang, "Art 12 (1)", "路人甲 Stranger")
    _apply_for_pledge(officer, server, lang, expired, debt_ends=debt_ends)
    _refused(officer, lang, "Art 12 (3)", "2010-12-31")
    _apply_for_pledge(officer, server, lang, work, debt_ends="2099-12-31")
    _refused(officer, lang, "Art 12 (4)")
    _apply_for_pledge(officer, server, lang, disputed, debt_ends=debt_ends)
    _refused(officer, lang, "Art 12 (5)", "P-")
    nav(officer, lang, "Pledges").click()
    expect(officer.locator("main")).to_contain_text(_("Your bank holds no pledge on record."))

    # The application for a collection: the new print and a demo print of the same owner.
    _apply_for_pledge(officer, server, lang, work, debt_ends=debt_ends, also=f"W-{other}")
    _recorded(officer)
    pending = officer.get_by_role(
        "heading", name=_("Pledges pending national registration")
    ).locator("xpath=following-sibling::*[2]")
    expect(pending).to_contain_text(pledgee)
    expect(
        officer.get_by_role("heading", name=_("Pledges in force")).locator(
            "xpath=following-sibling::*[1]"
        )
    ).to_contain_text(_("No pledge in force on this date."))

    # The national register's number: in force from today, on both works.
    form = officer.locator("#registration-form")
    form.get_by_label(_("National register number"), exact=True).fill(f"2026-Z-{work:05d}")
    form.get_by_label(_("Registration certificate (PDF or image)"), exact=True).set_input_files(PDF)
    form.get_by_role("button", name=_("Record the registration")).click()
    _recorded(officer)
    in_force = officer.get_by_role("heading", name=_("Pledges in force")).locator(
        "xpath=following-sibling::*[1]"
    )
    expect(in_force).to_contain_text(pledgee)

    # The owner's transfer is refused: the work is pledged and the bank has not consented.
    def transfer() -> None:
        owner.goto(rights)
        form = owner.locator("#transfer-form")
        form.get_by_label(_("Transferee(s)"), exact=True).fill(buyer)
        form.get_by_label(_("Price"), exact=True).fill("3000000 CNY")
        form.get_by_label(_("Date and manner of payment"), exact=True).fill("on signing")
        form.get_by_label(_("Liability for breach"), exact=True).fill("as the contract")
        form.get_by_label(_("Where the price goes (pledged work)"), exact=True).select_option(
            "escrow"
        )
        form.get_by_label(
            _("Other signatories of the contract (the transferee(s), co-owners)"), exact=True
        ).fill(buyer)
        form.get_by_label(_("Transfer contract (PDF or image)"), exact=True).set_input_files(PDF)
        form.get_by_role("button", name=_("Record the transfer")).click()

    transfer()
    _refused(owner, lang, "consent", "民法典 Art 444")
    officer.goto(f"{server.url}/rights/watch")
    expect(officer.locator("table.watch")).to_contain_text(
        _("Transfer attempted without consent: refused")
    )

    # The bank consents to that transfer; now it goes through and the pledge stays.
    officer.goto(rights)
    form = officer.locator("#consent-form")
    form.get_by_label(_("Consent to"), exact=True).select_option("transfer")
    form.get_by_label(_("Transferee(s) or licensee"), exact=True).fill(buyer)
    form.get_by_role("button", name=_("Record the consent")).click()
    _recorded(officer)
    transfer()
    _recorded(owner)
    expect(owner.locator("table").first).to_contain_text(buyer)
    expect(owner.locator("table.history")).to_contain_text(_("Transfer"))
    expect(owner.locator("table.history a").first).to_have_attribute(
        "href", re.compile(r"^/api/v1/proofs/inclusion\?index=\d+$")
    )

    # Partial release: the new print is repaid, the demo print stays pledged.
    officer.goto(rights)
    officer.locator("#release-form").get_by_role("button", name=_("Release this work")).click()
    _recorded(officer)
    expect(officer.locator("table.history")).to_contain_text(_("Pledge released"))
    officer.goto(f"{rights}?as_of={tomorrow}")
    expect(officer.locator("main")).to_contain_text(_("No pledge in force on this date."))
    officer.goto(f"{server.url}/works/{other}/rights?as_of={tomorrow}")
    expect(
        officer.get_by_role("heading", name=_("Pledges in force")).locator(
            "xpath=following-sibling::*[1]"
        )
    ).to_contain_text(pledgee)
    nav(officer, lang, "Pledges").click()
    portfolio = officer.locator("table.pledges")
    expect(portfolio).to_contain_text(f"2026-Z-{work:05d}")
    other_number = get_json(f"{server.url}/api/v1/works/{other}")["registration_no"]
    expect(portfolio.locator("tr", has_text=number)).to_contain_text(_("Released"))
    expect(portfolio.locator("tr", has_text=other_number)).to_contain_text(_("In force"))

    # The due-diligence report: verified offline, and the same checkpoint gives the same bytes.
    first = _download_report(officer, server, lang, work, debt_ends, "json", tmp_path / "r1.json")
    again = _download_report(officer, server, lang, work, debt_ends, "json", tmp_path / "r2.json")
    assert first == again
    pdf = _download_report(officer, server, lang, work, debt_ends, "pdf", tmp_path / "r1.pdf")
    assert pdf.startswith(b"%PDF")
    assert pdf == _download_report(
        officer, server, lang, work, debt_ends, "pdf", tmp_path / "r2.pdf"
    )
    log_key = get_json(server.url + "/api/v1/log/checkpoint")["log_key"]
    assert verify_report(first, log_key)
    (tmp_path / "policy.toml").write_text(f'log_key = "{log_key}"\n')
    checked = subprocess.run(
        [
            *_fangdu_command(),
            "verify",
            str(tmp_path / "r1.json"),
            "--policy",
            str(tmp_path / "policy.toml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert checked.stdout.count("ok:") == 4, checked.stdout
    report = json.loads(first)["report"]
    assert [a["action"] for a in _actions(report)] == [
        "licence",
        "pledge",
        "pledge_registration",
        "consent",
        "transfer",
        "pledge_release",
    ]


def _actions(report: dict) -> list[dict]:
    """The rights records among the report's entries, in log order."""
    facts = [parse_entry(base64.b64decode(e["entry"]))["body"]["facts"] for e in report["entries"]]
    return [f for f in facts if "action" in f]
