"""Shortlist by global vectors, then verify each candidate geometrically."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from fangdu.similarity import Fingerprint, compare
from fangdu.similarity.index import VectorIndex
from fangdu.similarity.types import Match

FetchFingerprints = Callable[[Sequence[int]], Mapping[int, Fingerprint]]


class Searcher:
    """Ranks references for a query: ANN shortlist, then ``compare`` on each candidate.

    Ties in the verified score (typically 0 for unrelated candidates) fall back to the
    shortlist similarity so the ranking stays informative below the thresholds.
    """

    def __init__(
        self, index: VectorIndex, fetch: FetchFingerprints, shortlist: int = 20, workers: int = 2
    ) -> None:
        self.index = index
        self.fetch = fetch
        self.shortlist = shortlist
        # Threads verifying the shortlist; compare() spends most of its time in OpenCV and
        # numpy calls that release the GIL. 1 verifies in the calling thread.
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # searches run from many threads at once

    def candidates(self, query: Fingerprint, size: int) -> list[tuple[int, float]]:
        """The global shortlist: the ``size`` references ``search`` would verify, as
        (reference id, global similarity), best first. The benchmarks measure its recall."""
        return self.index.search(query.global_vectors, size)

    def search(self, query: Fingerprint, top_k: int = 10) -> list[tuple[int, Match]]:
        candidates = self.candidates(query, max(self.shortlist, top_k))
        if not candidates:
            return []
        references = self.fetch([ref_id for ref_id, _ in candidates])
        pairs = [
            (references[ref_id], similarity, ref_id)
            for ref_id, similarity in candidates
            if references.get(ref_id) is not None
        ]
        matches = self._verify(query, [reference for reference, _, _ in pairs])
        ranked = [
            (match, similarity, ref_id)
            for match, (_, similarity, ref_id) in zip(matches, pairs, strict=True)
        ]
        ranked.sort(key=lambda item: (-item[0].score, -item[1]))
        return [(ref_id, match) for match, _, ref_id in ranked[:top_k]]

    def _verify(self, query: Fingerprint, references: Sequence[Fingerprint]) -> list[Match]:
        """``compare(query, r)`` for each reference, in order."""
        if self.workers <= 1 or len(references) < 2:
            return [compare(query, reference) for reference in references]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="fangdu-verify")
        return list(self._pool.map(lambda reference: compare(query, reference), references))
