"""The dye-house planner's pages (印染排缸, issue 17): import lots and vats, solve in the
background, see the plan as a Gantt chart with KPI cards, re-plan after a rush order.

Each dye house (the account's party) sees only its own plans (``workspace.owner_key``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from fangdu.accounts import Account
from fangdu.dyehouse.export import plan_pdf, plan_xlsx
from fangdu.dyehouse.models import Job, Plan, ScheduleInputError
from fangdu.dyehouse.osp_format import load_instance
from fangdu.dyehouse.replan import add_lots, breakdown, redye, replan
from fangdu.dyehouse.solve import solve
from fangdu.dyehouse.tables import (
    PlannerTables,
    RowError,
    TableErrors,
    csv_rows,
    numbered,
    read_tables,
    read_workbook,
    sample_tables,
    tables_xlsx,
)
from fangdu.errors import Conflict
from fangdu.web.gantt import Names, colour_index, gantt_svg, kpis, late_lots
from fangdu.web.pages.common import attachment, redirect, render
from fangdu.web.policy import Action
from fangdu.web.security import verify_csrf
from fangdu.web.state import require
from fangdu.web.workspace import Progress, owner_key, workspace

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

KIND = "schedule"
MAX_TABLE_BYTES = 4 * 1024 * 1024
MAX_SECONDS = 120  # a planner waits for the page; the CLI and the API's callers may wait longer
MAX_SAMPLE_LOTS = 200
Planner = Depends(require(Action.SCHEDULE))


def _read(upload: UploadFile | None) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(MAX_TABLE_BYTES + 1)
    if len(data) > MAX_TABLE_BYTES:
        raise TableErrors([RowError(upload.filename[:60], 0, "", "文件过大", "file too large")])
    return data or None


INSTANCE_FILES = (".dat", ".dzn", ".json")  # OSP's formats and Fangdu's own JSON


def instance_file(name: str, data: bytes) -> PlannerTables:
    """An OSP ``.dat``/``.dzn`` or Fangdu ``.json`` instance, read as the CLI reads it."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1][:80]
    suffix = name[name.rfind(".") :].lower()
    with tempfile.TemporaryDirectory(prefix="fangdu-instance-") as tmp:
        path = Path(tmp) / f"instance{suffix}"
        path.write_bytes(data)
        try:
            inst = load_instance(path)
        except ScheduleInputError as exc:
            # The message names the line and field; the temporary name means nothing to anyone.
            message = str(exc).replace(str(path), name).replace(path.name, name)
            raise ScheduleInputError(message) from None
    return numbered(inst.model_copy(update={"name": name.rsplit(".", 1)[0][:60]}))


def tables_from_uploads(
    workbook: bytes | None,
    lots: bytes | None,
    vats: bytes | None,
    washes: bytes | None,
    workbook_name: str = "",
) -> PlannerTables:
    """One .xlsx workbook (or an OSP or JSON instance), or the three CSV tables; row-level
    errors otherwise."""
    if workbook is not None and workbook_name.lower().endswith(INSTANCE_FILES):
        return instance_file(workbook_name, workbook)
    if workbook is not None:
        return read_workbook(workbook)
    given = {"lots": lots, "vats": vats, "washes": washes}
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise TableErrors(
            [
                RowError(
                    {"lots": "缸卡", "vats": "染缸", "washes": "洗缸"}[k],
                    0,
                    "",
                    "请上传此表（或上传一个Excel工作簿）",
                    "upload this table (or one Excel workbook)",
                )
                for k in missing
            ]
        )
    zh = {"lots": "缸卡", "vats": "染缸", "washes": "洗缸"}
    rows = {k: csv_rows(v, zh[k]) for k, v in given.items() if v is not None}
    return read_tables(rows["lots"], rows["vats"], rows["washes"])


def solve_job(time_limit: float, seed: int):
    def work(path: Path, progress: Progress) -> dict[str, Any]:
        tables = PlannerTables.model_validate_json((path / "tables.json").read_text("utf-8"))
        t0 = time.monotonic()
        progress({"limit": time_limit, "elapsed": 0})

        def improved(_elapsed: float, integer: int) -> None:
            progress({"limit": time_limit, "elapsed": time.monotonic() - t0, "objective": integer})

        res = solve(tables.instance, time_limit=time_limit, seed=seed, on_improve=improved)
        return {"solve": res.model_dump(mode="json")}

    return work


def replan_job(old: PlannerTables, published: Plan, now: int, time_limit: float):
    def work(path: Path, progress: Progress) -> dict[str, Any]:
        tables = PlannerTables.model_validate_json((path / "tables.json").read_text("utf-8"))
        progress({"limit": time_limit, "elapsed": 0})
        res = replan(old.instance, tables.instance, published, now, time_limit=time_limit)
        return {
            "solve": {"plan": res.plan.model_dump(mode="json"), "optimal": res.optimal},
            "replan": {
                "now": now,
                "frozen_runs": res.frozen_runs,
                "moved_lots": [tables.lots[j - 1] for j in res.moved_lots],
                "new_lots": [tables.lots[j - 1] for j in res.new_lots],
                "before": res.before.model_dump(mode="json"),
                "after": res.after.model_dump(mode="json"),
            },
        }

    return work


def start_solve(
    request: Request, account: Account, tables: PlannerTables, label: str, seconds: float
) -> str:
    ws = workspace(request)
    owner = owner_key(account)
    job = ws.create(
        KIND,
        owner,
        {"tables.json": tables.model_dump_json().encode()},
        {"label": label, "lots": len(tables.lots), "vats": len(tables.vats), "by": account.subject},
    )
    ws.start(KIND, owner, job, solve_job(seconds, 0))
    return job


@router.get("/schedule")
def schedule_form(request: Request, account: Account = Planner) -> Response:
    return _form(request, account)


def _form(
    request: Request, account: Account, errors: list[RowError] | None = None, status: int = 200
) -> Response:
    recent = workspace(request).recent(KIND, owner_key(account))
    return render(
        request,
        "schedule.html",
        {"errors": errors or [], "recent": recent, "max_seconds": MAX_SECONDS},
        status=status,
    )


@router.post("/schedule")
def schedule_submit(
    request: Request,
    account: Account = Planner,
    action: str = Form("solve"),
    seconds: int = Form(10, ge=1, le=MAX_SECONDS),
    sample_lots: int = Form(12, ge=2, le=MAX_SAMPLE_LOTS),
    sample_seed: int = Form(0, ge=0, le=10_000),
    workbook: UploadFile | None = File(None),
    lots: UploadFile | None = File(None),
    vats: UploadFile | None = File(None),
    washes: UploadFile | None = File(None),
) -> Response:
    try:
        if action == "sample":
            tables = sample_tables(sample_lots, max(2, sample_lots // 8), 3, seed=sample_seed)
            label = f"sample {sample_lots} / {sample_seed}"
        else:
            names = [u.filename for u in (workbook, lots, vats, washes) if u and u.filename]
            tables = tables_from_uploads(
                _read(workbook),
                _read(lots),
                _read(vats),
                _read(washes),
                workbook_name=(workbook.filename or "") if workbook else "",
            )
            label = ", ".join(n.replace("\\", "/").rsplit("/", 1)[-1][:60] for n in names)
    except TableErrors as exc:
        return _form(request, account, exc.errors, status=422)
    except ScheduleInputError as exc:
        return _form(request, account, [RowError("", 0, "", str(exc), str(exc))], status=422)
    job = start_solve(request, account, tables, label, seconds)
    return redirect(f"/schedule/{job}")


def _view(request: Request, account: Account, job_id: str) -> dict[str, Any]:
    ws = workspace(request)
    owner = owner_key(account)
    status = ws.status(KIND, owner, job_id)
    folder = ws.folder(KIND, owner, job_id)
    tables = PlannerTables.model_validate_json((folder / "tables.json").read_text("utf-8"))
    view: dict[str, Any] = {
        "job_id": job_id,
        "status": status,
        "meta": ws.meta(KIND, owner, job_id),
        "tables": tables,
        "plan": None,
    }
    result = ws.result(KIND, owner, job_id) if status["state"] == "done" else None
    if result is not None:
        plan = Plan.model_validate(result["solve"]["plan"])
        inst = tables.instance
        names = Names(tables.lots, tables.vats, tables.classes)
        late = late_lots(inst, plan.batches)
        end_of = {j: bt.end for bt in plan.batches for j in bt.jobs}
        vat_of = {j: tables.vats[bt.machine - 1] for bt in plan.batches for j in bt.jobs}
        view.update(
            plan=plan,
            result=result,
            kpis=kpis(inst, plan.batches),
            svg=gantt_svg(inst, plan.batches, names, title=f"{job_id}"),
            swatches=[colour_index(a, inst.n_attributes) for a in range(1, inst.n_attributes + 1)],
            lot_rows=[
                {
                    "name": tables.lots[j - 1],
                    "customer": tables.customers[j - 1],
                    "class": tables.classes[job.attribute - 1],
                    "weight": job.size,
                    "due": job.due,
                    "end": end_of.get(j),
                    "vat": vat_of.get(j, ""),
                    "late": j in late,
                }
                for j, job in enumerate(inst.jobs, 1)
            ],
        )
    return view


@router.get("/schedule/{job_id}")
def schedule_job(request: Request, job_id: str, account: Account = Planner) -> Response:
    view = _view(request, account, job_id)
    running = view["status"]["state"] in ("new", "queued", "running")
    # The page reloads itself while the solver runs (a header: no script needed).
    headers = {"refresh": "1"} if running else None
    return render(request, "schedule_plan.html", view, headers=headers)


@router.get("/schedule/{job_id}/tables.xlsx")
def schedule_tables(request: Request, job_id: str, account: Account = Planner) -> Response:
    folder = workspace(request).folder(KIND, owner_key(account), job_id)
    tables = PlannerTables.model_validate_json((folder / "tables.json").read_text("utf-8"))
    return attachment(
        tables_xlsx(tables),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"lots-{job_id}.xlsx",
    )


@router.get("/schedule/{job_id}/plan.json")
def schedule_plan_json(request: Request, job_id: str, account: Account = Planner) -> Response:
    _tables, plan = _plan_of(request, account, job_id)
    return attachment(plan.model_dump_json(indent=1), "application/json", f"plan-{job_id}.json")


def _plan_of(request: Request, account: Account, job_id: str) -> tuple[PlannerTables, Plan]:
    ws = workspace(request)
    folder = ws.folder(KIND, owner_key(account), job_id)
    result = ws.result(KIND, owner_key(account), job_id)
    if result is None:
        raise Conflict("the plan is not ready yet")
    tables = PlannerTables.model_validate_json((folder / "tables.json").read_text("utf-8"))
    return tables, Plan.model_validate(result["solve"]["plan"])


@router.get("/schedule/{job_id}/plan.xlsx")
def schedule_plan_xlsx(request: Request, job_id: str, account: Account = Planner) -> Response:
    """The run sheet per vat for the shop floor, as Excel."""
    tables, plan = _plan_of(request, account, job_id)
    return attachment(
        plan_xlsx(tables, plan),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"plan-{job_id}.xlsx",
    )


@router.get("/schedule/{job_id}/plan.pdf")
def schedule_plan_pdf(request: Request, job_id: str, account: Account = Planner) -> Response:
    """The run sheet per vat for the shop floor, printable."""
    tables, plan = _plan_of(request, account, job_id)
    label = workspace(request).meta(KIND, owner_key(account), job_id).get("label", job_id)
    return attachment(
        plan_pdf(tables, plan, title=str(label)), "application/pdf", f"plan-{job_id}.pdf"
    )


@router.post("/schedule/{job_id}/rush")
def schedule_rush(
    request: Request,
    job_id: str,
    account: Account = Planner,
    lot: str = Form(..., min_length=1, max_length=60),
    weight: int = Form(..., ge=1),
    recipe_class: str = Form(...),
    min_time: int = Form(..., ge=0),
    max_time: int = Form(..., ge=0),
    due: int = Form(..., ge=0),
    now: int = Form(0, ge=0),
    seconds: int = Form(10, ge=1, le=MAX_SECONDS),
) -> Response:
    """A rush order: one more lot, released now; runs started before ``now`` stay."""
    view = _view(request, account, job_id)
    if view["plan"] is None:
        return redirect(f"/schedule/{job_id}")
    old: PlannerTables = view["tables"]
    lot = lot.strip()
    problem = None
    rush_ = "急单 rush"
    if recipe_class not in old.classes:
        problem = RowError(
            "急单 rush", 0, "色系", "未知色系", f"unknown recipe class {recipe_class}"
        )
    elif lot in old.lots:
        problem = RowError(rush_, 0, "缸卡号", f"缸卡重复：{lot}", f"lot twice: {lot}")
    elif min_time > max_time or due < now:
        problem = RowError(rush_, 0, "", "时间不合理", "min > max, or due before now")
    try:
        if problem:
            raise TableErrors([problem])
        rush = Job(
            eligible=tuple(range(1, len(old.vats) + 1)),
            release=now,
            due=due,
            min_time=min_time,
            max_time=max_time,
            size=weight,
            attribute=old.classes.index(recipe_class) + 1,
        )
        inst = add_lots(old.instance, [rush])
        new = old.model_copy(
            update={
                "instance": type(old.instance).model_validate(inst.model_dump()),
                "lots": (*old.lots, lot),
                "customers": (*old.customers, ""),
                "fabrics": (*old.fabrics, ""),
            }
        )
    except (TableErrors, ScheduleInputError) as exc:
        errors = exc.errors if isinstance(exc, TableErrors) else [RowError("", 0, "", str(exc), "")]
        return render(request, "schedule_plan.html", {**view, "errors": errors}, status=422)
    ws = workspace(request)
    owner = owner_key(account)
    job = ws.create(
        KIND,
        owner,
        {"tables.json": new.model_dump_json().encode()},
        {
            "label": f"{view['meta'].get('label', '')} + 急单 rush {lot}",
            "lots": len(new.lots),
            "vats": len(new.vats),
            "by": account.subject,
            "replans": job_id,
        },
    )
    ws.start(KIND, owner, job, replan_job(old, view["plan"], now, seconds))
    return redirect(f"/schedule/{job}")


@router.post("/schedule/{job_id}/event")
def schedule_event(
    request: Request,
    job_id: str,
    account: Account = Planner,
    event: str = Form(...),
    vat: str = Form(""),
    start: int = Form(0, ge=0),
    end: int = Form(0, ge=0),
    lot: str = Form(""),
    now: int = Form(0, ge=0),
    seconds: int = Form(10, ge=1, le=MAX_SECONDS),
) -> Response:
    """A vat breakdown (down in [start, end)) or a failed shade (the lot dyed again, from now);
    runs started before ``now`` stay."""
    view = _view(request, account, job_id)
    if view["plan"] is None:
        return redirect(f"/schedule/{job_id}")
    old: PlannerTables = view["tables"]
    try:
        if event == "breakdown":
            if vat not in old.vats or end <= start:
                raise TableErrors(
                    [
                        RowError(
                            "停机 breakdown", 0, "", "染缸或时段不对", "unknown vat or empty span"
                        )
                    ]
                )
            inst = breakdown(old.instance, old.vats.index(vat) + 1, start, end)
            new = old.model_copy(update={"instance": inst})
            label = f"停机 breakdown {vat} {start}-{end}"
        elif event == "redye":
            if lot not in old.lots:
                raise TableErrors([RowError("复染 re-dye", 0, "", "未知缸卡", "unknown lot")])
            j = old.lots.index(lot)
            inst = type(old.instance).model_validate(redye(old.instance, j + 1, now).model_dump())
            new = old.model_copy(
                update={
                    "instance": inst,
                    "lots": (*old.lots, f"{lot}-复染"),
                    "customers": (*old.customers, old.customers[j]),
                    "fabrics": (*old.fabrics, old.fabrics[j]),
                }
            )
            label = f"复染 re-dye {lot}"
        else:
            raise TableErrors([RowError("", 0, "", "未知事件", "unknown event")])
    except (TableErrors, ScheduleInputError) as exc:
        errors = exc.errors if isinstance(exc, TableErrors) else [RowError("", 0, "", str(exc), "")]
        return render(request, "schedule_plan.html", {**view, "errors": errors}, status=422)
    ws = workspace(request)
    owner = owner_key(account)
    job = ws.create(
        KIND,
        owner,
        {"tables.json": new.model_dump_json().encode()},
        {
            "label": f"{view['meta'].get('label', '')} + {label}",
            "lots": len(new.lots),
            "vats": len(new.vats),
            "by": account.subject,
            "replans": job_id,
        },
    )
    ws.start(KIND, owner, job, replan_job(old, view["plan"], now, seconds))
    return redirect(f"/schedule/{job}")
