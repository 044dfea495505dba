"""Re-planning after a rush order, a vat breakdown or a failed shade (re-dye).

Runs that started before ``now`` stay exactly as published (frozen horizon); everything else is
re-planned by CP-SAT with each lot anchored to its published vat and start, so that moving a lot
costs ``move_weight`` (by default as much as one late lot) on top of the usual objective. A
large re-plan (more open (lot, vat) pairs than the whole model handles well) starts from the
published runs that still fit, places the other lots after them, and improves that by LNS.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from fangdu.dyehouse.cpsat import CpResult, VatContext, solve_window
from fangdu.dyehouse.greedy import ScheduleInfeasible
from fangdu.dyehouse.models import Batch, Instance, Job, Machine, Objective, Plan
from fangdu.dyehouse.solve import FULL_MODEL_PAIRS, lns
from fangdu.dyehouse.validate import objective, validate

# Share of a large re-plan's time for placing the lots the published plan no longer holds.
PLACE_SHARE = 0.3
# Share of a small re-plan's time for CP-SAT on all open lots before falling back to LNS.
WHOLE_SHARE = 0.6


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


def _after(inst: Instance, runs: list[Batch], now: int) -> list[VatContext]:
    """Each vat's state after ``runs`` (its last run's class and end, not before ``now``)."""
    ctx = []
    for m, mach in enumerate(inst.machines, 1):
        mine = sorted((bt for bt in runs if bt.machine == m), key=lambda bt: bt.start)
        last = mine[-1] if mine else None
        ctx.append(
            VatContext(
                machine=m,
                prev_attr=last.attribute if last else mach.init_state,
                free_from=max(now, last.end if last else 0),
            )
        )
    return ctx


def still_valid(inst: Instance, frozen: list[Batch], runs: list[Batch]) -> list[Batch]:
    """The published runs that still fit the changed instance where they are, vat by vat in
    time order after the frozen ones (a breakdown or shorter window drops the runs it hits and,
    through the washes, none of the later ones)."""
    keep: list[Batch] = []
    for m, mach in enumerate(inst.machines, 1):
        before = [bt for bt in frozen if bt.machine == m]
        prev = max(before, key=lambda bt: bt.start) if before else None
        attr, free = (prev.attribute, prev.end) if prev else (mach.init_state, 0)
        for bt in sorted((bt for bt in runs if bt.machine == m), key=lambda bt: bt.start):
            wash = bt.start - inst.setup_time(attr, bt.attribute)
            ok = wash >= free and any(s <= wash and bt.end <= e for s, e in mach.shifts)
            ok = ok and all(m in inst.jobs[j - 1].eligible for j in bt.jobs)
            if ok:
                keep.append(bt)
                attr, free = bt.attribute, bt.end
    return keep


def _large(
    new: Instance,
    frozen: list[Batch],
    free: list[int],
    published: list[Batch],
    now: int,
    anchors: dict[int, tuple[int, int]],
    weight: int,
    time_limit: float,
    seed: int,
    workers: int,
) -> CpResult | None:
    """Keep what still fits, place the rest after it on each vat, then LNS (moves cost)."""
    deadline = time.monotonic() + time_limit
    keep = still_valid(new, frozen, published)
    kept = {j for bt in keep for j in bt.jobs}
    rest = [j for j in free if j not in kept]
    placed: list[Batch] = []
    if rest:
        res = solve_window(
            new,
            rest,
            _after(new, [*frozen, *keep], now),
            time_limit=time_limit * PLACE_SHARE,
            seed=seed,
            workers=workers,
        )
        if res.batches is None:
            return None
        placed = res.batches
    start = [*frozen, *keep, *placed]
    if validate(new, Plan(instance=new.name, batches=tuple(start))):
        return None
    better = lns(
        new,
        start,
        deadline,
        seed=seed,
        workers=workers,
        now=now,
        anchors=anchors,
        move_weight=weight,
    )
    mine = [bt for bt in better if bt.start >= now]
    return CpResult(mine, None, 0, False, "LNS")


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
    lns_above: int = FULL_MODEL_PAIRS,
) -> ReplanResult:
    """Re-plan ``new`` (the old instance after the events) around the published plan.

    Up to ``lns_above`` open (lot, vat) pairs CP-SAT re-plans all open lots at once; above,
    the published runs that still fit are the start of an LNS."""
    frozen = [bt for bt in published.batches if bt.start < now]
    done = {j for bt in frozen for j in bt.jobs}
    free = [j for j in range(1, len(new.jobs) + 1) if j not in done]
    anchors = {
        j: (bt.machine, bt.start) for bt in published.batches if bt.start >= now for j in bt.jobs
    }
    weight = new.weights.late if move_weight is None else move_weight
    future = [bt for bt in published.batches if bt.start >= now]
    deadline = time.monotonic() + time_limit

    def whole(limit: float) -> CpResult:
        return solve_window(
            new,
            free,
            _after(new, frozen, now),
            time_limit=limit,
            seed=seed,
            workers=workers,
            hint=future,
            anchors=anchors,
            move_weight=weight,
        )

    def large(limit: float) -> CpResult | None:
        return _large(new, frozen, free, future, now, anchors, weight, limit, seed, workers)

    res: CpResult | None
    if sum(len(new.jobs[j - 1].eligible) for j in free) > lns_above:
        res = large(time_limit) or whole(max(1.0, deadline - time.monotonic()))
    else:
        # The whole model first; should it find nothing in its share, LNS gets the rest.
        res = whole(time_limit * WHOLE_SHARE)
        if res.batches is None and res.status != "INFEASIBLE":
            res = large(max(1.0, deadline - time.monotonic())) or res
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
