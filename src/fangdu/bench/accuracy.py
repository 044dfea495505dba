"""The accuracy benchmark: draw the dataset, run every system, score, write the report."""

from __future__ import annotations

import csv
import json
import math
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fangdu.bench import scoring
from fangdu.bench.dataset import (
    HARD_NEGATIVE,
    UNRELATED,
    Dataset,
    Query,
    build_dataset,
    query_image,
    reference_print,
)
from fangdu.bench.shortlist import CUTOFFS, rank_of, recording_fangdu, shortlist_recall
from fangdu.bench.systems import SYSTEMS, Ranked, System, make_system
from fangdu.synth import HARD_NEGATIVE_KINDS, VARIANT_KINDS, clipart_files, gimp_pattern_files

TOP_K = 10
TARGET_PRECISION = 0.9
EXAMPLE_HEIGHT = 320


@dataclass
class Run:
    """What one system returned, and how long it took."""

    system: System
    ranked: dict[str, Ranked] = field(default_factory=dict)
    add_seconds: float = 0.0
    query_seconds: float = 0.0
    # Fangdu only: rank of each copy's source in the global shortlist (None: absent).
    shortlist_ranks: dict[str, int | None] = field(default_factory=dict)


def run_accuracy(
    out: Path,
    *,
    n_originals: int = 300,
    seed: int = 0,
    systems: Sequence[str | System] = SYSTEMS,
    variants_per_original: int = 5,
    size: int = 768,
    console: Console | None = None,
) -> dict:
    """Run the benchmark; writes accuracy.md, accuracy.json, predictions.csv, examples/ in ``out``.

    ``systems`` are names (see ``make_system``) or ready System objects. Returns the results
    as written to accuracy.json.
    """
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    dataset = build_dataset(
        n_originals, seed, variants_per_original=variants_per_original, size=size
    )
    runs, skipped = [], {}
    for system in systems:
        if not isinstance(system, str):
            runs.append(Run(system))
            continue
        try:
            runs.append(Run(recording_fangdu() if system == "fangdu" else make_system(system)))
        except ImportError as exc:  # an optional baseline: report it, run the others
            skipped[system] = str(exc)
            console.print(f"[yellow]skipping {system}: {exc}")
    _feed(dataset, runs, out / "examples", console)
    results = _score(dataset, runs)
    results["config"] = {
        "n_originals": n_originals,
        "seed": seed,
        "variants_per_original": variants_per_original,
        "size": size,
        "top_k": TOP_K,
        "n_references": len(dataset.references),
        "n_queries": _counts(dataset.queries),
        "skipped": skipped,
        "real_art": {
            "clipart_svgs": len(clipart_files()),
            "gimp_patterns": len(gimp_pattern_files()),
        },
        "machine": platform.platform(),
    }
    (out / "accuracy.json").write_text(json.dumps(results, indent=2, allow_nan=True))
    _write_predictions(out / "predictions.csv", dataset, runs)
    (out / "accuracy.md").write_text(render_markdown(results))
    console.print(f"wrote {out / 'accuracy.md'}")
    return results


def _write_predictions(path: Path, dataset: Dataset, runs: list[Run]) -> None:
    """Every ranked answer, so a person can see which references a system confused."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["system", "query_id", "group", "kind", "source", "rank", "ref_id", "score", "is_copy"]
        )
        for run in runs:
            for q in dataset.queries:
                for rank, (ref, score) in enumerate(run.ranked.get(q.query_id, []), 1):
                    writer.writerow(
                        [
                            run.system.name,
                            q.query_id,
                            q.group,
                            q.kind,
                            q.source or "",
                            rank,
                            ref,
                            f"{score:.6f}",
                            int(ref == q.copy_of),
                        ]
                    )


def _counts(queries: tuple[Query, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in queries:
        counts[q.group] = counts.get(q.group, 0) + 1
    return counts


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _feed(dataset: Dataset, runs: list[Run], examples: Path, console: Console) -> None:
    """Give every system the references, then every query; save one example per class."""
    examples.mkdir(parents=True, exist_ok=True)
    with _progress(console) as progress:
        task = progress.add_task("references", total=len(dataset.references))
        for ref in dataset.references:
            rgb = reference_print(ref, dataset.size).rgb
            for run in runs:
                t0 = time.perf_counter()
                run.system.add(ref.ref_id, rgb)
                run.add_seconds += time.perf_counter() - t0
            progress.advance(task)
        task = progress.add_task("queries", total=len(dataset.queries))
        saved: set[str] = set()
        for source_ref, queries in dataset.by_source():
            source = reference_print(source_ref, dataset.size) if source_ref else None
            for q in queries:
                rgb = query_image(q, source, dataset.size)
                for run in runs:
                    t0 = time.perf_counter()
                    run.ranked[q.query_id] = run.system.query(rgb, TOP_K)
                    run.query_seconds += time.perf_counter() - t0
                    recorded = getattr(run.system, "last_candidates", None)
                    if recorded is not None and q.copy_of is not None:
                        run.shortlist_ranks[q.query_id] = rank_of(recorded, q.copy_of)
                if q.kind not in saved:
                    saved.add(q.kind)
                    _save_example(
                        examples / f"{q.group}-{q.kind}.png",
                        None if source is None else source.rgb,
                        rgb,
                    )
                progress.advance(task)


def _save_example(path: Path, reference: np.ndarray | None, query: np.ndarray) -> None:
    """Reference (left) and query (right) side by side, for a person to eyeball."""

    def fit(img: np.ndarray) -> np.ndarray:
        w = round(img.shape[1] * EXAMPLE_HEIGHT / img.shape[0])
        return cv2.resize(img, (w, EXAMPLE_HEIGHT), interpolation=cv2.INTER_AREA)

    parts = [fit(query)] if reference is None else [fit(reference), fit(query)]
    gap = np.full((EXAMPLE_HEIGHT, 8, 3), 255, np.uint8)
    sheet = np.hstack([parts[0], gap, parts[1]]) if len(parts) == 2 else parts[0]
    cv2.imwrite(str(path), np.ascontiguousarray(sheet[..., ::-1]))


def _score(dataset: Dataset, runs: list[Run]) -> dict:
    positives = dataset.positives()
    truth = {q.query_id: q.copy_of for q in dataset.queries if q.copy_of is not None}
    kind_of = {q.query_id: q.kind for q in dataset.queries}
    negatives = [q.query_id for q in dataset.queries if q.group == HARD_NEGATIVE]
    unrelated = [q.query_id for q in dataset.queries if q.group == UNRELATED]
    systems = {}
    for run in runs:
        preds = [(q, r, s) for q, ranked in run.ranked.items() for r, s in ranked]
        recall90, thr90 = scoring.recall_at_precision(preds, positives, TARGET_PRECISION)
        own = run.system.threshold
        threshold = own if own is not None else thr90
        precision_t, recall_t = scoring.precision_recall_at(preds, positives, threshold)
        top1 = scoring.top1_correct(run.ranked, truth)
        per_class = {
            k: _mean([ok for q, ok in top1.items() if kind_of[q] == k]) for k in VARIANT_KINDS
        }
        fpr_class = {
            k: scoring.false_positive_rate(
                run.ranked, [q for q in negatives if kind_of[q] == k], threshold
            )
            for k in HARD_NEGATIVE_KINDS
        }
        n_queries = max(len(run.ranked), 1)
        systems[run.system.name] = {
            "micro_ap": scoring.micro_average_precision(preds, positives),
            "recall_at_p90": recall90,
            "threshold_at_p90": thr90,
            "threshold": threshold,
            "threshold_source": "own copy threshold" if own is not None else "precision 0.9",
            "precision_at_threshold": precision_t,
            "recall_at_threshold": recall_t,
            "fpr_hard_negatives": scoring.false_positive_rate(run.ranked, negatives, threshold),
            "fpr_hard_negatives_at_p90": scoring.false_positive_rate(run.ranked, negatives, thr90),
            "fpr_unrelated": scoring.false_positive_rate(run.ranked, unrelated, threshold),
            "fpr_by_class": fpr_class,
            "top1": _mean(list(top1.values())),
            "top1_by_class": per_class,
            "seconds_per_reference": run.add_seconds / max(len(dataset.references), 1),
            "seconds_per_query": run.query_seconds / n_queries,
        }
        if run.shortlist_ranks:
            systems[run.system.name]["shortlist"] = shortlist_recall(run.shortlist_ranks, kind_of)
            systems[run.system.name]["verified_shortlist"] = getattr(run.system, "shortlist", None)
    return {"systems": systems}


def _mean(values: list[bool]) -> float:
    return float(np.mean(values)) if values else math.nan


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞"
    return f"{x:.{digits}f}"


def render_markdown(results: dict) -> str:
    """The report: one column per system, then fangdu/baseline ratios where higher is better."""
    systems = results["systems"]
    names = list(systems)
    baselines = [n for n in names if n != "fangdu"] if "fangdu" in names else []
    rows: list[tuple[str, str, bool]] = [  # (label, key path, ratio makes sense)
        ("μAP", "micro_ap", True),
        ("recall @ precision 0.9", "recall_at_p90", True),
        ("score threshold at precision 0.9", "threshold_at_p90", False),
        ("operating threshold", "threshold", False),
        ("precision @ operating threshold", "precision_at_threshold", True),
        ("recall @ operating threshold", "recall_at_threshold", True),
        ("FPR hard negatives @ operating threshold", "fpr_hard_negatives", False),
        ("FPR hard negatives @ precision-0.9 threshold", "fpr_hard_negatives_at_p90", False),
        ("FPR unrelated prints @ operating threshold", "fpr_unrelated", False),
        ("top-1 accuracy (all copies)", "top1", True),
    ]
    rows += [(f"top-1 {k}", f"top1_by_class.{k}", True) for k in VARIANT_KINDS]
    rows += [(f"FPR {k}", f"fpr_by_class.{k}", False) for k in HARD_NEGATIVE_KINDS]
    rows += [
        ("seconds / reference", "seconds_per_reference", False),
        ("seconds / query", "seconds_per_query", False),
    ]

    def get(name: str, path: str) -> float:
        value = systems[name]
        for part in path.split("."):
            value = value[part]
        return value

    header = ["metric", *names, *(f"fangdu / {b}" for b in baselines)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, path, ratio in rows:
        cells = [label, *(_fmt(get(n, path)) for n in names)]
        for b in baselines:
            num, den = get("fangdu", path), get(b, path)
            cells.append(_fmt(num / den, 2) if ratio and den and not math.isnan(den) else "—")
        lines.append("| " + " | ".join(cells) + " |")
    cfg = results.get("config", {})
    notes = [
        "# Accuracy benchmark",
        "",
        f"{cfg.get('n_references', '?')} references ({cfg.get('n_originals', '?')} original "
        f"prints + stock stripes/checks/dots); queries: "
        f"{', '.join(f'{n} {g}' for g, n in cfg.get('n_queries', {}).items())}; "
        f"seed {cfg.get('seed', '?')}, {cfg.get('size', '?')} px; real art: "
        f"{cfg.get('real_art', {})}.",
        "",
        "μAP and recall are pooled over all queries (DISC21 micro-AP: pairs never retrieved "
        "count as misses). Operating threshold: the system's own copy threshold if it has one, "
        "else the score giving precision 0.9. FPR: share of hard-negative (or unrelated) queries "
        "whose best score reaches the threshold. Ratios only where higher is better.",
        "",
    ]
    for name, why in cfg.get("skipped", {}).items():
        notes.append(f"- skipped **{name}**: {why}")
    return "\n".join([*notes, "", *lines, "", *_shortlist_table(systems), ""])


def _shortlist_table(systems: dict) -> list[str]:
    """Per class: share of copies whose source is among the first k global candidates."""
    short = systems.get("fangdu", {}).get("shortlist")
    if not short:
        return []
    verified = systems["fangdu"].get("verified_shortlist")
    lines = [
        f"Fangdu's global shortlist (the bench verifies the first {verified}): share of copies "
        "whose source is among the first k candidates.",
        "",
        "| class | n | " + " | ".join(f"@{k}" for k in CUTOFFS) + " |",
        "|---|---|" + "---|" * len(CUTOFFS),
    ]
    for kind, row in short.items():
        cells = " | ".join(_fmt(row[f"@{k}"], 2) for k in CUTOFFS)
        lines.append(f"| {kind} | {int(row['n'])} | {cells} |")
    return lines
