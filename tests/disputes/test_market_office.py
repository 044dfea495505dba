"""The market office's abuse monitor, the litigation hold, the judgement, the damages sheet,
and sightings after a delivered notice."""

from __future__ import annotations

import datetime as dt

import pytest

from fangdu.disputes.errors import Refused
from fangdu.disputes.services import AbuseThresholds, Capture, CaptureContext
from fangdu.ledger.entries import parse_entry

from .conftest import OWNER, STALL, copy_of, pdf

REVIEWER = "审核员 李"


def _case(core, register, print_png, seed: int, merchant: str = STALL) -> int:
    disputes = core.disputes
    work = register(seed)
    disputes.watch(f"W-{work}", OWNER)
    context = CaptureContext("北市场", merchant, disputes.today(), "监测员 王")
    disputes.import_sightings([Capture("s.jpg", copy_of(print_png(seed)))], context)
    (lead,) = disputes.run().leads
    return disputes.open_case(lead.id, OWNER).id


def test_a_claimant_above_the_thresholds_needs_a_supervisor(core, register, print_png):
    disputes = core.disputes
    disputes.abuse_thresholds = AbuseThresholds(notices_per_week=0)
    first = _case(core, register, print_png, 71)
    disputes.review(first, REVIEWER, "proceed")
    disputes.send_notice(first, OWNER, metres=10)
    (profile,) = disputes.abuse_report()
    assert profile.notices_last_week == 1 and profile.flags == ("1 notices in a week",)
    with pytest.raises(Refused, match="abuse monitor"):
        _case(core, register, print_png, 72)
    (lead,) = disputes.leads("open")
    case = disputes.open_case(
        lead.id, OWNER, override_by="主管 张", override_reason="checked the registrations"
    )
    assert case.details["override"]["by"] == "主管 张"


def test_notice_then_sale_is_flagged_then_hold_and_judgement(core, register, print_png):
    disputes = core.disputes
    case = _case(core, register, print_png, 73)
    disputes.review(case, REVIEWER, "proceed")
    disputes.send_notice(case, OWNER, metres=100)
    # Three days on, still on sale at the same stall: 惩罚性赔偿解释 Art 3(1).
    later_day = disputes.today() + dt.timedelta(days=3)
    disputes.today = lambda: later_day
    context = CaptureContext("北市场", STALL, later_day, "监测员 王")
    disputes.import_sightings([Capture("again.jpg", copy_of(print_png(73))[:-2])], context)
    (later,) = disputes.run().leads
    assert "after_notice" in later.flags
    sheet = disputes.damages_worksheet(case)
    assert sheet["punitive"]["sightings_after_notice"] == [later.id]
    assert sheet["statutory_range_yuan"] == [500, 5_000_000]

    disputes.close(case, "litigation", REVIEWER, "no answer to the notice")
    disputes.hold(case, "法官助理 赵", "evidence preservation")
    with pytest.raises(Refused, match="litigation hold"):
        disputes.dismiss(later.id, REVIEWER, "tidy up")
    info = disputes.judgement(
        case,
        court="绍兴市柯桥区人民法院",
        number="(2026)浙0603民初1号",
        on=later_day,
        outcome="infringement found",
        damages_yuan=20000,
        document=pdf("judgement"),
        by="书记员 钱",
    )
    entry = parse_entry(core.ledger.entry(info.events[-1]["log_index"]))["body"]
    assert entry["type"] == "judgement" and entry["facts"]["damages_yuan"] == 20000


def test_registrations_resembling_earlier_ones_flag_the_claimant(core, register, print_png):
    """An agency that registers look-alikes of what is already registered (Keqiao's abuse)."""
    from fangdu.registry.schemas import RegistrationRequest

    disputes = core.disputes
    for seed in (74, 75, 76):
        register(seed)  # the originals, by OWNER
    agency = "某代理公司"
    filed = []
    for seed in (74, 75, 76):
        outcome = core.filing.register(
            copy_of(print_png(seed)),
            RegistrationRequest(title=f"仿 {seed}", owner=agency, created_on=dt.date(2025, 2, 1)),
            submit_for_review=True,
        )
        core.filing.decide(outcome.work.id, approve=True, reviewer="审核员 甲", reason="客户坚持")
        filed.append(outcome.work.id)
    disputes.watch(f"W-{filed[0]}", agency)
    context = CaptureContext("北市场", STALL, disputes.today(), "监测员 王")
    disputes.import_sightings([Capture("s.jpg", print_png(74))], context)
    (lead,) = disputes.run().leads
    # The title check finds the earlier registration; a supervisor lets this one through.
    with pytest.raises(Refused, match="earlier registration"):
        disputes.open_case(lead.id, agency)
    disputes.open_case(lead.id, agency, override_by="主管 张", override_reason="to be heard")
    profile = next(p for p in disputes.abuse_report() if p.claimant == agency)
    assert (profile.registrations, profile.resembling_registrations) == (3, 3)
    assert "3 of 3 registrations resemble earlier ones" in profile.flags
