"""``fangdu schedule``: the dye-house vat scheduler (印染排缸) on the command line.

It needs only ``fangdu.dyehouse`` (no registry, no database). Exit codes follow ``fangdu``:
0 success, 1 a plan that breaks a constraint (validate) or no plan found, 2 bad input.
Human-readable output goes to stdout with the normalised objective alone on the last line.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from fangdu.dyehouse import (
    Instance,
    Objective,
    Plan,
    ScheduleInfeasible,
    ScheduleInputError,
    generate,
    load_instance,
    objective,
    validate,
)
from fangdu.dyehouse.osp_format import to_dat
from fangdu.dyehouse.solve import Method, solve

EXIT_FAILURE, EXIT_INPUT = 1, 2

schedule_app = typer.Typer(
    help="Dye-house vat scheduling (印染排缸): solve, validate, re-plan; generate OSP instances.",
    no_args_is_help=True,
)


class MethodChoice(StrEnum):
    AUTO = "auto"
    GREEDY = "greedy"
    CPSAT = "cpsat"
    LNS = "lns"


def _out() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 120
    return console


def _fail(message: str, code: int) -> typer.Exit:
    Console(stderr=True, highlight=False).print(
        f"error: {message}", style="red", markup=False, soft_wrap=True
    )
    return typer.Exit(code)


def _load(path: Path) -> Instance:
    try:
        return load_instance(path)
    except ScheduleInputError as exc:
        raise _fail(str(exc), EXIT_INPUT) from None


def _kpis(console: Console, inst: Instance, plan: Plan, obj: Objective) -> None:
    table = Table(title=f"{inst.name}: {len(plan.batches)} runs, {len(inst.jobs)} lots")
    for col in ("runtime", "late lots", "washes", "wash cost", "wash time", "integer"):
        table.add_column(col, justify="right")
    table.add_row(
        str(obj.runtime),
        str(obj.late_jobs),
        str(len(plan.batches)),
        str(obj.setup_cost),
        str(obj.setup_time),
        str(obj.integer),
    )
    console.print(table)


@schedule_app.command("solve")
def solve_cmd(
    file: Path = typer.Argument(..., help="Instance: OSP .dat or .dzn, or Fangdu .json"),
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.1, help="Seconds to search."),
    seed: int = typer.Option(0, "--seed", help="Random seed (LNS and CP-SAT)."),
    method: MethodChoice = typer.Option(MethodChoice.AUTO, "--method"),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the plan JSON here."),
) -> None:
    """Plan an instance; the last line is the normalised objective (as the OSP papers)."""
    inst = _load(file)
    console = _out()
    try:
        res = solve(inst, time_limit=time_limit, seed=seed, method=Method(method.value))
    except ScheduleInfeasible as exc:
        raise _fail(str(exc), EXIT_FAILURE) from None
    plan, obj = res.plan, res.plan.objective
    assert obj is not None
    if output is not None:
        output.write_text(plan.model_dump_json(indent=1) + "\n", encoding="utf-8")
    _kpis(console, inst, plan, obj)
    lb = res.lower_bound / inst.normaliser
    greedy = (
        f"{res.greedy_integer / inst.normaliser:.6f}" if res.greedy_integer is not None else "–"
    )
    console.print(
        f"method {res.method}, {res.seconds:.1f} s; greedy {greedy}; lower bound {lb:.6f}"
        + ("; proven optimal" if res.optimal else ""),
        markup=False,
    )
    console.print(repr(obj.normalised), markup=False)  # full precision (UC-2)


@schedule_app.command("validate")
def validate_cmd(
    file: Path = typer.Argument(..., help="Instance the plan is for."),
    plan_file: Path = typer.Argument(..., help="Plan JSON (as written by solve -o)."),
) -> None:
    """Re-check every constraint of a plan and recompute its objective."""
    inst = _load(file)
    try:
        plan = Plan.model_validate_json(plan_file.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise _fail(f"{plan_file}: not a plan: {first}", EXIT_INPUT) from None
    console = _out()
    problems = validate(inst, plan)
    for v in problems:
        console.print(f"[{v.rule}] {v.message}", markup=False)
    if problems:
        raise _fail(f"{len(problems)} violation(s)", EXIT_FAILURE)
    obj = objective(inst, plan.batches)
    if plan.objective is not None and plan.objective.integer != obj.integer:
        console.print(
            f"note: the plan states objective {plan.objective.integer}, recomputed {obj.integer}",
            markup=False,
        )
    _kpis(console, inst, plan, obj)
    console.print(repr(obj.normalised), markup=False)  # full precision (UC-2)


@schedule_app.command("generate")
def generate_cmd(
    n: int = typer.Argument(..., min=1, help="Lots."),
    k: int = typer.Argument(..., min=1, help="Vats."),
    a: int = typer.Argument(..., min=1, help="Recipe classes."),
    seed: int = typer.Option(0, "--seed"),
    output: Path = typer.Option(..., "-o", "--output", help="Write .dat or .json"),
) -> None:
    """Write a seeded OSP-shaped instance (same arguments, same file)."""
    try:
        inst = generate(n, k, a, seed=seed)
    except ScheduleInfeasible as exc:
        raise _fail(str(exc), EXIT_FAILURE) from None
    if output.suffix == ".dat":
        output.write_text(to_dat(inst), encoding="utf-8")
    elif output.suffix == ".json":
        output.write_text(json.dumps(inst.model_dump(mode="json"), indent=1) + "\n")
    else:
        raise _fail(f"{output}: write .dat or .json", EXIT_INPUT)
    _out().print(f"{output}: {inst.name}", markup=False)


@schedule_app.command("replan")
def replan_cmd(
    file: Path = typer.Argument(..., help="Instance the published plan is for."),
    plan_file: Path = typer.Argument(..., help="The published plan JSON."),
    now: int = typer.Option(..., "--now", help="Runs that started before this time stay."),
    rush: Path | None = typer.Option(
        None, "--rush", help="JSON list of rush lots (fields as in the instance's jobs)."
    ),
    breakdown_: list[str] = typer.Option(
        [], "--breakdown", help="VAT:START-END, the vat is down in [START, END)."
    ),
    redye_: list[int] = typer.Option([], "--redye", help="Lot whose shade failed; dyed again."),
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.1),
    seed: int = typer.Option(0, "--seed"),
    move_weight: int | None = typer.Option(
        None, "--move-weight", help="Cost of moving one lot (default: one late lot)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output"),
) -> None:
    """Re-plan after a rush order, a breakdown or a re-dye; report what moved and the cost."""
    from fangdu.dyehouse.models import Job
    from fangdu.dyehouse.replan import add_lots, breakdown, redye, replan

    old = _load(file)
    try:
        plan = Plan.model_validate_json(plan_file.read_text(encoding="utf-8"))
        new = old
        if rush is not None:
            lots = [Job.model_validate(x) for x in json.loads(rush.read_text(encoding="utf-8"))]
            new = add_lots(new, lots)
        for spec in breakdown_:
            vat, _, span = spec.partition(":")
            start, _, end = span.partition("-")
            new = breakdown(new, int(vat), int(start), int(end))
        for lot in redye_:
            new = redye(new, lot, now)
    except (OSError, ValueError, ValidationError, IndexError) as exc:
        raise _fail(f"bad re-plan input: {str(exc).splitlines()[0]}", EXIT_INPUT) from None
    try:
        res = replan(old, new, plan, now, time_limit=time_limit, seed=seed, move_weight=move_weight)
    except ScheduleInfeasible as exc:
        raise _fail(str(exc), EXIT_FAILURE) from None
    if output is not None:
        output.write_text(res.plan.model_dump_json(indent=1) + "\n", encoding="utf-8")
    console = _out()
    _kpis(console, new, res.plan, res.after)
    console.print(
        f"frozen runs {res.frozen_runs}; lots moved {len(res.moved_lots)} "
        f"{list(res.moved_lots)}; new lots {list(res.new_lots)}; "
        f"objective {res.before.integer} → {res.after.integer} "
        f"({res.after.integer - res.before.integer:+d})",
        markup=False,
    )
    console.print(repr(res.after.normalised), markup=False)
