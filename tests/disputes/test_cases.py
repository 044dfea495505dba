"""Cases: the state machine refuses steps out of order, nothing leaves before a named
reviewer's decision, the claimant's title is checked, a licence stops a demand, and every
transition is a signed entry on the case's subject."""

from __future__ import annotations

import datetime as dt

import pytest

from fangdu.disputes.errors import Refused
from fangdu.disputes.machine import next_state
from fangdu.disputes.services import Capture, CaptureContext
from fangdu.ledger.entries import parse_entry

from .conftest import LICENSEE, OWNER, STALL, copy_of, license_to, pdf
from .smtp import smtp_server

REVIEWER = "审核员 李"


def _lead(core, register, print_png, seed: int, merchant: str = STALL, seen=None) -> int:
    work = register(seed)
    core.disputes.watch(f"W-{work}", OWNER)
    context = CaptureContext("北市场 2 楼", merchant, seen or core.disputes.today(), "监测员 王")
    core.disputes.import_sightings([Capture("s.jpg", copy_of(print_png(seed)))], context)
    (lead,) = core.disputes.run().leads
    return lead.id


def test_the_machine_refuses_steps_out_of_order():
    assert next_state("draft", "review") == "reviewed"
    assert next_state("responded", "close_licensed") == "licensed"
    with pytest.raises(Refused, match="cannot send notice"):
        next_state("draft", "send_notice")
    with pytest.raises(Refused, match="it is closed"):
        next_state("licensed", "respond")


def test_a_case_from_lead_to_licensed(core, register, print_png, tmp_path):
    disputes = core.disputes
    lead = _lead(core, register, print_png, 41)
    case = disputes.open_case(lead, OWNER)
    assert case.state == "draft" and case.respondent == STALL
    with pytest.raises(Refused, match="cannot send notice"):  # no notice before review
        disputes.send_notice(case.id, OWNER, metres=100)
    with pytest.raises(Refused, match="cannot review their own case"):
        disputes.review(case.id, OWNER, "proceed")
    disputes.review(case.id, REVIEWER, "proceed")
    sent, letter = disputes.send_notice(case.id, OWNER, metres=100)
    assert letter.startswith(b"%PDF") and core.blobs.get(sent.details["notice"]["sha256"]) == letter
    assert sent.state == "notice_sent"
    assert sent.details["notice"]["fee"] == 500  # 3 yuan/m × 100 m, below the minimum 500
    assert "min(max(3 yuan/m × 100 m, 500), 5000)" in sent.details["notice"]["formula"]
    token = sent.token
    assert token
    with pytest.raises(Refused, match="does not open case"):
        disputes.respond(case.id, "wrong", "dispute", reasons="not mine")
    answered = disputes.respond(case.id, token, "licence", document=pdf("licence from owner"))
    assert answered.state == "responded" and answered.details["paused"] is True
    closed = disputes.close(case.id, "licensed", REVIEWER, "licence shown")
    assert closed.state == "licensed"
    with pytest.raises(Refused, match="it is closed"):
        disputes.close(case.id, "withdrawn", REVIEWER, "again")

    # Every step is a signed entry on the case's subject, chained, states in order.
    states = []
    prev = None
    for event in closed.events:
        body = parse_entry(core.ledger.entry(event["log_index"]))["body"]
        assert body["subject"] == f"case:{case.id}"
        assert body["prev"] == prev
        prev = _leaf(core, event["log_index"])
        states.append(body["facts"]["to"])
    assert states == ["draft", "reviewed", "notice_sent", "responded", "licensed"]

    # The court package of a case closed without mediation verifies offline too, and holds
    # the notice and the licence the respondent showed.
    from fangdu.disputes.court import build_court_package
    from fangdu.disputes.court_verify import verify_court_package

    bag = build_court_package(disputes, case.id, tmp_path / "court")
    assert verify_court_package(bag).ok
    kept = {p.read_bytes() for p in (bag / "data").rglob("*") if p.is_file()}
    assert any(letter in b for b in kept)
    assert [row["action"] for row in _custody(disputes, case.id)][-1] == "court_package"


def _custody(disputes, case_id: int) -> list[dict]:
    with disputes.unit() as (_, repo):
        return [{"action": c.action, "actor": c.actor} for c in repo.custody(case_id)]


def _leaf(core, index: int) -> str:
    from fangdu.ledger.merkle import leaf_hash

    return leaf_hash(core.ledger.entry(index)).hex()


def test_rejected_by_review_sends_nothing(core, register, print_png):
    disputes = core.disputes
    case = disputes.open_case(_lead(core, register, print_png, 42), OWNER)
    assert disputes.review(case.id, REVIEWER, "de_minimis").state == "rejected"
    with pytest.raises(Refused):
        disputes.send_notice(case.id, OWNER, metres=10)


def test_a_licensee_on_record_never_receives_a_demand(core, register, print_png):
    disputes = core.disputes
    lead = _lead(core, register, print_png, 43)
    work = disputes.leads()[0].work
    case = disputes.open_case(lead, OWNER)
    disputes.review(case.id, REVIEWER, "proceed")
    license_to(core, work, STALL)  # the licence reaches the register after the review
    with pytest.raises(Refused, match="never receives a demand"):
        disputes.send_notice(case.id, OWNER, metres=10)
    assert disputes.show(case.id).state == "reviewed"


def test_a_lead_closed_as_licensed_opens_no_case(core, register, print_png):
    work = register(44)
    license_to(core, work)
    core.disputes.watch(f"W-{work}", OWNER)
    context = CaptureContext("北市场", LICENSEE, core.disputes.today(), "监测员 王")
    core.disputes.import_sightings([Capture("s.jpg", copy_of(print_png(44)))], context)
    (lead,) = core.disputes.run().leads
    with pytest.raises(Refused, match="never receives a demand"):
        core.disputes.open_case(lead.id, OWNER)


def test_prior_use_blocks_a_case_unless_a_supervisor_overrides(core, register, print_png):
    disputes = core.disputes
    lead = _lead(core, register, print_png, 45, seen=dt.date(2025, 6, 1))
    with pytest.raises(Refused, match="predates the registration"):
        disputes.open_case(lead, OWNER)
    with pytest.raises(Refused, match="authorisation"):
        disputes.open_case(lead, OWNER, agent="维权代理公司")
    case = disputes.open_case(
        lead, OWNER, override_by="主管 张", override_reason="supplier records show our design"
    )
    body = parse_entry(core.ledger.entry(case.events[0]["log_index"]))["body"]
    assert body["facts"]["override"]["reason"] == "supplier records show our design"
    assert body["facts"]["title_check"]


def test_a_notice_by_email_reaches_the_smtp_server(core, register, print_png):
    disputes = core.disputes
    case = disputes.open_case(_lead(core, register, print_png, 46), OWNER)
    disputes.review(case.id, REVIEWER, "proceed")
    with smtp_server() as (address, messages):
        sent, _ = disputes.send_notice(
            case.id, OWNER, delivery="email", email_to="stall@example.cn", smtp=address, metres=300
        )
    assert sent.details["notice"]["delivery"] == "email"
    assert sent.details["notice"]["fee"] == 900
    assert len(messages) == 1 and b"notice-C-" in messages[0]


def test_the_judge_reruns_the_comparison_with_the_recorded_model(core, register, print_png):
    disputes = core.disputes
    case = disputes.open_case(_lead(core, register, print_png, 47), OWNER)
    result = disputes.rerun(case.id)
    assert result["same_model"]
    assert result["now"]["verdict"] == result["recorded"]["verdict"]
    assert abs(result["now"]["score"] - result["recorded"]["score"]) < 1e-6


def test_a_zipped_court_package_with_a_member_outside_its_folder_is_refused(tmp_path):
    import zipfile

    from fangdu.disputes.court_verify import is_court_package, verify_court_package

    bag = tmp_path / "court.zip"
    with zipfile.ZipFile(bag, "w") as z:
        z.writestr("court/bagit.txt", "BagIt-Version: 0.97\n")
        z.writestr("court/../../outside.txt", "x")
    assert is_court_package(bag)
    report = verify_court_package(bag)
    assert not report.ok and "unsafe member name" in report.render()
    assert not (tmp_path.parent / "outside.txt").exists()


def test_a_named_supplier_is_linked_and_answers_for_their_own_goods_only(core, register, print_png):
    disputes = core.disputes
    case = disputes.open_case(_lead(core, register, print_png, 48), OWNER)
    disputes.review(case.id, REVIEWER, "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=10)
    other = disputes.open_case(_lead(core, register, print_png, 49, merchant="别家布行"), OWNER)
    answered = disputes.respond(
        case.id, sent.token, "invoice", document=pdf("发票"), supplier="绍兴织造厂"
    )
    token = answered.supplier_token
    assert token and answered.details["linked_respondents"] == ["绍兴织造厂"]
    assert "supplier_tokens" not in disputes.show(case.id).details  # access, not record
    # The supplier's token opens this case and no other.
    assert disputes.show(case.id, token=token).id == case.id
    with pytest.raises(Refused):
        disputes.show(other.id, token=token)
    assert disputes.token_holder(case.id, token) == "绍兴织造厂"
    assert disputes.token_holder(case.id, sent.token) == "respondent"
    # It answers for the supplier's goods (a licence, a dispute), never for the respondent.
    with pytest.raises(Refused, match="supplier answers"):
        disputes.respond(case.id, token, "accept_mediation")
    shown = disputes.respond(case.id, token, "licence", document=pdf("织造厂的许可合同"))
    last = shown.events[-1]
    assert (last["actor"], last["to"]) == ("绍兴织造厂", "responded")
    facts = parse_entry(core.ledger.entry(last["log_index"]))["body"]["facts"]
    assert facts["answer"] == "licence" and facts["by_supplier"]
