"""Why an instance has no plan: a small set of lots that cannot be planned together, and the
constraints whose relaxation would let them.

Used once CP-SAT has proved an instance infeasible and no single lot is to blame (those are
named by ``bounds.unplaceable_lots`` before any search). Every answer rests on CP-SAT proofs:
the set of lots given is always proven infeasible, and minimal when the time allowed it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fangdu.dyehouse.cpsat import VatContext, solve_window
from fangdu.dyehouse.models import Instance, Weights

# The longest a single feasibility check may take; most are a fraction of a second.
CHECK_SECONDS = 2.0

_NO_WEIGHTS = Weights(runtime=0, late=0, setup_time=0, setup_cost=0)


def _with_vats(inst: Instance, **changes: object) -> Instance:
    machines = tuple(m.model_copy(update=changes) for m in inst.machines)
    return inst.model_copy(update={"machines": machines})


def _stretched(inst: Instance) -> Instance:
    """More horizon than any plan can use, the last window of each vat reaching it."""
    longer = inst.horizon + sum(j.max_time for j in inst.jobs)
    longer += len(inst.jobs) * max(max(r) for r in inst.setup_times)
    machines = tuple(
        m.model_copy(update={"shifts": (*m.shifts[:-1], (m.shifts[-1][0], longer))})
        for m in inst.machines
    )
    return inst.model_copy(update={"horizon": longer, "machines": machines})


# Each relaxation drops (or loosens) one constraint of the validator's list, in the planner's
# words; ``rule`` is the validator's name for it.
RELAXATIONS: list[tuple[str, str, Callable[[Instance], Instance]]] = [
    (
        "availability",
        "the vats' availability windows (a vat open for the whole horizon)",
        lambda i: _with_vats(i, shifts=((0, i.horizon),)),
    ),
    (
        "setup",
        "the wash times between runs (washes taking no time)",
        lambda i: i.model_copy(
            update={"setup_times": tuple(tuple(0 for _ in r) for r in i.setup_times)}
        ),
    ),
    ("horizon", "the planning horizon (a longer last window on every vat)", _stretched),
    (
        "capacity",
        "the vats' maximum and minimum loads",
        lambda i: _with_vats(i, max_cap=sum(j.size for j in i.jobs), min_cap=0),
    ),
    (
        "eligibility",
        "which vats each lot may use (every lot on every vat)",
        lambda i: i.model_copy(
            update={
                "jobs": tuple(
                    j.model_copy(update={"eligible": tuple(range(1, len(i.machines) + 1))})
                    for j in i.jobs
                )
            }
        ),
    ),
    (
        "release",
        "the release times (grey fabric there from the start)",
        lambda i: i.model_copy(
            update={"jobs": tuple(j.model_copy(update={"release": 0}) for j in i.jobs)}
        ),
    ),
]


def feasible(inst: Instance, lots: Sequence[int], time_limit: float) -> bool | None:
    """Whether ``lots`` alone have a plan: True, False (proved), or None (undecided in time)."""
    ctx = [VatContext(m, mc.init_state) for m, mc in enumerate(inst.machines, 1)]
    res = solve_window(
        inst.model_copy(update={"weights": _NO_WEIGHTS}),
        lots,
        ctx,
        time_limit=time_limit,
        workers=2,
    )
    if res.batches is not None:
        return True
    return False if res.status == "INFEASIBLE" else None


def infeasible_core(inst: Instance, deadline: float) -> tuple[list[int], bool]:
    """A set of lots that CP-SAT proves cannot be planned together, and whether it is minimal
    (no lot can be left out). Lots are dropped in halving chunks, then one by one."""
    core = list(range(1, len(inst.jobs) + 1))
    chunk = max(1, len(core) // 2)
    undecided = False
    while True:
        i = 0
        while i < len(core):
            left = deadline - time.monotonic()
            if left <= 0:
                return core, False
            trial = core[:i] + core[i + chunk :]
            verdict = feasible(inst, trial, min(CHECK_SECONDS, left)) if trial else True
            if verdict is False:
                core = trial
            else:
                undecided |= verdict is None and chunk == 1
                i += chunk
        if chunk == 1:
            return core, not undecided
        chunk = max(1, chunk // 2)


def explain_infeasible(inst: Instance, time_limit: float = 20.0) -> str:
    """One sentence for the planner: which lots, and which constraints, make the plan impossible."""
    deadline = time.monotonic() + time_limit
    core, minimal = infeasible_core(inst, deadline)
    names = ", ".join(str(j) for j in core)
    head = (
        f"lots {names} cannot all be planned together"
        if len(core) > 1
        else f"lot {names} cannot be planned"
    )
    if minimal and len(core) > 1:
        head += " (without any one of them the rest can)"
    elif not minimal:
        head += " (a smaller set may already fail: the search for it ran out of time)"
    helps = []
    for rule, words, relax in RELAXATIONS:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if feasible(relax(inst), core, min(CHECK_SECONDS, left)):
            helps.append(f"{words} [{rule}]")
    if helps:
        return f"{head}; they could be planned if one of these were relaxed: " + "; ".join(helps)
    return f"{head}; no single constraint is to blame: only a combination of them"
