"""CP-SAT model of the problem, for the whole instance or for a window of it (the LNS moves).

Representative-lot formulation (as the CP model of Lackner et al.): each run is named by its
lowest-numbered lot r; ``b[r, m]`` opens run r on vat m; ``y[j, r]`` puts lot j in run r. Since
a run's class is its representative's, washes between runs are constants on the arcs of one
``AddCircuit`` per vat, which also orders the runs. A window sub-problem fixes what comes
before (class in the vat, time it is free) and after (the next fixed run, whose wash must still
fit) on each vat it frees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from fangdu.dyehouse.models import Batch, Instance


@dataclass(frozen=True)
class VatContext:
    """What a (sub-)problem keeps fixed on one vat around the part it re-plans."""

    machine: int
    prev_attr: int
    free_from: int = 0
    tail: Batch | None = None  # the next fixed run: it stays where it is
    tail_window_start: int = 0


@dataclass
class CpResult:
    batches: list[Batch] | None
    objective: int | None
    bound: int
    optimal: bool
    status: str


def longest_first(inst: Instance, lots: Sequence[int]) -> list[int]:
    """The representative order: longest minimum program first, lowest number on ties."""
    return sorted(lots, key=lambda j: (-inst.jobs[j - 1].min_time, j))


def _joins(inst: Instance, j: int, r: int) -> bool:
    """Lot j may join the run of r, which comes before it in the representative order (so the
    run lasts r's minimum program, at least j's): same class, and j may last that long."""
    a, b = inst.jobs[j - 1], inst.jobs[r - 1]
    return a.attribute == b.attribute and b.min_time <= a.max_time


def solve_window(
    inst: Instance,
    jobs: Sequence[int],
    vats: Sequence[VatContext],
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    hint: Sequence[Batch] = (),
    anchors: dict[int, tuple[int, int]] | None = None,
    move_weight: int = 0,
) -> CpResult:
    """Plan ``jobs`` on the vats of ``vats`` (each around its fixed context), optimally if time
    allows. With the whole instance and default contexts this is the full problem."""
    w = inst.weights
    md = cp_model.CpModel()
    jobs = longest_first(inst, jobs)
    ctx = {v.machine: v for v in vats}
    # anchors: lot → (vat, start) in the published plan; leaving it costs move_weight (re-plans).
    allowed = {
        j: [
            m
            for m in inst.jobs[j - 1].eligible
            if m in ctx and inst.jobs[j - 1].size <= inst.machines[m - 1].max_cap
        ]
        for j in jobs
    }
    lo_t = min((v.free_from for v in vats), default=0)
    hi_t = inst.horizon
    b: dict[tuple[int, int], cp_model.IntVar] = {}
    for r in jobs:
        for m in allowed[r]:
            b[r, m] = md.new_bool_var(f"b{r}_{m}")
    rep = {r: sum(b[r, m] for m in allowed[r]) for r in jobs}
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    for idx, j in enumerate(jobs):
        for r in jobs[: idx + 1]:
            if r != j and not (_joins(inst, j, r) and set(allowed[j]) & set(allowed[r])):
                continue
            y[j, r] = md.new_bool_var(f"y{j}_{r}")
        md.add_exactly_one(y[j, r] for r in jobs[: idx + 1] if (j, r) in y)
    members: dict[int, list[int]] = {r: [] for r in jobs}
    for (j, r), lit in y.items():
        members[r].append(j)
        if j == r:
            md.add(rep[r] == lit)
        else:
            md.add_implication(lit, y[r, r])
            for m in allowed[r]:
                if m not in allowed[j]:
                    md.add_bool_or([lit.Not(), b[r, m].Not()])
    # A run is named by its longest lot, so it lasts exactly that lot's minimum program (a
    # longer run is never better: it only ends later).
    start, dur, end = {}, {}, {}
    for r in jobs:
        jr = inst.jobs[r - 1]
        start[r] = md.new_int_var(0, hi_t, f"s{r}")
        dur[r] = jr.min_time * y[r, r]
        end[r] = start[r] + dur[r]
        md.add(end[r] <= hi_t)
        md.add(start[r] >= max(jr.release, lo_t)).only_enforce_if(y[r, r])
        md.add(start[r] == 0).only_enforce_if(y[r, r].Not())
        for j in members[r]:
            if j != r:
                md.add(start[r] >= inst.jobs[j - 1].release).only_enforce_if(y[j, r])
        for m in allowed[r]:
            mach = inst.machines[m - 1]
            load = sum(inst.jobs[j - 1].size * y[j, r] for j in members[r])
            md.add(load <= mach.max_cap).only_enforce_if(b[r, m])
            if mach.min_cap:
                md.add(load >= mach.min_cap).only_enforce_if(b[r, m])
    late = {j: md.new_bool_var(f"late{j}") for j in jobs}
    for (j, r), lit in y.items():
        md.add(end[r] <= inst.jobs[j - 1].due).only_enforce_if([lit, late[j].Not()])
    # Washes: one circuit per vat; node 0 is the fixed context before and after.
    cost_terms: list[tuple[cp_model.IntVar, int]] = []
    wash_in = {
        r: md.new_int_var(0, max(max(row) for row in inst.setup_times), f"w{r}") for r in jobs
    }
    # For a complete hint: each vat's arcs by (run, run) with 0 for the context, its
    # empty-vat literal, and each (run, vat)'s window literals and interval size.
    arc_at: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
    empty_at: dict[int, cp_model.IntVar] = {}
    zs_at: dict[tuple[int, int], list[tuple[cp_model.IntVar, tuple[int, int]]]] = {}
    sz_at: dict[tuple[int, int], cp_model.IntVar] = {}
    # Wash start and run end as plain variables, for the interval constraints below.
    ws = {r: md.new_int_var(0, hi_t, f"ws{r}") for r in jobs}
    ev = {r: md.new_int_var(0, hi_t, f"ev{r}") for r in jobs}
    for r in jobs:
        md.add(ws[r] == start[r] - wash_in[r])
        md.add(ev[r] == end[r])
    for m, v in ctx.items():
        reps = [r for r in jobs if (r, m) in b]
        arcs: list[tuple[int, int, cp_model.IntVar]] = []
        node = {r: i + 1 for i, r in enumerate(reps)}
        tail = v.tail
        # Empty vat: the tail's wash then comes straight from the previous class.
        empty = md.new_bool_var(f"empty{m}")
        arcs.append((0, 0, empty))
        if tail is not None:
            st = inst.setup_time(v.prev_attr, tail.attribute)
            if tail.start - st < max(v.free_from, v.tail_window_start):
                md.add(empty == 0)
            cost_terms.append(
                (
                    empty,
                    w.setup_cost * inst.setup_cost(v.prev_attr, tail.attribute) + w.setup_time * st,
                )
            )
        for r in reps:
            ar = inst.jobs[r - 1].attribute
            arcs.append((node[r], node[r], b[r, m].Not()))
            first = md.new_bool_var(f"f{m}_{r}")
            arcs.append((0, node[r], first))
            st = inst.setup_time(v.prev_attr, ar)
            md.add(start[r] >= v.free_from + st).only_enforce_if(first)
            md.add(wash_in[r] == st).only_enforce_if(first)
            cost_terms.append(
                (first, w.setup_cost * inst.setup_cost(v.prev_attr, ar) + w.setup_time * st)
            )
            last = md.new_bool_var(f"l{m}_{r}")
            arcs.append((node[r], 0, last))
            if tail is not None:
                st = inst.setup_time(ar, tail.attribute)
                if tail.start - st < v.tail_window_start:
                    md.add(last == 0)
                else:
                    md.add(end[r] + st <= tail.start).only_enforce_if(last)
                cost_terms.append(
                    (last, w.setup_cost * inst.setup_cost(ar, tail.attribute) + w.setup_time * st)
                )
        for r in reps:
            ar = inst.jobs[r - 1].attribute
            for q in reps:
                if q == r:
                    continue
                aq = inst.jobs[q - 1].attribute
                lit = md.new_bool_var(f"a{m}_{r}_{q}")
                arcs.append((node[r], node[q], lit))
                st = inst.setup_time(ar, aq)
                md.add(start[q] >= end[r] + st).only_enforce_if(lit)
                md.add(wash_in[q] == st).only_enforce_if(lit)
                cost_terms.append((lit, w.setup_cost * inst.setup_cost(ar, aq) + w.setup_time * st))
        md.add_circuit(arcs)
        rep_at = {0: 0, **{i: r for r, i in node.items()}}
        arc_at[m] = {(rep_at[u], rep_at[x]): lit for u, x, lit in arcs if u != x or u == 0}
        empty_at[m] = empty
        # Redundant with the circuit, but propagates much earlier: wash+run intervals of one
        # vat do not overlap.
        for r in reps:
            sz_at[r, m] = md.new_int_var(0, hi_t, f"sz{r}_{m}")
        md.add_no_overlap(
            md.new_optional_interval_var(ws[r], sz_at[r, m], ev[r], b[r, m], f"iv{r}_{m}")
            for r in reps
        )
        # Run and its wash inside one availability window.
        upper = tail.start if tail is not None else inst.horizon
        shifts = [(s, e) for s, e in inst.machines[m - 1].shifts if e > v.free_from and s < upper]
        for r in reps:
            if not shifts:
                md.add(b[r, m] == 0)
                continue
            if len(shifts) == 1:
                zs = [b[r, m]]
            else:
                zs = [md.new_bool_var(f"z{r}_{m}_{i}") for i in range(len(shifts))]
                md.add(sum(zs) == b[r, m])
            zs_at[r, m] = list(zip(zs, shifts, strict=True))
            for z, (s, e) in zip(zs, shifts, strict=True):
                md.add(start[r] - wash_in[r] >= s).only_enforce_if(z)
                md.add(end[r] <= e).only_enforce_if(z)
    moved = []
    for j, (m0, s0) in (anchors or {}).items():
        if j not in allowed:
            continue
        stays = []
        for r in jobs:
            if (j, r) in y and (r, m0) in b:
                e = md.new_bool_var(f"stay{j}_{r}")
                md.add_implication(e, y[j, r])
                md.add_implication(e, b[r, m0])
                md.add(start[r] == s0).only_enforce_if(e)
                stays.append(e)
        moved.append(1 - sum(stays))
    md.minimize(
        move_weight * sum(moved)
        + w.runtime * sum(inst.jobs[r - 1].min_time * y[r, r] for r in jobs)
        + w.late * sum(late.values())
        + sum(c * lit for lit, c in cost_terms if c)
    )
    if hint:
        _add_hint(
            inst,
            md,
            hint,
            jobs,
            _Vars(b, y, start, late, wash_in, ws, ev, arc_at, empty_at, zs_at, sz_at),
            ctx,
        )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(md)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpResult(
            None,
            None,
            int(solver.best_objective_bound) if status != cp_model.INFEASIBLE else 0,
            False,
            name,
        )
    out = []
    for r in jobs:
        if not solver.value(y[r, r]):
            continue
        m = next(m for m in allowed[r] if solver.value(b[r, m]))
        s = solver.value(start[r])
        out.append(
            Batch(
                machine=m,
                start=s,
                end=s + inst.jobs[r - 1].min_time,
                jobs=tuple(sorted(j for j in members[r] if solver.value(y[j, r]))),
                attribute=inst.jobs[r - 1].attribute,
            )
        )
    bound = int(-(-solver.best_objective_bound // 1))
    return CpResult(out, int(solver.objective_value), bound, status == cp_model.OPTIMAL, name)


@dataclass
class _Vars:
    b: dict[tuple[int, int], cp_model.IntVar]
    y: dict[tuple[int, int], cp_model.IntVar]
    start: dict[int, cp_model.IntVar]
    late: dict[int, cp_model.IntVar]
    wash_in: dict[int, cp_model.IntVar]
    ws: dict[int, cp_model.IntVar]
    ev: dict[int, cp_model.IntVar]
    arc_at: dict[int, dict[tuple[int, int], cp_model.IntVar]]
    empty_at: dict[int, cp_model.IntVar]
    zs_at: dict[tuple[int, int], list[tuple[cp_model.IntVar, tuple[int, int]]]]
    sz_at: dict[tuple[int, int], cp_model.IntVar]


def _add_hint(
    inst: Instance,
    md: cp_model.CpModel,
    hint: Sequence[Batch],
    jobs: list[int],
    v: _Vars,
    ctx: dict[int, VatContext],
) -> None:
    """Hint every variable from ``hint`` (runs of these lots on these vats), so that a feasible
    hint is a complete solution CP-SAT starts from: the search never ends worse than it."""
    chosen = set(jobs)
    order = {j: i for i, j in enumerate(jobs)}
    rep_of: dict[int, int] = {}
    run_of: dict[int, Batch] = {}
    for bt in hint:
        mem = [j for j in bt.jobs if j in chosen]
        if not mem:
            continue
        r = min(mem, key=order.__getitem__)
        run_of[r] = bt
        for j in mem:
            rep_of[j] = r
    wash: dict[int, int] = {}
    on_vat: dict[int, list[int]] = {m: [] for m in ctx}
    for r, bt in sorted(run_of.items(), key=lambda x: x[1].start):
        if bt.machine in on_vat:
            on_vat[bt.machine].append(r)
    for m, runs in on_vat.items():
        prev_attr, prev = ctx[m].prev_attr, 0
        chain = set()
        for r in runs:
            wash[r] = inst.setup_time(prev_attr, run_of[r].attribute)
            chain.add((prev, r))
            prev_attr, prev = run_of[r].attribute, r
        chain.add((prev, 0))  # (0, 0): the vat stays empty
        for key, lit in v.arc_at.get(m, {}).items():
            md.add_hint(lit, key in chain)
    for r in jobs:
        bt = run_of.get(r)
        for (rr, m), lit in v.b.items():
            if rr == r:
                md.add_hint(lit, bt is not None and m == bt.machine)
        s = bt.start if bt else 0
        wi = wash.get(r, 0) if bt else 0
        md.add_hint(v.start[r], s)
        md.add_hint(v.wash_in[r], wi)
        md.add_hint(v.ws[r], s - wi)
        md.add_hint(v.ev[r], bt.end if bt else 0)
    for (r, _m), sz in v.sz_at.items():
        bt = run_of.get(r)
        md.add_hint(sz, bt.end - bt.start + wash.get(r, 0) if bt else 0)
    for (r, m), zs in v.zs_at.items():
        bt = run_of.get(r)
        hit = False
        for z, (s0, e0) in zs:
            here = (
                bt is not None
                and bt.machine == m
                and not hit
                and s0 <= bt.start - wash.get(r, 0)
                and bt.end <= e0
            )
            hit = hit or here
            if len(zs) > 1:
                md.add_hint(z, here)
    for (j, r), lit in v.y.items():
        md.add_hint(lit, rep_of.get(j) == r)
    for j in jobs:
        if j in rep_of:
            md.add_hint(v.late[j], run_of[rep_of[j]].end > inst.jobs[j - 1].due)
