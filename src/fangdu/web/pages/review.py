"""Reviewers: the queue of pending applications, one application with the AI results and the
prior-use evidence side by side, and the decision (logged by the registry)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.registry.schemas import MatchInfo, PriorArtInfo, WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.pages.common import redirect, render
from fangdu.web.policy import Action
from fangdu.web.security import verify_csrf
from fangdu.web.state import AppState, RecordId, app_state, require

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

COPY_NEEDS_REASON = N_(
    "The check calls this application a copy: approving it needs a written "
    "reason, which is recorded in the evidence log."
)

Reviewer = Annotated[Account, Depends(require(Action.REVIEW))]
EXPLAINED = 6  # side-by-side pictures per application
VERDICT_RANK = {"copy": 0, "similar": 1, "none": 2}


def best_match(matches: Iterable[MatchInfo]) -> MatchInfo | None:
    """The match a reviewer must weigh first: the strongest verdict, then the highest score."""
    return min(matches, key=lambda m: (VERDICT_RANK.get(m.verdict, 3), -m.score), default=None)


@router.get("/review")
def queue(request: Request, account: Reviewer) -> Response:
    queries = app_state(request).queries
    # The listing leaves out the filed matches; each application's record carries them.
    rows = [
        {"work": work, "best": best_match(queries.show(str(work.id)).review_matches)}
        for work in queries.list_works("pending")
    ]
    # What the check calls a copy comes first, then the similar; the highest score, then
    # the oldest, first within each.
    rows.sort(
        key=lambda row: (
            VERDICT_RANK["none"]
            if row["best"] is None
            else VERDICT_RANK.get(row["best"].verdict, 3),
            0.0 if row["best"] is None else -row["best"].score,
            row["work"].created_at,
        )
    )
    return render(request, "review_queue.html", {"rows": rows})


def _fresh_matches(state: AppState, work: WorkInfo, query: bytes) -> dict[int, MatchInfo]:
    """Today's check of the application's image, without itself and without the dissimilar."""
    return {
        m.ref_id: m
        for m in state.checking.check_bytes(query, top_k=20)
        if not (m.kind == "work" and m.target_id == work.id) and m.verdict != "none"
    }


def review_evidence(state: AppState, work: WorkInfo) -> list[dict[str, object]]:
    """The matches filed with the application, each explained by a fresh check of its image,
    plus anything registered since that the fresh check finds; a matched work comes with its
    record, so the reviewer sees whose it is and where it stands.

    The stored matches carry no correspondences to draw, so the image is checked again.
    """
    query = state.blobs.get(work.sha256)
    fresh = _fresh_matches(state, work, query)
    filed = {m.ref_id for m in work.review_matches}
    items: list[dict[str, object]] = []
    for match in [*work.review_matches, *(m for m in fresh.values() if m.ref_id not in filed)]:
        drawn = fresh.get(match.ref_id)
        items.append(
            {
                "match": match,
                "new": match.ref_id not in filed,
                "picture": records.explanation(state.checking, query, drawn)
                if drawn is not None and len(items) < EXPLAINED
                else None,
                "prior_art": _prior_art(state, match),
                "work": _matched_work(state, match),
            }
        )
    return items


def _matched_work(state: AppState, match: MatchInfo) -> WorkInfo | None:
    if match.kind != "work":
        return None
    try:
        record = state.queries.show(str(match.target_id))
    except NotFound:
        return None
    return record if isinstance(record, WorkInfo) else None


def _prior_art(state: AppState, match: MatchInfo) -> PriorArtInfo | None:
    if match.kind != "prior_art":
        return None
    try:
        record = state.queries.show(f"P-{match.target_id}")
    except NotFound:
        return None
    return record if isinstance(record, PriorArtInfo) else None


def _detail(
    request: Request,
    account: Account,
    work_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    decided: bool = False,
    reason: str = "",
) -> Response:
    state = app_state(request)
    record = state.queries.show(str(work_id))
    assert isinstance(record, WorkInfo)
    evidence = review_evidence(state, record)
    return render(
        request,
        "review_detail.html",
        {
            "work": record,
            "evidence": evidence,
            "copy": any(
                isinstance(m := item["match"], MatchInfo) and m.verdict == "copy"
                for item in evidence
            ),
            "own": record.submitted_by == account.subject,
            "error": error,
            "decided": decided,
            "reason": reason,
        },
        status=status,
    )


@router.get("/review/{work_id}")
def detail(
    request: Request, work_id: RecordId, account: Reviewer, decided: bool = False
) -> Response:
    """``decided``: the reviewer has just decided it, so the page says what happened."""
    return _detail(request, account, work_id, decided=decided)


def _copy_found(state: AppState, account: Account, work_id: int) -> bool:
    """Whether the check calls the application a copy, when filed or today."""
    record = state.queries.show(str(work_id))
    assert isinstance(record, WorkInfo)
    if record.status != "pending" or record.submitted_by == account.subject:
        return False  # the registry refuses this decision for another reason
    if any(m.verdict == "copy" for m in record.review_matches):
        return True
    query = state.blobs.get(record.sha256)
    return any(m.verdict == "copy" for m in _fresh_matches(state, record, query).values())


@router.post("/review/{work_id}/decision")
def decide(
    request: Request,
    work_id: RecordId,
    account: Reviewer,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if action not in ("approve", "reject"):
        return _detail(request, account, work_id, error=N_("Choose approve or reject."), status=400)
    state = app_state(request)
    reason = reason.strip()
    # The registry refuses too (for the matches filed with the application); this also
    # covers a copy registered since, which only today's check finds.
    if action == "approve" and not reason and _copy_found(state, account, work_id):
        return _detail(request, account, work_id, error=COPY_NEEDS_REASON, status=400)
    try:
        state.filing.decide(
            work_id,
            approve=action == "approve",
            reviewer=account.subject,
            reason=reason or None,
            channel="web",
            submitter=state.accounts.signer(account.id),
        )
    except InputError:
        message = COPY_NEEDS_REASON if action == "approve" else N_("A rejection needs its reasons.")
        return _detail(request, account, work_id, error=message, status=400, reason=reason)
    except Conflict as exc:
        own = "own application" in str(exc)
        message = (
            N_("You cannot decide your own application: another reviewer must.")
            if own
            else N_("This application has already been decided.")
        )
        return _detail(request, account, work_id, error=message, status=409)
    return redirect(f"/review/{work_id}?decided=1")
