"""Solvers against brute force on tiny instances, and always against the validator."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.dyehouse.bounds import lower_bound
from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import ScheduleInfeasible
from fangdu.dyehouse.models import Instance
from fangdu.dyehouse.solve import Method, solve
from fangdu.dyehouse.validate import validate

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
