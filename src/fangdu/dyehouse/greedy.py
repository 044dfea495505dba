"""The rule a dye-house planner uses today, as the baseline: earliest due date first, lots of the
same class that are already waiting merged into the run, the vat where the run finishes first
(lightest wash on ties)."""

from __future__ import annotations

from collections.abc import Sequence

from fangdu.dyehouse.models import Batch, Instance, ScheduleInputError


class ScheduleInfeasible(ScheduleInputError):
    """No plan was found; the message names the lot and the constraint that stopped it."""


def earliest_start(
    inst: Instance, m: int, free: int, prev: int, attr: int, release: int, dur: int
) -> int | None:
    """Earliest start of a run of class ``attr`` on vat ``m`` after ``free``, wash included."""
    st = inst.setup_time(prev, attr)
    for s, e in inst.machines[m - 1].shifts:
        t = max(release, free + st, s + st)
        if t + dur <= e:
            return t
    return None


def due_order(inst: Instance, lots: Sequence[int]) -> list[int]:
    return sorted(lots, key=lambda j: (inst.jobs[j - 1].due, inst.jobs[j - 1].release))


def greedy(inst: Instance, order: Sequence[int] | None = None) -> list[Batch]:
    """Plan every lot, seeding runs in ``order`` (default: the planner's due-date order); raises
    :class:`ScheduleInfeasible` if some lot fits nowhere."""
    n = len(inst.jobs)
    if order is None:
        order = due_order(inst, range(1, n + 1))
    free = {m: 0 for m in range(1, len(inst.machines) + 1)}
    state = {m: inst.machines[m - 1].init_state for m in free}
    done: set[int] = set()
    batches: list[Batch] = []
    for seed in order:
        if seed in done:
            continue
        sj = inst.jobs[seed - 1]
        best: tuple[tuple[int, int], Batch] | None = None
        for m in sj.eligible:
            mach = inst.machines[m - 1]
            if sj.size > mach.max_cap:
                continue
            t0 = earliest_start(inst, m, free[m], state[m], sj.attribute, sj.release, sj.min_time)
            if t0 is None:
                continue
            members, load = [seed], sj.size
            lo, hi, rel = sj.min_time, sj.max_time, sj.release
            # Merge waiting lots of the class in due order; later arrivals only to reach min load.
            for j in order:
                if j in done or j == seed:
                    continue
                job = inst.jobs[j - 1]
                if job.attribute != sj.attribute or m not in job.eligible:
                    continue
                if load + job.size > mach.max_cap:
                    continue
                if max(lo, job.min_time) > min(hi, job.max_time):
                    continue
                if job.release > t0 and load >= mach.min_cap:
                    continue
                if job.min_time > lo and load >= mach.min_cap:
                    continue  # would lengthen the run for everyone already in it
                members.append(j)
                load += job.size
                lo, hi, rel = max(lo, job.min_time), min(hi, job.max_time), max(rel, job.release)
            if load < mach.min_cap:
                continue
            t = earliest_start(inst, m, free[m], state[m], sj.attribute, rel, lo)
            if t is None:
                continue
            cand = Batch(
                machine=m, start=t, end=t + lo, jobs=tuple(members), attribute=sj.attribute
            )
            key = (t + lo, inst.setup_cost(state[m], sj.attribute))
            if best is None or key < best[0]:
                best = (key, cand)
        if best is None:
            raise ScheduleInfeasible(
                f"lot {seed}: no eligible vat has room for it before the horizon "
                f"(availability windows, load limits)"
            )
        b = best[1]
        batches.append(b)
        done.update(b.jobs)
        free[b.machine], state[b.machine] = b.end, b.attribute
    return batches
