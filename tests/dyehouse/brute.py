"""Exhaustive reference for tiny instances: every partition into runs, every vat, every order,
each run as early as its vat allows. Costs only grow with time and a run never needs to be
longer than its longest minimum, so left-shifted runs of minimal length cover an optimum."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from fangdu.dyehouse.models import Instance


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1 :]]


def _place(inst: Instance, m: int, free: int, prev: int, attr: int, rel: int, dur: int):
    st = inst.setup_time(prev, attr)
    for s, e in inst.machines[m - 1].shifts:
        t = max(rel, free + st, s + st)
        if t + dur <= e:
            return t
    return None


def brute_force(inst: Instance) -> int | None:
    """The optimal integer objective, or None when no plan exists."""
    w = inst.weights
    best: int | None = None
    n = len(inst.jobs)
    for part in _partitions(list(range(1, n + 1))):
        groups = []
        ok = True
        for g in part:
            js = [inst.jobs[j - 1] for j in g]
            vats = set.intersection(*(set(j.eligible) for j in js))
            lo, hi = max(j.min_time for j in js), min(j.max_time for j in js)
            load = sum(j.size for j in js)
            vats = {
                m
                for m in vats
                if inst.machines[m - 1].min_cap <= load <= inst.machines[m - 1].max_cap
            }
            if len({j.attribute for j in js}) > 1 or lo > hi or not vats:
                ok = False
                break
            groups.append((g, sorted(vats), lo, max(j.release for j in js), js[0].attribute))
        if not ok:
            continue
        for assign in itertools.product(*(g[1] for g in groups)):
            per: dict[int, list[int]] = {}
            for gi, m in enumerate(assign):
                per.setdefault(m, []).append(gi)
            options = [list(itertools.permutations(gis)) for gis in per.values()]
            for orders in itertools.product(*options):
                total, feasible = 0, True
                for m, order in zip(per, orders, strict=True):
                    prev, free = inst.machines[m - 1].init_state, 0
                    for gi in order:
                        g, _, dur, rel, attr = groups[gi]
                        t = _place(inst, m, free, prev, attr, rel, dur)
                        if t is None:
                            feasible = False
                            break
                        total += (
                            w.runtime * dur
                            + w.setup_cost * inst.setup_cost(prev, attr)
                            + w.setup_time * inst.setup_time(prev, attr)
                            + w.late * sum(1 for j in g if t + dur > inst.jobs[j - 1].due)
                        )
                        prev, free = attr, t + dur
                    if not feasible:
                        break
                if feasible and (best is None or total < best):
                    best = total
    return best
