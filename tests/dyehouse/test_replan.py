"""Re-planning: frozen runs stay, the events are honoured, nothing moves without cause."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import greedy
from fangdu.dyehouse.models import Instance, Job, Plan
from fangdu.dyehouse.replan import add_lots, breakdown, redye, replan, still_valid
from fangdu.dyehouse.solve import Method, solve
from fangdu.dyehouse.validate import objective, validate


def _published(inst: Instance) -> Plan:
    return solve(inst, time_limit=5, method=Method.CPSAT, workers=1).plan


def test_without_an_event_an_optimal_plan_is_kept(tiny: Instance) -> None:
    plan = _published(tiny)
    res = replan(tiny, tiny, plan, now=0, time_limit=5, workers=1)
    assert res.moved_lots == ()
    assert res.after.integer == res.before.integer


def test_breakdown_moves_runs_out_of_the_outage(tiny: Instance, tiny_plan: Plan) -> None:
    # The worked plan runs lots 3 and 4 on vat 2 at 10–16; vat 2 is down in [8, 30).
    new = breakdown(tiny, 2, 8, 30)
    res = replan(tiny, new, tiny_plan, now=5, time_limit=5, workers=1)
    assert validate(new, res.plan) == []
    assert all(not (bt.machine == 2 and bt.start < 30 and bt.end > 8) for bt in res.plan.batches)
    assert {3, 4} <= set(res.moved_lots)
    assert tiny_plan.batches[0] in res.plan.batches  # started at 2 < now: frozen


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 500), cut=st.floats(0.1, 0.9), event=st.sampled_from(["rush", "redye"]))
def test_frozen_runs_stay_and_new_lots_are_planned(seed: int, cut: float, event: str) -> None:
    inst = generate(12, 2, 2, seed=seed)
    plan = _published(inst)
    starts = sorted(bt.start for bt in plan.batches)
    now = starts[int(cut * (len(starts) - 1))]
    if event == "rush":
        lot = Job(
            eligible=(1, 2), release=now, due=now + 40, min_time=5, max_time=30, size=3, attribute=1
        )
        new = add_lots(inst, [lot])
    else:
        new = redye(inst, plan.batches[0].jobs[0], now)
    res = replan(inst, new, plan, now, time_limit=5, workers=1)
    assert validate(new, res.plan) == []
    frozen = [bt for bt in plan.batches if bt.start < now]
    assert all(bt in res.plan.batches for bt in frozen)
    assert res.new_lots == (len(new.jobs),)
    assert all(bt.start >= now for bt in res.plan.batches if bt not in frozen)


def test_large_replan_path_keeps_what_still_fits(tiny: Instance, tiny_plan: Plan) -> None:
    # lns_above=0 forces the path for hundreds of open lots on the worked example.
    new = breakdown(tiny, 2, 8, 30)
    res = replan(tiny, new, tiny_plan, now=5, time_limit=3, workers=1, lns_above=0)
    assert validate(new, res.plan) == []
    assert all(not (bt.machine == 2 and bt.start < 30 and bt.end > 8) for bt in res.plan.batches)
    assert tiny_plan.batches[0] in res.plan.batches
    # The run at 30 on vat 1 is not touched by the outage and nothing pays for moving it.
    assert 5 not in res.moved_lots


def test_a_rush_order_on_a_large_plan_is_planned_by_lns() -> None:
    inst = generate(160, 5, 3, seed=2)
    assert sum(len(j.eligible) for j in inst.jobs) > 300  # beyond the whole model
    published = Plan(instance=inst.name, batches=tuple(greedy(inst)))
    now = sorted(bt.start for bt in published.batches)[len(published.batches) // 4]
    rush = [
        Job(
            eligible=(1, 2, 3),
            release=now,
            due=now + 60,
            min_time=5,
            max_time=20,
            size=2,
            attribute=a,
        )
        for a in (1, 2)
    ]
    new = add_lots(inst, rush)
    res = replan(inst, new, published, now, time_limit=8, workers=1)
    assert validate(new, res.plan) == []
    frozen = [bt for bt in published.batches if bt.start < now]
    assert all(bt in res.plan.batches for bt in frozen)
    assert res.new_lots == (161, 162)
    # Moves are paid for, and LNS accepts nothing dearer than where it started: every
    # published run kept, each new lot in a run of its own after the last run of a vat.
    keep = still_valid(new, frozen, [bt for bt in published.batches if bt.start >= now])
    assert len(keep) == len(published.batches) - len(frozen)  # a rush order breaks no run
    w = new.weights
    worst_new_run = (
        w.runtime * 20
        + w.late
        + w.setup_cost * max(map(max, new.setup_costs))
        + w.setup_time * max(map(max, new.setup_times))
    )
    start = objective(new, [*frozen, *keep]).integer + 2 * worst_new_run
    assert res.after.integer + w.late * len(res.moved_lots) <= start
