"""Searcher: the global candidates are re-ranked by the pre-verification before ``compare``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from fangdu.similarity import Fingerprint, extract
from fangdu.similarity import _procedural as proc
from fangdu.similarity._prefilter import PreQuery
from fangdu.similarity.search import Searcher

SIDE = 384


class _FixedIndex:
    """An index whose global ranking is given: ``order`` best first, similarity falling."""

    def __init__(self, order: Sequence[int]) -> None:
        self.order = list(order)

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        return [(ref, 1.0 - 0.01 * i) for i, ref in enumerate(self.order[:k])]


@pytest.fixture(scope="module")
def library() -> dict[int, Fingerprint]:
    """Reference 0 is the source; 1-11 other prints."""
    return {i: extract(proc.tiled_print(300 + i, SIDE, SIDE)) for i in range(12)}


@pytest.fixture(scope="module")
def query() -> Fingerprint:
    return extract(proc.recolour(proc.tiled_print(300, SIDE, SIDE), 7))


def _searcher(library: dict[int, Fingerprint], order: list[int], **kw) -> Searcher:
    return Searcher(_FixedIndex(order), lambda ids: {i: library[i] for i in ids}, **kw)


def test_prefilter_brings_a_low_ranked_source_into_the_shortlist(library, query) -> None:
    order = [*range(1, 12), 0]  # the global ranking puts the source last
    searcher = _searcher(library, order, shortlist=3, prefilter=12, workers=1)
    shortlist = [ref for ref, _ in searcher.candidates(query, 3)]
    assert shortlist[0] == 0
    found = searcher.search(query, top_k=3)
    assert found[0][0] == 0


def test_source_scores_highest_in_the_pre_verification(library, query) -> None:
    pre = PreQuery(query)
    scores = {i: pre.score(fp) for i, fp in library.items()}
    assert max(scores, key=scores.get) == 0
    assert pre.score(Fingerprint(1, 1, 1.0, (1, 1), *_empty())) == 0.0


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((0, 4), np.float32), np.zeros((0, 64), np.int8), np.zeros((2, 256), np.float32)


def test_prefilter_off_keeps_the_global_order(library, query) -> None:
    order = [*range(1, 12), 0]
    searcher = _searcher(library, order, shortlist=3, prefilter=0, workers=1)
    assert [ref for ref, _ in searcher.candidates(query, 3)] == [1, 2, 3]


def test_candidates_beyond_the_prefilter_follow_in_global_order(library, query) -> None:
    order = [*range(1, 12), 0]
    searcher = _searcher(library, order, shortlist=3, prefilter=4, workers=2)
    ranked = [ref for ref, _ in searcher.candidates(query, 12)]
    assert sorted(ranked[:4]) == [1, 2, 3, 4]  # only the first 4 are re-ranked
    assert ranked[4:] == [*range(5, 12), 0]
