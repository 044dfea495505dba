"""Speed and memory benchmarks: the vector index at a million references.

Synthetic unit vectors stand in for references beyond what can be rendered on two cores;
queries are noisy copies of stored vectors so recall is measured as well as latency.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from fangdu.similarity.index import FaissIndex


def _rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def index_benchmark(n_refs: int, dim: int, views: int = 2, n_queries: int = 200,
                    seed: int = 0) -> dict[str, float]:
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
            per_ref = [vectors[i * views:(i + 1) * views] for i in range(len(ids))]
            if index is None:
                index = FaissIndex.build(Path(tmp), dim, ids, per_ref,
                                         expected_vectors=n_refs * views)
            else:
                index.add(ids, per_ref)
            inside = (targets >= ids[0]) & (targets <= ids[-1])
            originals[inside] = vectors[(targets[inside] - first) * views]
        build_s = time.perf_counter() - started
        index.save()
        size_mib = index.path.stat().st_size / 2**20
        del index, vectors, per_ref
        # A copy's descriptor is close to, not equal to, its original's.
        noisy = originals + 0.35 / np.sqrt(dim) * rng.standard_normal(
            (n_queries, dim), dtype=np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        index = FaissIndex.open(Path(tmp), dim)
        latencies, hits = [], 0
        for target, query in zip(targets.tolist(), noisy, strict=True):
            started = time.perf_counter()
            found = index.search(np.vstack([query, query[::-1]]), 40)
            latencies.append((time.perf_counter() - started) * 1000)
            hits += any(ref == target for ref, _ in found)
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
    }
