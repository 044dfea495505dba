"""Batch-first start: form the runs without time, then place them.

When vat hours weigh more than lateness (OSP UC-2: run time before everything else; UC-3: run
time and washes together 60 %), a plan is good first by *how* the lots are grouped, and only
then by when each run goes. The time-free part is a bin-packing problem: split each class into
runs, each no fuller than a vat that every lot of the run may use, so that the sum of run
lengths (each run as long as its longest lot) plus one wash per run is least. On the published
OSP instances at hand with n = 100 (61, 66, 72, 77) its optimum has exactly the run time of the
best known plan (UC-2), which the due-date greedy misses by 24–68 %; the LNS, whose windows only
re-plan lots close in time, cannot regroup lots far apart.

Model: as the CP-SAT model, each run is named by a representative lot ``r``, here its *longest*
one (most minutes, lowest number on ties), so the run lasts exactly ``p_r⁻`` and its length is a
constant of the representative. ``y[j, r]``: lot j is in run r, only for ``r`` before ``j`` in that
order, same class, ``p_r⁻ ≤ p_j⁺``, a common vat; ``b[r, m]``: run r's vat. The placement then
seeds the runs in a few orders (due date, release), each on the eligible vat where it ends
first, and keeps the best plan (it is where the availability windows are checked).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from fangdu.dyehouse.greedy import ScheduleInfeasible, due_order, earliest_start, greedy
from fangdu.dyehouse.models import Batch, Instance
from fangdu.dyehouse.validate import objective


def longest_first(inst: Instance, lots: Sequence[int]) -> list[int]:
    """Lots by longest minimum program first, lowest number on ties: the representative order."""
    return sorted(lots, key=lambda j: (-inst.jobs[j - 1].min_time, j))


def fits(inst: Instance, j: int, m: int) -> bool:
    return m in inst.jobs[j - 1].eligible and inst.jobs[j - 1].size <= inst.machines[m - 1].max_cap


def group_greedy(
    inst: Instance, lots: Sequence[int] | None = None
) -> list[tuple[int, list[int], int]]:
    """Runs as (representative, lots, vat) by the longest-first rule: the longest lot left opens
    a run on its roomiest vat, and the next longest lots that may share it fill it up."""
    jobs = inst.jobs
    left = longest_first(inst, range(1, len(jobs) + 1) if lots is None else lots)
    done: set[int] = set()
    out = []
    for r in left:
        if r in done:
            continue
        rj = jobs[r - 1]
        m = max(
            (m for m in rj.eligible if fits(inst, r, m)),
            key=lambda m: (inst.machines[m - 1].max_cap, -m),
        )
        cap, lots, load = inst.machines[m - 1].max_cap, [r], rj.size
        for j in left:
            job = jobs[j - 1]
            if (
                j in done
                or j == r
                or job.attribute != rj.attribute
                or rj.min_time > job.max_time
                or m not in job.eligible
                or load + job.size > cap
            ):
                continue
            lots.append(j)
            load += job.size
        done.update(lots)
        out.append((r, lots, m))
    return out


# Above this many (lot, run) pairs the grouping model is not built: the longest-first rule alone.
GROUP_MODEL_PAIRS = 200_000


def group_lots(
    inst: Instance,
    time_limit: float,
    *,
    seed: int = 0,
    workers: int = 2,
    lots: Sequence[int] | None = None,
) -> list[tuple[list[int], list[int]]]:
    """Runs as (lots, vats that may take the run), least weighted run time and washes first.

    Classes do not mix, so each class is its own model, with time in proportion to its size;
    the longest-first rule where a model finds nothing or would be too large. The vats'
    availability is left to the placement (docs/SCHEDULING.md: the coupled model did no
    better)."""
    jobs = inst.jobs
    order = longest_first(inst, range(1, len(jobs) + 1) if lots is None else lots)
    vats = {j: [m for m in jobs[j - 1].eligible if fits(inst, j, m)] for j in order}
    start = group_greedy(inst, order)
    classes: dict[int, list[int]] = {}
    for j in order:
        classes.setdefault(jobs[j - 1].attribute, []).append(j)
    pairs = {a: len(ls) * (len(ls) + 1) // 2 for a, ls in classes.items()}
    deadline = time.monotonic() + time_limit
    out = []
    todo = sorted(classes, key=lambda c: (pairs[c], c))
    for i, a in enumerate(todo):
        share = (deadline - time.monotonic()) * pairs[a] / sum(pairs[c] for c in todo[i:])
        hint = [(r, ls, m) for r, ls, m in start if jobs[r - 1].attribute == a]
        runs = None
        if pairs[a] <= GROUP_MODEL_PAIRS:
            runs = _group_class(inst, classes[a], vats, hint, share, seed=seed, workers=workers)
        if runs is None:
            runs = [ls for _, ls, _ in hint]
        out.extend(_with_vats(inst, ls, vats) for ls in runs)
    return out


def _group_class(
    inst: Instance,
    order: list[int],
    vats: dict[int, list[int]],
    hint: list[tuple[int, list[int], int]],
    time_limit: float,
    *,
    seed: int,
    workers: int,
) -> list[list[int]] | None:
    """The least-cost runs of one class (``order``: its lots, longest first), or None."""
    w = inst.weights
    jobs = inst.jobs
    pos = {j: i for i, j in enumerate(order)}
    md = cp_model.CpModel()
    b = {(r, m): md.new_bool_var(f"b{r}_{m}") for r in order for m in vats[r]}
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    for j in order:
        job = jobs[j - 1]
        for r in order[: pos[j] + 1]:
            if r != j and not (
                jobs[r - 1].min_time <= job.max_time and set(vats[r]) & set(vats[j])
            ):
                continue
            y[j, r] = md.new_bool_var(f"y{j}_{r}")
        md.add_exactly_one(y[j, r] for r in order[: pos[j] + 1] if (j, r) in y)
    members: dict[int, list[int]] = {r: [] for r in order}
    for j, r in y:
        members[r].append(j)
    for r in order:
        md.add(sum(b[r, m] for m in vats[r]) == y[r, r])
        for j in members[r]:
            if j == r:
                continue
            md.add_implication(y[j, r], y[r, r])
            for m in vats[r]:
                if m not in vats[j]:
                    md.add_bool_or([y[j, r].Not(), b[r, m].Not()])
        load = sum(jobs[j - 1].size * y[j, r] for j in members[r])
        for m in vats[r]:
            mach = inst.machines[m - 1]
            md.add(load <= mach.max_cap).only_enforce_if(b[r, m])
            if mach.min_cap:
                md.add(load >= mach.min_cap).only_enforce_if(b[r, m])
    _add_run_count_cuts(inst, md, order, vats, b)
    # Each run needs a wash into the class: count the cheapest one (cost and time).
    a = jobs[order[0] - 1].attribute
    prev = range(1, inst.n_attributes + 1)
    wash = w.setup_cost * min(inst.setup_cost(p, a) for p in prev) + w.setup_time * min(
        inst.setup_time(p, a) for p in prev
    )
    md.minimize(sum((w.runtime * jobs[r - 1].min_time + wash) * y[r, r] for r in order))
    rep_of = {j: r for r, lots, _ in hint for j in lots}
    vat_of = {r: m for r, _, m in hint}
    for (j, r), lit in y.items():
        md.add_hint(lit, rep_of[j] == r)
    for (r, m), lit in b.items():
        md.add_hint(lit, vat_of.get(r) == m)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(md)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [
        [j for j in members[r] if solver.value(y[j, r])] for r in order if solver.value(y[r, r])
    ]


def _add_run_count_cuts(
    inst: Instance,
    md: cp_model.CpModel,
    order: list[int],
    vats: dict[int, list[int]],
    b: dict[tuple[int, int], cp_model.IntVar],
) -> None:
    """Redundant, for the bound and the search: the lots of a class at least d minutes long
    that may only use vats of a set S fill at least ⌈their load / S's largest vat⌉ runs of
    at least d minutes on S. Summed over d, this is the split relaxation of the run time
    (``bounds.py``), now seen by CP-SAT's linear relaxation. S: each single vat and all of
    them (every subset for up to 4 vats)."""
    k = len(inst.machines)
    every = list(range(1, k + 1))
    if k <= 4:
        sets = [[m for m in every if mask >> (m - 1) & 1] for mask in range(1, 1 << k)]
    else:
        sets = [[m] for m in every] + [every]
    jobs = inst.jobs
    for attr in {jobs[j - 1].attribute for j in order}:
        lots = [j for j in order if jobs[j - 1].attribute == attr]  # longest first
        for vs in sets:
            cap = max(inst.machines[m - 1].max_cap for m in vs)
            load, seen = 0, set()
            for i, j in enumerate(lots):
                if set(vats[j]) <= set(vs):
                    load += jobs[j - 1].size
                last = i + 1 == len(lots) or jobs[lots[i + 1] - 1].min_time != jobs[j - 1].min_time
                need = -(-load // cap)
                if not last or need == 0 or need in seen:
                    continue
                seen.add(need)
                md.add(sum(b[r, m] for r in lots[: i + 1] for m in vs if (r, m) in b) >= need)


def _with_vats(
    inst: Instance, lots: list[int], vats: dict[int, list[int]]
) -> tuple[list[int], list[int]]:
    """The run and every vat that may take it: eligible for all its lots, load within limits."""
    load = sum(inst.jobs[j - 1].size for j in lots)
    common = [
        m
        for m in vats[lots[0]]
        if all(m in vats[j] for j in lots)
        and inst.machines[m - 1].min_cap <= load <= inst.machines[m - 1].max_cap
    ]
    return lots, common


def place(
    inst: Instance,
    runs: Sequence[tuple[list[int], list[int]]],
    order: Sequence[int],
    head: Sequence[Batch] = (),
) -> list[Batch] | None:
    """Place ``runs`` in ``order`` (indices into runs) after the runs of ``head``, each on its
    vat where it ends first (cheaper wash on ties); None if one fits no window."""
    free = {m: 0 for m in range(1, len(inst.machines) + 1)}
    state = {m: inst.machines[m - 1].init_state for m in free}
    for bt in sorted(head, key=lambda bt: bt.end):
        free[bt.machine], state[bt.machine] = bt.end, bt.attribute
    out: list[Batch] = list(head)
    for i in order:
        lots, vats = runs[i]
        js = [inst.jobs[j - 1] for j in lots]
        attr, dur, rel = js[0].attribute, max(j.min_time for j in js), max(j.release for j in js)
        best: tuple[tuple[int, int], Batch] | None = None
        for m in vats:
            t = earliest_start(inst, m, free[m], state[m], attr, rel, dur)
            if t is None:
                continue
            key = (t + dur, inst.setup_cost(state[m], attr))
            if best is None or key < best[0]:
                best = (
                    key,
                    Batch(machine=m, start=t, end=t + dur, jobs=tuple(lots), attribute=attr),
                )
        if best is None:
            return None
        bt = best[1]
        out.append(bt)
        free[bt.machine], state[bt.machine] = bt.end, bt.attribute
    return out


def _place_best(
    inst: Instance, runs: list[tuple[list[int], list[int]]], head: Sequence[Batch] = ()
) -> list[Batch] | None:
    """The best of a few placement orders of ``runs`` after ``head`` (None if none fits)."""
    jobs = inst.jobs

    def due(i: int) -> int:
        return min(jobs[j - 1].due for j in runs[i][0])

    def release(i: int) -> int:
        return max(jobs[j - 1].release for j in runs[i][0])

    def late_anyway(i: int) -> bool:
        return release(i) + max(jobs[j - 1].min_time for j in runs[i][0]) > due(i)

    def attr(i: int) -> int:
        return jobs[runs[i][0][0] - 1].attribute

    idx = range(len(runs))
    orders = [
        sorted(idx, key=lambda i: (due(i), release(i))),
        sorted(idx, key=lambda i: (release(i), due(i))),
        # Runs that can still be on time first, in due order; the rest after, class by class.
        sorted(idx, key=lambda i: (late_anyway(i), attr(i) if late_anyway(i) else 0, due(i))),
    ]
    best, best_obj = None, 0
    for order in orders:
        plan = place(inst, runs, order, head)
        if plan is None:
            continue
        obj = objective(inst, plan).integer
        if best is None or obj < best_obj:
            best, best_obj = plan, obj
    return best


def _placeable(inst: Instance) -> bool:
    n = len(inst.jobs)
    return all(any(fits(inst, j, m) for m in inst.jobs[j - 1].eligible) for j in range(1, n + 1))


def batch_first(
    inst: Instance, deadline: float, *, seed: int = 0, workers: int = 2
) -> list[Batch] | None:
    """The best placement of the least-cost grouping, or None (none of the orders fits the
    windows)."""
    if not _placeable(inst):
        return None
    runs = group_lots(inst, deadline - time.monotonic(), seed=seed, workers=workers)
    return _place_best(inst, runs) if runs else None


def late_regrouped(
    inst: Instance, plan: Sequence[Batch], deadline: float, *, seed: int = 0, workers: int = 2
) -> list[Batch] | None:
    """``plan``'s on-time lots by the planner's rule first, then its late lots regrouped for
    least run time and washes and dyed after them; None if that does not fit.

    A late lot costs the same however late it is, so once the lots to be on time are chosen
    (by ``plan``, the late-last start), the others are a pure grouping problem: where lateness
    and run time both count (OSP UC-3), neither the due-date rule (runs split for due dates)
    nor the grouping alone (due dates unseen) is the right start."""
    if not _placeable(inst):
        return None
    jobs = inst.jobs
    late = sorted({j for bt in plan for j in bt.jobs if bt.end > jobs[j - 1].due})
    if not late:
        return None
    on_time = [j for j in range(1, len(jobs) + 1) if j not in set(late)]
    try:
        head = greedy(inst, due_order(inst, on_time)) if on_time else []
    except ScheduleInfeasible:
        return None
    runs = group_lots(inst, deadline - time.monotonic(), seed=seed, workers=workers, lots=late)
    return _place_best(inst, runs, head)
