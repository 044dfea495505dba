"""The JSON API under /api/v1, mirroring the command line; documented by its OpenAPI.

Programs authenticate with ``Authorization: Bearer fdt_...`` (no cookies, so no CSRF); the
check and the public records need none. Every error is an RFC 9457 problem.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fangdu.accounts import Account
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.ledger.merkle import leaf_hash
from fangdu.ledger.note import verifier_key_string
from fangdu.registry.application import MAX_TEXT, MAX_TITLE, ApplicationIn, Category
from fangdu.registry.filing import ImageOnFile
from fangdu.registry.schemas import MatchInfo, WorkInfo
from fangdu.web import records
from fangdu.web.i18n import N_
from fangdu.web.policy import Action, WorkFacts, allowed
from fangdu.web.problems import PROBLEM_RESPONSES, forbidden
from fangdu.web.state import (
    RecordId,
    app_state,
    authorize_work,
    bearer_account,
    client_address,
    require_token,
)
from fangdu.web.uploads import display_name, read_upload

router = APIRouter(prefix="/api/v1", tags=["api"], responses=PROBLEM_RESPONSES)


# -- models ----------------------------------------------------------------------------------


class MatchOut(BaseModel):
    """One ranked match, as ``fangdu check --json`` prints it."""

    work_id: int = Field(description="the work's id, or the prior-art record's id")
    registration_no: str | None
    title: str
    kind: Literal["work", "prior_art"]
    score: float = Field(ge=0, le=1)
    verdict: Literal["copy", "similar", "none"]
    query_box: list[int] | None = Field(description="x0, y0, x1, y1 in the query's pixels")
    match_box: list[int] | None = Field(description="x0, y0, x1, y1 in the match's pixels")


class CheckOut(BaseModel):
    """The result of checking one image, as one line of ``fangdu check --json``."""

    query: str = Field(description="the uploaded file's name")
    matches: list[MatchOut]


class WorkOut(BaseModel):
    """A work, as ``fangdu show --json`` prints it. Application details (statements, the
    check's matches, reasons) are empty unless the caller filed it or reviews."""

    kind: Literal["work"] = "work"
    id: int
    registration_no: str | None
    title: str
    status: str = Field(description="pending, registered or rejected")
    owner: str | None
    designers: list[str]
    created_on: dt.date | None
    published_on: dt.date | None
    category: str | None
    colourways: list[str]
    repeat_mm: list[float] | None
    sha256: str
    format: str
    width: int
    height: int
    created_at: dt.datetime
    registered_at: dt.datetime | None
    review_matches: list[MatchOut]
    description: str | None
    originality_statement: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None


class ApplicationOut(BaseModel):
    """A filed application, as ``fangdu register --json`` prints it."""

    status: str
    work: WorkOut
    matches: list[MatchOut] = Field(description="what the automatic check found")


class DecisionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    approve: bool = Field(description="true or false, nothing that looks like them")
    reason: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="required when rejecting, and when approving what the check calls a copy",
    )


class InclusionOut(BaseModel):
    """As ``fangdu ledger inclusion`` prints it; hashes in base64."""

    index: int
    size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(BaseModel):
    """As ``fangdu ledger consistency`` prints it; hashes in base64."""

    old_size: int
    size: int
    proof: list[str]


class CheckpointOut(BaseModel):
    origin: str
    size: int
    root: str = Field(description="base64 root hash")
    note: str = Field(
        description="the signed note with witness cosignatures, as /log/checkpoint serves it"
    )
    cosignatures: int
    timestamped: bool
    log_key: str = Field(description="the log's verifier key (signed-note format)")


def _match(match: MatchInfo) -> MatchOut:
    return MatchOut.model_validate(match.to_json())


def work_out(work: WorkInfo, *, private: bool) -> WorkOut:
    data: dict[str, Any] = work.to_json()
    if not private:
        data.update(
            review_matches=[], description=None, originality_statement=None, decision_reason=None
        )
    return WorkOut.model_validate(data)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# -- check and works -------------------------------------------------------------------------


@router.post("/check", summary=N_("Check an image against registered works and prior art"))
def check(
    request: Request,
    file: Annotated[UploadFile, File(description="the image (PNG, JPEG, TIFF, WebP, GIF, BMP)")],
    top_k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> CheckOut:
    state = app_state(request)
    account = bearer_account(request)
    if account is not None and not allowed(account, Action.CHECK):
        raise forbidden("this token's scopes do not include check")
    state.check_limiter.hit(account.subject if account else client_address(request))
    data = read_upload(file, state.core.settings.max_image_bytes)
    matches = state.checking.check_bytes(data, top_k=top_k)
    return CheckOut(query=display_name(file), matches=[_match(m) for m in matches])


@router.post(
    "/works",
    status_code=201,
    summary=N_("File an application for registration"),
    responses={409: {"description": "this image is already on file"}},
)
def apply(
    request: Request,
    file: Annotated[UploadFile, File(description="the design's image")],
    title: Annotated[str, Form(description=f"at most {MAX_TITLE} characters")],
    created_on: Annotated[str, Form(description="when the design was created, ISO date")],
    originality_statement: Annotated[
        str, Form(description="the applicant's statement that the design is their own")
    ],
    account: Annotated[Account, Depends(require_token(Action.APPLY))],
    owner: Annotated[str | None, Form(description="default: the account's party")] = None,
    designers: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    published_on: Annotated[str | None, Form(description="ISO date")] = None,
    category: Annotated[Category | None, Form()] = None,
    colourways: Annotated[list[str], Form()] = [],  # noqa: B006
    description: Annotated[str | None, Form()] = None,
) -> ApplicationOut:
    """Always filed as pending, with the automatic check's matches, for a reviewer. The fields
    are validated by the same schema as the web form's (`registry.application`)."""
    state = app_state(request)
    fields = {
        "title": title,
        "owner": owner or account.party_claim or account.display_name,
        "designers": designers,
        "created_on": created_on,
        "published_on": published_on,
        "category": category,
        "colourways": colourways,
        "description": description,
        "originality_statement": originality_statement,
    }
    try:
        filed = ApplicationIn.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    data = read_upload(file, state.core.settings.max_image_bytes)
    try:
        outcome = state.filing.register(
            data,
            filed.to_request(account.subject),
            review_required=True,
            channel="api",
            submitter=state.accounts.signer(account.id),
        )
    except ImageOnFile:
        # It may be someone else's unpublished application: say no more than that.
        raise Conflict("this image is already on file") from None
    return ApplicationOut(
        status=outcome.work.status,
        work=work_out(outcome.work, private=True),
        matches=[_match(m) for m in outcome.matches],
    )


@router.get("/works", summary=N_("Your applications; reviewers: every work, by status"))
def list_works(
    request: Request,
    account: Annotated[Account, Depends(require_token(Action.PORTFOLIO))],
    status: Annotated[Literal["pending", "registered", "rejected"] | None, Query()] = None,
) -> list[WorkOut]:
    queries = app_state(request).queries
    if allowed(account, Action.REVIEW):
        works = list(queries.list_works(status))
    else:
        works = [
            w
            for w in queries.list_applications(account.subject)
            if status is None or w.status == status
        ]
    return [work_out(w, private=True) for w in works]


def _authorized_work(request: Request, key: str, action: Action) -> tuple[WorkInfo, Account | None]:
    """The work if the caller may do ``action`` on it (see :mod:`fangdu.web.policy`)."""
    record = records.find_work(app_state(request).queries, key)
    account = bearer_account(request)
    authorize_work(account, action, record)
    return record, account


def _private(account: Account | None, work: WorkInfo) -> bool:
    """Application details (statements, the check's matches, reasons) are for its filer and
    those who review."""
    return allowed(account, Action.VIEW_APPLICATION, WorkFacts(work.status, work.submitted_by))


@router.get("/works/{key}", summary=N_("One work by id (12, W-12) or registration number"))
def get_work(request: Request, key: str) -> WorkOut:
    work, account = _authorized_work(request, key, Action.VIEW)
    return work_out(work, private=_private(account, work))


@router.post("/works/{work_id}/decision", summary=N_("Approve or reject a pending application"))
def decide(
    request: Request,
    work_id: RecordId,
    decision: DecisionIn,
    account: Annotated[Account, Depends(require_token(Action.DECIDE))],
) -> WorkOut:
    state = app_state(request)
    authorize_work(account, Action.DECIDE, records.find_work(state.queries, str(work_id)))
    work = state.filing.decide(
        work_id,
        approve=decision.approve,
        reviewer=account.subject,
        reason=decision.reason,
        channel="api",
        submitter=state.accounts.signer(account.id),
    )
    return work_out(work, private=True)


@router.get(
    "/works/{key}/evidence",
    summary=N_("The evidence bundle (zip) of a work, verifiable offline with `fangdu verify`"),
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "the bundle"}},
)
def evidence(
    request: Request, key: str, account: Annotated[Account, Depends(require_token(Action.VIEW))]
) -> Response:
    work, _ = _authorized_work(request, key, Action.GET_EVIDENCE)
    data = records.evidence_zip(app_state(request).registry, str(work.id))
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{work.label}.zip"'},
    )


# -- the evidence log ------------------------------------------------------------------------


@router.get("/proofs/inclusion", summary=N_("Inclusion proof of a log entry"))
def inclusion(
    request: Request,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int | None, Query(ge=1, description="tree size; default the latest")] = None,
) -> InclusionOut:
    store = app_state(request).ledger
    latest = store.size()
    size = size or latest
    if not index < size <= latest:
        raise InputError(f"need index < size <= {latest}; got {index}, {size}")
    proof = store.inclusion_proof(index, size)
    return InclusionOut(
        index=index,
        size=size,
        leaf_hash=_b64(leaf_hash(store.entry(index))),
        proof=[_b64(h) for h in proof],
    )


@router.get("/proofs/consistency", summary=N_("Consistency proof between two tree sizes"))
def consistency(
    request: Request,
    old: Annotated[int, Query(ge=0)],
    size: Annotated[int | None, Query(ge=1, description="newer size; default the latest")] = None,
) -> ConsistencyOut:
    store = app_state(request).ledger
    latest = store.size()
    size = size or latest
    if not old <= size <= latest:
        raise InputError(f"need old <= size <= {latest}; got {old}, {size}")
    return ConsistencyOut(
        old_size=old, size=size, proof=[_b64(h) for h in store.consistency_proof(old, size)]
    )


@router.get("/log/checkpoint", summary=N_("The latest signed checkpoint and the log's key"))
def checkpoint(request: Request) -> CheckpointOut:
    store = app_state(request).ledger
    latest = store.checkpoint()
    if latest is None:
        raise NotFound("the log has no checkpoint yet")
    return CheckpointOut(
        origin=store.origin,
        size=latest.checkpoint.size,
        root=_b64(latest.checkpoint.root),
        note=(latest.note + "".join(latest.cosignatures).encode()).decode(),
        cosignatures=len(latest.cosignatures),
        timestamped=latest.timestamp_token is not None,
        log_key=verifier_key_string(store.signer),
    )


# The static log (C2SP tlog-tiles) sits beside the pages, where verifiers look for it.
log_router = APIRouter(prefix="/log", tags=["log"], responses=PROBLEM_RESPONSES)


@log_router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary=N_("The signed checkpoint with cosignatures (C2SP tlog-checkpoint)"),
)
def log_checkpoint(request: Request) -> Response:
    store = app_state(request).ledger
    latest = store.checkpoint()
    if latest is None:
        raise NotFound("the log has no checkpoint yet")
    body = latest.note + "".join(latest.cosignatures).encode()
    return Response(
        body, media_type="text/plain; charset=utf-8", headers={"cache-control": "no-cache"}
    )


@log_router.get(
    "/tile/{path:path}",
    response_class=Response,
    summary=N_("A hash tile or entry bundle (C2SP tlog-tiles)"),
)
def log_tile(request: Request, path: str) -> Response:
    tile = records.log_tile(app_state(request).ledger, f"tile/{path}")
    caching = "public, max-age=31536000, immutable" if tile.full else "no-cache"
    return Response(
        tile.data, media_type="application/octet-stream", headers={"cache-control": caching}
    )
