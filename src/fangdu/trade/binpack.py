"""Vector bin packing with multiplicities: first-fit decreasing, then CP-SAT when it can help.

Items come as types (a size vector and a count): a line's packages are identical, and so are
equal values in a benchmark. Sizes and capacities are integers (callers scale cents, litres,
tenths of a kilogram). The lower bound is the larger of the volume bound (ceil of the sum over
the capacity, per dimension) and the count of units larger than half a capacity in some
dimension (no two such units share a bin). CP-SAT runs only when FFD is above that bound, with
the better of FFD's and minimum-bin-slack's packing as its hint, so it can only improve.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Packing", "lower_bound", "pack"]


@dataclass(slots=True)
class Packing:
    bins: list[dict[int, int]]  # per bin: type index → units
    lower_bound: int
    method: str  # "ffd", "ffd=lb", "mbs=lb", "cp-sat optimal", "cp-sat feasible"

    @property
    def count(self) -> int:
        return len(self.bins)


def lower_bound(sizes: Sequence[Sequence[int]], counts: Sequence[int], cap: Sequence[int]) -> int:
    if not sizes:
        return 0
    lb = 0
    for d, c in enumerate(cap):
        total = sum(s[d] * n for s, n in zip(sizes, counts, strict=True))
        lb = max(lb, math.ceil(total / c))
        lb = max(lb, sum(n for s, n in zip(sizes, counts, strict=True) if 2 * s[d] > c))
    return lb


def _ffd(
    sizes: Sequence[Sequence[int]], counts: Sequence[int], cap: Sequence[int]
) -> list[dict[int, int]]:
    order = sorted(
        range(len(sizes)),
        key=lambda t: (-max(s / c for s, c in zip(sizes[t], cap, strict=True)), t),
    )
    bins: list[dict[int, int]] = []
    free: list[list[int]] = []
    for t in order:
        left = counts[t]
        size = sizes[t]
        for b, room in enumerate(free):
            if left == 0:
                break
            fit = min((r // s if s else left) for r, s in zip(room, size, strict=True))
            k = min(fit, left)
            if k > 0:
                bins[b][t] = bins[b].get(t, 0) + k
                for d in range(len(room)):
                    room[d] -= k * size[d]
                left -= k
        while left > 0:
            fit = min((c // s if s else left) for c, s in zip(cap, size, strict=True))
            k = min(fit, left)
            bins.append({t: k})
            free.append([c - k * s for c, s in zip(cap, size, strict=True)])
            left -= k
    return bins


class _BestFill:
    """One bin of minimum slack: a bounded depth-first search over the remaining types."""

    def __init__(
        self,
        sizes: Sequence[Sequence[int]],
        cap: Sequence[int],
        left: dict[int, int],
        cands: list[int],
        node_limit: int,
    ) -> None:
        self.sizes, self.cap, self.left, self.cands = sizes, cap, left, cands
        self.node_limit = node_limit
        self.nodes = 0
        self.current: dict[int, int] = {}
        self.best: dict[int, int] = {}
        self.best_fill = -1.0

    def fill(self, room: list[int]) -> float:
        return max(1 - r / c for r, c in zip(room, self.cap, strict=True))

    def search(self, i: int, room: list[int]) -> bool:
        """True to stop: a full bin was found or the node budget is spent."""
        self.nodes += 1
        f = self.fill(room)
        if f > self.best_fill:
            self.best, self.best_fill = dict(self.current), f
            if f >= 1:
                return True
        if self.nodes > self.node_limit:
            return True
        for j in range(i, len(self.cands)):
            t = self.cands[j]
            size = self.sizes[t]
            if self.left[t] - self.current.get(t, 0) <= 0 or any(
                s > r for s, r in zip(size, room, strict=True)
            ):
                continue
            self.current[t] = self.current.get(t, 0) + 1
            stop = self.search(j, [r - s for r, s in zip(room, size, strict=True)])
            self.current[t] -= 1
            if not self.current[t]:
                del self.current[t]
            if stop:
                return True
        return False


def _exact_pair(
    sizes: Sequence[Sequence[int]], left: dict[int, int], room: int
) -> dict[int, int] | None:
    """One or two remaining units that fill ``room`` exactly, the larger unit as large as
    possible (1-D only): what the bounded search misses among hundreds of sizes."""
    by_size = {sizes[t][0]: t for t, n in left.items() if n > 0}
    if room in by_size:
        return {by_size[room]: 1}
    for size in sorted(by_size, reverse=True):
        other = room - size
        if other < size or other not in by_size:
            continue
        t, u = by_size[size], by_size[other]
        if t != u:
            return {t: 1, u: 1}
        if left[t] >= 2:
            return {t: 2}
    return None


class _Triples:
    """Bins of at most three units (every unit over a quarter of the capacity, as in
    Falkenauer's T class) into exactly ``k`` bins: depth-first from the largest unit, each
    completion one or two units, total waste within k × cap − the sum. Exact for k when it
    finishes; node-limited, with seeded restarts that shuffle equally good completions."""

    def __init__(self, sizes: list[int], counts: list[int], cap: int, k: int) -> None:
        self.sizes, self.cap, self.k = sizes, cap, k
        self.left = {s: n for s, n in zip(sizes, counts, strict=True) if n}
        self.budget = k * cap - sum(s * n for s, n in self.left.items())

    def _completions(
        self, room: int, slack: int, rng: random.Random | None
    ) -> list[tuple[int, tuple[int, ...]]]:
        sizes = sorted((s for s, n in self.left.items() if n > 0), reverse=True)
        out: list[tuple[int, tuple[int, ...]]] = []
        for i, b in enumerate(sizes):
            if b > room:
                continue
            if room - b <= slack:
                out.append((room - b, (b,)))
            for c in sizes[i:]:
                if c > room - b or (c == b and self.left[b] < 2):
                    continue
                if room - b - c <= slack:
                    out.append((room - b - c, (b, c)))
                break  # sizes descend: the first c that fits fills the bin best for this b
        if room <= slack:
            out.append((room, ()))
        if rng is None:
            out.sort()
        else:
            rng.shuffle(out)
            out.sort(key=lambda x: x[0])
        return out

    def solve(self, node_limit: int, rng: random.Random | None = None) -> list[list[int]] | None:
        if self.budget < 0:
            return None
        bins: list[list[int]] = []
        nodes = 0

        def dfs(slack: int) -> bool:
            nonlocal nodes
            nodes += 1
            if nodes > node_limit:
                raise TimeoutError
            if not any(self.left.values()):
                return True
            if len(bins) >= self.k:
                return False
            a = max(s for s, n in self.left.items() if n > 0)
            self.left[a] -= 1
            for waste, comp in self._completions(self.cap - a, slack, rng):
                for s in comp:
                    self.left[s] -= 1
                bins.append([a, *comp])
                if dfs(slack - waste):
                    return True
                bins.pop()
                for s in comp:
                    self.left[s] += 1
            self.left[a] += 1
            return False

        saved = dict(self.left)
        try:
            found = dfs(self.budget)
        except TimeoutError:
            found = False
        self.left = saved
        return bins if found else None


class _Infeasible(Exception):
    """No packing into the bins asked for exists: a proven lower bound one higher."""


def _triple_patterns(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    k: int,
    seconds: float,
) -> list[list[int]] | None:
    """Exactly ``k`` bins of at most three units (every unit over a quarter of the capacity),
    as a pattern model: one integer per multiset of one to three sizes whose waste is within
    the whole slack ``k × cap − sum`` (no bin of a ``k``-bin packing wastes more), and the
    units of each size covered exactly. Falkenauer's T class has no slack at all, so the
    patterns are the few thousand exact triples, and CP-SAT settles it in well under a second
    where a depth-first search over bins wanders. Raises _Infeasible when no such packing
    exists; None when unproven in time or the patterns would be too many to enumerate."""
    from ortools.sat.python import cp_model

    c = cap[0]
    per_size: dict[int, int] = {}
    for s, n in zip(sizes, counts, strict=True):
        if n:
            per_size[s[0]] = per_size.get(s[0], 0) + n
    slack = k * c - sum(s * n for s, n in per_size.items())
    if slack < 0:
        raise _Infeasible
    flat = sorted(per_size)
    patterns: list[tuple[int, ...]] = []
    for i, a in enumerate(flat):
        if c - a <= slack:
            patterns.append((a,))
        for j in range(i, len(flat)):
            b = flat[j]
            if a + b > c:
                break
            if (b == a and per_size[a] < 2) or len(patterns) > 200_000:
                continue
            if c - a - b <= slack:
                patterns.append((a, b))
            for cc in flat[j:]:
                if a + b + cc > c:
                    break
                if c - a - b - cc > slack:
                    continue
                need = {a: 0, b: 0, cc: 0}
                for u in (a, b, cc):
                    need[u] += 1
                if all(per_size[u] >= m for u, m in need.items()):
                    patterns.append((a, b, cc))
    if len(patterns) > 200_000:
        return None
    m = cp_model.CpModel()
    rows: dict[int, list] = {s: [] for s in flat}
    xs = []
    for t in patterns:
        mult: dict[int, int] = {}
        for u in t:
            mult[u] = mult.get(u, 0) + 1
        x = m.new_int_var(0, min(per_size[u] // n for u, n in mult.items()), "")
        xs.append(x)
        for u, n in mult.items():
            rows[u].append(n * x)
    for u in flat:
        m.add(sum(rows[u]) == per_size[u])
    m.add(sum(xs) <= k)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic: the same plan for the same input
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = 2 * seconds
    solver.parameters.random_seed = 18
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        raise _Infeasible
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [list(t) for t, x in zip(patterns, xs, strict=True) for _ in range(solver.value(x))]


def _triples(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    k: int,
    seconds: float = 2.0,
) -> list[dict[int, int]] | None:

    found = _triple_patterns(sizes, counts, cap, k, seconds)
    if found is None:
        per_size: dict[int, int] = {}
        for s, n in zip(sizes, counts, strict=True):
            per_size[s[0]] = per_size.get(s[0], 0) + n
        flat = sorted(per_size)
        solver = _Triples(flat, [per_size[s] for s in flat], cap[0], k)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 4 * k + 100))  # one frame per bin
        try:
            rng = random.Random(18)
            found = solver.solve(40_000)
            for _ in range(12):
                if found is not None:
                    break
                found = solver.solve(5_000, rng)
        finally:
            sys.setrecursionlimit(limit)
    if found is None:
        return None
    return _to_types(found, sizes, counts)


def _triple_mip(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    most: int,
    seconds: float,
) -> tuple[list[dict[int, int]] | None, int] | None:
    """Fewest bins of at most three units, at most ``most``: the cutting-stock pattern model
    (one integer per multiset of one to three sizes that fits, every size covered at least
    once over) by MIP, whose LP bound is tight where CP-SAT wanders. SCIP ships with OR-Tools;
    one thread and a deterministic node order give the same plan for the same input.
    (packing or None when none within ``most``, proven lower bound); None when the patterns
    are too many or nothing was settled in time."""
    from ortools.linear_solver import pywraplp

    c = cap[0]
    per_size: dict[int, int] = {}
    for s, n in zip(sizes, counts, strict=True):
        if n:
            per_size[s[0]] = per_size.get(s[0], 0) + n
    flat = sorted(per_size)
    patterns: list[tuple[int, ...]] = []
    for i, a in enumerate(flat):
        patterns.append((a,))
        for j in range(i, len(flat)):
            b = flat[j]
            if a + b > c or len(patterns) > 200_000:
                break
            if b == a and per_size[a] < 2:
                continue
            patterns.append((a, b))
            for cc in flat[j:]:
                if a + b + cc > c:
                    break
                if (cc == b and per_size[b] < 2 + (a == b)) or (cc == a and per_size[a] < 3):
                    continue
                patterns.append((a, b, cc))
    if len(patterns) > 200_000:
        return None
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return None
    rows: dict[int, list] = {u: [] for u in flat}
    xs = []
    for t in patterns:
        mult: dict[int, int] = {}
        for u in t:
            mult[u] = mult.get(u, 0) + 1
        x = solver.IntVar(0, min(per_size[u] // n for u, n in mult.items()), "")
        xs.append(x)
        for u, n in mult.items():
            rows[u].append(n * x)
    for u in flat:
        solver.Add(solver.Sum(rows[u]) >= per_size[u])
    # No "at most" row: with it SCIP's heuristics found nothing in 4 s on N1W1B1R0, without it
    # the optimum in half a second.
    solver.Minimize(solver.Sum(xs))
    solver.SetNumThreads(1)
    # A node limit decides where it stops, so the same input gives the same plan; the time
    # limit is only a safety net.
    solver.SetSolverSpecificParametersAsString("limits/nodes = 20000\n")
    solver.SetTimeLimit(int(4 * seconds * 1000))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    bound = math.ceil(solver.Objective().BestBound() - 1e-6)
    if solver.Objective().Value() > most + 0.5:
        return None, bound
    found = [
        list(t) for t, x in zip(patterns, xs, strict=True) for _ in range(round(x.solution_value()))
    ]
    # Covered at least once over: take the surplus units out again, from the fullest bins.
    surplus = {u: -n for u, n in per_size.items()}
    for b in found:
        for u in b:
            surplus[u] += 1
    for b in sorted(found, key=sum, reverse=True):
        for u in list(b):
            if surplus[u] > 0:
                b.remove(u)
                surplus[u] -= 1
    return _to_types([b for b in found if b], sizes, counts), bound


def _to_types(
    found: list[list[int]], sizes: Sequence[Sequence[int]], counts: Sequence[int]
) -> list[dict[int, int]]:
    # Types of equal size are interchangeable: hand each size's units out type by type.
    pools: dict[int, list[list[int]]] = {}
    for t, (s, n) in enumerate(zip(sizes, counts, strict=True)):
        if n:
            pools.setdefault(s[0], []).append([t, n])
    out = []
    for b in found:
        content: dict[int, int] = {}
        for size in b:
            pool = pools[size]
            t = pool[0][0]
            pool[0][1] -= 1
            if not pool[0][1]:
                pool.pop(0)
            content[t] = content.get(t, 0) + 1
        out.append(content)
    return out


def _mbs(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    node_limit: int = 4000,
) -> list[dict[int, int]]:
    """Minimum bin slack (Gupta and Ho): fill one bin at a time with the subset of the
    remaining units that leaves it fullest, starting from the largest unit; a bounded search."""
    order = sorted(
        range(len(sizes)),
        key=lambda t: (-max(s / c for s, c in zip(sizes[t], cap, strict=True)), t),
    )
    left = {t: counts[t] for t in order if counts[t]}
    bins: list[dict[int, int]] = []
    while left:
        first = next(t for t in order if left.get(t))
        left[first] -= 1
        room = [c - s for c, s in zip(cap, sizes[first], strict=True)]
        exact = _exact_pair(sizes, left, room[0]) if len(cap) == 1 else None
        if exact is None:
            search = _BestFill(sizes, cap, left, [t for t in order if left.get(t)], node_limit)
            search.search(0, room)
            exact = search.best
        content = dict(exact)
        left[first] += 1
        content[first] = content.get(first, 0) + 1
        for t, n in content.items():
            left[t] -= n
            if not left[t]:
                del left[t]
        bins.append(content)
    return bins


def _cpsat(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    start: list[dict[int, int]],
    lb: int,
    seconds: float,
) -> tuple[list[dict[int, int]], bool] | None:
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    n_bins = len(start)
    types = range(len(sizes))
    x = {}
    for t in types:
        most = min([counts[t]] + [c // s for c, s in zip(cap, sizes[t], strict=True) if s])
        for b in range(n_bins):
            x[t, b] = m.new_int_var(0, most, f"x{t}_{b}")
    used = [m.new_bool_var(f"y{b}") for b in range(n_bins)]
    for t in types:
        m.add(sum(x[t, b] for b in range(n_bins)) == counts[t])
    for b in range(n_bins):
        for d, c in enumerate(cap):
            m.add(sum(sizes[t][d] * x[t, b] for t in types) <= c * used[b])
        if b + 1 < n_bins:
            m.add(used[b] >= used[b + 1])  # used bins first: fewer symmetric solutions
    m.add(sum(used) >= lb)
    m.minimize(sum(used))
    for b, content in enumerate(start):
        m.add_hint(used[b], 1)
        for t in types:
            m.add_hint(x[t, b], content.get(t, 0))
    solver = cp_model.CpSolver()
    # One worker and a deterministic time budget: the same input gives the same plan (and so
    # the same documents) on any machine; wall time only as a safety net.
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = seconds
    solver.parameters.max_time_in_seconds = 2 * seconds
    solver.parameters.random_seed = 18
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    bins = []
    for b in range(n_bins):
        content = {t: solver.value(x[t, b]) for t in types if solver.value(x[t, b])}
        if content:
            bins.append(content)
    return bins, status == cp_model.OPTIMAL


def _lns(
    sizes: Sequence[Sequence[int]],
    cap: Sequence[int],
    bins: list[dict[int, int]],
    lb: int,
    seconds: float,
) -> list[dict[int, int]]:
    """Large-neighbourhood search: free the emptiest bins and a few others, re-pack those
    units exactly with CP-SAT into one bin fewer; repeat. Deterministic (fixed seed, fixed
    number of rounds); ``seconds`` bounds the wall time as a safety net only."""
    import time

    rng = random.Random(18)
    deadline = time.perf_counter() + seconds

    def fill(b: dict[int, int]) -> float:
        return max(sum(sizes[t][d] * n for t, n in b.items()) / c for d, c in enumerate(cap))

    for _ in range(60):
        if len(bins) <= lb or time.perf_counter() > deadline:
            break
        order = sorted(range(len(bins)), key=lambda i: (fill(bins[i]), i))
        chosen = set(order[:3]) | set(rng.sample(order[3:], min(7, len(order) - 3)))
        sub = [bins[i] for i in sorted(chosen)]
        types = sorted({t for b in sub for t in b})
        local = {t: k for k, t in enumerate(types)}
        sub_sizes = [sizes[t] for t in types]
        sub_counts = [sum(b.get(t, 0) for b in sub) for t in types]
        start = [{local[t]: n for t, n in b.items()} for b in sorted(sub, key=fill, reverse=True)]
        solved = _cpsat(
            sub_sizes, sub_counts, cap, start, lower_bound(sub_sizes, sub_counts, cap), 0.3
        )
        if solved is not None and len(solved[0]) < len(sub):
            rest = [b for i, b in enumerate(bins) if i not in chosen]
            bins = rest + [{types[k]: n for k, n in b.items()} for b in solved[0]]
    return bins


def pack(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    cap: Sequence[int],
    *,
    seconds: float = 2.0,
    max_units_for_cpsat: int = 400,
) -> Packing:
    """Fewest bins for these units; ValueError when a single unit exceeds a capacity."""
    for s in sizes:
        if any(v > c for v, c in zip(s, cap, strict=True)):
            raise ValueError(f"a unit of size {list(s)} exceeds the capacity {list(cap)}")
    lb = lower_bound(sizes, counts, cap)
    bins = _ffd(sizes, counts, cap)
    if len(bins) <= lb:
        return Packing(bins, lb, "ffd=lb")
    heuristic = "ffd"
    if seconds > 0 and len(cap) == 1 and all(4 * s[0] > cap[0] for s in sizes):
        import time

        started = time.perf_counter()
        # Exactly k bins for k = the bound, then one more each time CP-SAT proves k
        # impossible (which raises the bound: Scholl's N1W1B1R0 has 17 by volume, 18 optimal).
        # Exactly the bound's number of bins first: CP-SAT on the patterns within the slack
        # (Falkenauer's T class, no slack, in about a second). When that is proven impossible
        # or unsettled, the cutting-stock MIP over all patterns, which also proves its bound
        # (Scholl's N1W1B1R0: 17 by volume, 18 optimal).
        try:
            exact = _triples(sizes, counts, cap, lb, seconds / 2)
        except _Infeasible:
            exact, lb = None, lb + 1
        if exact is not None:
            return Packing(exact, lb, "triples=lb")
        mip = _triple_mip(sizes, counts, cap, len(bins) - 1, seconds / 2)
        if mip is not None:
            found, bound = mip
            lb = max(lb, bound)
            if found is not None and len(found) < len(bins):
                bins, heuristic = found, "triples mip"
        if len(bins) <= lb:
            return Packing(bins, lb, f"{heuristic} optimal")
        seconds = max(0.5, seconds - (time.perf_counter() - started))  # one budget in all
    if seconds > 0 and sum(counts) <= max_units_for_cpsat:
        mbs = _mbs(sizes, counts, cap)
        if len(mbs) < len(bins):
            bins, heuristic = mbs, "mbs"
            if len(bins) <= lb:
                return Packing(bins, lb, "mbs=lb")
    if seconds <= 0 or sum(counts) > max_units_for_cpsat:
        return Packing(bins, lb, heuristic)
    if len(bins) > lb:
        improved = _lns(sizes, cap, bins, lb, seconds / 2)
        if len(improved) < len(bins):
            bins, heuristic = improved, f"{heuristic}+lns"
            if len(bins) <= lb:
                return Packing(bins, lb, f"{heuristic}=lb")
        seconds /= 2
    solved = _cpsat(sizes, counts, cap, bins, lb, seconds)
    if solved is None:
        return Packing(bins, lb, heuristic)
    new, optimal = solved
    if len(new) >= len(bins):
        new = bins  # keep the heuristic's packing (and its numbering) when no better
    if optimal:
        lb = len(new)  # CP-SAT proved no fewer bins exist
    method = "cp-sat optimal" if optimal else ("cp-sat feasible" if new is not bins else heuristic)
    return Packing(new, lb, method)
