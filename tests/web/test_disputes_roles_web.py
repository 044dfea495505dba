"""Issue 16's people on the web beyond the two halves of "Done when": the supervisor's override,
the market office's abuse monitor, an agent with an authorisation, the judge assigned to a case
and their tools, the mediator's extension, instalments confirmed by both sides, and a monitor
batch holding web pages captured as WARC files."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import pytest
from test_disputes_web import (
    JUDGE,
    OLD_SHOP,
    OWNER,
    STALL,
    copy_of,
    flow,  # noqa: F401 (the fixture, used by every test here)
    pdf,
    token_of,
)
from webtools import HTML, Site

from fangdu.ledger.entries import parse_entry

pytestmark = pytest.mark.usefixtures("flow")

AGENT = "代理人 孙"
SUPERVISOR = "督导 王"


def _body(site: Site, index: int) -> dict:
    return parse_entry(site.state.core.ledger.entry(index))["body"]


def _as(site: Site, person: str) -> None:
    site.logout()
    site.login(person)


def test_a_supervisor_overrides_the_title_check_and_nobody_else_may(site: Site):
    disputes = site.state.core.disputes
    site.account("supervisor", "supervisor", party=SUPERVISOR)
    site.account("office", "market_office", party="柯桥区市场监管所")
    old = next(lead for lead in disputes.leads() if lead.merchant == OLD_SHOP)
    refused = site.post_form("/disputes", f"/disputes/leads/{old.id}/case")
    assert refused.status_code == 409 and "predates the registration" in refused.text
    # The owner, the reviewer and the market office may not override.
    for person in ("owner", "reviewer", "office"):
        _as(site, person)
        overridden = site.post_form(
            "/disputes", f"/disputes/leads/{old.id}/override", {"reason": "x"}
        )
        assert overridden.status_code == 403, person
    _as(site, "supervisor")
    assert 'class="stack override-form"' in site.client.get("/disputes", headers=HTML).text
    # Without a reason nothing is written.
    size = site.state.core.ledger.size()
    assert site.post_form("/disputes", f"/disputes/leads/{old.id}/override").status_code == 409
    assert site.state.core.ledger.size() == size and disputes.cases() == []
    opened = site.post_form(
        "/disputes", f"/disputes/leads/{old.id}/override",
        {"reason": "the old shop's sample was the owner's own"}, follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303
    (case,) = disputes.cases()
    assert case.claimant == OWNER and case.details["override"]["by"] == SUPERVISOR
    assert 'id="override">督导 王' in site.client.get(opened.headers["location"], headers=HTML).text
    facts = _body(site, case.events[0]["log_index"])["facts"]
    assert facts["override"]["reason"] == "the old shop's sample was the owner's own"
    assert facts["title_check"]  # what was overridden is on record with it


def test_the_market_office_reads_the_abuse_monitor(site: Site):
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    disputes.open_case(stall.id, OWNER)
    site.account("office", "market_office", party="柯桥区市场监管所")
    site.account("supervisor", "supervisor", party=SUPERVISOR)
    for person, status in (("office", 200), ("supervisor", 200), ("admin", 200),
                           ("owner", 403), ("reviewer", 403), ("judge", 403)):  # fmt: skip
        _as(site, person)
        page = site.client.get("/disputes/abuse", headers=HTML)
        assert page.status_code == status, person
        if status == 200:
            assert OWNER in page.text and 'id="abuse"' in page.text
    # The market office reads the monitor, never a case.
    _as(site, "office")
    assert site.client.get(f"/disputes/cases/{disputes.cases()[0].id}").status_code == 404


def test_an_agent_acts_only_with_an_authorisation_the_respondent_sees(site: Site):
    disputes = site.state.core.disputes
    site.account("agent", "applicant", party=AGENT)
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    data = {"lead": f"L-{stall.id}", "agent": AGENT}
    refused = site.post_form("/disputes", "/disputes/agent-case", data)
    assert refused.status_code == 409 and "authorisation" in refused.text
    assert disputes.cases() == []
    authorisation = pdf("授权委托书 power of attorney")
    opened = site.post_form(
        "/disputes", "/disputes/agent-case", data,
        files={"authorisation": ("power.pdf", authorisation, "application/pdf")},
        follow_redirects=False,
    )  # fmt: skip
    assert opened.status_code == 303
    url = opened.headers["location"]
    (case,) = disputes.cases()
    disputes.review(case.id, "审核员 李", "proceed")
    # The agent pursues the case; another owner does not see it.
    _as(site, "rival")
    assert site.client.get(url, headers=HTML).status_code == 404
    _as(site, "agent")
    sent = site.post_form(url, f"{url}/notice", {"metres": "40"})
    assert sent.status_code == 200, sent.text
    site.logout()
    theirs = site.post_form(
        "/respond", "/respond", {"case": str(case.id), "token": token_of(sent.text)}
    )
    digest = dict(disputes.show(case.id).documents)["authorisation"]
    assert f"authorisation: <code>{digest}</code>" in theirs.text and AGENT in theirs.text


def _litigation(site: Site) -> tuple[int, str]:
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    case = disputes.open_case(stall.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    disputes.send_notice(case.id, OWNER, metres=40)
    disputes.close(case.id, "litigation", "审核员 李", "the stall denies and sells on")
    return case.id, f"/disputes/cases/{case.id}"


def test_the_judge_assigned_reruns_holds_and_enters_the_judgement(site: Site):
    disputes = site.state.core.disputes
    case_id, url = _litigation(site)
    # Only the court desk (the administrator) enters the assignment.
    for person in ("owner", "reviewer", "judge"):
        _as(site, person)
        got = site.post_form("/disputes", f"{url}/judge", {"judge": JUDGE, "court": "柯桥法院"})
        assert got.status_code in (403, 404), person
    _as(site, "admin")
    site.post_form(url, f"{url}/judge", {"judge": JUDGE, "court": "柯桥区人民法院"})
    assert disputes.show(case_id).details["court"] == {"judge": JUDGE, "court": "柯桥区人民法院"}
    for person, status in (("other-judge", 404), ("owner", 403), ("reviewer", 403)):
        _as(site, person)
        assert site.client.get(f"{url}/court", headers=HTML).status_code == status, person
    _as(site, "judge")
    assert 'id="judge-tools"' in site.client.get(url, headers=HTML).text
    tools = site.client.get(f"{url}/court", headers=HTML).text
    assert 'data-same="true"' in tools and "5000000" in tools.replace(",", "")
    assert [c.action for c in _custody(site, case_id)][-1] == "rerun"
    held = site.post_form(f"{url}/court", f"{url}/hold", {"reason": "证据保全"})
    assert 'id="hold">证据保全' in held.text
    assert disputes.show(case_id).events[-1]["action"] == "litigation_hold"
    missing = site.post_form(
        f"{url}/court", f"{url}/judgement", {"number": "(2026)浙0603民初1号", "outcome": "停止侵权"}
    )
    assert missing.status_code == 409
    entered = site.post_form(
        f"{url}/court", f"{url}/judgement",
        {"number": "(2026)浙0603民初1号", "outcome": "停止侵权，赔偿 3 万元", "damages": "30000"},
        files={"document": ("judgement.pdf", pdf("判决书"), "application/pdf")},
    )  # fmt: skip
    assert entered.status_code == 200 and 'id="judgement"' in entered.text
    last = disputes.show(case_id).events[-1]
    body = _body(site, last["log_index"])
    assert body["type"] == "judgement" and body["facts"]["court"] == "柯桥区人民法院"


def _custody(site: Site, case_id: int) -> list:
    from sqlalchemy import select

    from fangdu.disputes.models import Custody

    with site.state.core.disputes.unit() as (session, _):
        return list(session.scalars(select(Custody).where(Custody.case_id == case_id)))


def _in_mediation(site: Site) -> tuple[int, str, str]:
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    case = disputes.open_case(stall.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=800)
    disputes.respond(case.id, sent.token, "accept_mediation")
    disputes.mediation.add_mediator("调解员 陈", "柯桥区人民调解委员会")
    today = disputes.today()
    disputes.mediation.intake(
        case.id, on=today, addresses={"claimant": "a@x.cn", "respondent": "b@y.cn"},
        consents=["claimant"], identities_checked=["claimant", "respondent"],
    )  # fmt: skip
    disputes.mediation.assign(case.id, "调解员 陈", today)
    disputes.mediation.accept(case.id, "调解员 陈", today)
    return case.id, f"/disputes/cases/{case.id}", sent.token


def test_extension_with_both_consents_and_instalments_confirmed_by_both(site: Site):
    disputes = site.state.core.disputes
    case_id, url, token = _in_mediation(site)
    today = disputes.today()
    _as(site, "mediator")
    one_sided = {"days": "10", "claimant_consents": "on", "reason": "对账"}
    refused = site.post_form(f"{url}/mediation", f"{url}/mediation/extend", one_sided)
    assert refused.status_code == 409 and "respondent" in refused.text
    assert "extensions" not in disputes.show(case_id).details
    both = {**one_sided, "respondent_consents": "on"}
    assert site.post_form(f"{url}/mediation", f"{url}/mediation/extend", both).status_code == 200
    assert disputes.show(case_id).details["extensions"] == [{"days": 10, "reason": "对账"}]
    terms = {
        "facts": "事实", "disputed_items": "赔偿", "responsibilities": "被申请人",
        "terms": "分两期支付 2400 元", "performance_manner": "银行转账",
        "performance_deadline": (today + dt.timedelta(days=40)).isoformat(),
        "performance_place": "柯桥", "outcome": "pay_instalments",
    }  # fmt: skip
    bad = {**terms, "instalments": "next month 1200"}
    assert site.post_form(f"{url}/mediation", f"{url}/mediation/agreement", bad).status_code == 400
    first, second = today + dt.timedelta(days=10), today + dt.timedelta(days=40)
    terms["instalments"] = f"{first} 1200 元\n{second} 1200 元"
    drafted = site.post_form(f"{url}/mediation", f"{url}/mediation/agreement", terms)
    assert 'id="agreement"' in drafted.text
    for signer in (OWNER, STALL, "调解员 陈"):
        disputes.mediation.sign(case_id, signer, today)
    page = site.client.get(f"{url}/mediation", headers=HTML).text
    assert page.count('data-ok="true"') >= 5 and 'data-ok="false"' not in page  # the pre-check
    _as(site, "owner")
    site.post_form(f"{url}/mediation", f"{url}/mediation/performed", {"instalment": "1"})
    site.logout()
    done = site.post_form(
        "/respond", "/respond/mediation/performed",
        {"case": str(case_id), "token": token, "instalment": "1"},
    )  # fmt: skip
    assert done.status_code == 200
    (first_item, _) = disputes.mediation.status(case_id, today)["performance"]
    assert first_item["confirmed_by"] == ["claimant", "respondent"]
    assert disputes.show(case_id).events[-1]["action"] == "instalment_performed"


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    """A WARC file written by hand (ISO 28500): one gzip member per response record."""
    out = b""
    for n, (url, kind, body) in enumerate(records):
        http = (
            f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        head = (
            "WARC/1.0\r\nWARC-Type: response\r\n"
            f"WARC-Target-URI: {url}\r\nWARC-Date: 2026-12-07T08:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{n}>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n"
        ).encode()
        out += gzip.compress(head + http + b"\r\n\r\n", mtime=0)
    return out


def test_a_monitor_batch_with_web_pages_captured_as_warc(site: Site, print_png):
    disputes = site.state.core.disputes
    ledger = site.state.core.ledger
    image = copy_of(print_png(63))
    page = _warc(
        [
            ("https://shop.example.cn/item/9", "text/html", "<html>布</html>".encode()),
            ("https://shop.example.cn/img/9.jpg", "image/jpeg", image),
        ]
    )
    # A download cut short: the image record's member is truncated half way.
    cut = _warc([("https://shop.example.cn/img/8.jpg", "image/jpeg", copy_of(print_png(61)))])
    size, sightings = ledger.size(), len(disputes.leads())
    batch = site.post_form(
        "/disputes", "/disputes/monitor",
        {"source": "网店", "merchant": "网店 某某", "seen": disputes.today().isoformat()},
        files=[
            ("photos", ("listing.warc.gz", page, "application/warc")),
            ("photos", ("cut.warc.gz", cut[: len(cut) // 2], "application/warc")),
        ],
    )  # fmt: skip
    assert batch.status_code == 200, batch.text
    text = batch.text
    assert "listing.warc.gz#https://shop.example.cn/img/9.jpg" in text
    assert "cut.warc.gz" in text and "not a readable WARC file" in text
    # The good page is kept (a sighting and its lead, both logged); the cut one left nothing.
    assert ledger.size() == size + 2
    (lead,) = disputes.leads()[sightings:]
    body = _body(site, lead.log_index - 1)
    assert body["facts"]["url"] == "https://shop.example.cn/img/9.jpg"
    assert [f["role"] for f in body["files"]] == ["sighting", "warc"]
    assert site.state.core.blobs.get(body["files"][1]["sha256"]) == page


def test_the_new_pages_in_chinese_and_in_english(site: Site):
    disputes = site.state.core.disputes
    case_id, url = _litigation(site)
    disputes.assign_judge(case_id, JUDGE, "柯桥区人民法院", "立案庭")
    site.account("office", "market_office", party="柯桥区市场监管所")
    pages = (("judge", f"{url}/court", "重新比对", "The comparison, run again"),
             ("office", "/disputes/abuse", "滥用监测", "Abuse monitor"))  # fmt: skip
    for person, path, zh, en in pages:
        _as(site, person)
        chinese = site.client.get(path, headers=HTML).text
        assert zh in chinese and en not in chinese
        site.client.get("/lang/en", headers=HTML)
        english = site.client.get(path, headers=HTML).text
        assert en in english and zh not in english
        site.client.get("/lang/zh", headers=HTML)


def test_a_supplier_named_by_the_respondent_gets_a_token_for_this_case_only(site: Site):
    disputes = site.state.core.disputes
    stall = next(lead for lead in disputes.leads() if lead.merchant == STALL)
    case = disputes.open_case(stall.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=40)
    site.logout()
    answered = site.post_form(
        "/respond", "/respond/answer",
        {"case": str(case.id), "token": sent.token, "answer": "invoice", "supplier": "绍兴织造厂"},
        files={"document": ("invoice.pdf", pdf("发票"), "application/pdf")},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    match = re.search(r'<code id="supplier-token">([^<]+)</code>', answered.text)
    assert match and 'id="linked">绍兴织造厂' in answered.text
    supplier = {"case": str(case.id), "token": match.group(1)}
    assert site.post_form("/respond", "/respond", supplier).status_code == 200
    # Signing or confirming performance is the respondent's alone.
    for path in ("/respond/mediation/sign", "/respond/mediation/performed"):
        assert site.post_form("/respond", path, {**supplier, "instalment": "1"}).status_code == 403
    refused = site.post_form(
        "/respond", "/respond/answer", {**supplier, "answer": "accept_mediation"}
    )
    assert refused.status_code == 409 and "supplier answers" in refused.text
