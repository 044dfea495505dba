"""Reviewers: the queue of pending applications, one application with the AI results and the
prior-use evidence side by side, and the decision (logged by the registry)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.registry.schemas import MatchInfo, PriorArtInfo, WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.pages.common import redirect, render
from fangdu.web.security import verify_csrf
from fangdu.web.state import REVIEW_ROLES, AppState, RecordId, app_state, require_roles

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Reviewer = Annotated[Account, Depends(require_roles(*REVIEW_ROLES))]
EXPLAINED = 6  # side-by-side pictures per application


@router.get("/review")
def queue(request: Request, account: Reviewer) -> Response:
    pending = list(app_state(request).registry.list_works("pending"))
    return render(request, "review_queue.html", {"works": pending})


def review_evidence(state: AppState, work: WorkInfo) -> list[dict[str, object]]:
    """The matches filed with the application, each explained by a fresh check of its image,
    plus anything registered since that the fresh check finds.

    The stored matches carry no correspondences to draw, so the image is checked again.
    """
    query = state.registry.blobs.get(work.sha256)
    with state.index_lock:
        fresh = {
            m.ref_id: m for m in state.registry.check_bytes(query, top_k=20)
            if not (m.kind == "work" and m.target_id == work.id) and m.verdict != "none"
        }
    filed = {m.ref_id for m in work.review_matches}
    items: list[dict[str, object]] = []
    for match in [*work.review_matches, *(m for m in fresh.values() if m.ref_id not in filed)]:
        drawn = fresh.get(match.ref_id)
        items.append({
            "match": match,
            "new": match.ref_id not in filed,
            "picture": records.explanation(state.registry, query, drawn)
            if drawn is not None and len(items) < EXPLAINED else None,
            "prior_art": _prior_art(state, match),
        })
    return items


def _prior_art(state: AppState, match: MatchInfo) -> PriorArtInfo | None:
    if match.kind != "prior_art":
        return None
    try:
        record = state.registry.show(f"P-{match.target_id}")
    except NotFound:
        return None
    return record if isinstance(record, PriorArtInfo) else None


def _detail(request: Request, account: Account, work_id: int, *, error: str | None = None,
            status: int = 200) -> Response:
    state = app_state(request)
    record = state.registry.show(str(work_id))
    assert isinstance(record, WorkInfo)
    return render(request, "review_detail.html", {
        "work": record,
        "evidence": review_evidence(state, record),
        "own": record.submitted_by == account.subject,
        "error": error,
    }, status=status)


@router.get("/review/{work_id}")
def detail(request: Request, work_id: RecordId, account: Reviewer) -> Response:
    return _detail(request, account, work_id)


@router.post("/review/{work_id}/decision")
def decide(
    request: Request,
    work_id: RecordId,
    account: Reviewer,
    action: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if action not in ("approve", "reject"):
        return _detail(request, account, work_id, error=N_("Choose approve or reject."),
                       status=400)
    state = app_state(request)
    try:
        with state.index_lock:
            state.registry.decide(
                work_id, approve=action == "approve", reviewer=account.subject,
                reason=reason or None, channel="web", submitter=state.accounts.signer(account.id),
            )
    except InputError:
        return _detail(request, account, work_id,
                       error=N_("A rejection needs its reasons."), status=400)
    except Conflict as exc:
        own = "own application" in str(exc)
        message = (N_("You cannot decide your own application: another reviewer must.") if own
                   else N_("This application has already been decided."))
        return _detail(request, account, work_id, error=message, status=409)
    return redirect(f"/review/{work_id}")
