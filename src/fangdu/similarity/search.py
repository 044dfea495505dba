"""Shortlist by global vectors, then verify each candidate geometrically."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from fangdu.similarity import Fingerprint, compare
from fangdu.similarity.index import VectorIndex
from fangdu.similarity.types import Match

FetchFingerprints = Callable[[Sequence[int]], Mapping[int, Fingerprint]]


class Searcher:
    """Ranks references for a query: ANN shortlist, then ``compare`` on each candidate.

    Ties in the verified score (typically 0 for unrelated candidates) fall back to the
    shortlist similarity so the ranking stays informative below the thresholds.
    """

    def __init__(self, index: VectorIndex, fetch: FetchFingerprints, shortlist: int = 40) -> None:
        self.index = index
        self.fetch = fetch
        self.shortlist = shortlist

    def search(self, query: Fingerprint, top_k: int = 10) -> list[tuple[int, Match]]:
        candidates = self.index.search(query.global_vectors, max(self.shortlist, top_k))
        if not candidates:
            return []
        references = self.fetch([ref_id for ref_id, _ in candidates])
        ranked = []
        for ref_id, similarity in candidates:
            reference = references.get(ref_id)
            if reference is None:
                continue
            ranked.append((compare(query, reference), similarity, ref_id))
        ranked.sort(key=lambda item: (-item[0].score, -item[1]))
        return [(ref_id, match) for match, _, ref_id in ranked[:top_k]]

