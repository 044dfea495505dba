"""Re-planning after a rush order, a vat breakdown or a failed shade (re-dye).

Runs that started before ``now`` stay exactly as published (frozen horizon); everything else is
re-planned by CP-SAT with each lot anchored to its published vat and start, so that moving a lot
costs ``move_weight`` (by default as much as one late lot) on top of the usual objective.
"""

from __future__ import annotations

from pydantic import BaseModel

from fangdu.dyehouse.cpsat import VatContext, solve_window
from fangdu.dyehouse.greedy import ScheduleInfeasible
from fangdu.dyehouse.models import Batch, Instance, Job, Machine, Objective, Plan
from fangdu.dyehouse.validate import objective, validate


class ReplanResult(BaseModel):
    plan: Plan
    frozen_runs: int
    moved_lots: tuple[int, ...]  # published lots whose vat or start changed
    new_lots: tuple[int, ...]  # lots that were not in the published plan
    before: Objective  # the published plan's objective (on the old instance)
    after: Objective
    optimal: bool


def add_lots(inst: Instance, lots: list[Job]) -> Instance:
    """A rush order: the lots get the next ids (n+1, n+2, …)."""
    return inst.model_copy(update={"jobs": inst.jobs + tuple(lots)})


def redye(inst: Instance, lot: int, release: int) -> Instance:
    """A failed shade: the lot is dyed again, as a new lot released at ``release``."""
    old = inst.jobs[lot - 1]
    due = max(old.due, release + old.min_time)
    return add_lots(inst, [old.model_copy(update={"release": release, "due": due})])


def breakdown(inst: Instance, vat: int, start: int, end: int) -> Instance:
    """Vat ``vat`` is unavailable in [start, end): its windows are cut around that span."""
    mach = inst.machines[vat - 1]
    shifts: list[tuple[int, int]] = []
    for s, e in mach.shifts:
        if s < start:
            shifts.append((s, min(e, start)))
        if e > end:
            shifts.append((max(s, end), e))
    shifts = [(s, e) for s, e in shifts if e > s]
    machines = list(inst.machines)
    machines[vat - 1] = Machine.model_validate(mach.model_dump() | {"shifts": tuple(shifts)})
    return Instance.model_validate(inst.model_dump() | {"machines": tuple(machines)})


def replan(
    old: Instance,
    new: Instance,
    published: Plan,
    now: int,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    move_weight: int | None = None,
    workers: int = 2,
) -> ReplanResult:
    """Re-plan ``new`` (the old instance after the events) around the published plan."""
    frozen = [bt for bt in published.batches if bt.start < now]
    done = {j for bt in frozen for j in bt.jobs}
    free = [j for j in range(1, len(new.jobs) + 1) if j not in done]
    ctx = []
    for m, mach in enumerate(new.machines, 1):
        runs = sorted((bt for bt in frozen if bt.machine == m), key=lambda bt: bt.start)
        last = runs[-1] if runs else None
        ctx.append(
            VatContext(
                machine=m,
                prev_attr=last.attribute if last else mach.init_state,
                free_from=max(now, last.end if last else 0),
            )
        )
    anchors = {
        j: (bt.machine, bt.start) for bt in published.batches if bt.start >= now for j in bt.jobs
    }
    weight = new.weights.late if move_weight is None else move_weight
    res = solve_window(
        new,
        free,
        ctx,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        hint=[bt for bt in published.batches if bt.start >= now],
        anchors=anchors,
        move_weight=weight,
    )
    if res.batches is None:
        raise ScheduleInfeasible(
            f"no re-plan found after {now} ({res.status}): the frozen runs and the changed "
            "windows leave no room for every lot"
        )
    batches: list[Batch] = sorted([*frozen, *res.batches], key=lambda bt: (bt.machine, bt.start))
    plan = Plan(instance=new.name, batches=tuple(batches))
    problems = validate(new, plan)
    if problems:  # a frozen run hit by the event, e.g. a breakdown during a started run
        raise ScheduleInfeasible(f"re-plan breaks a constraint: {problems[0].message}")
    placed = {j: (bt.machine, bt.start) for bt in batches for j in bt.jobs}
    moved = tuple(sorted(j for j, where in anchors.items() if placed.get(j) != where))
    after = objective(new, batches)
    return ReplanResult(
        plan=plan.model_copy(update={"objective": after}),
        frozen_runs=len(frozen),
        moved_lots=moved,
        new_lots=tuple(j for j in free if j not in anchors),
        before=objective(old, published.batches),
        after=after,
        optimal=res.optimal,
    )
