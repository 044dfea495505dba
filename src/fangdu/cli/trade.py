"""``fangdu trade``: market procurement (市场采购, 1039) pre-check, plan and documents.

Exit codes: 0 clean, 1 the check found errors (lines are held), 2 input error (unreadable file,
bad option, missing USD rate). Errors are one line on stderr; with ``--json`` stdout carries
one JSON object per line. This module imports only the trade context (no registry).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fangdu.errors import FangduError, InputError
from fangdu.trade.checks import CheckReport, check_lines
from fangdu.trade.exclusions import load_exclusions
from fangdu.trade.models import CONTAINERS, TradeSettings
from fangdu.trade.plan import Plan, plan_lines
from fangdu.trade.reader import ReadError, read_lines
from fangdu.trade.sample import sample_rows, write_csv, write_xlsx

__all__ = ["trade_app"]

EXIT_FINDINGS, EXIT_INPUT = 1, 2

trade_app = typer.Typer(
    help="Market procurement (市场采购 1039): check, plan and document declarations. "
    "Prepares only; never submits.",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path,
    typer.Argument(help="Goods list: .xlsx or .csv, Chinese headers.", exists=True, dir_okay=False),
]
RateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rate", help="USD per unit of a currency, of the day: --rate EUR=1.08 (repeatable)."
    ),
]
ExclOpt = Annotated[
    Path | None,
    typer.Option("--exclusions", help="Dated list of excluded code prefixes (JSON).", exists=True),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = 140
    return console


@contextmanager
def _failures() -> Iterator[None]:
    err = _console(stderr=True)
    try:
        yield
    except ReadError as exc:
        for e in exc.errors:
            err.print(f"error: {e}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except InputError as exc:
        err.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except FangduError as exc:
        err.print(f"error: {exc}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FINDINGS) from None


def _settings(rates: list[str] | None, **kw: Any) -> TradeSettings:
    usd = {"USD": Decimal(1)}
    for r in rates or []:
        cur, _, value = r.partition("=")
        try:
            usd[cur.strip().upper()] = Decimal(value)
        except InvalidOperation:
            raise InputError(f"汇率格式应为 CUR=数值 / rate must be CUR=number: {r}") from None
    return TradeSettings(usd_rates=usd, **{k: v for k, v in kw.items() if v is not None})


def _json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _findings_table(report: CheckReport) -> Table:
    table = Table(title="发现 / Findings", title_justify="left")
    for col in ("where", "rule", "severity", "中文", "English", "clause", "detail"):
        table.add_column(col, overflow="fold")
    for f in report.findings:
        style = {"error": "red", "question": "yellow", "warning": "yellow"}.get(f.severity)
        table.add_row(
            Text(f.where),
            f.rule,
            Text(f.severity, style=style or ""),
            Text(f.zh),
            Text(f.en),
            Text(f.clause),
            Text(f.detail),
        )
    return table


@trade_app.command("sample")
def sample_cmd(
    out: Annotated[Path, typer.Argument(help="Where to write: .xlsx or .csv.")],
    lines: Annotated[int, typer.Option("--lines", min=1, help="Number of lines.")] = 200,
    seed: Annotated[int, typer.Option("--seed")] = 18,
) -> None:
    """Write a synthetic, clean market day (every value made up) to try the commands on."""
    rows = sample_rows(lines, seed=seed)
    (write_xlsx if out.suffix.lower() == ".xlsx" else write_csv)(rows, out)
    _console().print(f"{len(rows)} lines → {out}")


PartyOpt = Annotated[
    str | None,
    typer.Option(
        help="Only this party's lines (统一社会信用代码): a merchant sees its own lines, an "
        "operator those it declares."
    ),
]


@trade_app.command("check")
def check_cmd(
    file: FileArg,
    rate: RateOpt = None,
    exclusions: ExclOpt = None,
    as_json: JsonOpt = False,
    merchant: PartyOpt = None,
    operator: PartyOpt = None,
) -> None:
    """Findings per line and per declaration group, the derived code and the 申报要素."""
    with _failures():
        settings = _settings(rate)
        lines = read_lines(file)
        if merchant:
            lines = [ln for ln in lines if ln.merchant.uscc == merchant.strip().upper()]
        if operator:
            lines = [ln for ln in lines if ln.operator.uscc == operator.strip().upper()]
        if not lines:
            raise InputError("没有该当事方的行 / no lines of that party")
        report = check_lines(lines, settings, load_exclusions(exclusions))
    if as_json:
        for r in report.lines:
            _json(
                {
                    "line": r.ref,
                    "declared_code": r.declared_code,
                    "derived_code": r.derived_code,
                    "heading": r.derived.heading,
                    "ask": r.derived.ask,
                    "elements": r.elements,
                    "findings": [f.model_dump(mode="json") for f in r.findings],
                }
            )
        for f in report.groups:
            _json({"group": f.where, "findings": [f.model_dump(mode="json")]})
    else:
        console = _console()
        codes = Table(title="归类 / Classification", title_justify="left")
        for col in ("line", "declared", "derived", "申报要素"):
            codes.add_column(col, overflow="fold")
        for r in report.lines:
            derived = r.derived_code or (f"? {','.join(r.derived.ask)}" if r.derived.ask else "-")
            mark = "" if r.derived_code in (None, r.declared_code[:6]) else "red"
            codes.add_row(Text(r.ref), r.declared_code, Text(derived, style=mark), Text(r.elements))
        console.print(codes)
        if report.findings:
            console.print(_findings_table(report))
        counts = ", ".join(f"{k}×{v}" for k, v in report.by_rule().items()) or "none"
        console.print(f"{len(lines)} lines, {len(report.errors)} errors; by rule: {counts}")
    if report.errors:
        raise typer.Exit(EXIT_FINDINGS)


def plan_dict(plan: Plan) -> dict[str, Any]:
    """The plan as plain data (stable order), for --json and plan files."""
    return {
        "summary": plan.summary(),
        "held": plan.held,
        "groups": [
            {
                "operator": g.key[0],
                "purchaser": g.key[1],
                "destination": g.key[2],
                "sailing": g.key[3],
                "currency": g.currency,
                "declaration_method": g.declaration_method,
                "container_method": g.container_method,
                "declarations_lower_bound": g.declarations_lower_bound,
                "containers_lower_bound": g.containers_lower_bound,
                "declarations": [
                    {
                        "id": d.id,
                        "usd": str(d.usd),
                        "simplified": d.simplified,
                        "lines": [ln.ref for ln in d.lines],
                        "items": [
                            {
                                "no": it.no,
                                "code": it.code,
                                "name": it.name,
                                "amount": str(it.amount),
                                "merged_from": it.merged_from,
                            }
                            for it in d.items
                        ],
                    }
                    for d in g.declarations
                ],
                "containers": [
                    {
                        "id": c.id,
                        "type": c.type,
                        "volume_m3": str(round(c.volume_m3, 3)),
                        "gross_kg": str(round(c.gross_kg, 1)),
                        "packages": [[ln.ref, n] for ln, n in c.packages],
                    }
                    for c in g.containers
                ],
            }
            for g in plan.groups
        ],
    }


@trade_app.command("plan")
def plan_cmd(
    file: FileArg,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write the plan as JSON.")] = None,
    container: Annotated[str, typer.Option(help=f"One of {', '.join(CONTAINERS)}.")] = "40HQ",
    fill: Annotated[
        float, typer.Option(help="Usable share of a container's volume.", min=0.1, max=1.0)
    ] = 0.85,
    seconds: Annotated[
        float, typer.Option(help="CP-SAT time per group (0: FFD only).", min=0)
    ] = 2.0,
    rate: RateOpt = None,
    exclusions: ExclOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Group, split into declarations under the cap, pack into containers; bounds reported."""
    with _failures():
        settings = _settings(
            rate, container=container, fill_factor=Decimal(str(fill)), cpsat_seconds=seconds
        )
        lines = read_lines(file)
        report = check_lines(lines, settings, load_exclusions(exclusions))
        plan = plan_lines(lines, settings, report)
    data = plan_dict(plan)
    if out:
        out.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
        )
    if as_json:
        _json(data["summary"])
        return
    console = _console()
    table = Table(title="计划 / Plan", title_justify="left")
    for col in ("group", "currency", "declarations", "≥", "containers", "≥", "method"):
        table.add_column(col, overflow="fold")
    for g in plan.groups:
        table.add_row(
            Text(" / ".join(g.key[1:])),
            g.currency,
            str(len(g.declarations)),
            str(g.declarations_lower_bound),
            str(len(g.containers)),
            str(g.containers_lower_bound),
            f"{g.declaration_method}; {g.container_method}",
        )
    console.print(table)
    s = plan.summary()
    console.print(
        f"{s['declarations']} declarations (lower bound "
        f"{s['declarations_lower_bound']}), {s['containers']} × {container} "
        f"(lower bound {s['containers_lower_bound']}), {s['lines_planned']} lines "
        f"planned, {s['lines_held']} held"
    )
    for ref, rules in plan.held.items():
        console.print(Text(f"held {ref}: {', '.join(rules)}", style="yellow"))


@trade_app.command("docs")
def docs_cmd(
    file: FileArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for the documents.")],
    container: Annotated[str, typer.Option(help=f"One of {', '.join(CONTAINERS)}.")] = "40HQ",
    fill: Annotated[float, typer.Option(min=0.1, max=1.0)] = 0.85,
    seconds: Annotated[float, typer.Option(min=0)] = 2.0,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="PDF beside XLSX.")] = True,
    rate: RateOpt = None,
    exclusions: ExclOpt = None,
) -> None:
    """Packing lists, invoices, declaration and agency-agreement drafts, monthly summaries."""
    from fangdu.trade.documents import write_documents

    with _failures():
        settings = _settings(
            rate, container=container, fill_factor=Decimal(str(fill)), cpsat_seconds=seconds
        )
        lines = read_lines(file)
        report = check_lines(lines, settings, load_exclusions(exclusions))
        plan = plan_lines(lines, settings, report)
        out.mkdir(parents=True, exist_ok=True)
        written = write_documents(plan, out, pdf=pdf)
        manifest = {"plan": plan_dict(plan), "files": written}
        (out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
        )
    s = plan.summary()
    _console().print(
        f"{len(written)} files → {out} ({s['declarations']} declarations, "
        f"{s['containers']} containers, {s['lines_held']} lines held)"
    )
    if plan.held:
        raise typer.Exit(EXIT_FINDINGS)
