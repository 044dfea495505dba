"""``/api/v1/trade``: market procurement (市场采购 1039) for programs.

``check`` reads a goods list (XLSX or CSV) and answers the findings at once (reading and
checking a day's list takes seconds); ``plan`` stores it and plans declarations and containers
and drafts the documents in the background (202 with the job's address); ``jobs/{id}`` answers
its state and plan, ``jobs/{id}/documents.zip`` the documents. A token needs the ``trade``
scope; each party sees only its own jobs. Nothing is ever submitted anywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from fangdu.accounts import Account
from fangdu.trade.checks import check_lines
from fangdu.trade.exclusions import load_exclusions
from fangdu.trade.reader import ReadError, read_lines
from fangdu.web.pages.trade import (
    KIND,
    MAX_LIST_BYTES,
    check_report,
    new_list,
    plan_job,
    settings_from,
)
from fangdu.web.policy import Action
from fangdu.web.problems import PROBLEM_RESPONSES, WebProblem
from fangdu.web.state import require_token
from fangdu.web.workspace import owner_key, workspace

router = APIRouter(prefix="/api/v1/trade", tags=["trade"], responses=PROBLEM_RESPONSES)
Clerk = Annotated[Account, Depends(require_token(Action.TRADE))]


class FindingOut(BaseModel):
    rule: str = Field(description="the rule's ID, as docs/TRADE.md lists it")
    severity: Literal["error", "question", "warning", "info"]
    zh: str
    en: str
    clause: str
    where: str = Field(description="line (sheet!row) or declaration group")
    detail: str


class LineOut(BaseModel):
    ref: str
    declared_code: str
    derived_code: str | None = Field(description="the 6-digit subheading the tool derives")
    heading: str | None
    ask: list[str] = Field(description="attributes the tariff turns on that are missing")
    elements: str = Field(description="the 申报要素 string in the code's order")
    findings: list[FindingOut]


class TradeCheckOut(BaseModel):
    lines: list[LineOut]
    groups: list[FindingOut] = Field(description="findings per declaration group")
    by_rule: dict[str, int]
    errors: int


class TradeJobOut(BaseModel):
    job: str
    state: Literal["new", "queued", "running", "done", "failed"]
    url: str
    error: str | None = None
    plan: dict[str, Any] | None = Field(default=None, description="when done")
    documents: str | None = Field(default=None, description="the documents' ZIP, when done")


def _read(upload: UploadFile) -> tuple[bytes, str]:
    data = upload.file.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise WebProblem(413, f"the file is larger than {MAX_LIST_BYTES} bytes", kind="too-large")
    name = (upload.filename or "").lower()
    return data, ".xlsx" if name.endswith((".xlsx", ".xlsm")) else ".csv"


def _unreadable(exc: ReadError) -> JSONResponse:
    return JSONResponse(
        {
            "type": "urn:fangdu:problem:unreadable-goods-list",
            "title": "the goods list cannot be read whole",
            "status": 422,
            "detail": str(exc.errors[0]) if exc.errors else "unreadable",
            "errors": [
                {"sheet": e.sheet, "row": e.row, "column": e.column, "zh": e.zh, "en": e.en}
                for e in exc.errors
            ],
        },
        status_code=422,
        media_type="application/problem+json",
    )


@router.post("/check", response_model=TradeCheckOut, summary="Pre-check a goods list")
def check_goods(
    account: Clerk,
    file: UploadFile = File(..., description="goods list: .xlsx or .csv, Chinese headers"),
    rates: str = Form("", max_length=500, description="USD rates: EUR=1.08; GBP=1.27"),
) -> Any:
    """Findings per line and per declaration group (rule ID, severity, zh/en, clause), the
    derived code beside the declared one and the 申报要素. 422 lists every unreadable cell."""
    data, suffix = _read(file)
    try:
        settings = settings_from(rates)
        lines = read_lines(f"goods{suffix}", data)
    except ReadError as exc:
        return _unreadable(exc)
    return check_report(check_lines(lines, settings, load_exclusions()))


def _job(request: Request, account: Account, job_id: str) -> TradeJobOut:
    ws = workspace(request)
    owner = owner_key(account)
    status = ws.status(KIND, owner, job_id)
    out = TradeJobOut(
        job=job_id,
        state=status["state"],
        url=f"/api/v1/trade/jobs/{job_id}",
        error=status.get("error"),
    )
    if status["state"] == "done":
        out.plan = (ws.result(KIND, owner, job_id) or {}).get("plan")
        out.documents = f"/api/v1/trade/jobs/{job_id}/documents.zip"
    return out


@router.post("/plan", status_code=202, response_model=TradeJobOut, summary="Plan and document")
def plan_goods(
    request: Request,
    account: Clerk,
    file: UploadFile = File(...),
    rates: str = Form("", max_length=500),
    container: str = Form("40HQ"),
) -> Any:
    """Store the list, then plan declarations and containers and draft the documents in the
    background; lines with an error finding are held. Poll the job's ``url``."""
    data, suffix = _read(file)
    meta = {"rates": rates, "container": container, "by": account.subject}
    try:
        job = new_list(request, account, data, suffix, f"API {file.filename or ''}"[:80], meta)
    except ReadError as exc:
        return _unreadable(exc)
    ws = workspace(request)
    owner = owner_key(account)
    ws.start(KIND, owner, job, plan_job(settings_from(rates, container)))
    out = _job(request, account, job)
    return JSONResponse(out.model_dump(mode="json"), status_code=202, headers={"location": out.url})


@router.get("/jobs/{job_id}", response_model=TradeJobOut, summary="A planning job")
def trade_job(job_id: str, request: Request, account: Clerk) -> TradeJobOut:
    return _job(request, account, job_id)


@router.get("/jobs/{job_id}/documents.zip", summary="The documents of a planned list")
def trade_job_documents(job_id: str, request: Request, account: Clerk) -> Response:
    path = workspace(request).folder(KIND, owner_key(account), job_id) / "documents.zip"
    if not path.is_file():
        raise WebProblem(409, "the documents are not ready yet", kind="conflict")
    return Response(path.read_bytes(), media_type="application/zip")
