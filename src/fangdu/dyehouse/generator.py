"""Seeded generator of OSP-shaped instances (n lots, k vats, a recipe classes).

It follows the distributions of the MIT generator in OvenSchedulingCLI (Lackner 2024): release
times uniform in [0, ρ·Σmin_time], due = release + min_time·U[1, φ], sizes U[1, max_size], one
random eligible vat plus each other with probability 1/2, "realistic" setup matrices (diagonal
≤ p/8, off-diagonal in (p/8, p/4]), shifts with availability ≥ τ, a horizon from the total work.
The parameter values are ours, documented in docs/DYEHOUSE.md. Same arguments, same instance.
"""

from __future__ import annotations

import math
import random

from fangdu.dyehouse.greedy import ScheduleInfeasible, greedy
from fangdu.dyehouse.models import Instance, Job, Machine, Weights


def _setup_matrix(rng: random.Random, a: int, p: int) -> tuple[tuple[int, ...], ...]:
    hi, half = (p + 3) // 4, (p + 7) // 8
    return tuple(
        tuple(rng.randint(0, half) if i == j else rng.randint(half + 1, hi) for j in range(a))
        for i in range(a)
    )


def _shifts(
    rng: random.Random, horizon: int, min_len: int, tau: float, count: int
) -> tuple[tuple[int, int], ...]:
    count = max(1, min(count, horizon // max(min_len, 1)))
    first = rng.randint(0, max(0, min(int(horizon * (1 - tau)), horizon - count * min_len)))
    lo, hi = first + min_len, horizon - (count - 1) * min_len
    cuts = sorted(rng.randint(lo, max(lo, hi)) for _ in range(count - 1))
    cuts = [c + i * min_len for i, c in enumerate(cuts)] + [horizon]
    out, start = [], first
    for c in cuts:
        keep = 1 - rng.random() * (1 - tau)
        end = min(start + max(min_len, math.ceil((c - start) * keep)), horizon)
        if end > start and (not out or start >= out[-1][1]):
            out.append((start, end))
        start = c
    return tuple(out)


def generate(
    n: int,
    k: int,
    a: int,
    *,
    seed: int = 0,
    max_proc: int = 20,
    max_size: int = 10,
    cap_range: tuple[int, int] = (20, 40),
    rho: float = 0.5,
    phi: float = 3.0,
    eligibility: float = 0.5,
    tau: float = 0.8,
    shifts: tuple[int, int] = (1, 3),
    weights: Weights | None = None,
) -> Instance:
    """One instance, fully determined by the arguments (``seed`` included).

    Like the published generator, it draws again (deterministically) until the greedy rule
    plans every lot, so every instance is known to be feasible.
    """
    for attempt in range(100):
        rng = random.Random(f"fangdu-dyehouse:{n}:{k}:{a}:{seed}:{attempt}")
        inst = _draw(
            rng,
            n,
            k,
            a,
            max_proc,
            max_size,
            cap_range,
            rho,
            phi,
            eligibility,
            tau,
            shifts,
            weights or Weights(),
            f"gen-n{n}-k{k}-a{a}-s{seed}",
        )
        try:
            greedy(inst)
        except ScheduleInfeasible:
            continue
        return inst
    raise ScheduleInfeasible(f"no feasible instance drawn for n={n} k={k} a={a} seed={seed}")


def _draw(
    rng: random.Random,
    n: int,
    k: int,
    a: int,
    max_proc: int,
    max_size: int,
    cap_range: tuple[int, int],
    rho: float,
    phi: float,
    eligibility: float,
    tau: float,
    shifts: tuple[int, int],
    weights: Weights,
    name: str,
) -> Instance:
    mins = [rng.randint(1, max_proc) for _ in range(n)]
    maxs = [rng.randint(m, max_proc) for m in mins]
    total = sum(mins)
    releases = [rng.randint(0, math.ceil(rho * total)) for _ in range(n)]
    sc, st = _setup_matrix(rng, a, max_proc), _setup_matrix(rng, a, max_proc)
    max_st = max(max(r) for r in st)
    dues = [
        r + math.floor(m * (rng.random() * (phi - 1) + 1))
        for r, m in zip(releases, mins, strict=True)
    ]
    horizon = max(max(releases) + math.ceil((total + n * max_st) / tau), max(dues)) + 1
    caps = [rng.randint(*cap_range) for _ in range(k)]
    jobs = []
    for i in range(n):
        first = rng.randint(1, k)
        elig = sorted(
            {first} | {m for m in range(1, k + 1) if m != first and rng.random() < eligibility}
        )
        size = rng.randint(1, max_size)
        # Keep the instance feasible for load: some eligible vat must take the lot.
        if all(size > caps[m - 1] for m in elig):
            size = max(caps[m - 1] for m in elig)
        jobs.append(
            Job(
                eligible=tuple(elig),
                release=releases[i],
                due=dues[i],
                min_time=mins[i],
                max_time=maxs[i],
                size=size,
                attribute=rng.randint(1, a),
            )
        )
    machines = tuple(
        Machine(
            min_cap=0,
            max_cap=caps[m],
            init_state=rng.randint(1, a),
            shifts=_shifts(rng, horizon, min(mins) + max_st, tau, rng.randint(*shifts)),
        )
        for m in range(k)
    )
    return Instance(
        name=name,
        horizon=horizon,
        n_attributes=a,
        setup_costs=sc,
        setup_times=st,
        machines=machines,
        jobs=tuple(jobs),
        weights=weights,
    )
