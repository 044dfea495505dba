"""Shortlist by visual words and global vectors, then verify each candidate geometrically."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fangdu.similarity import Fingerprint, compare
from fangdu.similarity._prefilter import PREFILTER, PreQuery
from fangdu.similarity.index import VectorIndex
from fangdu.similarity.types import Match
from fangdu.similarity.word_index import WordIndex

# Of the verified shortlist, this many come from the visual words (where partial, re-scaled and
# photographed copies rank well) before the global vectors' order fills the rest.
WORD_SHORTLIST = 15

T = TypeVar("T")
R = TypeVar("R")
FetchFingerprints = Callable[[Sequence[int]], Mapping[int, Fingerprint]]


class Searcher:
    """Ranks references for a query: ANN shortlist, then ``compare`` on each candidate.

    The shortlist is the visual-word index's best ``word_shortlist`` (when there is one), then
    the vector index's order, each reference once. Ties in the verified score (typically 0 for
    unrelated candidates) fall back to the candidates' standing in both lists, so the ranking
    stays informative below the thresholds.
    """

    def __init__(
        self,
        index: VectorIndex,
        fetch: FetchFingerprints,
        shortlist: int = 20,
        workers: int = 2,
        prefilter: int = PREFILTER,
        words: WordIndex | None = None,
        word_shortlist: int = WORD_SHORTLIST,
    ) -> None:
        self.index = index
        self.words = words
        self.word_shortlist = word_shortlist
        self.fetch = fetch
        self.shortlist = shortlist
        # Global candidates re-ranked by the cheap pre-verification (see _prefilter) before the
        # best ``shortlist`` are verified; 0 (the default, see _prefilter) keeps the global order.
        self.prefilter = prefilter
        # Threads verifying the shortlist; compare() spends most of its time in OpenCV and
        # numpy calls that release the GIL. 1 verifies in the calling thread.
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # searches run from many threads at once

    def candidates(self, query: Fingerprint, size: int) -> list[tuple[int, float]]:
        """The shortlist: the first ``shortlist`` of these are what ``search`` verifies, as
        (reference id, similarity), best first. The benchmarks measure its recall."""
        return self._candidates(query, size)[0]

    def _candidates(
        self, query: Fingerprint, size: int
    ) -> tuple[list[tuple[int, float]], Mapping[int, Fingerprint]]:
        """``size`` candidates and the fetched fingerprints: the words' and the index's best
        ``max(size, prefilter)``, of which the first ``prefilter`` are re-ranked by the
        pre-verification (ties keep the global order), the rest following in global order."""
        found = self.index.search(query.global_vectors, max(size, self.prefilter))
        if self.words is not None and self.word_shortlist > 0:
            found = _fused(self.words.search(query, self.word_shortlist), found)
            found = found[: max(size, self.prefilter)]
        if not found:
            return [], {}
        references = self.fetch([ref_id for ref_id, _ in found])
        found = [(ref_id, sim) for ref_id, sim in found if references.get(ref_id) is not None]
        if self.prefilter > 0 and len(found) > 1:
            head, tail = found[: self.prefilter], found[self.prefilter :]
            pre = PreQuery(query)
            scores = self._map(lambda item: pre.score(references[item[0]]), head)
            order = sorted(range(len(head)), key=lambda j: (-scores[j], j))
            found = [head[j] for j in order] + tail
        return found[:size], references

    def search(self, query: Fingerprint, top_k: int = 10) -> list[tuple[int, Match]]:
        candidates, references = self._candidates(query, max(self.shortlist, top_k))
        if not candidates:
            return []
        pairs = [(references[ref_id], similarity, ref_id) for ref_id, similarity in candidates]
        matches = self._verify(query, [reference for reference, _, _ in pairs])
        ranked = [
            (match, similarity, ref_id)
            for match, (_, similarity, ref_id) in zip(matches, pairs, strict=True)
        ]
        ranked.sort(key=lambda item: (-item[0].score, -item[1]))
        return [(ref_id, match) for match, _, ref_id in ranked[:top_k]]

    def _verify(self, query: Fingerprint, references: Sequence[Fingerprint]) -> list[Match]:
        """``compare(query, r)`` for each reference, in order."""
        return self._map(lambda reference: compare(query, reference), references)

    def _map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over ``items`` in order, on the verifying threads."""
        if self.workers <= 1 or len(items) < 2:
            return [fn(item) for item in items]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="fangdu-verify")
        return list(self._pool.map(fn, items))


def _fused(
    by_words: list[tuple[int, float]], by_vectors: list[tuple[int, float]]
) -> list[tuple[int, float]]:
    """The words' candidates, then the vectors' others; each scored by its reciprocal ranks in
    both lists, so ties after verification keep the order of the better list."""
    word_rank = {ref_id: rank for rank, (ref_id, _) in enumerate(by_words)}
    vector_rank = {ref_id: rank for rank, (ref_id, _) in enumerate(by_vectors)}
    ordered = list(word_rank) + [ref_id for ref_id in vector_rank if ref_id not in word_rank]
    return [
        (
            ref_id,
            1 / (1 + word_rank.get(ref_id, 1 << 20)) + 1 / (1 + vector_rank.get(ref_id, 1 << 20)),
        )
        for ref_id in ordered
    ]
