"""The solver front-end: greedy baseline, CP-SAT on the whole instance when it is small, and a
large-neighbourhood search (LNS) of CP-SAT windows around the incumbent when it is not."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel

from fangdu.dyehouse.batching import batch_first, late_regrouped
from fangdu.dyehouse.bounds import earliest_end, lower_bound, unplaceable_lots
from fangdu.dyehouse.cpsat import VatContext, solve_window
from fangdu.dyehouse.diagnose import explain_infeasible
from fangdu.dyehouse.greedy import ScheduleInfeasible, due_order, greedy
from fangdu.dyehouse.models import Batch, Instance, Plan
from fangdu.dyehouse.validate import objective, validate

# Up to this many (lot, vat) pairs the whole model runs first (for a bound, often optimality);
# LNS then polishes its plan. Above it, LNS alone from the greedy plan.
FULL_MODEL_PAIRS = 300
# Share of the time limit for that first whole-model run: on OSP UC-3 instances 56 and 74
# (30 s) 0.15 ended 2–10 % lower than 0.5, and as low as pure LNS while still proving small
# instances optimal.
FULL_SHARE = 0.15


# LNS: lots freed by the first move, and CP-SAT's time per move. On OSP instance 91 (n = 250)
# 12/20 lots and 0.5/1/3 s per move end within 0.03 % of each other after 30 s.
LNS_START_LOTS = 20
LNS_MOVE_SECONDS = 3.0

# Late-last start: passes of its first way (each one greedy run), and the share of the time
# limit for both ways.
LATE_LAST_PASSES = 6
LATE_LAST_SHARE = 0.1
# Batch-first start (``batching.py``): share of the time limit for its grouping model, and for
# regrouping the late lots of the late-last start.
BATCH_FIRST_SHARE = 0.1
LATE_REGROUP_SHARE = 0.05

# At most this long, after a proof of infeasibility, to find the lots and rules behind it.
EXPLAIN_SECONDS = 30.0


class Method(StrEnum):
    AUTO = "auto"
    GREEDY = "greedy"
    CPSAT = "cpsat"
    LNS = "lns"


class SolveResult(BaseModel):
    plan: Plan
    lower_bound: int
    optimal: bool
    method: str  # what actually ran: greedy, cpsat, lns or cpsat+lns
    greedy_integer: int | None
    seconds: float


Progress = Callable[[float, int], None]


def _by_vat(batches: list[Batch]) -> dict[int, list[Batch]]:
    per: dict[int, list[Batch]] = defaultdict(list)
    for bt in batches:
        per[bt.machine].append(bt)
    for runs in per.values():
        runs.sort(key=lambda bt: bt.start)
    return per


def _window_of(inst: Instance, m: int, run: Batch) -> int:
    return next(s for s, e in inst.machines[m - 1].shifts if s <= run.start and run.end <= e)


def moves(batches: list[Batch], anchors: dict[int, tuple[int, int]]) -> int:
    """Lots of the published plan (``anchors``: lot → vat, start) that are not where they were."""
    placed = {j: (bt.machine, bt.start) for bt in batches for j in bt.jobs}
    return sum(1 for j, where in anchors.items() if placed.get(j) != where)


def _late(inst: Instance, plan: list[Batch]) -> set[int]:
    return {j for bt in plan for j in bt.jobs if bt.end > inst.jobs[j - 1].due}


def late_last(inst: Instance, plan: list[Batch], deadline: float) -> list[Batch]:
    """``plan`` (the greedy one), or a better one from the same rule with late lots dyed last.

    A late lot costs the same however late it is, so a lot that will be late anyway should not
    take an early run from one that could still be on time. Two ways to choose the lots held
    back behind the due-date order, each pass one greedy run, the best plan wins:

    * first the lots that cannot end on time even alone (or, if none, those late in ``plan``),
      then, pass by pass, also those the previous pass made late;
    * as Moore and Hodgson's rule for one machine: while a lot is late, hold back the lots that
      set the length of the longest run up to the first late one on its vat, so that the runs
      before it end sooner.

    The LNS cannot make this move itself: its windows only rearrange lots already close in
    time (OSP instance 101, n = 500: 346 of 500 lots cannot be on time, and took every early
    run of the greedy plan; instance 67, n = 100: 34 cannot, the greedy plan has all 100 late).
    """
    best, best_obj = plan, objective(inst, plan).integer
    lots = range(1, len(inst.jobs) + 1)
    hopeless = {j for j in lots if earliest_end(inst, j) > inst.jobs[j - 1].due}

    def run(held: set[int]) -> list[Batch] | None:
        nonlocal best, best_obj
        order = due_order(inst, [j for j in lots if j not in held]) + due_order(inst, held)
        try:
            out = greedy(inst, order)
        except ScheduleInfeasible:
            return None
        obj = objective(inst, out).integer
        if obj < best_obj:
            best, best_obj = out, obj
        return out

    held = set(hopeless) or _late(inst, plan)
    for _ in range(LATE_LAST_PASSES):
        if not held or time.monotonic() > deadline or (cur := run(held)) is None:
            break
        late = _late(inst, cur) - held
        if not late:
            break
        held |= late
    held = set(hopeless)
    while time.monotonic() < deadline and (cur := run(held)) is not None:
        runs = sorted(cur, key=lambda bt: bt.end)
        first = next((bt for bt in runs if (set(bt.jobs) - held) & _late(inst, [bt])), None)
        if first is None:
            break
        longest = max(
            (bt for bt in runs if bt.machine == first.machine and bt.end <= first.end),
            key=lambda bt: (bt.end - bt.start if set(bt.jobs) - held else -1, bt.end),
        )
        free = [j for j in longest.jobs if j not in held]
        held |= {j for j in free if inst.jobs[j - 1].min_time >= longest.end - longest.start} or {
            max(free, key=lambda j: inst.jobs[j - 1].min_time)
        }
    return best


def lns(
    inst: Instance,
    batches: list[Batch],
    deadline: float,
    *,
    seed: int = 0,
    workers: int = 2,
    on_improve: Progress | None = None,
    now: int = 0,
    anchors: dict[int, tuple[int, int]] | None = None,
    move_weight: int = 0,
) -> list[Batch]:
    """Re-plan windows (a few vats × a time span) with CP-SAT until the deadline.

    For a re-plan: runs that start before ``now`` are never freed, nothing new starts before
    it, and each lot away from its ``anchors`` place costs ``move_weight``."""
    rng = random.Random(seed)
    anchors = anchors or {}

    def cost(bs: list[Batch]) -> int:
        return objective(inst, bs).integer + move_weight * moves(bs, anchors)

    cur, cur_obj = list(batches), cost(batches)
    k = len(inst.machines)
    target = float(LNS_START_LOTS)
    t_start = time.monotonic()
    while time.monotonic() < deadline - 0.05:
        per = _by_vat(cur)
        open_vats = sorted(m for m, runs in per.items() if runs[-1].start >= now)
        if not open_vats:
            break
        m0 = rng.choice(open_vats)
        others = [m for m in range(1, k + 1) if m != m0]
        vats = [m0, *rng.sample(others, min(k - 1, rng.randint(0, 2)))]
        centre = rng.choice([bt for bt in per[m0] if bt.start >= now]).start
        pool = sorted(
            (bt for m in vats for bt in per.get(m, []) if bt.start >= now),
            key=lambda bt: abs(bt.start - centre),
        )
        count, t0, t1 = 0, centre, centre
        for bt in pool:
            if count >= target:
                break
            count += len(bt.jobs)
            t0, t1 = min(t0, bt.start), max(t1, bt.start)
        ctx, free, jobs = [], [], []
        for m in vats:
            runs = per.get(m, [])
            idx = [i for i, bt in enumerate(runs) if t0 <= bt.start <= t1 and bt.start >= now]
            lo = (
                idx[0]
                if idx
                else next(
                    (i for i, bt in enumerate(runs) if bt.start > t1 and bt.start >= now),
                    len(runs),
                )
            )
            hi = idx[-1] + 1 if idx else lo
            before = runs[lo - 1] if lo > 0 else None
            tail = runs[hi] if hi < len(runs) else None
            ctx.append(
                VatContext(
                    machine=m,
                    prev_attr=before.attribute if before else inst.machines[m - 1].init_state,
                    free_from=max(now, before.end if before else 0),
                    tail=tail,
                    tail_window_start=_window_of(inst, m, tail) if tail else 0,
                )
            )
            free.extend(runs[lo:hi])
        jobs = [j for bt in free for j in bt.jobs]
        if not jobs:
            continue
        left = deadline - time.monotonic()
        res = solve_window(
            inst,
            jobs,
            ctx,
            time_limit=min(left, LNS_MOVE_SECONDS),
            seed=rng.randint(0, 2**30),
            workers=workers,
            hint=free,
            anchors={j: anchors[j] for j in jobs if j in anchors},
            move_weight=move_weight,
        )
        # Grow the window while CP-SAT closes it, shrink it when it cannot.
        grow = min(target * 1.15 + 1, len(inst.jobs))
        target = grow if res.optimal else max(6.0, target * 0.85)
        if res.batches is None:
            continue
        freed = {id(bt) for bt in free}
        cand = [bt for bt in cur if id(bt) not in freed] + res.batches
        obj = cost(cand)
        if obj <= cur_obj and not validate(inst, Plan(instance=inst.name, batches=tuple(cand))):
            if obj < cur_obj and on_improve:
                on_improve(time.monotonic() - t_start, obj)
            cur, cur_obj = cand, obj
    return cur


def solve(
    inst: Instance,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    method: Method = Method.AUTO,
    workers: int = 2,
    on_improve: Progress | None = None,
) -> SolveResult:
    """Best plan found within ``time_limit`` seconds; raises ScheduleInfeasible if none."""
    t0 = time.monotonic()
    deadline = t0 + time_limit
    lb = lower_bound(inst)
    if reasons := unplaceable_lots(inst):
        raise ScheduleInfeasible("; ".join(reasons[:3]) + (" …" if len(reasons) > 3 else ""))
    try:
        base: list[Batch] | None = greedy(inst)
    except ScheduleInfeasible:
        if method is Method.GREEDY:
            raise
        base = None
    # The baseline stays the planner's rule; the search starts from the better late-last plan.
    g_int = objective(inst, base).integer if base is not None else None
    if base is not None and method is not Method.GREEDY:
        base = late_last(inst, base, t0 + LATE_LAST_SHARE * time_limit)
    if method is not Method.GREEDY:
        # Regroup the lots for least run time and washes, then place the runs; and the same
        # for the late lots only, after the on-time ones. The best start under this instance's
        # weights wins (it is the hint too).
        starts = [base] if base is not None else []
        grouped = batch_first(
            inst, time.monotonic() + BATCH_FIRST_SHARE * time_limit, seed=seed, workers=workers
        )
        if grouped is not None:
            starts.append(grouped)
        if base is not None:
            end = time.monotonic() + LATE_REGROUP_SHARE * time_limit
            hybrid = late_regrouped(inst, base, end, seed=seed, workers=workers)
            if hybrid is not None:
                starts.append(hybrid)
        if starts:
            base = min(starts, key=lambda p: objective(inst, p).integer)
    batches, optimal = base, False
    used: str = Method.GREEDY
    pairs = sum(len(j.eligible) for j in inst.jobs)
    full_first = method is Method.CPSAT or (
        method is Method.AUTO and (pairs <= FULL_MODEL_PAIRS or base is None)
    )
    if full_first:
        ctx = [VatContext(m, mc.init_state) for m, mc in enumerate(inst.machines, 1)]
        # The starts have used part of the limit already: CP-SAT alone gets what is left.
        left = max(deadline - time.monotonic(), 0.05)
        share = left if method is Method.CPSAT or base is None else time_limit * FULL_SHARE
        res = solve_window(
            inst,
            range(1, len(inst.jobs) + 1),
            ctx,
            time_limit=share,
            seed=seed,
            workers=workers,
            hint=base or (),
        )
        if res.status == "INFEASIBLE":
            # Proved, but the planner needs to know what to change: which lots, which rule.
            why = explain_infeasible(inst, min(EXPLAIN_SECONDS, max(5.0, time_limit)))
            raise ScheduleInfeasible(f"no plan exists: {why}")
        if res.batches is not None:
            # CP-SAT may not complete the hint in its share of time: keep the better plan.
            if (
                batches is None
                or res.optimal
                or objective(inst, res.batches).integer <= objective(inst, batches).integer
            ):
                batches, optimal = res.batches, res.optimal
            lb = max(lb, res.bound)
            if on_improve:
                on_improve(time.monotonic() - t0, res.objective or 0)
        used = Method.CPSAT
    if method in (Method.AUTO, Method.LNS) and batches is not None and not optimal:
        batches = lns(inst, batches, deadline, seed=seed, workers=workers, on_improve=on_improve)
        used = Method.LNS if used is not Method.CPSAT else "cpsat+lns"
    if batches is None:
        raise ScheduleInfeasible("no plan found within the time limit")
    obj = objective(inst, batches)
    if optimal:
        lb = obj.integer
    ordered = tuple(sorted(batches, key=lambda bt: (bt.machine, bt.start)))
    return SolveResult(
        plan=Plan(instance=inst.name, batches=ordered, objective=obj),
        lower_bound=min(lb, obj.integer),
        optimal=optimal,
        method=str(used),
        greedy_integer=g_int,
        seconds=time.monotonic() - t0,
    )
