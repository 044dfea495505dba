"""An independent checker: every constraint of the problem, and the objective recomputed.

It shares nothing with the solvers but the data model, so a solver bug cannot hide in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel

from fangdu.dyehouse.models import Batch, Instance, Objective, Plan


class Rule(StrEnum):
    ASSIGNMENT = "assignment"  # every lot in exactly one run, known ids only
    MACHINE = "machine"  # the run's vat exists
    ELIGIBILITY = "eligibility"
    COMPATIBILITY = "compatibility"  # one recipe class per run, equal to the run's attribute
    CAPACITY = "capacity"
    DURATION = "duration"
    RELEASE = "release"
    SETUP = "setup"  # runs on one vat do not overlap, the wash fits between them
    AVAILABILITY = "availability"  # run and the wash before it inside one window
    HORIZON = "horizon"


class Violation(BaseModel):
    rule: Rule
    message: str


def _ordered(batches: Iterable[Batch]) -> dict[int, list[Batch]]:
    per: dict[int, list[Batch]] = defaultdict(list)
    for b in batches:
        per[b.machine].append(b)
    for runs in per.values():
        runs.sort(key=lambda b: (b.start, b.end))
    return per


def objective(inst: Instance, batches: Iterable[Batch]) -> Objective:
    """The objective of a plan (assumed valid): integer and normalised, as the OSP papers."""
    runtime = late = cost = stime = 0
    for m, runs in _ordered(batches).items():
        prev = inst.machines[m - 1].init_state
        for b in runs:
            runtime += b.end - b.start
            cost += inst.setup_cost(prev, b.attribute)
            stime += inst.setup_time(prev, b.attribute)
            late += sum(1 for j in b.jobs if b.end > inst.jobs[j - 1].due)
            prev = b.attribute
    w = inst.weights
    integer = w.runtime * runtime + w.late * late + w.setup_cost * cost + w.setup_time * stime
    return Objective(
        runtime=runtime,
        late_jobs=late,
        setup_cost=cost,
        setup_time=stime,
        integer=integer,
        normalised=integer / inst.normaliser,
    )


def validate(inst: Instance, plan: Plan) -> list[Violation]:
    """Every broken constraint of ``plan``, one line each; empty when the plan is feasible."""
    out: list[Violation] = []

    def bad(rule: Rule, msg: str) -> None:
        out.append(Violation(rule=rule, message=msg))

    n, k = len(inst.jobs), len(inst.machines)
    seen: dict[int, int] = defaultdict(int)
    for i, b in enumerate(plan.batches, 1):
        tag = f"run {i} (vat {b.machine}, {b.start}–{b.end})"
        for j in b.jobs:
            seen[j] += 1
        if not 1 <= b.machine <= k:
            bad(Rule.MACHINE, f"{tag}: no vat {b.machine}")
            continue
        mach = inst.machines[b.machine - 1]
        if not b.jobs:
            bad(Rule.ASSIGNMENT, f"{tag}: holds no lot")
            continue
        jobs = [inst.jobs[j - 1] for j in b.jobs if 1 <= j <= n]
        for j in b.jobs:
            if not 1 <= j <= n:
                bad(Rule.ASSIGNMENT, f"{tag}: no lot {j}")
            elif b.machine not in inst.jobs[j - 1].eligible:
                bad(Rule.ELIGIBILITY, f"{tag}: lot {j} may not use vat {b.machine}")
            elif inst.jobs[j - 1].attribute != b.attribute:
                bad(
                    Rule.COMPATIBILITY,
                    f"{tag}: lot {j} is class {inst.jobs[j - 1].attribute}, run is {b.attribute}",
                )
        if not 1 <= b.attribute <= inst.n_attributes:
            bad(Rule.COMPATIBILITY, f"{tag}: unknown class {b.attribute}")
            continue
        if not jobs:
            continue
        load = sum(j.size for j in jobs)
        if not mach.min_cap <= load <= mach.max_cap:
            bad(Rule.CAPACITY, f"{tag}: load {load} outside [{mach.min_cap}, {mach.max_cap}]")
        lo, hi = max(j.min_time for j in jobs), min(j.max_time for j in jobs)
        if not lo <= b.end - b.start <= hi:
            bad(Rule.DURATION, f"{tag}: lasts {b.end - b.start}, must be in [{lo}, {hi}]")
        rel = max(j.release for j in jobs)
        if b.start < rel:
            bad(Rule.RELEASE, f"{tag}: starts before release {rel}")
        if b.start < 0 or b.end > inst.horizon:
            bad(Rule.HORIZON, f"{tag}: outside horizon [0, {inst.horizon}]")
    for j in range(1, n + 1):
        if seen.get(j, 0) != 1:
            bad(Rule.ASSIGNMENT, f"lot {j} is in {seen.get(j, 0)} runs, must be in exactly 1")
    for m, runs in _ordered(b for b in plan.batches if 1 <= b.machine <= k).items():
        mach = inst.machines[m - 1]
        prev_attr, prev_end = mach.init_state, None
        for b in runs:
            if not 1 <= b.attribute <= inst.n_attributes:
                continue
            st = inst.setup_time(prev_attr, b.attribute)
            wash_start = b.start - st
            if prev_end is not None and wash_start < prev_end:
                bad(
                    Rule.SETUP,
                    f"vat {m}: run at {b.start} overlaps the previous run or its "
                    f"{st}-minute wash (previous ends {prev_end})",
                )
            if not any(s <= wash_start and b.end <= e for s, e in mach.shifts):
                bad(
                    Rule.AVAILABILITY,
                    f"vat {m}: wash+run [{wash_start}, {b.end}] not inside one window",
                )
            prev_attr, prev_end = b.attribute, b.end
    return out
