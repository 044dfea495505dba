"""Run the away benchmark through the product: ``fangdu import``, ``fangdu check --json``.

1. Draw the dataset into ``OUT/away-data-<size>-<seed>/`` (references as PNG, queries as
   JPEG or PNG as their class saves them); kept between runs, redrawn when the generator's
   version, size or seed differs.
2. ``fangdu --home H import refs/ --owner away-bench`` into a fresh home.
3. ``fangdu --home H check --json --top-k 10 queries/``: the figures come from its output.
4. Shortlist recall, in process on the same home: each query fingerprinted as ``check`` does
   (``prepare``), then ``Searcher.candidates(fingerprint, 200)``: the rank of the true source.
5. ``away.json`` and ``away.md`` in OUT.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from fangdu.bench import scoring
from fangdu.bench.away.art import art_summary
from fangdu.bench.away.dataset import (
    COPY,
    NEGATIVE,
    AwayDataset,
    Query,
    build,
    draw_query,
    draw_reference,
)
from fangdu.bench.away.queries import COPY_CLASSES, NEGATIVE_CLASSES
from fangdu.bench.shortlist import CUTOFFS, rank_of, shortlist_recall

GENERATOR_VERSION = 1  # bump when the drawings change: cached images are then redrawn
TOP_K = 10
TARGET_PRECISION = 0.9
SHORTLIST_DEPTH = max(CUTOFFS)
FANGDU = [sys.executable, "-c", "from fangdu.cli import main; main()"]

# A ranked answer: (ref_id, score, verdict), best first.
Answer = list[tuple[str, float, str]]


def run_away(
    out: Path,
    *,
    size: str = "quick",
    seed: int = 0,
    jobs: int = 2,
    rescore: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict:
    """The whole benchmark; returns what it writes to ``out/away.json``. ``rescore``: score
    the last import and check of this size and seed again instead of running them."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dataset = build(size, seed)
    data = out / f"away-data-{size}-{seed}"
    draw_dataset(dataset, data, jobs=jobs, log=log)
    t_draw = time.perf_counter() - t0
    home = data / "home"
    env = {**os.environ, "FANGDU_HOME": str(home)}
    done = data / "run.json"
    if rescore and done.exists() and (data / "check.jsonl").exists():
        product = json.loads(done.read_text())
        log("away: rescoring the last import and check")
    else:
        product = _import_and_check(dataset, data, home, env, log)
        done.write_text(json.dumps(product))
    answers = parse_check((data / "check.jsonl").read_text().splitlines())
    log(f"away: {len(answers)} answers; shortlist ranks")
    # The code may have moved on since the import (other work lands migrations): bring the
    # throwaway home's schema up to date before reading it in process.
    subprocess.run(
        [*FANGDU, "--home", str(home), "db", "upgrade"], capture_output=True, env=env, check=False
    )
    t3 = time.perf_counter()
    ranks, verified = shortlist_ranks(home, dataset, data / "queries")
    t_short = time.perf_counter() - t3
    results = score(dataset.queries, answers, ranks)
    results["where_lost"] = where_lost(dataset.queries, answers, ranks, verified)
    results["shortlist_ranks"] = ranks
    results["config"] = {
        "size": size,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "n_references": len(dataset.references),
        "imported": product["imported"],
        "n_queries": len(dataset.queries),
        "art_available": art_summary(),
        "art_used": dataset.art_used,
        "verified_shortlist": verified,
        "engine": _engine(),
        "seconds": {
            "draw": round(t_draw, 1),
            "import": product["import_seconds"],
            "check": product["check_seconds"],
            "shortlist": round(t_short, 1),
        },
        "commands": [
            f"fangdu --home H import {data / 'refs'} --owner away-bench",
            f"fangdu --home H check --json --top-k {TOP_K} {data / 'queries'}",
        ],
    }
    (out / "away.json").write_text(json.dumps(results, indent=2, allow_nan=True))
    (out / "away.md").write_text(render_markdown(results))
    log(f"away: wrote {out / 'away.md'} ({time.perf_counter() - t0:.0f} s in all)")
    return results


def _import_and_check(
    dataset: AwayDataset, data: Path, home: Path, env: dict, log: Callable[[str], None]
) -> dict:
    """``fangdu import`` into a fresh home, then ``fangdu check --json``; output kept."""
    shutil.rmtree(home, ignore_errors=True)
    log(f"away: fangdu import ({len(dataset.references)} references)")
    t1 = time.perf_counter()
    imp = subprocess.run(
        [*FANGDU, "--home", str(home), "import", str(data / "refs"), "--owner", "away-bench"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    t_import = time.perf_counter() - t1
    if imp.returncode != 0:
        raise RuntimeError(f"fangdu import failed: {imp.stderr[-2000:]}")
    log(f"away: {imp.stdout.strip()} in {t_import:.0f} s")
    log(f"away: fangdu check --json --top-k {TOP_K} ({len(dataset.queries)} queries)")
    t2 = time.perf_counter()
    check = [*FANGDU, "--home", str(home), "check", "--json", "--top-k", str(TOP_K)]
    chk = subprocess.run(
        [*check, str(data / "queries")], capture_output=True, text=True, env=env, check=False
    )
    t_check = time.perf_counter() - t2
    if chk.returncode != 0 and not chk.stdout:
        raise RuntimeError(f"fangdu check failed: {chk.stderr[-2000:]}")
    (data / "check.jsonl").write_text(chk.stdout)
    log(f"away: checked in {t_check:.0f} s")
    return {
        "imported": imp.stdout.strip(),
        "import_seconds": round(t_import, 1),
        "check_seconds": round(t_check, 1),
    }


def _engine() -> dict[str, str]:
    """Which Fangdu ran: its source folder and, when that is a git checkout, the commit and
    whether the tree had uncommitted changes there (run a snapshot for figures of record)."""
    import fangdu

    src = Path(fangdu.__file__).resolve().parent
    info = {"source": str(src)}
    try:
        head = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--", "similarity", "registry"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["commit"] = head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = os.environ.get("FANGDU_ENGINE_COMMIT", "unknown (not a git checkout)")
    return info


# -- drawing ---------------------------------------------------------------------------------

_DATASET: AwayDataset | None = None


def _init_worker(dataset: AwayDataset) -> None:
    global _DATASET
    _DATASET = dataset
    cv2.setNumThreads(1)


def _draw_one(task: tuple[str, int, str]) -> str:
    what, i, folder = task
    assert _DATASET is not None
    if what == "ref":
        ref = _DATASET.references[i]
        img, (fmt, quality) = draw_reference(ref), ("png", 0)
        name = ref.ref_id
    else:
        q = _DATASET.queries[i]
        img, (fmt, quality) = draw_query(q, _DATASET)
        name = q.query_id
    path = Path(folder) / f"{name}.{fmt}"
    params = (
        [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == "jpg" else [cv2.IMWRITE_PNG_COMPRESSION, 3]
    )
    tmp = path.with_suffix(".tmp." + fmt)
    if not cv2.imwrite(str(tmp), np.ascontiguousarray(img[..., ::-1]), params):
        raise OSError(f"cannot write {tmp}")
    tmp.replace(path)
    return name


def draw_dataset(
    dataset: AwayDataset, data: Path, *, jobs: int = 2, log: Callable[[str], None] = print
) -> None:
    """Draw every image not drawn yet (a finished folder is reused as it is)."""
    stamp = data / "drawn.json"
    want = {
        "generator_version": GENERATOR_VERSION,
        "seed": dataset.seed,
        "references": len(dataset.references),
        "queries": len(dataset.queries),
    }
    if stamp.exists() and json.loads(stamp.read_text()) == want:
        log(f"away: reusing the images in {data}")
        return
    started = data / "drawing.json"  # an interrupted drawing of the same dataset resumes
    if not (started.exists() and json.loads(started.read_text()) == want):
        for sub in ("refs", "queries"):
            shutil.rmtree(data / sub, ignore_errors=True)
            (data / sub).mkdir(parents=True)
        started.write_text(json.dumps(want))
    for partial in [*(data / "refs").glob("*.tmp.*"), *(data / "queries").glob("*.tmp.*")]:
        partial.unlink()
    done = {p.stem for sub in ("refs", "queries") for p in (data / sub).iterdir()}
    tasks = [
        ("ref", i, str(data / "refs"))
        for i, r in enumerate(dataset.references)
        if r.ref_id not in done
    ]
    tasks += [
        ("query", i, str(data / "queries"))
        for i, q in enumerate(dataset.queries)
        if q.query_id not in done
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max(1, jobs), initializer=_init_worker, initargs=(dataset,)) as ex:
        for n, _ in enumerate(ex.map(_draw_one, tasks, chunksize=8), 1):
            if n % 250 == 0 or n == len(tasks):
                log(f"away: drawn {n}/{len(tasks)} images ({time.perf_counter() - t0:.0f} s)")
    stamp.write_text(json.dumps(want))


# -- results ---------------------------------------------------------------------------------


def parse_check(lines: Iterable[str]) -> dict[str, Answer]:
    """``check --json`` lines -> {query id: [(ref id, score, verdict), ...]}; ids are the
    file names without extension (the titles ``import`` gives)."""
    answers: dict[str, Answer] = {}
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        qid = Path(obj["query"]).stem
        answers[qid] = [
            (Path(m["title"]).stem, float(m["score"]), str(m.get("verdict", "")))
            for m in obj.get("matches", [])
        ]
    return answers


def shortlist_ranks(
    home: Path, dataset: AwayDataset, queries: Path
) -> tuple[dict[str, int | None], int]:
    """For every copy query: the rank of its source among the first 200 global candidates,
    fingerprinted exactly as ``check`` does; also the shortlist size ``check`` verifies."""
    from fangdu.app import Fangdu
    from fangdu.config import load_settings
    from fangdu.registry.pipeline import prepare

    files = {p.stem: p for p in queries.iterdir() if not p.name.endswith(".tmp")}
    ranks: dict[str, int | None] = {}
    with Fangdu.build(load_settings(home), read_only=True) as core:
        registry = core.registry
        # The searcher lives on the registry's reference index (older trees: the registry).
        references = getattr(registry, "references", registry)
        references.catch_up()
        searcher = references.searcher
        max_pixels = registry.settings.max_image_pixels
        titles: dict[int, str] = {}
        for q in dataset.queries:
            if q.group != COPY:
                continue
            fp = prepare(files[q.query_id].read_bytes(), max_pixels).fingerprint_object()
            cands = [ref for ref, _ in searcher.candidates(fp, SHORTLIST_DEPTH)]
            missing = [c for c in cands if c not in titles]
            if missing:
                with registry.unit_of_work() as repo:
                    for ref, target in repo.ref_targets(missing).items():
                        titles[ref] = Path(target.title).stem
            ranks[q.query_id] = rank_of([titles.get(c, "") for c in cands], q.source)
        verified = int(searcher.shortlist)
    return ranks, verified


def score(
    queries: Iterable[Query],
    answers: Mapping[str, Answer],
    ranks: Mapping[str, int | None],
) -> dict:
    """The figures of one run: μAP, recall @ P90, top-1 and shortlist recall per class,
    verdicts given to hard negatives."""
    queries = list(queries)
    positives = {(q.query_id, q.source) for q in queries if q.group == COPY}
    preds = [(q, r, s) for q, ans in answers.items() for r, s, _ in ans]
    recall90, thr90 = scoring.recall_at_precision(preds, positives, TARGET_PRECISION)
    copies = [q for q in queries if q.group == COPY]
    negatives = [q for q in queries if q.group == NEGATIVE]

    def mean(values: list[bool]) -> float:
        return float(np.mean(values)) if values else math.nan

    def top1(q: Query) -> bool:
        ans = answers.get(q.query_id) or []
        return bool(ans) and ans[0][0] == q.source

    def in_top(q: Query) -> bool:
        return any(r == q.source for r, _, _ in answers.get(q.query_id) or [])

    def verdict_of_source(q: Query) -> str:
        return next((v for r, _, v in answers.get(q.query_id) or [] if r == q.source), "")

    def flagged(q: Query, verdicts: tuple[str, ...]) -> bool:
        return any(v in verdicts for _, _, v in answers.get(q.query_id) or [])

    copy_pairs = [(q, r) for q, ans in answers.items() for r, _, v in ans if v == "copy"]
    by_class = {}
    for kind in COPY_CLASSES:
        group = [q for q in copies if q.kind == kind]
        by_class[kind] = {
            "n": len(group),
            "top1": mean([top1(q) for q in group]),
            "in_top10": mean([in_top(q) for q in group]),
            "copy_verdict": mean([verdict_of_source(q) == "copy" for q in group]),
            "similar_or_copy": mean([verdict_of_source(q) in ("copy", "similar") for q in group]),
        }
    neg_class = {}
    for kind in NEGATIVE_CLASSES:
        group = [q for q in negatives if q.kind == kind]
        neg_class[kind] = {
            "n": len(group),
            "any_similar": mean([flagged(q, ("similar", "copy")) for q in group]),
            "any_copy": mean([flagged(q, ("copy",)) for q in group]),
        }
    kind_of = {q.query_id: q.kind for q in queries}
    return {
        "micro_ap": scoring.micro_average_precision(preds, positives),
        "recall_at_p90": recall90,
        "threshold_at_p90": thr90,
        "top1": mean([top1(q) for q in copies]),
        "copy_verdict_precision": (
            sum(1 for pair in copy_pairs if pair in positives) / len(copy_pairs)
            if copy_pairs
            else math.nan
        ),
        "copy_verdict_recall": mean([verdict_of_source(q) == "copy" for q in copies]),
        "negatives_any_similar": mean([flagged(q, ("similar", "copy")) for q in negatives]),
        "negatives_any_copy": mean([flagged(q, ("copy",)) for q in negatives]),
        "by_class": by_class,
        "negatives_by_class": neg_class,
        "shortlist": shortlist_recall({q: r for q, r in ranks.items() if kind_of.get(q)}, kind_of),
        "answered": len(answers),
    }


def where_lost(
    queries: Iterable[Query],
    answers: Mapping[str, Answer],
    ranks: Mapping[str, int | None],
    verified: int,
) -> dict[str, dict[str, int]]:
    """Per class, copies whose source is not ranked first: how many never reached the
    verified shortlist (the rest reached it and were ranked below another reference)."""
    out: dict[str, dict[str, int]] = {}
    for q in queries:
        if q.group != COPY:
            continue
        row = out.setdefault(q.kind, {"copies": 0, "not_first": 0, "not_shortlisted": 0})
        row["copies"] += 1
        ans = answers.get(q.query_id) or []
        if ans and ans[0][0] == q.source:
            continue
        row["not_first"] += 1
        rank = ranks.get(q.query_id)
        if rank is None or rank > verified:
            row["not_shortlisted"] += 1
    keys = ("copies", "not_first", "not_shortlisted")
    out["all"] = {k: sum(r[k] for r in out.values()) for k in keys}
    return out


def _f(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞"
    return f"{x:.{digits}f}"


def render_markdown(results: dict) -> str:
    cfg = results.get("config", {})
    lines = [
        "# Away benchmark",
        "",
        f"size {cfg.get('size')}, seed {cfg.get('seed')}: {cfg.get('n_references')} references "
        f"({cfg.get('imported')}), {cfg.get('n_queries')} queries; art available "
        f"{cfg.get('art_available')}, motifs used {cfg.get('art_used')}; seconds "
        f"{cfg.get('seconds')}; engine {cfg.get('engine')}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| μAP | {_f(results['micro_ap'], 3)} |",
        f"| recall @ precision 0.9 | {_f(results['recall_at_p90'], 3)} |",
        f"| score threshold for precision 0.9 | {_f(results['threshold_at_p90'], 3)} |",
        f"| top-1 (all copies) | {_f(results['top1'], 3)} |",
        f"| precision of `copy` verdicts | {_f(results['copy_verdict_precision'], 3)} |",
        f"| copies whose source got `copy` | {_f(results['copy_verdict_recall'], 3)} |",
        f"| hard negatives given any `similar` or `copy` | "
        f"{_f(results['negatives_any_similar'], 3)} |",
        f"| hard negatives given any `copy` | {_f(results['negatives_any_copy'], 3)} |",
        "",
        f"Per copy class (shortlist: rank of the source among the global candidates; "
        f"`check` verifies the first {cfg.get('verified_shortlist', '?')}):",
        "",
        "| class | n | top-1 | in top 10 | source `copy` | source ≥ `similar` | "
        + " | ".join(f"shortlist @{k}" for k in CUTOFFS)
        + " |",
        "|---" * (6 + len(CUTOFFS)) + "|",
    ]
    short = results["shortlist"]
    for kind, row in results["by_class"].items():
        s = short.get(kind, {})
        lines.append(
            f"| {kind} | {row['n']} | {_f(row['top1'])} | {_f(row['in_top10'])} | "
            f"{_f(row['copy_verdict'])} | {_f(row['similar_or_copy'])} | "
            + " | ".join(_f(s.get(f"@{k}")) for k in CUTOFFS)
            + " |"
        )
    s = short.get("all", {})
    lines.append(
        f"| all | {int(s.get('n', 0))} | {_f(results['top1'])} | | | | "
        + " | ".join(_f(s.get(f"@{k}")) for k in CUTOFFS)
        + " |"
    )
    lost = results.get("where_lost", {}).get("all")
    if lost:
        lines += [
            "",
            f"Copies whose source is not ranked first: {lost['not_first']} of "
            f"{lost['copies']}; of them {lost['not_shortlisted']} never reached the verified "
            "shortlist.",
        ]
    lines += [
        "",
        "Hard negatives:",
        "",
        "| class | n | any `similar`/`copy` | any `copy` |",
        "|---|---|---|---|",
    ]
    for kind, row in results["negatives_by_class"].items():
        lines.append(f"| {kind} | {row['n']} | {_f(row['any_similar'])} | {_f(row['any_copy'])} |")
    return "\n".join(lines) + "\n"
