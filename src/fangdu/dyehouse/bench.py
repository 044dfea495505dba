"""Benchmark: the solver against the greedy rule, its own lower bound and published best-known
values. One JSON line per run goes to ``--out`` as soon as it is known (a long run can be read
while it goes); a Markdown summary follows at the end.

    python -m fangdu.dyehouse.bench --instances DIR --time-limit 60 --out bench-out/dyehouse.jsonl
    python -m fangdu.dyehouse.bench --generated --sizes 10,25,50,100,250,500 --time-limit 60 \
        --long-from 250 --long-limit 300      # what `make bench` runs
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.models import Instance
from fangdu.dyehouse.osp_format import load_instance
from fangdu.dyehouse.solve import solve
from fangdu.dyehouse.validate import validate

DEFAULT_BEST = Path(__file__).resolve().parents[3].parent / "shared/data/osp/osp_best_known.csv"


def best_known(path: Path) -> dict[tuple[str, int], float]:
    """(file stem, normalisation constant) → best known normalised value."""
    if not path.is_file():
        return {}
    with path.open(newline="") as fh:
        return {
            (row["file_stem"], int(row["norm_constant"])): float(row["best_known_norm"])
            for row in csv.DictReader(fh)
        }


def run_one(inst: Instance, time_limit: float, seed: int, best: float | None) -> dict:
    res = solve(inst, time_limit=time_limit, seed=seed)
    obj = res.plan.objective
    assert obj is not None
    norm = inst.normaliser
    return {
        "instance": inst.name,
        "n": len(inst.jobs),
        "k": len(inst.machines),
        "a": inst.n_attributes,
        "time_limit": time_limit,
        "method": res.method,
        "objective": obj.normalised,
        "greedy": res.greedy_integer / norm if res.greedy_integer is not None else None,
        "lower_bound": res.lower_bound / norm,
        "optimal": res.optimal,
        "best_known": best,
        "ratio_best": obj.normalised / best if best else None,
        "violations": len(validate(inst, res.plan)),
        "seconds": round(res.seconds, 1),
    }


def summarise(rows: list[dict]) -> str:
    by: dict[tuple[str, int, float], list[dict]] = defaultdict(list)
    for r in rows:
        src = "OSP" if r["best_known"] is not None else "generated"
        by[src, r["n"], r["time_limit"]].append(r)
    out = [
        "| set | n | limit (s) | runs | median obj | median greedy/obj | median obj/LB "
        "| proven optimal | median obj/best known | greedy→best gap closed "
        "| infeasible or invalid |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (src, n, tl), rs in sorted(by.items()):

        def med(xs: list[float]) -> str:
            return f"{statistics.median(xs):.4f}" if xs else "–"

        # How much of the distance from the greedy plan to the best known value we cover.
        closed = [
            (r["greedy"] - r["objective"]) / (r["greedy"] - r["best_known"])
            for r in rs
            if r["best_known"] and r["greedy"] and r["greedy"] > r["best_known"]
        ]
        g_ratio = [r["greedy"] / r["objective"] for r in rs if r["greedy"] and r["objective"]]
        out.append(
            f"| {src} | {n} | {tl:g} | {len(rs)} | {med([r['objective'] for r in rs])} "
            f"| {med(g_ratio)} "
            f"| {med([r['objective'] / r['lower_bound'] for r in rs if r['lower_bound']])} "
            f"| {sum(r['optimal'] for r in rs)}/{len(rs)} "
            f"| {med([r['ratio_best'] for r in rs if r['ratio_best']])} "
            f"| {med(closed)} "
            f"| {sum(r['violations'] > 0 for r in rs)} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=Path, help="folder of OSP .dat/.dzn files")
    ap.add_argument("--generated", action="store_true", help="run generated instances")
    ap.add_argument("--sizes", default="10,25,50,100,250,500", help="generated n values")
    ap.add_argument("--per-size", type=int, default=2)
    ap.add_argument("--time-limit", type=float, nargs="+", default=[60.0])
    ap.add_argument("--long-from", type=int, default=250, help="from this n, also --long-limit")
    ap.add_argument("--long-limit", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--best-known", type=Path, default=DEFAULT_BEST)
    ap.add_argument("--out", type=Path, default=Path("bench-out/dyehouse.jsonl"))
    args = ap.parse_args(argv)
    best = best_known(args.best_known)
    jobs: list[tuple[Instance, float | None]] = []
    if args.instances:
        for p in sorted(args.instances.glob("*.d*")):
            if p.suffix in (".dat", ".dzn"):
                inst = load_instance(p)
                jobs.append((inst, best.get((p.stem, inst.normaliser))))
    if args.generated:
        for n in (int(x) for x in args.sizes.split(",")):
            for i in range(args.per_size):
                k, a = (2, 5)[i % 2], (2, 5)[(i // 2) % 2]
                jobs.append((generate(n, k, a, seed=i), None))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with args.out.open("a") as fh:
        runs = [(tl, inst, bk) for tl in args.time_limit for inst, bk in jobs]
        runs += [
            (args.long_limit, inst, bk)
            for inst, bk in jobs
            if len(inst.jobs) >= args.long_from and args.long_limit not in args.time_limit
        ]
        for tl, inst, bk in runs:
            row = run_one(inst, tl, args.seed, bk)
            rows.append(row)
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(json.dumps(row), file=sys.stderr, flush=True)
    summary = summarise(rows)
    args.out.with_suffix(".md").write_text(summary + "\n")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
