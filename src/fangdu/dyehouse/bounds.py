"""A quick lower bound on the integer objective (in the spirit of Lackner, Da Ros and Musliu's
theoretical bounds): each part is a relaxation, so their weighted sum bounds every plan."""

from __future__ import annotations

import math
from collections import defaultdict

from fangdu.dyehouse.models import Instance


def earliest_end(inst: Instance, j: int) -> int:
    """When lot j could end at the soonest, alone on its best vat (horizon + 1: never)."""
    job = inst.jobs[j - 1]
    wash = min(inst.setup_time(p, job.attribute) for p in range(1, inst.n_attributes + 1))
    best = math.inf
    for m in job.eligible:
        if job.size > inst.machines[m - 1].max_cap:
            continue
        for s, e in inst.machines[m - 1].shifts:
            t = max(job.release, s + wash)
            if t + job.min_time <= e:
                best = min(best, t + job.min_time)
                break
    return int(best) if best < math.inf else inst.horizon + 1


def unplaceable_lots(inst: Instance) -> list[str]:
    """Lots that fit no eligible vat at all, even alone: one reason each (the usual cause of an
    infeasible instance, named before any search)."""
    out = []
    for j, job in enumerate(inst.jobs, 1):
        if earliest_end(inst, j) <= inst.horizon:
            continue
        fits = [m for m in job.eligible if job.size <= inst.machines[m - 1].max_cap]
        out.append(
            f"lot {j}: no availability window of vat(s) {fits} holds its {job.min_time}-minute "
            f"program plus the shortest wash after its release at {job.release}"
        )
    return out


def lower_bound(inst: Instance) -> int:
    """Runtime: lots split freely into the largest vat; late: lots that cannot finish by their
    due time even alone; washes: every class needs ⌈load / largest vat⌉ runs, each with the
    cheapest wash into that class."""
    groups: dict[int, list[int]] = defaultdict(list)
    for j, job in enumerate(inst.jobs, 1):
        groups[job.attribute].append(j)
    runtime = runs_cost = runs_time = 0
    for attr, js in groups.items():
        cap = max(inst.machines[m - 1].max_cap for j in js for m in inst.jobs[j - 1].eligible)
        js.sort(key=lambda j: -inst.jobs[j - 1].min_time)
        filled = 0
        for j in js:
            # Split relaxation: a run starts at every multiple of cap; the lot covering that
            # position is the longest left, so it sets the run's length.
            size = inst.jobs[j - 1].size
            starts = -(-(filled + size) // cap) - (-(-filled // cap))
            runtime += starts * inst.jobs[j - 1].min_time
            filled += size
        n_runs = max(1, math.ceil(filled / cap))
        runs_cost += n_runs * min(inst.setup_cost(p, attr) for p in range(1, inst.n_attributes + 1))
        runs_time += n_runs * min(inst.setup_time(p, attr) for p in range(1, inst.n_attributes + 1))
    late = sum(
        1 for j in range(1, len(inst.jobs) + 1) if earliest_end(inst, j) > inst.jobs[j - 1].due
    )
    w = inst.weights
    return w.runtime * runtime + w.late * late + w.setup_cost * runs_cost + w.setup_time * runs_time
