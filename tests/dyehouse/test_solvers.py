"""Solvers against brute force on tiny instances, and always against the validator."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.dyehouse.bounds import lower_bound
from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import ScheduleInfeasible, greedy
from fangdu.dyehouse.models import Instance, Job, Machine, Plan
from fangdu.dyehouse.solve import Method, late_last, solve
from fangdu.dyehouse.validate import objective, validate

from .brute import brute_force


def test_worked_example_is_solved_to_its_brute_force_optimum(tiny: Instance) -> None:
    res = solve(tiny, time_limit=5, method=Method.CPSAT)
    assert res.optimal
    assert res.plan.objective is not None
    assert res.plan.objective.integer == brute_force(tiny)
    assert validate(tiny, res.plan) == []


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 5),
    k=st.integers(1, 2),
    a=st.integers(1, 3),
    seed=st.integers(0, 10_000),
    tight=st.booleans(),
)
def test_cpsat_matches_brute_force(n: int, k: int, a: int, seed: int, tight: bool) -> None:
    # "tight": small vats and long programs, so that capacity and windows bind.
    extra = {"cap_range": (8, 12), "max_proc": 40} if tight else {}
    inst = generate(n, k, a, seed=seed, **extra)
    res = solve(inst, time_limit=10, method=Method.CPSAT, workers=1)
    assert validate(inst, res.plan) == []
    assert res.optimal
    assert res.plan.objective is not None
    assert res.plan.objective.integer == brute_force(inst)
    assert lower_bound(inst) <= res.plan.objective.integer


@settings(max_examples=6, deadline=None)
@given(n=st.integers(15, 40), k=st.integers(1, 4), a=st.integers(1, 4), seed=st.integers(0, 999))
def test_lns_never_worse_than_greedy_and_always_valid(n: int, k: int, a: int, seed: int) -> None:
    inst = generate(n, k, a, seed=seed)
    res = solve(inst, time_limit=1.0, method=Method.LNS, seed=seed, workers=1)
    assert validate(inst, res.plan) == []
    assert res.plan.objective is not None and res.greedy_integer is not None
    assert res.plan.objective.integer <= res.greedy_integer
    assert res.lower_bound <= res.plan.objective.integer


@pytest.mark.parametrize("method", list(Method))
def test_every_method_gives_a_valid_plan(method: Method) -> None:
    inst = generate(12, 2, 3, seed=3)
    res = solve(inst, time_limit=1.0, method=method, workers=1)
    assert validate(inst, res.plan) == []


def test_an_unplaceable_lot_is_named(tiny: Instance) -> None:
    # Lot 3 may only use vat 2, whose one window [5, 40] is shorter than a 50-minute program.
    jobs = list(tiny.jobs)
    jobs[2] = jobs[2].model_copy(update={"min_time": 50, "max_time": 60})
    bad = tiny.model_copy(update={"jobs": tuple(jobs)})
    with pytest.raises(
        ScheduleInfeasible, match=r"lot 3: no availability window of vat\(s\) \[2\]"
    ):
        solve(bad, time_limit=1)


def test_an_infeasible_set_of_lots_and_its_rules_are_named(tiny: Instance) -> None:
    # Vat 1 open [0, 20] and [90, 100]. Lots 1 (class 1) and 4 (class 2) may only use it and
    # each fits alone, but not both: 10 + 10 minutes of program plus a wash between classes
    # (1 → 2 takes 4, 2 → 1 takes 2) do not fit one window, and the second window has no room
    # for a wash before a 10-minute run. Lots 2, 3 and 5 fit vat 2 and are not to blame.
    vats = list(tiny.machines)
    vats[0] = vats[0].model_copy(update={"shifts": ((0, 20), (90, 100))})
    jobs = list(tiny.jobs)
    jobs[0] = jobs[0].model_copy(update={"eligible": (1,), "max_time": 10})
    jobs[3] = jobs[3].model_copy(
        update={"eligible": (1,), "release": 0, "min_time": 10, "max_time": 10}
    )
    jobs[1] = jobs[1].model_copy(update={"eligible": (2,)})
    jobs[4] = jobs[4].model_copy(update={"eligible": (2,)})
    bad = tiny.model_copy(update={"machines": tuple(vats), "jobs": tuple(jobs)})
    with pytest.raises(ScheduleInfeasible) as err:
        solve(bad, time_limit=2)
    msg = str(err.value)
    assert "lots 1, 4 cannot all be planned together (without any one of them" in msg
    # Open all day, or washes of no time, or lot 1 allowed on vat 2: each alone would do.
    assert "[availability]" in msg and "[setup]" in msg and "[eligibility]" in msg
    # Two classes never share a run, and both lots are released at 0: no help there.
    assert "[capacity]" not in msg and "[release]" not in msg


def _one_lot_a_run(*lots: Job) -> Instance:
    return Instance(
        horizon=100,
        n_attributes=1,
        setup_costs=((0,),),
        setup_times=((0,),),
        machines=(Machine(min_cap=0, max_cap=1, init_state=1, shifts=((0, 100),)),),
        jobs=lots,
    )


def test_a_lot_late_anyway_is_dyed_last_so_that_another_is_on_time() -> None:
    # One vat, one lot a run. Lot 1 cannot be on time even alone (due 1, a 5-minute program),
    # yet the due-date rule dyes it first and so makes lot 2 (due 6) late as well.
    lot = {"eligible": (1,), "release": 0, "min_time": 5, "max_time": 5, "size": 1}
    inst = _one_lot_a_run(Job(due=1, attribute=1, **lot), Job(due=6, attribute=1, **lot))
    planner = greedy(inst)
    assert objective(inst, planner).late_jobs == 2
    plan = late_last(inst, planner, deadline=time.monotonic() + 5)
    assert validate(inst, Plan(instance=inst.name, batches=tuple(plan))) == []
    assert objective(inst, plan).late_jobs == 1
    # The benchmark's baseline stays the planner's rule, not the better start.
    res = solve(inst, time_limit=1.0, method=Method.LNS, workers=1)
    assert res.greedy_integer == objective(inst, planner).integer
    assert res.plan.objective is not None and res.plan.objective.late_jobs == 1


def test_the_long_lot_that_makes_two_others_late_is_dyed_last() -> None:
    # Each lot could be on time alone. Due-date order: the 10-minute lot first (0–10, on time),
    # then both 2-minute lots late (10–12, 12–14). Moore and Hodgson's rule holds back the
    # longest run before the first late lot: 0–2, 2–4 on time, the long lot alone late.
    lot = {"eligible": (1,), "release": 0, "size": 1, "attribute": 1}
    inst = _one_lot_a_run(
        Job(due=10, min_time=10, max_time=10, **lot),
        Job(due=11, min_time=2, max_time=2, **lot),
        Job(due=12, min_time=2, max_time=2, **lot),
    )
    planner = greedy(inst)
    assert objective(inst, planner).late_jobs == 2
    plan = late_last(inst, planner, deadline=time.monotonic() + 5)
    assert validate(inst, Plan(instance=inst.name, batches=tuple(plan))) == []
    assert objective(inst, plan).late_jobs == 1
