"""The independent checker: the worked example, and one broken plan per constraint."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import greedy
from fangdu.dyehouse.models import Batch, Instance, Plan
from fangdu.dyehouse.validate import Rule, objective, validate


def test_worked_example_is_feasible_and_scores_336(tiny: Instance, tiny_plan: Plan) -> None:
    assert validate(tiny, tiny_plan) == []
    obj = objective(tiny, tiny_plan.batches)
    assert (obj.runtime, obj.setup_cost, obj.setup_time, obj.late_jobs) == (26, 3, 1, 0)
    assert obj.integer == 336
    assert obj.normalised == pytest.approx(336 / 12600)


def _edit(plan: Plan, i: int, **changes: object) -> Plan:
    batches = list(plan.batches)
    batches[i] = batches[i].model_copy(update=changes)
    return plan.model_copy(update={"batches": tuple(batches)})


# The three breaks the example's README names, then one per remaining rule.
BROKEN = {
    Rule.AVAILABILITY: lambda p: _edit(p, 1, start=45, end=55),
    Rule.CAPACITY: lambda p: Plan(
        instance="tiny",
        batches=(
            Batch(machine=1, start=30, end=40, jobs=(1, 2, 5), attribute=1),
            p.batches[2],
        ),
    ),
    Rule.RELEASE: lambda p: _edit(p, 0, start=1, end=11),
    Rule.ASSIGNMENT: lambda p: p.model_copy(update={"batches": p.batches[:2]}),
    Rule.MACHINE: lambda p: _edit(p, 1, machine=3),
    Rule.ELIGIBILITY: lambda p: _edit(p, 2, machine=1, start=45, end=51),
    Rule.COMPATIBILITY: lambda p: _edit(p, 1, attribute=2),
    Rule.DURATION: lambda p: _edit(p, 1, end=35),
    Rule.SETUP: lambda p: _edit(p, 1, start=11, end=21),
    Rule.HORIZON: lambda p: _edit(p, 1, start=95, end=105),
}


@pytest.mark.parametrize("rule", list(Rule))
def test_each_broken_constraint_is_reported(rule: Rule, tiny: Instance, tiny_plan: Plan) -> None:
    broken = BROKEN[rule](tiny_plan)
    rules = {v.rule for v in validate(tiny, broken)}
    assert rule in rules, rules


def test_wash_must_fit_inside_the_same_window(tiny: Instance, tiny_plan: Plan) -> None:
    # Vat 2 starts in class 2; 2 → 2 needs a 1-minute wash, so a run at 5 has its wash at 4,
    # before the window opens at 5.
    broken = _edit(tiny_plan, 2, start=10 - 5, end=11)
    assert Rule.AVAILABILITY in {v.rule for v in validate(tiny, broken)}
    ok = _edit(tiny_plan, 2, start=10, end=16)
    assert validate(tiny, ok) == []


def test_touching_windows_are_still_two_windows(tiny: Instance, tiny_plan: Plan) -> None:
    # Vat 1 open [0, 35) and [35, 100): always available, yet a run and its wash must lie in
    # one window (README §3), so lot 5's run at 30–40 is refused and at 35–45 accepted.
    vat = tiny.machines[0].model_copy(update={"shifts": ((0, 35), (35, 100))})
    touching = tiny.model_copy(update={"machines": (vat, tiny.machines[1])})
    assert Rule.AVAILABILITY in {v.rule for v in validate(touching, tiny_plan)}
    assert validate(touching, _edit(tiny_plan, 1, start=35, end=45)) == []


def test_late_lots_are_counted(tiny: Instance, tiny_plan: Plan) -> None:
    # Lot 4 is due at 25; its run moved to end at 30 makes 1 late lot (lot 3 is due at 30).
    moved = _edit(tiny_plan, 2, start=24, end=30)
    assert validate(tiny, moved) == []
    assert objective(tiny, moved.batches).late_jobs == 1


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 4),
    a=st.integers(1, 4),
    seed=st.integers(0, 10_000),
)
def test_greedy_plans_always_pass_the_validator(n: int, k: int, a: int, seed: int) -> None:
    inst = generate(n, k, a, seed=seed)
    batches = greedy(inst)
    assert validate(inst, Plan(instance=inst.name, batches=tuple(batches))) == []


def test_generator_is_deterministic() -> None:
    assert generate(30, 3, 3, seed=5) == generate(30, 3, 3, seed=5)
    assert generate(30, 3, 3, seed=5) != generate(30, 3, 3, seed=6)
