"""Batch-first start: the time-free grouping against brute force, the placed plan against the
validator, and the complete CP-SAT hint (the search never ends worse than its start)."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.dyehouse.batching import batch_first, group_greedy, group_lots, late_regrouped
from fangdu.dyehouse.cpsat import VatContext, solve_window
from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import greedy
from fangdu.dyehouse.models import Instance, Job, Machine, Plan, Weights
from fangdu.dyehouse.solve import Method, late_last, solve
from fangdu.dyehouse.validate import objective, validate

from .brute import _partitions, brute_force


def _run_cost(inst: Instance, lots: list[int]) -> int:
    w, js = inst.weights, [inst.jobs[j - 1] for j in lots]
    a = js[0].attribute
    prev = range(1, inst.n_attributes + 1)
    return (
        w.runtime * max(j.min_time for j in js)
        + w.setup_cost * min(inst.setup_cost(p, a) for p in prev)
        + w.setup_time * min(inst.setup_time(p, a) for p in prev)
    )


def _can_share(inst: Instance, lots: list[int]) -> bool:
    js = [inst.jobs[j - 1] for j in lots]
    if len({j.attribute for j in js}) > 1:
        return False
    if max(j.min_time for j in js) > min(j.max_time for j in js):
        return False
    load = sum(j.size for j in js)
    vats = set.intersection(*(set(j.eligible) for j in js))
    return any(inst.machines[m - 1].min_cap <= load <= inst.machines[m - 1].max_cap for m in vats)


def _brute_grouping(inst: Instance) -> int:
    best = None
    for part in _partitions(list(range(1, len(inst.jobs) + 1))):
        if all(_can_share(inst, g) for g in part):
            cost = sum(_run_cost(inst, g) for g in part)
            best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 7),
    k=st.integers(1, 3),
    a=st.integers(1, 3),
    seed=st.integers(0, 10_000),
    tight=st.booleans(),
)
def test_grouping_is_the_least_cost_partition(n: int, k: int, a: int, seed: int, tight: bool):
    extra = {"cap_range": (8, 12), "max_proc": 40} if tight else {}
    inst = generate(n, k, a, seed=seed, **extra)
    runs = group_lots(inst, 10.0, workers=1)
    assert runs is not None
    assert sorted(j for lots, _ in runs for j in lots) == list(range(1, n + 1))
    for lots, vats in runs:
        assert _can_share(inst, lots) and vats
    need = sum(_run_cost(inst, [j]) for j in range(1, n + 1))
    room = min(sum(e - s for s, e in m.shifts) for m in inst.machines)
    cost = sum(_run_cost(inst, lots) for lots, _ in runs)
    if need <= room:  # the vats' room cannot bind: the grouping alone decides
        assert cost == _brute_grouping(inst)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(5, 40), k=st.integers(1, 4), a=st.integers(1, 4), seed=st.integers(0, 999))
def test_batch_first_plan_is_valid_and_places_every_lot(n: int, k: int, a: int, seed: int):
    inst = generate(n, k, a, seed=seed)
    plan = batch_first(inst, time.monotonic() + 2.0, workers=1)
    if plan is None:  # the runs fit no order of the windows: the solver falls back
        return
    assert validate(inst, Plan(instance=inst.name, batches=tuple(plan))) == []
    assert sorted(j for bt in plan for j in bt.jobs) == list(range(1, n + 1))


def test_longest_first_rule_fills_runs_with_the_next_longest_lots() -> None:
    lot = {"eligible": (1,), "release": 0, "due": 100, "max_time": 10, "attribute": 1, "size": 1}
    inst = Instance(
        horizon=100,
        n_attributes=1,
        setup_costs=((0,),),
        setup_times=((0,),),
        machines=(Machine(min_cap=0, max_cap=2, init_state=1, shifts=((0, 100),)),),
        jobs=tuple(Job(min_time=t, **lot) for t in (1, 9, 2, 8)),
    )
    # Runs {9, 8} and {2, 1}: 9 + 2 = 11 minutes, against 9 + 8 for the lots in file order.
    assert sorted(sorted(lots) for _, lots, _ in group_greedy(inst)) == [[1, 3], [2, 4]]


def _runtime_first(*lots: Job) -> Instance:
    return Instance(
        horizon=100,
        n_attributes=1,
        setup_costs=((1,),),
        setup_times=((0,),),
        machines=(Machine(min_cap=0, max_cap=10, init_state=1, shifts=((0, 100),)),),
        jobs=lots,
        weights=Weights(runtime=100, late=10, setup_cost=1, setup_time=0),
    )


def test_when_run_time_weighs_most_lots_of_a_class_share_one_longer_run() -> None:
    # The planner's rule does not lengthen a run for a lot due later, so it dyes two runs
    # (2 + 8 minutes). One 8-minute run holds both and still ends before either is due.
    lot = {"eligible": (1,), "release": 0, "size": 1, "attribute": 1, "max_time": 10}
    inst = _runtime_first(Job(due=10, min_time=2, **lot), Job(due=50, min_time=8, **lot))
    assert len(greedy(inst)) == 2
    plan = batch_first(inst, time.monotonic() + 5, workers=1)
    assert plan is not None and len(plan) == 1
    res = solve(inst, time_limit=2.0, method=Method.LNS, workers=1)
    assert res.plan.objective is not None
    assert res.plan.objective.runtime == 8 and res.plan.objective.late_jobs == 0


def test_a_lot_that_cannot_last_as_long_does_not_join_the_run() -> None:
    # Lot 1 may last at most 3 minutes: it cannot be dyed with the 8-minute lot.
    lot = {"eligible": (1,), "release": 0, "size": 1, "attribute": 1, "due": 50}
    inst = _runtime_first(Job(min_time=2, max_time=3, **lot), Job(min_time=8, max_time=10, **lot))
    runs = group_lots(inst, 5.0, workers=1)
    assert runs is not None and sorted(lots for lots, _ in runs) == [[1], [2]]


@settings(max_examples=3, deadline=None)
@given(n=st.integers(20, 35), k=st.integers(1, 4), a=st.integers(1, 4), seed=st.integers(0, 999))
def test_a_feasible_hint_is_a_complete_start(n: int, k: int, a: int, seed: int) -> None:
    # Every variable is hinted, so CP-SAT starts from the plan and never returns a worse one.
    inst = generate(n, k, a, seed=seed)
    plan = greedy(inst)
    ctx = [VatContext(m, mc.init_state) for m, mc in enumerate(inst.machines, 1)]
    res = solve_window(inst, range(1, n + 1), ctx, time_limit=5.0, seed=seed, workers=1, hint=plan)
    assert res.batches is not None and res.objective is not None
    assert res.objective <= objective(inst, plan).integer
    assert validate(inst, Plan(instance=inst.name, batches=tuple(res.batches))) == []


def test_late_lots_are_regrouped_after_the_on_time_ones() -> None:
    # Lot 1 can be on time (due 3, a 3-minute program); lots 2 and 3 cannot (due 1 and 2).
    # The planner's rule with late lots last: 1, then 2 and 3 apart (the rule does not lengthen
    # a run): 3 + 5 + 8 minutes. Grouping alone: one 8-minute run, lot 1 late as well.
    # Regrouping only the late lots: lot 1 on time, then 2 and 3 together: 3 + 8 minutes.
    lot = {"eligible": (1,), "release": 0, "size": 1, "attribute": 1, "max_time": 10}
    inst = Instance(
        horizon=100,
        n_attributes=1,
        setup_costs=((0,),),
        setup_times=((0,),),
        machines=(Machine(min_cap=0, max_cap=10, init_state=1, shifts=((0, 100),)),),
        jobs=(
            Job(due=3, min_time=3, **lot),
            Job(due=1, min_time=5, **lot),
            Job(due=2, min_time=8, **lot),
        ),
        weights=Weights(runtime=1, late=10, setup_cost=0, setup_time=0),
    )
    start = late_last(inst, greedy(inst), deadline=time.monotonic() + 5)
    assert objective(inst, start).integer == 16 + 2 * 10
    grouped = batch_first(inst, time.monotonic() + 5, workers=1)
    assert grouped is not None and objective(inst, grouped).integer == 8 + 3 * 10
    plan = late_regrouped(inst, start, time.monotonic() + 5, workers=1)
    assert plan is not None
    assert validate(inst, Plan(instance=inst.name, batches=tuple(plan))) == []
    assert objective(inst, plan).integer == 11 + 2 * 10 == brute_force(inst)
