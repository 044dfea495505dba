"""The bank story (issue 15) in Chromium, in Chinese and in English: the owner records a
licence, the bank officer records a pledge application, the owner's transfer is refused
without the pledgee's consent, the bank consents, the transfer goes through, the bank
downloads the due-diligence report, which verifies offline against the log's key, enters the
national register's number and releases the pledge.

The bank officer's account is made with ``fangdu user add`` against the running service's home,
as an administrator would; the owner is the demo's applicant (its party owns the demo prints).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from e2etools import LANGS, LiveServer, _fangdu_command, get_json, gettext, sign_in
from playwright.sync_api import Page, expect

from fangdu.rights.report import verify_report

pytestmark = pytest.mark.parametrize("lang", LANGS)

PASSWORD = "correct horse battery"
BANK = "柯桥农商银行"
OWNER = "演示 Demo 工作室"  # fangdu.web.demo.OWNER
PDF = {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
WORK = {"zh": 5, "en": 6}  # a demo print each, so the two runs do not meet


@pytest.fixture(scope="module")
def bank(live_server: LiveServer) -> str:
    subprocess.run(
        [
            *_fangdu_command(),
            "--home",
            str(live_server.home),
            "user",
            "add",
            "bank",
            "--role",
            "bank_officer",
            "--party",
            BANK,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return "bank"


def _recorded(page: Page) -> None:
    expect(page.get_by_role("status")).to_contain_text("R-")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_the_bank_story(
    open_site: Callable[[str], Page],
    live_server: LiveServer,
    bank: str,
    tmp_path: Path,
    lang: str,
) -> None:
    _ = gettext(lang)
    work = WORK[lang]
    rights = f"{live_server.url}/works/{work}/rights"
    buyer = f"杭州丝绸 Hangzhou Silk {lang}"
    licensee = f"绍兴织造 Shaoxing Weaving {lang}"
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()

    owner = open_site(lang)
    sign_in(owner, lang, "demo", live_server.passwords["demo"])
    # The public record leads to the rights page.
    number = get_json(f"{live_server.url}/api/v1/works/{work}")["registration_no"]
    owner.goto(f"{live_server.url}/verify")
    owner.get_by_label(_("Registration number"), exact=True).fill(number)
    owner.get_by_role("button", name=_("Verify")).click()
    owner.get_by_role(
        "link", name=_("Rights register: owners, licences, pledges (parties, banks)")
    ).click()
    expect(owner).to_have_url(rights)
    expect(owner.get_by_role("heading", level=1)).to_contain_text(_("Rights"))
    expect(owner.locator("main")).to_contain_text(OWNER)

    # (1) The owner records a non-exclusive licence, signed by the licensee too.
    form = owner.locator("#licence-form")
    form.get_by_label(_("Licensee"), exact=True).fill(licensee)
    form.get_by_label(_("Ends on"), exact=True).fill((today + dt.timedelta(days=365)).isoformat())
    form.get_by_label(_("Fee"), exact=True).fill("20000 CNY")
    form.get_by_label(_("Liability for breach"), exact=True).fill("as the contract")
    form.get_by_label(_("Also signed by (the licensee, co-owners)"), exact=True).fill(licensee)
    form.get_by_label(_("Licence contract (PDF or image)"), exact=True).set_input_files(PDF)
    form.get_by_role("button", name=_("Record the licence")).click()
    _recorded(owner)
    expect(owner.locator("main")).to_contain_text(licensee)
    # No bank forms for the owner.
    expect(owner.locator("#pledge-form")).to_have_count(0)

    # (2) The bank officer records its pledge application with the Art 6 documents.
    officer = open_site(lang)
    sign_in(officer, lang, bank, PASSWORD)
    officer.goto(rights)
    expect(officer.locator("#licence-form")).to_have_count(0)
    form = officer.locator("#pledge-form")
    form.get_by_label(_("Secured claim"), exact=True).fill("loan KQ-2026-001")
    form.get_by_label(_("Amount"), exact=True).fill("1000000 CNY")
    debt_ends = (today + dt.timedelta(days=730)).isoformat()
    form.get_by_label(_("Debtor's term ends"), exact=True).fill(debt_ends)
    form.get_by_label(_("Scope of the security"), exact=True).fill("principal and interest")
    form.get_by_label(_("Term of the security"), exact=True).fill("two years")
    form.get_by_label(_("Also signed by (the pledgor, co-owners)"), exact=True).fill(OWNER)
    for role in ("main_contract", "pledge_contract", "pledgor_id", "pledgee_id", "prior_licences"):
        form.locator(f"#pl-{role}").set_input_files(PDF)
    form.get_by_role("button", name=_("Record the pledge application")).click()
    _recorded(officer)
    expect(officer.locator("main")).to_contain_text(BANK)

    # (3) The owner's transfer is refused: the work is pledged and the bank has not consented.
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
        form.get_by_label(_("Also signed by (the transferee(s), co-owners)"), exact=True).fill(
            buyer
        )
        form.get_by_label(_("Transfer contract (PDF or image)"), exact=True).set_input_files(PDF)
        form.get_by_role("button", name=_("Record the transfer")).click()

    transfer()
    alert = owner.get_by_role("alert")
    expect(alert).to_contain_text(_("Refused"))
    expect(alert).to_contain_text("consent")

    # (4) The bank consents to that transfer.
    officer.goto(rights)
    form = officer.locator("#consent-form")
    form.get_by_label(_("Consent to"), exact=True).select_option("transfer")
    form.get_by_label(_("Transferee(s) or licensee"), exact=True).fill(buyer)
    form.get_by_role("button", name=_("Record the consent")).click()
    _recorded(officer)

    # (5) Now the transfer goes through: the buyer owns the work, the pledge stays.
    transfer()
    _recorded(owner)
    owners = owner.locator("table").first
    expect(owners).to_contain_text(buyer)
    expect(owner.locator("table.history")).to_contain_text(_("Transfer"))
    expect(owner.locator("table.history a").first).to_have_attribute(
        "href", re.compile(r"^/api/v1/proofs/inclusion\?index=\d+$")
    )

    # (6) The bank downloads the due-diligence report; it verifies offline.
    officer.goto(rights)
    officer.get_by_label(_("Loan maturity"), exact=True).fill(debt_ends)
    officer.get_by_label(_("Format"), exact=True).select_option("json")
    with officer.expect_download() as download:
        officer.get_by_role("button", name=_("Download the report")).click()
    path = tmp_path / "report.json"
    download.value.save_as(path)
    data = path.read_bytes()
    assert json.loads(data)["signature"]
    log_key = get_json(live_server.url + "/api/v1/log/checkpoint")["log_key"]
    assert verify_report(data, log_key)

    # (7) The national register records the pledge: in force from today.
    officer.goto(rights)
    form = officer.locator("#registration-form")
    form.get_by_label(_("National register number"), exact=True).fill(f"2026-Z-{work:05d}")
    form.get_by_label(_("Registration certificate (PDF or image)"), exact=True).set_input_files(PDF)
    form.get_by_role("button", name=_("Record the registration")).click()
    _recorded(officer)
    in_force = officer.get_by_role("heading", name=_("Pledges in force")).locator(
        "xpath=following-sibling::*[1]"
    )
    expect(in_force).to_contain_text(BANK)

    # (8) Repaid: the bank releases the work; from tomorrow no pledge is in force.
    form = officer.locator("#release-form")
    form.get_by_role("button", name=_("Release this work")).click()
    _recorded(officer)
    expect(officer.locator("table.history")).to_contain_text(_("Pledge released"))
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    officer.goto(f"{rights}?as_of={tomorrow}")
    expect(officer.locator("main")).to_contain_text(_("No pledge in force on this date."))
