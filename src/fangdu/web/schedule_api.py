"""``/api/v1/schedule``: the dye-house vat scheduler (印染排缸) for programs.

``solve`` takes an instance (Fangdu's JSON, the CLI's ``.json``) and starts solving in the
background (202 with the job's address); ``jobs/{id}`` answers its state and, when done, the
plan in the CLI's JSON shape; ``validate`` re-checks a plan against an instance, as
``fangdu schedule validate`` does. A token needs the ``schedule`` scope; each party sees only
its own jobs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from fangdu.accounts import Account
from fangdu.dyehouse.models import Instance, Objective, Plan
from fangdu.dyehouse.tables import numbered
from fangdu.dyehouse.validate import Violation, objective, validate
from fangdu.web.pages.schedule import KIND, MAX_SECONDS, solve_job
from fangdu.web.policy import Action
from fangdu.web.problems import PROBLEM_RESPONSES
from fangdu.web.state import require_token
from fangdu.web.workspace import owner_key, workspace

router = APIRouter(prefix="/api/v1/schedule", tags=["schedule"], responses=PROBLEM_RESPONSES)
Scheduler = Annotated[Account, Depends(require_token(Action.SCHEDULE))]


class SolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: Instance = Field(description="lots (jobs), vats (machines), washes; ids 1-based")
    time_limit: float = Field(default=10, gt=0, le=MAX_SECONDS, description="seconds")
    seed: int = Field(default=0, ge=0)


class JobOut(BaseModel):
    job: str
    state: Literal["new", "queued", "running", "done", "failed"]
    url: str = Field(description="where to ask for the job's state and plan")
    progress: dict[str, Any] = Field(default_factory=dict, description="elapsed s, best so far")
    error: str | None = None
    plan: Plan | None = Field(default=None, description="when done: the CLI's plan JSON")
    lower_bound: int | None = None
    optimal: bool | None = None
    method: str | None = None


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: Instance
    plan: Plan


class ValidateOut(BaseModel):
    valid: bool
    violations: list[Violation] = Field(description="one per broken constraint, by rule")
    objective: Objective | None = Field(description="recomputed; only for a valid plan")


def _job_out(request: Request, account: Account, job_id: str) -> JobOut:
    ws = workspace(request)
    owner = owner_key(account)
    status = ws.status(KIND, owner, job_id)
    out = JobOut(
        job=job_id,
        state=status["state"],
        url=f"/api/v1/schedule/jobs/{job_id}",
        progress=status.get("progress") or {},
        error=status.get("error"),
    )
    if status["state"] == "done":
        solved = (ws.result(KIND, owner, job_id) or {}).get("solve", {})
        out.plan = Plan.model_validate(solved["plan"])
        out.lower_bound = solved.get("lower_bound")
        out.optimal = solved.get("optimal")
        out.method = solved.get("method")
    return out


@router.post("/solve", status_code=202, response_model=JobOut, summary="Solve an instance")
def solve_instance(body: SolveIn, request: Request, account: Scheduler) -> JSONResponse:
    """Start solving in the background; poll the job's ``url`` for the plan."""
    tables = numbered(body.instance)
    n = len(tables.lots)
    ws = workspace(request)
    owner = owner_key(account)
    job = ws.create(
        KIND,
        owner,
        {"tables.json": tables.model_dump_json().encode()},
        {"label": f"API {body.instance.name}", "lots": n, "vats": len(tables.vats)},
    )
    ws.start(KIND, owner, job, solve_job(body.time_limit, body.seed))
    out = _job_out(request, account, job)
    return JSONResponse(out.model_dump(mode="json"), status_code=202, headers={"location": out.url})


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A solving job and its plan")
def schedule_job(job_id: str, request: Request, account: Scheduler) -> JobOut:
    return _job_out(request, account, job_id)


@router.post("/validate", response_model=ValidateOut, summary="Validate a plan")
def validate_plan(body: ValidateIn, account: Scheduler) -> ValidateOut:
    """Every constraint re-checked independently of the solver; the objective recomputed."""
    problems = validate(body.instance, body.plan)
    return ValidateOut(
        valid=not problems,
        violations=problems,
        objective=None if problems else objective(body.instance, body.plan.batches),
    )
