"""Applications and their review: always pending, decided once, never by the applicant, logged."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from fangdu.errors import Conflict, InputError
from fangdu.ledger.entries import parse_entry
from fangdu.registry.schemas import RegistrationRequest
from fangdu.registry.services import Registry


@pytest.fixture
def registry(settings):
    with Registry.open(settings) as opened:
        yield opened


def _apply(registry: Registry, png: bytes, account: str = "applicant-1"):
    request = RegistrationRequest(
        title="缠枝莲",
        owner="柯桥花样工作室",
        description="hand-drawn, 2026",
        originality_statement="my own design",
        submitted_by=account,
    )
    return registry.filing.register(png, request, review_required=True, channel="web")


def test_an_application_waits_for_review_and_approval_issues_the_number(registry, print_png):
    filed = _apply(registry, print_png(1)).work
    assert filed.status == "pending" and filed.registration_no is None
    assert filed.description == "hand-drawn, 2026" and filed.submitted_by == "applicant-1"
    assert registry.checking.check_bytes(print_png(1)) == []  # pending works are not searched yet
    decided = registry.filing.decide(filed.id, approve=True, reviewer="reviewer-7")
    assert decided.status == "registered" and decided.registration_no.startswith("FD-")
    assert decided.decided_by == "reviewer-7" and decided.decided_at is not None
    [top, *_] = registry.checking.check_bytes(print_png(1))
    assert top.registration_no == decided.registration_no and top.verdict == "copy"
    history = [parse_entry(d)["body"] for _, d in registry.ledger.entries_about(f"work:{filed.id}")]
    assert [e["type"] for e in history] == ["application", "status_change"]
    assert history[1]["facts"]["registration_no"] == decided.registration_no
    assert registry.ledger.pending() == 0


def test_rejection_needs_reasons_and_is_final(registry, print_png):
    filed = _apply(registry, print_png(2)).work
    with pytest.raises(InputError, match="reasons"):
        registry.filing.decide(filed.id, approve=False, reviewer="reviewer-7", reason="  ")
    rejected = registry.filing.decide(
        filed.id, approve=False, reviewer="reviewer-7", reason="copies FD-2025-0000003"
    )
    assert rejected.status == "rejected" and rejected.decision_reason == "copies FD-2025-0000003"
    with pytest.raises(Conflict, match="rejected"):
        registry.filing.decide(filed.id, approve=True, reviewer="reviewer-8")


def test_nobody_decides_their_own_application(registry, print_png):
    filed = _apply(registry, print_png(3), account="reviewer-7").work
    with pytest.raises(Conflict, match="own application"):
        registry.filing.decide(filed.id, approve=True, reviewer="reviewer-7")
    assert registry.queries.show(str(filed.id)).status == "pending"


def test_each_account_sees_its_own_applications(registry, print_png):
    mine = _apply(registry, print_png(4), account="a").work
    _apply(registry, print_png(5), account="b")
    assert [w.id for w in registry.queries.list_applications("a")] == [mine.id]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": "Peony\u202egnp.exe"}, "text-direction"),
        ({"owner": "Keqiao\x00Ltd"}, "control"),
        ({"designers": ("Wang\x05",)}, "control"),
        ({"title": "x" * 201}, "longer than 200"),
        ({"title": "two\nlines"}, "control"),
        ({"created_on": dt.date(2999, 1, 1)}, "future"),
        (
            {"created_on": dt.date(2026, 5, 1), "published_on": dt.date(2026, 4, 1)},
            "published before",
        ),
    ],
)
def test_filings_with_hidden_characters_or_impossible_dates_are_refused(
    registry, print_png, changes, reason
):
    request = dataclasses.replace(
        RegistrationRequest(
            title="缠枝莲", owner="柯桥花样工作室", description="line one\nline two"
        ),
        **changes,
    )
    with pytest.raises(InputError, match=reason):
        registry.filing.register(print_png(6), request, review_required=True)
    assert list(registry.queries.list_works()) == []  # nothing written


def test_line_breaks_are_fine_in_descriptions(registry, print_png):
    request = RegistrationRequest(title="缠枝莲", owner="柯桥", description="drawn\n\tby hand")
    assert (
        registry.filing.register(print_png(7), request, review_required=True).work.status
        == "pending"
    )
