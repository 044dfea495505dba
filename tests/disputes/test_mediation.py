"""Mediation: both consents and addresses at intake, the mediator's disclosure, Art 29 fields,
signatures by parties and mediator only, effective at the last, the 司法确认 pre-check."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from fangdu.disputes.errors import Refused
from fangdu.disputes.services import Capture, CaptureContext
from fangdu.ledger.entries import parse_entry

from .conftest import OWNER, STALL, copy_of

D = dt.date
MEDIATOR = "调解员 陈"
OTHER = "调解员 周"
TERMS = {
    "facts": "被申请人在北市场销售与登记花样相同的面料",
    "disputed_items": "是否构成侵权及赔偿数额",
    "responsibilities": "被申请人承认销售，停止销售",
    "terms": "被申请人支付 3000 元并销毁库存",
    "performance_manner": "银行转账",
    "performance_deadline": "2026-12-31",
    "performance_place": "柯桥",
}


@pytest.fixture
def case(core, register, print_png):
    """A case whose notice went out and whose respondent accepted mediation."""
    disputes = core.disputes
    work = register(51)
    disputes.watch(f"W-{work}", OWNER)
    context = CaptureContext("北市场 2 楼", STALL, disputes.today(), "监测员 王")
    disputes.import_sightings([Capture("s.jpg", copy_of(print_png(51)))], context)
    (lead,) = disputes.run().leads
    case = disputes.open_case(lead.id, OWNER)
    disputes.review(case.id, "审核员 李", "proceed")
    sent, _ = disputes.send_notice(case.id, OWNER, metres=50)
    disputes.respond(case.id, sent.token, "accept_mediation")
    disputes.mediation.add_mediator(MEDIATOR, "柯桥区人民调解委员会，纺织品纠纷 12 年")
    disputes.mediation.add_mediator(OTHER, "律师调解员")
    return case.id


def _intake(mediation, case_id, **kw):
    args = {
        "on": D(2026, 12, 7),
        "addresses": {"claimant": "owner@example.cn", "respondent": "stall@example.cn"},
        "consents": ["claimant"],
        "identities_checked": ["claimant", "respondent"],
    }
    return mediation.intake(case_id, **{**args, **kw})


def test_intake_needs_both_consents_and_addresses(core, case):
    mediation = core.disputes.mediation
    with pytest.raises(Refused, match="missing: claimant"):
        _intake(mediation, case, consents=[])
    with pytest.raises(Refused, match="electronic-service address"):
        _intake(mediation, case, addresses={"claimant": "owner@example.cn"})
    status = _intake(mediation, case)
    assert status["state"] == "mediation"
    assert status["deadlines"][0] == {
        "name": "assign mediator",
        "due": "2026-12-10",
        "done_on": None,
        "overdue": False,
        "provisional": False,
    }


def test_a_mediation_to_a_confirmed_agreement(core, case, tmp_path):
    disputes = core.disputes
    mediation = disputes.mediation
    _intake(mediation, case)
    mediation.assign(case, OTHER, D(2026, 12, 8))
    mediation.ask_for_another(case, STALL, "曾代理过权利人")
    with pytest.raises(Refused, match="set aside"):
        mediation.assign(case, OTHER, D(2026, 12, 8))
    mediation.assign(case, MEDIATOR, D(2026, 12, 9))
    # Accepting late: flagged overdue, not refused.
    status = mediation.accept(case, MEDIATOR, D(2026, 12, 15))
    accepts = next(d for d in status["deadlines"] if d["name"] == "mediator accepts")
    assert accepts == {
        "name": "mediator accepts",
        "due": "2026-12-14",
        "done_on": "2026-12-15",
        "overdue": True,
        "provisional": False,
    }
    with pytest.raises(Refused, match="lacks performance_place"):
        mediation.agree(case, {**TERMS, "performance_place": " "}, "pay_instalments")
    mediation.agree(case, TERMS, "destroy_stock")
    with pytest.raises(Refused, match="neither a party nor the mediator"):
        mediation.sign(case, "路人", D(2026, 12, 16))
    # Not yet signed by all: no package.
    mediation.sign(case, OWNER, D(2026, 12, 16))
    with pytest.raises(Refused, match="signatures"):
        mediation.confirmation_package(case, D(2026, 12, 16), tmp_path / "c.zip")
    mediation.sign(case, STALL, D(2026, 12, 16))
    done = mediation.sign(case, MEDIATOR, D(2026, 12, 17))
    assert done["effective_on"] == "2026-12-17"
    info = disputes.show(case)
    assert info.state == "paid_and_removed"
    entry = parse_entry(core.ledger.entry(info.events[-1]["log_index"]))["body"]
    assert entry["type"] == "mediation_agreement"
    assert {s["role"] for s in entry["facts"]["signatures"]} == {
        "claimant",
        "respondent",
        "mediator",
    }
    # Day 30 after the agreement passed: refused; before: the package is written.
    with pytest.raises(Refused, match="within_30_days"):
        mediation.confirmation_package(case, D(2027, 2, 1), tmp_path / "late.zip")
    checks = mediation.confirmation_package(case, D(2026, 12, 20), tmp_path / "c.zip")
    assert all(c.ok for c in checks)
    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        assert json.loads(archive.read("agreement.json"))["terms"] == TERMS["terms"]
        assert "application.txt" in archive.namelist()


def test_parties_sharing_a_phone_number_fail_the_staged_mediation_guard(core, case):
    mediation = core.disputes.mediation
    _intake(
        mediation,
        case,
        contacts={"claimant": ["13800000000"], "respondent": ["330621199001011234", "13800000000"]},
    )
    mediation.assign(case, MEDIATOR, D(2026, 12, 8))
    mediation.accept(case, MEDIATOR, D(2026, 12, 8))
    mediation.agree(case, TERMS, "apologise")
    for signer in (OWNER, STALL, MEDIATOR):
        mediation.sign(case, signer, D(2026, 12, 9))
    checks = {c.name: c for c in mediation.precheck(case, D(2026, 12, 10))}
    assert not checks["no_shared_contact"].ok
    assert "13800000000" not in str(core.disputes.show(case).details)  # kept hashed only


def test_a_conflicted_mediator_is_set_aside(core, case):
    mediation = core.disputes.mediation
    _intake(mediation, case)
    mediation.assign(case, MEDIATOR, D(2026, 12, 8))
    status = mediation.accept(case, MEDIATOR, D(2026, 12, 8), conflicts="与被申请人是亲属")
    assert status["mediator"] is None
    with pytest.raises(Refused, match="no accepting mediator"):
        mediation.agree(case, TERMS, "apologise")


def test_without_prejudice_items_stay_in_the_mediation(core, case, tmp_path):
    from fangdu.disputes.court import build_court_package

    disputes = core.disputes
    mediation = disputes.mediation
    _intake(mediation, case)
    mediation.assign(case, MEDIATOR, D(2026, 12, 8))
    mediation.accept(case, MEDIATOR, D(2026, 12, 8))
    with pytest.raises(Refused, match="missing: respondent"):
        mediation.extend(case, 10, ["claimant"], "more time")
    status = mediation.extend(case, 10, ["claimant", "respondent"], "supplier records")
    ends = next(d for d in status["deadlines"] if d["name"] == "mediation ends")
    assert ends["due"] == "2027-01-18"  # 8 Dec + 40 days (a weekend, provisional year)
    secret = "我们愿意付 8000 元了结"
    mediation.note(case, STALL, secret)  # without prejudice
    item = mediation.note(case, OWNER, "被申请人 12 月 1 日购入 50 米", fact=True)
    with pytest.raises(Refused, match="already confirmed"):
        mediation.confirm_fact(case, item["n"], OWNER)
    assert mediation.confirm_fact(case, item["n"], STALL)["kind"] == "undisputed_fact"
    board = mediation.board(case)
    assert [i["text"] for i in board["transcript"]] == [secret, item["text"]]
    assert [i["text"] for i in mediation.board(case, court=True)["transcript"]] == [item["text"]]
    assert "transcript" not in disputes.show(case).details

    mediation.agree(case, TERMS, "pay_instalments")
    for signer in (OWNER, STALL, MEDIATOR):
        mediation.sign(case, signer, D(2026, 12, 9))
    out = build_court_package(disputes, case, tmp_path / "court")
    every_byte = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert secret.encode() not in every_byte
    assert item["text"].encode() in (out / "data" / "undisputed_facts.json").read_bytes()
    # Another case with the same agreement would be a staged mediation.
    checks = {c.name: c.ok for c in mediation.precheck(case, D(2026, 12, 10))}
    assert checks["no_identical_agreements"] and all(checks.values())


def test_instalments_are_confirmed_by_both_sides_and_overdue_ones_flagged(core, case):
    mediation = core.disputes.mediation
    _intake(mediation, case)
    mediation.assign(case, MEDIATOR, D(2026, 12, 8))
    mediation.accept(case, MEDIATOR, D(2026, 12, 8))
    mediation.agree(
        case, TERMS, "pay_instalments", [(D(2026, 12, 20), "1500 元"), (D(2026, 12, 31), "1500 元")]
    )
    with pytest.raises(Refused, match="not in effect"):
        mediation.performed(case, 1, OWNER)
    for signer in (OWNER, STALL, MEDIATOR):
        mediation.sign(case, signer, D(2026, 12, 9))
    mediation.performed(case, 1, STALL)
    with pytest.raises(Refused, match="already confirmed"):
        mediation.performed(case, 1, STALL)
    with pytest.raises(Refused, match="not a party"):
        mediation.performed(case, 1, MEDIATOR)
    mediation.performed(case, 1, OWNER)
    status = mediation.status(case, D(2027, 1, 5))
    first, second = status["performance"]
    assert first["confirmed_by"] == ["respondent", "claimant"] and not first["overdue"]
    assert second["confirmed_by"] == [] and second["overdue"]
    events = core.disputes.show(case).events
    assert events[-1]["action"] == "instalment_performed"
