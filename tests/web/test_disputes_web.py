"""Issue 16 in the browser's terms (the first half of "Done when"): the owner's monitor batch →
leads (one closed as licensed, one flagged for prior use) → a case → the reviewer's decision →
the warning letter → the respondent, by case token, shows a licence → closed as licensed; the
case page both sides read, every state change with its log entry; the court package."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image
from webtools import HTML, Site

from fangdu.registry.schemas import RegistrationRequest
from fangdu.rights.services import Document

OWNER = "柯桥花样工作室"
LICENSEE = "绍兴印染厂"
STALL = "某布行 (二楼 2088)"
OLD_SHOP = "老字号布行"
JUDGE = "法官 王"


def pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def copy_of(png: bytes) -> bytes:
    """A market copy of a print: mirrored and recoloured, as JPEG."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[:, ::-1, ::-1])).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def disputes_world(site: Site, print_png) -> dict[str, int]:
    """Two registered works of OWNER, one licensed to LICENSEE; accounts for each person."""
    core = site.state.core
    works = {}
    for seed, title in ((61, "牡丹"), (63, "梅花")):
        outcome = core.filing.register(
            print_png(seed),
            RegistrationRequest(
                title=title, owner=OWNER, owner_kind="company", created_on=dt.date(2025, 1, 10)
            ),
        )
        works[title] = outcome.work.id
    core.rights.license(
        f"W-{works['牡丹']}",
        licensee=LICENSEE,
        exclusive=False,
        right="reproduction",
        territory="CN",
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2030, 2, 28),
        fee="2000 yuan a year",
        liability="double the fee",
        documents=[Document("licence_contract", pdf("licence contract"))],
        signed_by=[OWNER, LICENSEE],
    )
    site.account("owner", "applicant", party=OWNER)
    site.account("rival", "applicant", party="另一家工作室")
    site.account("reviewer", "reviewer", party="审核员 李")
    site.account("judge", "judge", party=JUDGE)
    site.account("other-judge", "judge", party="法官 赵")
    site.account("admin", "admin")
    site.account("mediator", "mediator", party="调解员 陈")
    return works


def upload(site: Site, merchant: str, png: bytes, seen: dt.date):
    return site.post_form(
        "/disputes",
        "/disputes/monitor",
        {"source": "轻纺城北市场", "merchant": merchant, "seen": seen.isoformat()},
        files=[("photos", ("stall.jpg", png, "image/jpeg"))],
    )


def token_of(page: str) -> str:
    match = re.search(r'<code id="case-token">([^<]+)</code>', page)
    assert match, page
    return match.group(1)


@pytest.fixture
def flow(site: Site, print_png):
    works = disputes_world(site, print_png)
    today = site.state.core.disputes.today()
    site.login("owner")
    for work in works.values():
        assert (
            site.post_form("/disputes", "/disputes/watch", {"work": f"W-{work}"}).status_code == 200
        )
    shown = upload(site, LICENSEE, copy_of(print_png(61)), today)
    assert shown.status_code == 200 and 'id="import-result"' in shown.text
    assert "新线索 1 条" in shown.text  # the default language is Chinese
    upload(site, STALL, copy_of(print_png(61)), today)
    upload(site, OLD_SHOP, copy_of(print_png(63)), dt.date(2025, 6, 1))
    return works


def test_the_licensed_half_of_done_when(site: Site, flow):
    disputes = site.state.core.disputes
    leads = {lead.merchant: lead for lead in disputes.leads()}
    assert leads[LICENSEE].status == "licensed"  # closed automatically
    assert "prior_use" in leads[OLD_SHOP].flags
    page = site.client.get("/disputes", headers=HTML).text
    assert f'id="lead-{leads[LICENSEE].id}" class="lead-licensed"' in page
    assert "flag-prior_use" in page

    # The licensee's lead never becomes a case; the stall's does.
    refused = site.post_form("/disputes", f"/disputes/leads/{leads[LICENSEE].id}/case")
    assert refused.status_code == 409 and "never receives a demand" in refused.text
    opened = site.post_form(
        "/disputes", f"/disputes/leads/{leads[STALL].id}/case", follow_redirects=False
    )
    assert opened.status_code == 303
    case_url = opened.headers["location"]
    case_id = int(case_url.rsplit("/", 1)[1])
    # No notice before a named reviewer's decision: the owner sees no form, the route refuses.
    assert 'id="notice-form"' not in site.client.get(case_url, headers=HTML).text
    early = site.post_form(case_url, f"{case_url}/notice", {"metres": "40"})
    assert early.status_code == 409
    # The owner never decides their own case.
    assert site.post_form(case_url, f"{case_url}/review", {"reason": "proceed"}).status_code == 403

    site.logout()
    site.login("reviewer")
    assert 'id="review-form"' in site.client.get(case_url, headers=HTML).text
    bad = site.post_form(case_url, f"{case_url}/review", {"reason": "because"})
    assert bad.status_code == 400
    done = site.post_form(
        case_url, f"{case_url}/review", {"reason": "proceed", "note": "同一花样"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303

    site.logout()
    site.login("owner")
    sent = site.post_form(case_url, f"{case_url}/notice", {"metres": "40"})
    assert sent.status_code == 200, sent.text
    token = token_of(sent.text)
    letter = site.client.get(f"{case_url}/notice.pdf")
    assert letter.content.startswith(b"%PDF")
    site.logout()

    # The respondent, by case token: a wrong token opens nothing, theirs opens their case.
    wrong = site.post_form("/respond", "/respond", {"case": f"C-{case_id}", "token": "x" * 24})
    assert wrong.status_code == 404
    mine = site.post_form("/respond", "/respond", {"case": f"C-{case_id}", "token": token})
    assert mine.status_code == 200 and 'id="answer-form"' in mine.text
    assert 'data-state="notice_sent"' in mine.text
    answered = site.post_form(
        "/respond",
        "/respond/answer",
        {"case": str(case_id), "token": token, "answer": "licence"},
        files={"document": ("licence.pdf", pdf("the stall's licence"), "application/pdf")},
    )
    assert answered.status_code == 200, answered.text
    assert 'data-state="responded"' in answered.text

    site.login("reviewer")
    closed = site.post_form(
        case_url,
        f"{case_url}/close",
        {"outcome": "licensed", "reason": "the stall showed a licence"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    page = site.client.get(case_url, headers=HTML).text
    assert 'data-state="licensed"' in page
    info = disputes.show(case_id)
    assert [e["to"] for e in info.events] == [
        "draft", "reviewed", "notice_sent", "responded", "licensed",
    ]  # fmt: skip
    for event in info.events:  # every state change with its log entry, on the page
        assert f"<td>{event['log_index']}</td>" in page
    site.logout()

    # Both sides read the same record: the respondent's page lists the same entries.
    theirs = site.post_form("/respond", "/respond", {"case": f"C-{case_id}", "token": token})
    for event in info.events:
        assert f"<td>{event['log_index']}</td>" in theirs.text

    # The court package, for the owner, and for the judge once the court assigns the case.
    site.login("owner")
    assert site.client.get(f"{case_url}/court-package.zip").status_code == 200
    site.logout()
    site.login("judge")
    assert site.client.get(f"{case_url}/court-package.zip").status_code == 404
    site.logout()
    site.login("admin")
    assigned = site.post_form(
        case_url, f"{case_url}/judge", {"judge": JUDGE, "court": "柯桥区人民法院"},
        follow_redirects=False,
    )  # fmt: skip
    assert assigned.status_code == 303
    site.logout()
    site.login("judge")
    bag = site.client.get(f"{case_url}/court-package.zip")
    assert bag.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(bag.content)).namelist()
    assert f"court-C-{case_id}/bagit.txt" in names
    assert f"court-C-{case_id}/data/evidence/case.zip" in names


def test_who_sees_a_case(site: Site, flow):
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    case = disputes.open_case(stall.id, OWNER)
    url = f"/disputes/cases/{case.id}"
    # A judge sees only the cases the court assigned to them.
    expected = {"owner": 200, "reviewer": 200, "judge": 404, "rival": 404, "mediator": 404}
    site.logout()
    for person, status in expected.items():
        site.login(person)
        assert site.client.get(url, headers=HTML).status_code == status, person
        site.logout()
    disputes.review(case.id, "审核员 李", "proceed")
    disputes.send_notice(case.id, OWNER, metres=10)
    disputes.assign_judge(case.id, JUDGE, "柯桥区人民法院", "立案庭")
    for person, status in (("judge", 200), ("other-judge", 404)):
        site.login(person)
        assert site.client.get(url, headers=HTML).status_code == status, person
        assert (f"C-{case.id}</a>" in site.client.get("/disputes", headers=HTML).text) is (
            status == 200
        )
        site.logout()
    assert site.client.get(url, headers=HTML, follow_redirects=False).status_code == 303
    # The rival owner sees neither the lead nor may open a case on it.
    site.login("rival")
    assert site.post_form("/disputes", f"/disputes/leads/{stall.id}/case").status_code == 404


def test_a_token_opens_its_own_case_only(site: Site, flow):
    disputes = site.state.core.disputes
    open_leads = [lead for lead in disputes.leads() if lead.status == "open"]
    tokens = {}
    for lead in open_leads[:2]:
        case = disputes.open_case(lead.id, OWNER, override_by="督导 王", override_reason="test")
        disputes.review(case.id, "审核员 李", "proceed")
        sent, _ = disputes.send_notice(case.id, OWNER, metres=40)
        tokens[case.id] = sent.token
    (one, t1), (two, t2) = tokens.items()
    site.logout()
    assert (
        site.post_form("/respond", "/respond", {"case": str(one), "token": t2}).status_code == 404
    )
    assert (
        site.post_form("/respond", "/respond", {"case": str(two), "token": t1}).status_code == 404
    )
    assert (
        site.post_form("/respond", "/respond", {"case": str(two), "token": t2}).status_code == 200
    )


def test_the_mediation_half(site: Site, flow):
    """A second case → the respondent accepts mediation → intake (the mediation centre) →
    mediator assigned and accepts → agreement → signed by all → closed; the board stays
    inside the mediation."""
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    case = disputes.open_case(stall.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=800)
    token = sent.token
    disputes.mediation.add_mediator("调解员 陈", "柯桥区人民调解委员会")
    disputes.assign_judge(case.id, JUDGE, "柯桥区人民法院", "立案庭")  # for 司法确认
    site.account("other-mediator", "mediator", party="调解员 王")
    url = f"/disputes/cases/{case.id}"
    site.logout()

    answer = {"case": str(case.id), "token": token, "answer": "accept_mediation"}
    assert site.post_form("/respond", "/respond/answer", answer).status_code == 200

    site.login("admin")
    intake = {
        "claimant_address": "owner@example.cn",
        "respondent_address": "stall@example.cn",
        "claimant_consents": "on",
        "identities_checked": "on",
    }
    got = site.post_form(f"{url}/mediation", f"{url}/mediation/intake", intake)
    assert got.status_code == 200, got.text
    got = site.post_form(f"{url}/mediation", f"{url}/mediation/assign", {"mediator": "调解员 陈"})
    assert 'id="mediator">调解员 陈' in got.text
    site.logout()

    # Only the mediator assigned sees the case; reviewers and judges never see the board.
    for person, status in (("other-mediator", 404), ("judge", 403), ("reviewer", 403)):
        site.login(person)
        assert site.client.get(f"{url}/mediation", headers=HTML).status_code == status, person
        site.logout()
    site.login("other-mediator")
    assert site.client.get(url, headers=HTML).status_code == 404
    site.logout()

    site.login("mediator")
    assert site.client.get(url, headers=HTML).status_code == 200
    accepted = site.post_form(f"{url}/mediation", f"{url}/mediation/accept", {"conflicts": ""})
    assert 'id="agreement-form"' in accepted.text
    terms = {
        "facts": "被申请人销售了与登记花样相同的面料",
        "disputed_items": "侵权与赔偿",
        "responsibilities": "被申请人承担赔偿责任",
        "terms": "被申请人支付 2400 元，停止销售",
        "performance_manner": "银行转账",
        "performance_deadline": (disputes.today() + dt.timedelta(days=20)).isoformat(),
        "outcome": "stop_selling",
    }
    missing = site.post_form(f"{url}/mediation", f"{url}/mediation/agreement", terms)
    assert missing.status_code == 409 and "performance_place" in missing.text
    terms["performance_place"] = "柯桥"
    drafted = site.post_form(f"{url}/mediation", f"{url}/mediation/agreement", terms)
    assert 'id="agreement"' in drafted.text
    site.logout()

    site.login("owner")
    signed = site.post_form(f"{url}/mediation", f"{url}/mediation/sign")
    assert 'id="signed">claimant' in signed.text
    site.logout()
    theirs = site.post_form("/respond", "/respond", {"case": str(case.id), "token": token})
    assert 'id="mediation-board"' in theirs.text
    signed = site.post_form(
        "/respond", "/respond/mediation/sign", {"case": str(case.id), "token": token}
    )
    assert "claimant, respondent" in signed.text
    site.login("mediator")
    done = site.post_form(f"{url}/mediation", f"{url}/mediation/sign")
    assert 'id="effective"' in done.text
    assert 'data-state="paid_and_removed"' in done.text
    package = site.client.get(f"{url}/mediation/confirm-package.zip")
    assert package.status_code == 200 and package.content.startswith(b"PK")
    # The case page (which the reviewer and the judge read) carries no board.
    assert 'id="mediation-board"' not in site.client.get(url, headers=HTML).text
