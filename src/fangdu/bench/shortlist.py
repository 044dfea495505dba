"""Shortlist recall: does a copy's true source reach the candidates that are verified?

Everything after the global shortlist (geometric verification, scores, verdicts) can only
rank what the shortlist proposes, so its recall per class is the ceiling of the whole check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

CUTOFFS = (10, 20, 50, 200)


def rank_of(candidates: Sequence[str], source: str) -> int | None:
    """1-based position of ``source`` among ``candidates`` (best first), None if absent."""
    for i, ref in enumerate(candidates, 1):
        if ref == source:
            return i
    return None


def shortlist_recall(
    ranks: Mapping[str, int | None],
    kind_of: Mapping[str, str],
    cutoffs: Sequence[int] = CUTOFFS,
) -> dict[str, dict[str, float]]:
    """Per class (and ``all``): share of copies whose source is within each cutoff.

    ``ranks``: query id -> rank of its true source in the shortlist (None: not in it).
    Returns {class: {"n": count, "@10": share, ...}}; classes in first-seen order.
    """
    classes: dict[str, list[int | None]] = {}
    for q, rank in ranks.items():
        classes.setdefault(kind_of[q], []).append(rank)
    classes["all"] = list(ranks.values())
    out: dict[str, dict[str, float]] = {}
    for kind, values in classes.items():
        row: dict[str, float] = {"n": float(len(values))}
        for k in cutoffs:
            hits = sum(1 for r in values if r is not None and r <= k)
            row[f"@{k}"] = hits / len(values) if values else math.nan
        out[kind] = row
    return out


def recording_fangdu(depth: int = max(CUTOFFS)):
    """Fangdu's pipeline as the accuracy bench runs it, also keeping each query's global
    shortlist (``last_candidates``, ``depth`` reference ids, best first). Same fingerprint,
    same search, same results as ``FangduSystem``."""
    from fangdu.bench.systems import FangduSystem
    from fangdu.similarity import extract

    class RecordingFangdu(FangduSystem):
        def __init__(self) -> None:
            super().__init__()
            self.last_candidates: list[str] = []

        def query(self, rgb, k):
            if self._searcher is None:
                return []
            fp = extract(rgb)
            self.last_candidates = [self._ids[n] for n, _ in self._searcher.candidates(fp, depth)]
            found = self._searcher.search(fp, top_k=k)
            return [(self._ids[n], float(match.score)) for n, match in found]

    return RecordingFangdu()
