"""The trade company's pages (市场采购 1039, issue 18): upload a goods list with roll lists, see
the declaration pre-check's findings by rule ID inline, fix and re-check, plan declarations and
containers in the background, download the documents. Fangdu prepares; it never submits.

Each trade company (the account's party) sees only its own uploads (``workspace.owner_key``).
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from fangdu.accounts import Account
from fangdu.errors import InputError, NotFound
from fangdu.trade.checks import CheckReport, check_lines
from fangdu.trade.exclusions import load_exclusions
from fangdu.trade.models import CONTAINERS, TradeSettings
from fangdu.trade.plan import Plan, plan_lines
from fangdu.trade.reader import COLUMNS, CellError, ReadError, read_lines, read_rows
from fangdu.trade.sample import sample_rows
from fangdu.web.pages.common import attachment, redirect, render
from fangdu.web.policy import Action
from fangdu.web.security import verify_csrf
from fangdu.web.state import require
from fangdu.web.workspace import Progress, owner_key, workspace

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

KIND = "trade"
MAX_LIST_BYTES = 8 * 1024 * 1024
MAX_SAMPLE_LINES = 1000
CHECK_FILE = "check.json"
Trader = Depends(require(Action.TRADE))


def settings_from(rates: str, container: str = "40HQ") -> TradeSettings:
    """``EUR=1.08; GBP=1.27``: USD per unit of each currency, of the day."""
    usd = {"USD": Decimal(1)}
    for part in rates.replace(",", ";").replace("；", ";").split(";"):
        if not part.strip():
            continue
        cur, _, value = part.partition("=")
        try:
            usd[cur.strip().upper()] = Decimal(value.strip())
        except InvalidOperation:
            raise InputError(f"汇率格式应为 CUR=数值 / rate must be CUR=number: {part}") from None
    if container not in CONTAINERS:
        raise InputError(f"unknown container type {container}")
    return TradeSettings(usd_rates=usd, container=container)


def goods_file(folder: Path) -> Path:
    return next(folder.glob("goods.*"))


def check_report(report: CheckReport) -> dict[str, Any]:
    """The check as plain data: per line the codes, 申报要素 and findings; group findings."""
    return {
        "lines": [
            {
                "ref": r.ref,
                "declared_code": r.declared_code,
                "derived_code": r.derived_code,
                "heading": r.derived.heading,
                "ask": list(r.derived.ask),
                "elements": r.elements,
                "findings": [f.model_dump(mode="json") for f in r.findings],
            }
            for r in report.lines
        ],
        "groups": [f.model_dump(mode="json") for f in report.groups],
        "by_rule": report.by_rule(),
        "errors": len(report.errors),
    }


def run_check(folder: Path, settings: TradeSettings) -> dict[str, Any]:
    lines = read_lines(goods_file(folder))
    data = check_report(check_lines(lines, settings, load_exclusions()))
    (folder / CHECK_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def plan_data(plan: Plan) -> dict[str, Any]:
    return {
        "summary": plan.summary(),
        "held": plan.held,
        "groups": [
            {
                "key": list(g.key),
                "currency": g.currency,
                "declarations": [
                    {
                        "id": d.id,
                        "usd": str(d.usd),
                        "simplified": d.simplified,
                        "lines": [ln.ref for ln in d.lines],
                        "item_count": len(d.items),  # not "items": Jinja reads dict.items
                    }
                    for d in g.declarations
                ],
                "containers": [
                    {
                        "id": c.id,
                        "type": c.type,
                        "volume_m3": str(round(c.volume_m3, 2)),
                        "gross_kg": str(round(c.gross_kg, 1)),
                        "packages": sum(n for _, n in c.packages),
                    }
                    for c in g.containers
                ],
                "declarations_lower_bound": g.declarations_lower_bound,
                "containers_lower_bound": g.containers_lower_bound,
                "method": f"{g.declaration_method}; {g.container_method}",
            }
            for g in plan.groups
        ],
    }


def plan_job(settings: TradeSettings, pdf: bool = True):
    """Plan, write every document, zip them (the same input gives the same bytes)."""

    def work(folder: Path, progress: Progress) -> dict[str, Any]:
        from fangdu.trade.documents import write_documents

        progress({"step": "plan"})
        lines = read_lines(goods_file(folder))
        report = check_lines(lines, settings, load_exclusions())
        plan = plan_lines(lines, settings, report)
        progress({"step": "documents"})
        out = folder / "documents"
        out.mkdir(exist_ok=True)
        written = write_documents(plan, out, pdf=pdf, workers=1)
        data = plan_data(plan)
        manifest = json.dumps({"plan": data, "files": written}, ensure_ascii=False, indent=1)
        with zipfile.ZipFile(folder / "documents.zip.part", "w", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(written):
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                z.writestr(info, (out / name).read_bytes(), zipfile.ZIP_DEFLATED)
            z.writestr(zipfile.ZipInfo("manifest.json", date_time=(2026, 1, 1, 0, 0, 0)), manifest)
        (folder / "documents.zip.part").replace(folder / "documents.zip")
        return {"plan": data, "files": len(written)}

    return work


def sample_with_mistakes(lines: int, seed: int) -> bytes:
    """A synthetic market day (clean), then the mistakes declarations come back for: one each
    of a non-standard fibre name, net above gross and a bad credit-code check digit."""
    rows = sample_rows(lines, seed=seed)
    rng = random.Random(seed)
    picks = rng.sample(range(len(rows)), min(3, len(rows)))
    if len(picks) > 0:
        rows[picks[0]]["成分"] = "人造棉100%"
    if len(picks) > 1:
        r = rows[picks[1]]
        r["净重"] = str(Decimal(str(r["毛重"])) + 5)
    if len(picks) > 2:
        r = rows[picks[2]]
        code = str(r["商户信用代码"])
        r["商户信用代码"] = code[:-1] + ("0" if code[-1] != "0" else "1")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[c.zh for c in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _form(
    request: Request, account: Account, errors: list[CellError] | None = None, status: int = 200
) -> Response:
    recent = workspace(request).recent(KIND, owner_key(account))
    return render(
        request,
        "trade.html",
        {"errors": errors or [], "recent": recent, "containers": list(CONTAINERS)},
        status=status,
    )


@router.get("/trade")
def trade_form(request: Request, account: Account = Trader) -> Response:
    return _form(request, account)


def new_list(
    request: Request, account: Account, data: bytes, suffix: str, label: str, meta: dict
) -> str:
    """Store a goods list and check it; ReadError/InputError when it cannot be read."""
    ws = workspace(request)
    owner = owner_key(account)
    settings = settings_from(meta.get("rates", ""), meta.get("container", "40HQ"))
    job = ws.create(KIND, owner, {f"goods{suffix}": data}, {"label": label, **meta})
    folder = ws.folder(KIND, owner, job)
    try:
        run_check(folder, settings)
    except (ReadError, InputError):
        # Nothing kept from a file that cannot be read whole.
        for path in sorted(folder.iterdir()):
            path.unlink()
        folder.rmdir()
        raise
    meta_lines = len(json.loads((folder / CHECK_FILE).read_text("utf-8"))["lines"])
    ws_meta = json.loads((folder / "meta.json").read_text("utf-8"))
    (folder / "meta.json").write_text(
        json.dumps({**ws_meta, "lots": meta_lines}, ensure_ascii=False), encoding="utf-8"
    )
    return job


@router.post("/trade")
def trade_submit(
    request: Request,
    account: Account = Trader,
    action: str = Form("check"),
    rates: str = Form("", max_length=500),
    container: str = Form("40HQ"),
    sample_lines: int = Form(40, ge=1, le=MAX_SAMPLE_LINES),
    sample_seed: int = Form(18, ge=0, le=10_000),
    goods: UploadFile | None = File(None),
) -> Response:
    meta = {"rates": rates, "container": container, "by": account.subject}
    try:
        if action == "sample":
            data, suffix = sample_with_mistakes(sample_lines, sample_seed), ".csv"
            label = f"sample {sample_lines} / {sample_seed}"
        else:
            if goods is None or not goods.filename:
                raise ReadError([CellError("", 0, "", "请选择文件", "choose a file")])
            data = goods.file.read(MAX_LIST_BYTES + 1)
            name = goods.filename.replace("\\", "/").rsplit("/", 1)[-1][:80]
            if len(data) > MAX_LIST_BYTES:
                raise ReadError([CellError(name, 0, "", "文件过大", "file too large")])
            suffix = ".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
            label = name
        job = new_list(request, account, data, suffix, label, meta)
    except ReadError as exc:
        return _form(request, account, exc.errors, status=422)
    except InputError as exc:
        return _form(request, account, [CellError("", 0, "", str(exc), str(exc))], status=422)
    return redirect(f"/trade/{job}")


@router.get("/trade/{job_id}")
def trade_list(request: Request, job_id: str, account: Account = Trader) -> Response:
    ws = workspace(request)
    owner = owner_key(account)
    folder = ws.folder(KIND, owner, job_id)
    status = ws.status(KIND, owner, job_id)
    check = json.loads((folder / CHECK_FILE).read_text("utf-8"))
    result = ws.result(KIND, owner, job_id) if status["state"] == "done" else None
    running = status["state"] in ("queued", "running")
    return render(
        request,
        "trade_list.html",
        {
            "job_id": job_id,
            "meta": ws.meta(KIND, owner, job_id),
            "status": status,
            "check": check,
            "result": result,
            "lines_with_findings": [ln for ln in check["lines"] if ln["findings"]],
            "next_row": len(read_rows(goods_file(folder))[1]) + 1,
        },
        headers={"refresh": "1"} if running else None,
    )


@router.post("/trade/{job_id}/plan")
def trade_plan(request: Request, job_id: str, account: Account = Trader) -> Response:
    ws = workspace(request)
    owner = owner_key(account)
    meta = ws.meta(KIND, owner, job_id)
    if ws.status(KIND, owner, job_id)["state"] in ("new", "failed"):
        settings = settings_from(meta.get("rates", ""), meta.get("container", "40HQ"))
        ws.start(KIND, owner, job_id, plan_job(settings))
    return redirect(f"/trade/{job_id}")


@router.get("/trade/{job_id}/documents.zip")
def trade_documents(request: Request, job_id: str, account: Account = Trader) -> Response:
    path = workspace(request).folder(KIND, owner_key(account), job_id) / "documents.zip"
    if not path.is_file():
        return Response(status_code=409)
    return attachment(path.read_bytes(), "application/zip", f"documents-{job_id}.zip")


def _rows(request: Request, account: Account, job_id: str) -> tuple[str, list[list[str]]]:
    folder = workspace(request).folder(KIND, owner_key(account), job_id)
    return read_rows(goods_file(folder))


def _edit(
    request: Request,
    account: Account,
    job_id: str,
    row: int,
    header: list[str],
    values: list[str],
    errors: list[CellError],
    status: int = 200,
) -> Response:
    findings = []
    if not errors:
        folder = workspace(request).folder(KIND, owner_key(account), job_id)
        check = json.loads((folder / CHECK_FILE).read_text("utf-8"))
        findings = [
            f for ln in check["lines"] if ln["ref"].endswith(f"!{row}") for f in ln["findings"]
        ]
    return render(
        request,
        "trade_line.html",
        {
            "job_id": job_id,
            "row": row,
            "fields": list(zip(header, values, strict=True)),
            "errors": errors,
            "findings": findings,
            "new": not any(values) and not errors,
        },
        status=status,
    )


@router.get("/trade/{job_id}/lines/{row}")
def trade_line(request: Request, job_id: str, row: int, account: Account = Trader) -> Response:
    """One line of the list as a form: fix it and check the list again."""
    _sheet, rows = _rows(request, account, job_id)
    if not 2 <= row <= len(rows) + 1:  # one past the last: a new line
        raise NotFound(f"no row {row}")
    header = rows[0]
    values = ((rows[row - 1] if row <= len(rows) else []) + [""] * len(header))[: len(header)]
    return _edit(request, account, job_id, row, header, values, [])


@router.post("/trade/{job_id}/lines/{row}")
async def trade_line_fix(
    request: Request, job_id: str, row: int, account: Account = Trader
) -> Response:
    """The list with this row as edited becomes a new list, checked at once (the original
    stays as it was, so every check can be looked at again)."""
    form: FormData = await request.form()
    return await run_in_threadpool(_fix, request, account, job_id, row, form)


def _fix(request: Request, account: Account, job_id: str, row: int, form: FormData) -> Response:
    _sheet, rows = _rows(request, account, job_id)
    if not 2 <= row <= len(rows) + 1:
        raise NotFound(f"no row {row}")
    header = rows[0]
    values = [str(form.get(f"c{i}", ""))[:500] for i in range(len(header))]
    if row == len(rows) + 1:
        rows.append(values)
    else:
        rows[row - 1] = values
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    meta = workspace(request).meta(KIND, owner_key(account), job_id)
    label = f"{meta.get('label', job_id)} · {row}"[:120]
    try:
        job = new_list(
            request,
            account,
            buf.getvalue().encode("utf-8"),
            ".csv",
            label,
            {k: meta.get(k, "") for k in ("rates", "container")} | {"by": account.subject},
        )
    except ReadError as exc:
        return _edit(request, account, job_id, row, header, values, exc.errors, status=422)
    except InputError as exc:
        errors = [CellError("", 0, "", str(exc), str(exc))]
        return _edit(request, account, job_id, row, header, values, errors, status=422)
    return redirect(f"/trade/{job}")
