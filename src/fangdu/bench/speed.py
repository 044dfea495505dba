"""Speed and memory benchmarks: the vector index at a million references.

Synthetic unit vectors stand in for references beyond what can be rendered on two cores;
queries are noisy copies of stored vectors so recall is measured as well as latency.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from fangdu.similarity.index import FaissIndex

if TYPE_CHECKING:
    from fangdu.registry.services import Registry


def _rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_mib(path: Path) -> float:
    if not path.exists():
        return 0.0
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def _reader_peak_mib(home: Path, query: Path) -> float | str:
    """Peak memory of a fresh `fangdu check` on the home: what one serving process needs to
    open the registry read-only, load the index and verify a shortlist (or why it failed)."""
    # A fresh parent whose only child is the check: RUSAGE_CHILDREN's peak is then the
    # check's alone, not this process's decoding workers'.
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    fangdu = str(Path(sys.executable).with_name("fangdu"))
    done = subprocess.run(
        [sys.executable, "-c", probe, fangdu, "--home", str(home), "check", str(query)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"failed: {done.stderr.strip()[-200:]}"
    return round(int(done.stdout.strip()) / 1024, 0)


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def index_benchmark(
    n_refs: int, dim: int, views: int = 2, n_queries: int = 200, seed: int = 0
) -> dict[str, float]:
    """Build an index of ``n_refs`` references (``views`` vectors each), save, reload, search."""
    rng = np.random.default_rng(seed)
    rss_before = _rss_peak_mib()
    targets = np.sort(rng.choice(n_refs, n_queries, replace=False))
    originals = np.zeros((n_queries, dim), np.float32)
    chunk = 100_000
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = None
        for first in range(0, n_refs, chunk):
            ids = np.arange(first, min(first + chunk, n_refs))
            vectors = _unit(rng, len(ids) * views, dim)
            per_ref = [vectors[i * views : (i + 1) * views] for i in range(len(ids))]
            if index is None:
                index = FaissIndex.build(
                    Path(tmp), dim, ids, per_ref, expected_vectors=n_refs * views
                )
            else:
                index.add(ids, per_ref)
            inside = (targets >= ids[0]) & (targets <= ids[-1])
            originals[inside] = vectors[(targets[inside] - first) * views]
        build_s = time.perf_counter() - started
        index.compact()
        size_mib = index.path.stat().st_size / 2**20
        del index, vectors, per_ref
        # A copy's descriptor is close to, not equal to, its original's.
        noisy = originals + 0.35 / np.sqrt(dim) * rng.standard_normal(
            (n_queries, dim), dtype=np.float32
        )
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        index = FaissIndex.open(Path(tmp), dim)
        latencies, hits = [], 0
        for target, query in zip(targets.tolist(), noisy, strict=True):
            started = time.perf_counter()
            found = index.search(np.vstack([query, query[::-1]]), 40)
            latencies.append((time.perf_counter() - started) * 1000)
            hits += any(ref == target for ref, _ in found)
        # One registration's worth of index work: add a reference and make it durable (a
        # journal append, never a rewrite of the snapshot).
        appends = []
        for i in range(20):
            started = time.perf_counter()
            index.add(np.array([n_refs + i]), [_unit(rng, views, dim)])
            index.save(position=i + 1)
            appends.append((time.perf_counter() - started) * 1000)
    return {
        "references": n_refs,
        "vectors": n_refs * views,
        "dim": dim,
        "build_s": round(build_s, 1),
        "file_mib": round(size_mib, 1),
        "peak_rss_mib": round(_rss_peak_mib(), 0),
        "peak_rss_growth_mib": round(_rss_peak_mib() - rss_before, 0),
        "search_p50_ms": round(statistics.median(latencies), 2),
        "search_p90_ms": round(float(np.percentile(latencies, 90)), 2),
        "recall_at_40": round(hits / n_queries, 3),
        "add_one_p50_ms": round(statistics.median(appends), 2),
    }


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def check_benchmark(
    n_refs: int = 100_000,
    n_real: int = 200,
    n_queries: int = 60,
    size: int = 768,
    seed: int = 0,
    shortlist: int | None = None,
    progress: Callable[[str], None] = print,
) -> dict[str, float]:
    """``import`` throughput on rendered prints, then ``check`` latency against ``n_refs``.

    References beyond the ``n_real`` rendered ones are synthetic: real fingerprints whose global
    vectors are blends of real ones plus noise, and whose local descriptors are scrambled, so
    both shortlists fill with them and every query
    fetches and verifies as many candidates as it would in a full library. The fingerprint
    cache is cleared before each query so each one reads its candidates from the database.
    """
    from fangdu.app import Fangdu
    from fangdu.config import Settings
    from fangdu.registry.pipeline import tune_allocator
    from fangdu.synth import VARIANT_KINDS, make_print, make_variant

    tune_allocator()  # as the `fangdu` command does, so latencies match the CLI's
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "prints"
        folder.mkdir()
        progress(f"rendering {n_real} prints of {size} px")
        prints = []
        for i in range(n_real):
            pattern = make_print(seed * 100_000 + i, size=size)
            prints.append(pattern)
            cv2.imwrite(str(folder / f"print-{i:04d}.png"), pattern.rgb[:, :, ::-1])
        core = Fangdu.build(Settings(home=root / "home"))
        registry = core.registry
        if shortlist is not None:
            registry.references.searcher.shortlist = shortlist
        try:
            started = time.perf_counter()
            summary = registry.filing.import_files(sorted(folder.iterdir()))
            import_s = time.perf_counter() - started
            progress(f"imported {n_real} in {import_s:.1f} s; adding synthetic references")
            _add_synthetic_refs(registry, n_refs - n_real, rng)
            started = time.perf_counter()
            registry.references.rebuild_index()
            rebuild_s = time.perf_counter() - started
            progress(f"index rebuilt over {len(registry.index)} references; checking")
            latencies, correct = [], 0
            for q in range(n_queries):
                target = int(rng.integers(n_real))
                kind = VARIANT_KINDS[q % len(VARIANT_KINDS)]
                copy = make_variant(prints[target], kind, rng)
                ok, encoded = cv2.imencode(".jpg", copy[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
                assert ok
                # Each query reads its candidates from the database.
                registry.references.clear_caches()
                started = time.perf_counter()
                matches = registry.checking.check_bytes(encoded.tobytes(), top_k=10)
                latencies.append((time.perf_counter() - started) * 1000)
                correct += bool(matches) and matches[0].title == f"print-{target:04d}"
            home = root / "home"
            disk = {
                "database_mib": round(_tree_mib(home / "fangdu.sqlite3"), 0),
                "database_wal_mib": round(_tree_mib(home / "fangdu.sqlite3-wal"), 0),
                "index_files_mib": round(_tree_mib(registry.settings.index_path), 0),
                "blobs_mib": round(_tree_mib(registry.settings.blobs_path), 1),
                "log_key_files_mib": round(_tree_mib(registry.settings.keys_path), 2),
            }
            query = root / "query.jpg"
            query.write_bytes(encoded.tobytes())
        finally:
            core.close()
        reader_mib = _reader_peak_mib(home, query)
    return {
        "references": n_refs,
        "rendered_references": n_real,
        "import_images": summary.imported,
        "import_images_per_s": round(summary.imported / import_s, 1),
        "index_rebuild_s": round(rebuild_s, 1),
        "queries": n_queries,
        "shortlist": registry.references.searcher.shortlist,
        "check_p50_ms": _percentile(latencies, 50),
        "check_p90_ms": _percentile(latencies, 90),
        "top1_correct": correct,
        "peak_rss_mib": round(_rss_peak_mib(), 0),
        "reader_peak_rss_mib": reader_mib,
        **disk,
    }


def _add_synthetic_refs(registry: Registry, count: int, rng: np.random.Generator) -> None:
    """Bulk-insert ``count`` stand-in works, each with a fingerprint derived from a real one."""
    from sqlalchemy import func, insert, select

    from fangdu.registry.models import SearchRef, Work
    from fangdu.similarity import Fingerprint

    with registry.unit_of_work() as repo:
        real = [
            (Fingerprint.from_bytes(data), version)
            for _, data, version in repo.searchable_fingerprints()
        ]
        next_work = repo.session.scalar(select(func.max(Work.id))) + 1
        next_ref = repo.session.scalar(select(func.max(SearchRef.id))) + 1
    vectors = np.stack([fp.global_vectors for fp, _ in real])  # (n_real, views, dim)
    parts = [_word_parts(fp.descriptors) for fp, _ in real]
    chunk = 5_000
    for first in range(0, count, chunk):
        n = min(chunk, count - first)
        works, refs = [], []
        for j in range(n):
            a, b = rng.choice(len(real), 2, replace=False)
            weight = rng.uniform(0.3, 0.7)
            blend = weight * vectors[a] + (1 - weight) * vectors[b]
            blend += 0.05 * rng.standard_normal(blend.shape, dtype=np.float32)
            blend /= np.linalg.norm(blend, axis=1, keepdims=True)
            source, version = real[a]
            descriptors = _fresh_residuals(parts[a], rng)
            fingerprint = replace(
                source, global_vectors=blend.astype(np.float32), descriptors=descriptors
            )
            work_id, ref_id = next_work + first + j, next_ref + first + j
            works.append(
                {
                    "id": work_id,
                    "title": f"synthetic-{work_id}",
                    "status": "registered",
                    "registration_no": f"FD-1999-{work_id:07d}",
                    "image_sha256": rng.bytes(32).hex(),
                    "image_format": "PNG",
                    "image_width": source.width,
                    "image_height": source.height,
                    "image_size": 0,
                }
            )
            refs.append(
                {
                    "id": ref_id,
                    "kind": "work",
                    "work_id": work_id,
                    "fingerprint": fingerprint.to_bytes(),
                    "fingerprint_version": version,
                    "scale": source.scale,
                }
            )
        with registry.unit_of_work() as repo:
            repo.session.execute(insert(Work), works)
            repo.session.execute(insert(SearchRef), refs)


def _word_parts(descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each local descriptor's visual-word centroid and residual length (``_fresh_residuals``)."""
    from fangdu.similarity._model import QUANT_SCALE, matmul_t
    from fangdu.similarity._words import vocabulary

    x = descriptors.astype(np.float32) / QUANT_SCALE
    centroids = vocabulary()
    nearest = np.argmin(matmul_t(x, centroids, -2.0) + (centroids**2).sum(1)[None], axis=1)
    return centroids[nearest], np.linalg.norm(x - centroids[nearest], axis=1, keepdims=True)


def _fresh_residuals(parts: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A stand-in's local descriptors: each of its source's features keeps its visual word
    (``_word_parts``) but gets a random residual of the same length. The word lists then fill
    as a library of real prints fills them (scrambled descriptors crowded a few words: the most
    common was held by 88 % of the references, against 43 % among real prints), while the
    stand-in is no copy of its source, which would tie with it in both shortlists."""
    from fangdu.similarity._model import QUANT_SCALE

    centroids, lengths = parts
    fresh = rng.standard_normal(centroids.shape).astype(np.float32)
    fresh *= lengths / np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-6)
    return np.clip(np.rint((centroids + fresh) * QUANT_SCALE), -127, 127).astype(np.int8)


def render_markdown(index: dict[str, float], check: dict[str, float]) -> str:
    """The speed section of docs/BENCHMARKS.md."""
    return "\n".join(
        [
            "# Speed benchmark",
            "",
            f"`check` against {check['references']:,} references "
            f"({check['rendered_references']} rendered prints, the rest synthetic fingerprints "
            "whose shortlist vectors are blends of real ones, so every query fetches and "
            "verifies a full shortlist from the database):",
            "",
            "| figure | value | target |",
            "|---|---|---|",
            f"| `import` throughput ({check['import_images']} prints, 768 px PNG) "
            f"| {check['import_images_per_s']} images/s | ≥ 20 images/s |",
            f"| `check` latency per query, p50 (shortlist {check['shortlist']}) "
            f"| {check['check_p50_ms']} ms | ≤ 300 ms |",
            f"| `check` latency per query, p90 | {check['check_p90_ms']} ms | |",
            f"| queries whose best match was their source | {check['top1_correct']} of "
            f"{check['queries']} | |",
            f"| index rebuild from the database | {check['index_rebuild_s']} s | |",
            f"| database on disk (SQLite file + WAL) | {check['database_mib']} + "
            f"{check['database_wal_mib']} MiB | |",
            f"| index files on disk | {check['index_files_mib']} MiB | |",
            f"| peak memory of one `fangdu check` on the home | {check['reader_peak_rss_mib']} MiB "
            "| |",
            "",
            f"Vector index alone at {index['references']:,} references ({index['vectors']:,} "
            f"vectors of {index['dim']} dimensions, IVF + 8-bit scalar quantisation):",
            "",
            "| figure | value | target |",
            "|---|---|---|",
            f"| build (train + add, in chunks of 100,000) | {index['build_s']} s | |",
            f"| file on disk | {index['file_mib']} MiB | |",
            f"| peak resident memory of the whole run | {index['peak_rss_mib']} MiB | ≤ 4096 MiB |",
            f"| search p50 (2 query vectors, top 40) | {index['search_p50_ms']} ms | ≤ 50 ms |",
            f"| search p90 | {index['search_p90_ms']} ms | |",
            f"| recall@40 of noisy copies of stored vectors | {index['recall_at_40']} | |",
            f"| add one reference and make it durable, p50 | {index['add_one_p50_ms']} ms | "
            "milliseconds, no rewrite |",
            "",
        ]
    )
