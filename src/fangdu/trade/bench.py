"""Benchmarks of the trade context; one JSON object per line on stdout.

    python -m fangdu.trade.bench day [--lines 5000]      # read, check, plan, documents
    python -m fangdu.trade.bench triplets [--n 501]      # Falkenauer-T-style, optimum n/3
    python -m fangdu.trade.bench bpplib FILE...          # BPPLIB files (n, C, weights)
    python -m fangdu.trade.bench uniform [--n 500]       # Falkenauer-U-style, c = 150
    python -m fangdu.trade.bench classify [FILE...]      # published rulings, set by set
                                                         # (sets 1-3 development; 4 held out)

BPPLIB (Delorme, Iori & Martello) is CC BY-NC-ND and not shipped: pass its files. Each
instance is read as values against a cap, exactly as declarations are split (binpack.pack).
The triplet instances are built the way Falkenauer's T class is (three items filling a bin
exactly, each between a quarter and a half of it), so their optimum is n/3 by construction.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fangdu.trade.binpack import pack

__all__ = [
    "SETS",
    "bpplib_instance",
    "classify_heldout",
    "main",
    "run_day",
    "solve_instance",
    "triplets",
]


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def triplets(n_bins: int, cap: int = 1000, seed: int = 0) -> list[int]:
    """3 × n_bins items, each in (cap/4, cap/2), in triples that fill a bin exactly."""
    rng = random.Random(seed)
    items = []
    for _ in range(n_bins):
        while True:
            a = rng.randint(cap // 4 + 1, cap // 2 - 1)
            b = rng.randint(cap // 4 + 1, cap // 2 - 1)
            c = cap - a - b
            if cap // 4 < c < cap // 2:
                items += [a, b, c]
                break
    rng.shuffle(items)
    return items


def bpplib_instance(path: Path) -> tuple[int, list[int]]:
    """(capacity, weights) from a BPPLIB file: n, C, then n weights, one per line."""
    nums = [int(x) for x in path.read_text().split()]
    n, cap = nums[0], nums[1]
    return cap, nums[2 : 2 + n]


def solve_instance(cap: int, weights: list[int], seconds: float = 10.0) -> dict[str, Any]:
    counts: dict[int, int] = {}
    for w in weights:
        counts[w] = counts.get(w, 0) + 1
    sizes = sorted(counts)
    ffd = pack([(s,) for s in sizes], [counts[s] for s in sizes], (cap,), seconds=0)
    t, cpu = time.perf_counter(), time.process_time()
    p = pack(
        [(s,) for s in sizes],
        [counts[s] for s in sizes],
        (cap,),
        seconds=seconds,
        max_units_for_cpsat=10_000,
    )
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    # Checked, not trusted: every unit placed once, no bin over the cap.
    placed = [0] * len(sizes)
    for b in p.bins:
        if sum(sizes[u] * n for u, n in b.items()) > cap:
            raise AssertionError("a bin over the capacity")
        for u, n in b.items():
            placed[u] += n
    if placed != [counts[s] for s in sizes]:
        raise AssertionError("units lost or duplicated")
    # CPU seconds beside wall seconds: the shared 2-core machine's load inflates the wall.
    return {
        "n": len(weights),
        "cap": cap,
        "ffd": ffd.count,
        "bins": p.count,
        "lower_bound": p.lower_bound,
        "method": p.method,
        "seconds": round(wall, 2),
        "cpu_s": round(cpu, 2),
    }


def run_day(lines: int, out: Path, seed: int = 18, pdf: bool = True) -> dict[str, Any]:
    from fangdu.trade.checks import check_lines
    from fangdu.trade.documents import write_documents
    from fangdu.trade.models import TradeSettings
    from fangdu.trade.plan import plan_lines
    from fangdu.trade.reader import read_lines
    from fangdu.trade.sample import sample_rows, write_xlsx

    path = write_xlsx(sample_rows(lines, seed=seed), out / "day.xlsx")
    settings = TradeSettings(cpsat_seconds=1.0)
    t0, cpu0 = time.perf_counter(), time.process_time()
    parsed = read_lines(path)
    t1 = time.perf_counter()
    report = check_lines(parsed, settings)
    t2 = time.perf_counter()
    plan = plan_lines(parsed, settings, report)
    t3 = time.perf_counter()
    files = write_documents(plan, out / "docs", pdf=pdf)
    t4 = time.perf_counter()
    return {
        "bench": "day",
        "lines": lines,
        **plan.summary(),
        "files": len(files),
        "findings": len(report.findings),
        "read_s": round(t1 - t0, 2),
        "check_s": round(t2 - t1, 2),
        "plan_s": round(t3 - t2, 2),
        "docs_s": round(t4 - t3, 2),
        "total_s": round(t4 - t0, 2),
        # this process only; the document workers' CPU is in the caller's rusage
        "cpu_main_s": round(time.process_time() - cpu0, 2),
    }


SETS = {
    "1": ("heldout_rulings.json", "development (set 1: its misses were fixed against it)"),
    "2": (
        "heldout_rulings_2.json",
        "development (set 2: its misses, mixed filament/staple and chapter 60, were fixed "
        "against it)",
    ),
    "3": (
        "heldout_rulings_3.json",
        "development (set 3: its misses, Note 2(B)(d) materials, soybean fibre, a width over "
        "30 cm, were fixed against it)",
    ),
    "4": (
        "heldout_rulings_4.json",
        "held out (set 4: first scored at 25/26 with 2 questions; the metallised-yarn rule, Note "
        "2(B)(a), was added after, so these figures include one fix made after seeing it)",
    ),
    "5": (
        "heldout_rulings_5.json",
        "held out (set 5: Chinese declaration examples with 10-digit codes, h18t)",
    ),
}
# Subheadings a later HS edition replaced one for one (data/hs_editions.json): a ruling under
# the old code is reported as right "under the current HS" when the tool gives the new one,
# apart from the strict count. HS 2007 merged 5211.21-.29 into 5211.20; HS 2017 split
# 6005.31-.34 into 6005.35 (insecticide-treated netting, subheading note 1) and .36-.39.
SUCCESSOR = {
    old: row["successor"]
    for old, row in json.loads(
        (Path(__file__).with_name("data") / "hs_editions.json").read_text(encoding="utf-8")
    )["deleted"].items()
}


def classify_heldout(path: Path | None = None, label: str = "") -> dict[str, Any]:
    """Score the classifier against published rulings, one set at a time.

    The checker sees only the ruling's code and the tool's answer: a heading (4 digits) or
    subheading (6 digits) counts when the tool derived it and it equals the ruling's; a
    question (an attribute missing) and an out-of-scope answer are counted apart, never as
    right. A miss whose ruling code is a subheading of a covered heading that the current HS
    no longer has (an older nomenclature) is still a miss, and is marked so."""
    from decimal import Decimal

    from fangdu.trade.classify import classify
    from fangdu.trade.fibres import lookup
    from fangdu.trade.models import (
        Component,
        Construction,
        FabricSpec,
        Finish,
        KnitType,
        Pile,
        Weave,
        YarnKind,
    )
    from fangdu.trade.reader import width_bound
    from fangdu.trade.tariff import covered, subheadings

    def enum(kind: Any, value: str | None) -> Any:
        return kind(value) if value is not None else None

    path = path or Path(__file__).with_name("data") / SETS["1"][0]
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data["items"]
    # A set of Chinese examples carries China's 10-digit codes; the US sets' 10 digits are
    # HTSUS statistical codes, scored at 4 and 6 digits only.
    china = data.get("tariff") == "CN"
    out: dict[str, Any] = {"bench": "classify", "set": label or path.name, "items": len(items)}
    counts = dict.fromkeys(
        (
            "answered",
            "heading_ok",
            "code_ok",
            "asked",
            "asked_heading_ok",
            "out_of_scope",
            "superseded_code",
            "superseded_successor_ok",
            "code10_answered",
            "code10_ok",
            "code10_asked",
        ),
        0,
    )
    misses = []

    def comp(pairs: list[list[str]]) -> tuple[Component, ...]:
        parts = []
        for name, pct in pairs:
            fibre, standard = lookup(name)
            parts.append(
                Component(
                    name=name,
                    fibre=fibre.key if fibre else None,
                    standard=standard,
                    percent=Decimal(pct),
                )
            )
        return tuple(parts)

    def dec(value: str | None) -> Decimal | None:
        return Decimal(value) if value else None

    for it in items:
        fil = it.get("filament")
        bound = width_bound(it["width_cm"]) if it["width_cm"] else None
        spec = FabricSpec(
            composition=comp(it["composition"]),
            construction=enum(Construction, it["construction"]),
            yarn=enum(YarnKind, it["yarn"]),
            textured=it["textured"],
            textured_percent=dec(it.get("textured_percent")),
            filament=comp(fil) if fil is not None else None,
            finish=enum(Finish, it["finish"]),
            weave=enum(Weave, it["weave"]),
            knit=enum(KnitType, it.get("knit")),
            pile=enum(Pile, it.get("pile")),
            elastomeric_percent=dec(it.get("elastomeric_percent")),
            gsm=dec(it["gsm"]),
            width_cm=None if bound is not None else dec(it["width_cm"]),
            width_over_30=bound,
        )
        r = classify(spec)
        want = it["hts"].replace(".", "")
        if r.code:
            counts["answered"] += 1
            counts["heading_ok"] += r.code[:4] == want[:4]
            counts["code_ok"] += r.code[:6] == want[:6]
            if china and len(want) == 10:
                # China's 10-digit code: scored where the tool gives one; a split it asks
                # about (r.ask10) is counted apart, never as right.
                if r.code10:
                    counts["code10_answered"] += 1
                    counts["code10_ok"] += r.code10 == want
                    if r.code10 != want:
                        misses.append({"source": it["source"], "want": want, "got10": r.code10})
                elif r.ask10:
                    counts["code10_asked"] += 1
            if r.code[:6] != want[:6]:
                miss = {"source": it["source"], "want": want[:6], "got": r.code}
                if covered(want) and want[:6] not in subheadings():
                    counts["superseded_code"] += 1
                    miss["note"] = "the ruling's subheading is not in the current HS"
                    if SUCCESSOR.get(want[:6]) == r.code[:6]:
                        counts["superseded_successor_ok"] += 1
                        miss["note"] += f"; its successor is {r.code[:6]}"
                misses.append(miss)
        elif r.out_of_scope:
            counts["out_of_scope"] += 1
        else:
            counts["asked"] += 1
            counts["asked_heading_ok"] += (r.heading or "") == want[:4]
            misses.append({"source": it["source"], "want": want[:6], "asked": r.ask})
    out.update(counts)
    if counts["answered"]:
        out["heading_accuracy"] = round(counts["heading_ok"] / counts["answered"], 3)
        out["code6_accuracy"] = round(counts["code_ok"] / counts["answered"], 3)
        ok_now = counts["code_ok"] + counts["superseded_successor_ok"]
        out["code6_accuracy_current_hs"] = round(ok_now / counts["answered"], 3)
        # Over every item, questions and declined goods counted as not right (the strictest
        # reading; which questions had their attribute in the ruling is judged in the docs).
        out["code6_over_all_items"] = round(counts["code_ok"] / len(items), 3)
        out["code6_over_all_items_current_hs"] = round(ok_now / len(items), 3)
    if counts["code10_answered"]:
        out["code10_accuracy"] = round(counts["code10_ok"] / counts["code10_answered"], 3)
    out["misses"] = misses
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("day")
    d.add_argument("--lines", type=int, default=5000)
    d.add_argument("--no-pdf", action="store_true")
    t = sub.add_parser("triplets")
    t.add_argument("--n", type=int, default=501)
    t.add_argument("--instances", type=int, default=5)
    t.add_argument("--seconds", type=float, default=8.0)  # CP-SAT share of the 10 s
    b = sub.add_parser("bpplib")
    b.add_argument("files", nargs="+", type=Path)
    b.add_argument("--seconds", type=float, default=8.0)
    u = sub.add_parser("uniform")
    u.add_argument("--n", type=int, default=500)
    u.add_argument("--instances", type=int, default=5)
    u.add_argument("--seconds", type=float, default=8.0)
    c = sub.add_parser("classify")
    c.add_argument("files", nargs="*", type=Path, help="default: sets 1, 2 and 3, apart")
    args = ap.parse_args(argv)
    if args.cmd == "day":
        with tempfile.TemporaryDirectory() as tmp:
            _emit(run_day(args.lines, Path(tmp), pdf=not args.no_pdf))
    elif args.cmd == "uniform":
        # Falkenauer's U class: weights uniform in [20, 100], c = 150. The optimum is not known
        # by construction; a packing that meets the lower bound is optimal, so "gap" is to it.
        gaps = []
        for seed in range(args.instances):
            rng = random.Random(seed)
            weights = [rng.randint(20, 100) for _ in range(args.n)]
            r = solve_instance(150, weights, args.seconds)
            r.update(bench="uniform", seed=seed)
            gaps.append(r["bins"] - r["lower_bound"])
            _emit(r)
        _emit(
            {"bench": "uniform", "median_gap_to_bound": statistics.median(gaps), "max": max(gaps)}
        )
    elif args.cmd == "classify":
        if args.files:
            for f in args.files:
                _emit(classify_heldout(f))
        else:
            for _, (name, label) in sorted(SETS.items()):
                path = Path(__file__).with_name("data") / name
                if path.exists():
                    _emit(classify_heldout(path, label))
    elif args.cmd == "triplets":
        gaps = []
        for seed in range(args.instances):
            weights = triplets(args.n // 3, seed=seed)
            r = solve_instance(1000, weights, args.seconds)
            r.update(bench="triplets", seed=seed, optimum=args.n // 3)
            gaps.append(r["bins"] - r["optimum"])
            _emit(r)
        _emit({"bench": "triplets", "median_gap": statistics.median(gaps), "max_gap": max(gaps)})
    else:
        for f in args.files:
            cap, weights = bpplib_instance(f)
            r = solve_instance(cap, weights, args.seconds)
            r.update(bench="bpplib", instance=f.name)
            _emit(r)


if __name__ == "__main__":
    main()
