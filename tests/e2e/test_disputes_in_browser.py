"""Issue 16's "Done when", first half, in Chromium, in Chinese and in English: the owner records
a licence, watches two works and uploads a monitor batch → leads (the licensee's closed as
licensed at once, an old shop's flagged for prior use) → a case on the stall's lead → the
reviewer's decision with its reason code → the warning letter delivered in the app → the
respondent, by the case token printed in it, shows a licence → the reviewer closes the case as
licensed; both sides read the same record, every state change with its log entry; the owner's
court package verifies offline and `fangdu ledger fsck` passes. The second half: mediation to a
signed agreement, the 司法确认 pre-check and package, the court's judge and the court package
verified offline.

The owner is the demo's applicant (its party owns the demo prints), the reviewer the demo's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from e2etools import (
    LANGS,
    LiveServer,
    _fangdu_command,
    demo_print,
    gettext,
    mirrored_crop,
    nav,
    sign_in,
    write_png,
)
from playwright.sync_api import Page, expect

from fangdu.web.pages.disputes import (
    ANSWER_LABELS,
    ART29_LABELS,
    MEDIATION_OUTCOME_LABELS,
    OUTCOME_LABELS,
    REASON_LABELS,
)

pytestmark = pytest.mark.parametrize("lang", LANGS)

PDF = {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
# Demo prints (0-based; work id index + 1) of each run, so the two runs do not meet; the rights
# test uses works 5 and 6 on its own server.
PRINTS = {"zh": (0, 1), "en": (2, 3)}
MEDIATED = {
    "zh": 7,
    "en": 5,
}  # the mediation half (a work no title check finds an earlier look-alike of)
PASSWORD = "correct horse battery"


def _upload(page: Page, lang: str, photo: Path, merchant: str, seen: dt.date) -> None:
    _ = gettext(lang)
    form = page.locator("#monitor-form")
    form.get_by_label(_("Photos (at most 20)"), exact=True).set_input_files(photo)
    form.get_by_label(_("Where (stall and floor, web address or catalogue)")).fill("轻纺城北市场")
    form.get_by_label(_("Merchant"), exact=True).fill(merchant)
    form.get_by_label(_("Day seen"), exact=True).fill(seen.isoformat())
    form.get_by_label(_("Device"), exact=True).fill("iPhone 15")
    form.get_by_role("button", name=_("Upload and run the monitor")).click()
    expect(page.locator("#import-result")).to_contain_text("S-")


def test_the_licensed_half_of_done_when(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    _ = gettext(lang)
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    first, second = PRINTS[lang]
    licensee, stall, old_shop = (
        f"绍兴印染厂 licensee {lang}",
        f"某布行 stall 2088 {lang}",
        f"老字号布行 old shop {lang}",
    )

    # The owner records a licence of the first work to the licensee.
    owner = open_site(lang)
    sign_in(owner, lang, "demo", live_server.passwords["demo"])
    owner.goto(f"{live_server.url}/works/{first + 1}/rights")
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
    expect(owner.get_by_role("status")).to_contain_text("R-")

    # Watch both works; a monitor batch from three merchants.
    nav(owner, lang, "Disputes").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        _("Rights protection: monitoring and cases")
    )
    for index in (first, second):
        owner.get_by_label(_("Registration number or W-number of a work you own")).fill(
            f"W-{index + 1}"
        )
        owner.get_by_role("button", name=_("Watch"), exact=True).click()
        expect(owner.get_by_role("alert")).to_have_count(0)
    copy_a = write_png(mirrored_crop(demo_print(first)), tmp_path / "stall-a.png")
    copy_b = write_png(mirrored_crop(demo_print(second)), tmp_path / "stall-b.png")
    _upload(owner, lang, copy_a, licensee, today)
    _upload(owner, lang, copy_a, stall, today)
    _upload(owner, lang, copy_b, old_shop, dt.date(2025, 6, 1))

    leads = owner.locator("table.leads tbody tr")
    licensed_row = leads.filter(has_text=licensee)
    expect(licensed_row).to_have_class(re.compile("lead-licensed"))
    expect(licensed_row.get_by_role("button", name=_("Open a case"))).to_have_count(0)
    expect(leads.filter(has_text=old_shop).locator(".flag-prior_use")).to_have_count(1)

    # A case on the stall's lead: a draft; no notice before the reviewer's decision.
    leads.filter(has_text=stall).get_by_role("button", name=_("Open a case")).click()
    expect(owner.locator("#case-state")).to_have_attribute("data-state", "draft")
    expect(owner.locator("#notice-form")).to_have_count(0)
    case_url = owner.url
    case_number = case_url.rstrip("/").rsplit("/", 1)[1]

    reviewer = open_site(lang)
    sign_in(reviewer, lang, "reviewer", live_server.passwords["reviewer"])
    reviewer.goto(case_url)
    reviewer.get_by_label(_(REASON_LABELS["proceed"])).check()
    reviewer.get_by_label(_("Note (recorded in the evidence log)")).fill("同一花样 the same print")
    reviewer.get_by_role("button", name=_("Record the decision")).click()
    expect(reviewer.locator("#case-state")).to_have_attribute("data-state", "reviewed")

    # The warning letter, delivered in the app; its token is shown once.
    owner.goto(case_url)
    owner.get_by_label(_("Metres sold (the fee follows the published tariff)")).fill("40")
    owner.get_by_role("button", name=_("Deliver the notice in the app")).click()
    expect(owner.locator("#case-state")).to_have_attribute("data-state", "notice_sent")
    token = owner.locator("#case-token").inner_text().strip()
    assert token

    # The respondent, with no account: the case number and token from the letter.
    respondent = open_site(lang)
    respondent.goto(f"{live_server.url}/respond")
    respondent.get_by_label(_("Case number"), exact=True).fill(f"C-{case_number}")
    respondent.get_by_label(_("Case token"), exact=True).fill(token)
    respondent.get_by_role("button", name=_("Open the case")).click()
    expect(respondent.locator("#case-state")).to_have_attribute("data-state", "notice_sent")
    respondent.get_by_label(_(ANSWER_LABELS["licence"])).check()
    respondent.get_by_label(_("Document (licence or invoice)")).set_input_files(PDF)
    respondent.get_by_role("button", name=_("Send the answer")).click()
    expect(respondent.locator("#case-state")).to_have_attribute("data-state", "responded")

    # The reviewer closes the case as licensed, on the licence shown.
    reviewer.goto(case_url)
    reviewer.get_by_label(_("Outcome"), exact=True).select_option(
        label=_(OUTCOME_LABELS["licensed"])
    )
    reviewer.get_by_label(_("Reason"), exact=True).fill("the stall showed a licence")
    reviewer.get_by_role("button", name=_("Close"), exact=True).click()
    expect(reviewer.locator("#case-state")).to_have_attribute("data-state", "licensed")
    steps = reviewer.locator("#case-events tbody tr td.to")
    expect(steps).to_have_text(["draft", "reviewed", "notice_sent", "responded", "licensed"])

    # Both sides read the same record: the owner sees the same log entries.
    owner.goto(case_url)
    expect(owner.locator("#case-events tbody tr td.to")).to_have_text(
        ["draft", "reviewed", "notice_sent", "responded", "licensed"]
    )
    with owner.expect_download() as download:
        owner.get_by_role(
            "link", name=_("Download the court package (BagIt, verifiable offline)")
        ).click()
    bag = tmp_path / "court.zip"
    download.value.save_as(bag)
    _verified_offline(bag, tmp_path)
    _fsck(live_server)


def _user(live_server: LiveServer, username: str, role: str, party: str | None) -> None:
    subprocess.run(
        [*_fangdu_command(), "--home", str(live_server.home), "user", "add", username,
         "--role", role, *(["--party", party] if party else []), "--password-stdin"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )  # fmt: skip


def test_the_mediation_half_of_done_when(
    open_site: Callable[[str], Page], live_server: LiveServer, tmp_path: Path, lang: str
) -> None:
    """A case → the respondent accepts mediation → the centre takes it in and assigns the
    mediator, who accepts → the agreement, signed by all → the case closes."""
    _ = gettext(lang)
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    mediator_name = f"调解员 陈 {lang}"
    _user(live_server, f"mediator-{lang}", "mediator", mediator_name)
    subprocess.run(
        [*_fangdu_command(), "--home", str(live_server.home), "mediation", "roster-add",
         mediator_name, "--profile", "柯桥区人民调解委员会"],
        text=True, check=True, capture_output=True,
    )  # fmt: skip
    market = f"新新布行 3016 {lang}"
    work = MEDIATED[lang]

    owner = open_site(lang)
    sign_in(owner, lang, "demo", live_server.passwords["demo"])
    nav(owner, lang, "Disputes").click()
    owner.get_by_label(_("Registration number or W-number of a work you own")).fill(f"W-{work}")
    owner.get_by_role("button", name=_("Watch"), exact=True).click()
    photo = write_png(mirrored_crop(demo_print(work - 1)), tmp_path / "market.png")
    _upload(owner, lang, photo, market, today)
    owner.locator("table.leads tbody tr").filter(has_text=market).get_by_role(
        "button", name=_("Open a case")
    ).click()
    owner.wait_for_load_state()
    assert owner.get_by_role("alert").count() == 0, owner.get_by_role("alert").all_inner_texts()
    case_url = owner.url
    case_number = case_url.rstrip("/").rsplit("/", 1)[1]

    reviewer = open_site(lang)
    sign_in(reviewer, lang, "reviewer", live_server.passwords["reviewer"])
    reviewer.goto(case_url)
    reviewer.get_by_label(_(REASON_LABELS["proceed"])).check()
    reviewer.get_by_role("button", name=_("Record the decision")).click()
    expect(reviewer.locator("#case-state")).to_have_attribute("data-state", "reviewed")

    owner.goto(case_url)
    owner.get_by_label(_("Metres sold (the fee follows the published tariff)")).fill("800")
    owner.get_by_role("button", name=_("Deliver the notice in the app")).click()
    token = owner.locator("#case-token").inner_text().strip()

    respondent = open_site(lang)
    respondent.goto(f"{live_server.url}/respond")
    respondent.get_by_label(_("Case number"), exact=True).fill(f"C-{case_number}")
    respondent.get_by_label(_("Case token"), exact=True).fill(token)
    respondent.get_by_role("button", name=_("Open the case")).click()
    respondent.get_by_label(_(ANSWER_LABELS["accept_mediation"])).check()
    respondent.get_by_role("button", name=_("Send the answer")).click()
    expect(respondent.locator("#case-state")).to_have_attribute("data-state", "responded")

    # The mediation centre (the administrator) takes it in and assigns the mediator.
    centre = open_site(lang)
    sign_in(centre, lang, "admin", live_server.passwords["admin"])
    centre.goto(f"{case_url}/mediation")
    centre.get_by_label(_("Claimant's electronic-service address")).fill("owner@example.cn")
    centre.get_by_label(_("Respondent's electronic-service address")).fill("market@example.cn")
    centre.get_by_label(_("The claimant consents to mediation")).check()
    centre.get_by_label(_("Both parties' identities are checked")).check()
    centre.get_by_role("button", name=_("Take the case into mediation")).click()
    expect(centre.locator("#case-state")).to_have_attribute("data-state", "mediation")
    centre.get_by_label(_("Mediator"), exact=True).select_option(mediator_name)
    centre.get_by_role("button", name=_("Assign"), exact=True).click()
    expect(centre.locator("#mediator")).to_contain_text(mediator_name)

    mediator = open_site(lang)
    sign_in(mediator, lang, f"mediator-{lang}", PASSWORD)
    nav(mediator, lang, "Disputes").click()
    mediator.goto(f"{case_url}/mediation")
    mediator.get_by_role("button", name=_("Accept"), exact=True).click()
    form = mediator.locator("#agreement-form")
    for field, label in ART29_LABELS.items():
        value = (
            (today + dt.timedelta(days=20)).isoformat()
            if field == "performance_deadline"
            else f"{field} 条款 ({market})"  # distinct: identical agreements are refused
        )
        form.get_by_label(_(label), exact=True).fill(value)
    form.get_by_label(_("Outcome"), exact=True).select_option(
        label=_(MEDIATION_OUTCOME_LABELS["stop_selling"])
    )
    form.get_by_role("button", name=_("Draft the agreement")).click()
    expect(mediator.locator("#agreement")).to_be_visible()

    owner.goto(f"{case_url}/mediation")
    expect(owner.locator("#mediation-board")).to_be_visible()
    owner.get_by_role("button", name=_("Sign the agreement")).click()
    expect(owner.locator("#signed")).to_contain_text("claimant")
    respondent.goto(f"{live_server.url}/respond")
    respondent.get_by_label(_("Case number"), exact=True).fill(f"C-{case_number}")
    respondent.get_by_label(_("Case token"), exact=True).fill(token)
    respondent.get_by_role("button", name=_("Open the case")).click()
    respondent.get_by_role("button", name=_("Sign the agreement")).click()
    expect(respondent.locator("#signed")).to_contain_text("respondent")
    mediator.goto(f"{case_url}/mediation")
    mediator.get_by_role("button", name=_("Sign the agreement")).click()
    expect(mediator.locator("#effective")).to_be_visible()
    expect(mediator.locator("#case-state")).to_have_attribute("data-state", "paid_and_removed")

    # 司法确认: the pre-check of the refusal grounds, every one passed, then the package.
    checks = mediator.locator("#precheck li")
    expect(checks.first).to_be_visible()
    assert checks.count() >= 6
    expect(mediator.locator('#precheck li[data-ok="false"]')).to_have_count(0)
    with mediator.expect_download() as download:
        mediator.locator("#confirm-package").click()
    with zipfile.ZipFile(download.value.path()) as package:
        assert all(c["ok"] for c in json.loads(package.read("precheck.json")))

    # The court assigns the confirmation to its judge, who alone of the judges sees the case
    # (never the board) and takes the court package.
    judge_name = f"法官 王 {lang}"
    _user(live_server, f"judge-{lang}", "judge", judge_name)
    judge = open_site(lang)
    sign_in(judge, lang, f"judge-{lang}", PASSWORD)
    assert judge.goto(case_url).status == 404
    centre.goto(case_url)
    centre.get_by_label(_("Court"), exact=True).fill("柯桥区人民法院")
    centre.get_by_label(_("Judge (as their account acts)")).fill(judge_name)
    centre.get_by_role("button", name=_("Assign the judge")).click()
    expect(centre.locator("#court")).to_contain_text(judge_name)
    judge.goto(case_url)
    expect(judge.locator("#mediation-board")).to_have_count(0)
    steps = judge.locator("#case-events tbody tr td.to")
    expect(steps).to_have_text(
        ["draft", "reviewed", "notice_sent", "responded", "mediation", "mediation", "mediation",
         "paid_and_removed", "paid_and_removed"]
    )  # fmt: skip
    with judge.expect_download() as download:
        judge.get_by_role(
            "link", name=_("Download the court package (BagIt, verifiable offline)")
        ).click()
    bag = tmp_path / "court.zip"
    download.value.save_as(bag)
    _verified_offline(bag, tmp_path)
    _fsck(live_server)


def _verified_offline(bag: Path, tmp_path: Path) -> None:
    """`fangdu verify` with a home of its own: no registry, no network."""
    verified = subprocess.run(
        [*_fangdu_command(), "--home", str(tmp_path / "clerk"), "verify", str(bag)],
        text=True, capture_output=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("VERIFIED court package")
    assert "one checkpoint for every bundle" in verified.stdout


def _fsck(live_server: LiveServer) -> None:
    checked = subprocess.run(
        [*_fangdu_command(), "--home", str(live_server.home), "ledger", "fsck"],
        text=True, capture_output=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
