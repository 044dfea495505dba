"""Benchmark: the solver against the greedy rule, its own lower bound and published best-known
values. One JSON line per run goes to ``--out`` as soon as it is known (a long run can be read
while it goes); a Markdown summary follows at the end.

    python -m fangdu.dyehouse.bench --instances DIR --time-limit 60 --out bench-out/dyehouse.jsonl
    python -m fangdu.dyehouse.bench --generated --sizes 10,25,50,100,250,500 --time-limit 60 \
        --long-from 250 --long-limit 300      # what `make bench` runs
    python -m fangdu.dyehouse.bench --instances UC1_DIR --use-cases 1,2,3 --time-limit 10 \
        --resume --out bench-out/osp.jsonl    # the published table, UC-2/3 from the UC-1 files
    python -m fangdu.dyehouse.bench --report bench-out/osp.jsonl   # per-instance Markdown table
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.greedy import ScheduleInfeasible
from fangdu.dyehouse.models import Instance, Weights
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


def published_rows(path: Path) -> dict[tuple[int, int], dict[str, str]]:
    """(use case, instance number) → its row of osp_best_known.csv."""
    if not path.is_file():
        return {}
    with path.open(newline="") as fh:
        return {
            (int(row["use_case"]), int(row["instance"])): row
            for row in csv.DictReader(fh)
            if row.get("use_case")
        }


def use_case_variants(
    inst: Instance, stem: str, rows: dict[tuple[int, int], dict[str, str]], cases: list[int]
) -> list[tuple[Instance, dict[str, str]]]:
    """The same OSP instance under the weights of each use case.

    UC-1, UC-2 and UC-3 files differ only in the four weights and the normalisation constant
    (data README §1), so one set of files, with the published rows, gives all three.
    """
    found = [row for (uc, _), row in rows.items() if uc == 1 and row["file_stem"] == stem]
    if not found:
        return []
    number = int(found[0]["instance"])
    out = []
    for uc in cases:
        row = rows.get((uc, number))
        if row is None:
            continue
        weights = Weights(
            runtime=int(row["w_runtime"]),
            late=int(row["w_tardy"]),
            setup_cost=int(row["w_setupcost"]),
            setup_time=int(row["w_setuptime"]),
        )
        variant = inst.model_copy(
            update={
                "weights": weights,
                "norm_constant": int(row["norm_constant"]),
                "name": f"UC{uc}-{number:03d}",
            }
        )
        out.append((variant, row))
    return out


def _published(row: dict[str, str] | None) -> dict:
    if row is None:
        return {}

    def num(key: str) -> float | None:
        return float(row[key]) if row.get(key) else None

    return {
        "use_case": int(row["use_case"]),
        "osp_instance": int(row["instance"]),
        "published_lb": num("best_lb_norm"),
        "published_optimal": row.get("proven_optimal") == "True",
    }


def run_one(
    inst: Instance,
    time_limit: float,
    seed: int,
    best: float | None,
    row: dict[str, str] | None = None,
) -> dict:
    head = {
        "instance": inst.name,
        "n": len(inst.jobs),
        "k": len(inst.machines),
        "a": inst.n_attributes,
        "time_limit": time_limit,
        "best_known": best,
        **_published(row),
    }
    cpu0 = time.process_time()
    try:
        res = solve(inst, time_limit=time_limit, seed=seed)
    except ScheduleInfeasible as exc:
        # The benchmark must show it, not stop: "never infeasible" is one of its targets.
        return {**head, "objective": None, "infeasible": str(exc), "violations": 0}
    obj = res.plan.objective
    assert obj is not None
    norm = inst.normaliser
    return {
        **head,
        "method": res.method,
        "objective": obj.normalised,
        "greedy": res.greedy_integer / norm if res.greedy_integer is not None else None,
        "lower_bound": res.lower_bound / norm,
        "optimal": res.optimal,
        "ratio_best": obj.normalised / best if best else None,
        "violations": len(validate(inst, res.plan)),
        "seconds": round(res.seconds, 1),
        # CPU the solver's threads got: on a shared machine far less than cores × seconds.
        "cpu_seconds": round(time.process_time() - cpu0, 1),
    }


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"


def report(rows: list[dict]) -> str:
    """Published instances: one line per run, then the medians per use case and size."""
    rows = [r for r in rows if r.get("use_case")]
    rows.sort(key=lambda r: (r["use_case"], r["osp_instance"], r["time_limit"]))
    out = [
        "| use case | instance | n | k | a | limit (s) | greedy | ours | our LB | published LB "
        "| best known | ours / best | proven (ours) | published optimum |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours = "infeasible" if r.get("infeasible") else _f(r["objective"])
        if r.get("violations"):
            ours += " (invalid)"
        out.append(
            f"| UC-{r['use_case']} | {r['osp_instance']:02d} | {r['n']} | {r['k']} | {r['a']} "
            f"| {r['time_limit']:g} | {_f(r.get('greedy'))} | {ours} | {_f(r.get('lower_bound'))} "
            f"| {_f(r.get('published_lb'))} | {_f(r['best_known'])} | {_f(r.get('ratio_best'))} "
            f"| {'yes' if r.get('optimal') else ''} | {'yes' if r['published_optimal'] else ''} |"
        )
    by: dict[tuple[int, int, float], list[dict]] = defaultdict(list)
    for r in rows:
        by[r["use_case"], r["n"], r["time_limit"]].append(r)
    out += [
        "",
        "| use case | n | limit (s) | runs | median ours/best | worst ours/best "
        "| median greedy/best | ≤ 1.0001 of best | proven optimal (ours) "
        "| published optimum | infeasible or invalid |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (uc, n, tl), rs in sorted(by.items()):
        ratios = [r["ratio_best"] for r in rs if r.get("ratio_best")]
        greedy = [r["greedy"] / r["best_known"] for r in rs if r.get("greedy") and r["best_known"]]
        out.append(
            f"| UC-{uc} | {n} | {tl:g} | {len(rs)} "
            f"| {_f(statistics.median(ratios) if ratios else None)} "
            f"| {_f(max(ratios) if ratios else None)} "
            f"| {_f(statistics.median(greedy) if greedy else None)} "
            f"| {sum(x <= 1.0001 for x in ratios)}/{len(rs)} "
            f"| {sum(bool(r.get('optimal')) for r in rs)}/{len(rs)} "
            f"| {sum(r['published_optimal'] for r in rs)}/{len(rs)} "
            f"| {sum(bool(r.get('infeasible')) or r['violations'] > 0 for r in rs)} |"
        )
    return "\n".join(out)


def summarise(rows: list[dict]) -> str:
    by: dict[tuple[str, int, float], list[dict]] = defaultdict(list)
    rows = [r for r in rows if r.get("objective") is not None]
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
    ap.add_argument(
        "--use-cases",
        help="e.g. 1,2,3: run each UC-1 file of --instances under these use cases' weights",
    )
    ap.add_argument("--resume", action="store_true", help="skip runs already in --out")
    ap.add_argument("--report", type=Path, help="print the per-instance table of a .jsonl")
    args = ap.parse_args(argv)
    if args.report:
        print(report([json.loads(x) for x in args.report.read_text().splitlines() if x]))
        return 0
    best = best_known(args.best_known)
    published = published_rows(args.best_known) if args.use_cases else {}
    cases = [int(x) for x in args.use_cases.split(",")] if args.use_cases else []
    jobs: list[tuple[Instance, float | None, dict[str, str] | None]] = []
    if args.instances:
        for p in sorted(args.instances.glob("*.d*")):
            if p.suffix in (".dat", ".dzn"):
                inst = load_instance(p)
                if cases:
                    for variant, prow in use_case_variants(inst, p.stem, published, cases):
                        jobs.append((variant, float(prow["best_known_norm"]), prow))
                else:
                    jobs.append((inst, best.get((p.stem, inst.normaliser)), None))
        jobs.sort(key=lambda j: (len(j[0].jobs), j[0].name))
    if args.generated:
        for n in (int(x) for x in args.sizes.split(",")):
            for i in range(args.per_size):
                k, a = (2, 5)[i % 2], (2, 5)[(i // 2) % 2]
                jobs.append((generate(n, k, a, seed=i), None, None))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if args.resume and args.out.is_file():
        for line in args.out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["instance"], r["time_limit"]))
    rows = []
    with args.out.open("a") as fh:
        runs = [(tl, inst, bk, pr) for tl in args.time_limit for inst, bk, pr in jobs]
        runs += [
            (args.long_limit, inst, bk, pr)
            for inst, bk, pr in jobs
            if len(inst.jobs) >= args.long_from and args.long_limit not in args.time_limit
        ]
        for tl, inst, bk, pr in runs:
            if (inst.name, tl) in done:
                continue
            row = run_one(inst, tl, args.seed, bk, pr)
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
