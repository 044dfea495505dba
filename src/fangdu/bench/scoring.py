"""Accuracy metrics of a copy-detection run, following the DISC21 matching-track definitions.

A run is a pool of predictions ``(query_id, ref_id, score)`` over all queries; the ground truth
is the set of ``(query_id, ref_id)`` pairs that are copies. Queries with no copy in the library
(hard negatives, unrelated prints) have no ground-truth pair: anything they retrieve is a false
positive. Pairs never predicted still count as positives, so they lower recall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

Prediction = tuple[str, str, float]  # (query_id, ref_id, score)


@dataclass(frozen=True)
class Curve:
    """Precision and recall after each distinct score threshold, highest threshold first."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


def _dedupe(predictions: Iterable[Prediction]) -> dict[tuple[str, str], float]:
    """One score per (query, reference) pair: the best, as DISC21 allows one per pair."""
    best: dict[tuple[str, str], float] = {}
    for query, ref, score in predictions:
        key = (query, ref)
        if key not in best or score > best[key]:
            best[key] = float(score)
    return best


def pr_curve(predictions: Iterable[Prediction], positives: set[tuple[str, str]]) -> Curve:
    """The pooled (micro) precision-recall curve.

    Predictions with equal scores are one step: a threshold cannot separate them, so the
    result does not depend on the order in which ties happen to be listed.
    """
    pooled = _dedupe(predictions)
    if not pooled:
        empty = np.zeros(0)
        return Curve(empty, empty, empty)
    scores = np.fromiter(pooled.values(), float, len(pooled))
    hits = np.fromiter((pair in positives for pair in pooled), bool, len(pooled))
    order = np.argsort(-scores, kind="stable")
    scores, hits = scores[order], hits[order]
    tp = np.cumsum(hits)
    # The last index of each run of equal scores closes that threshold's step.
    last = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1]
    n_pos = max(len(positives), 1)
    return Curve(scores[last], tp[last] / (last + 1), tp[last] / n_pos)


def micro_average_precision(
    predictions: Iterable[Prediction], positives: set[tuple[str, str]]
) -> float:
    """DISC21 μAP: sum over thresholds of (recall gained) × (precision there), not interpolated.

    The denominator is every ground-truth pair, retrieved or not.
    """
    if not positives:
        return 0.0
    curve = pr_curve(predictions, positives)
    gains = np.diff(np.r_[0.0, curve.recall])
    return float(np.sum(gains * curve.precision))


def recall_at_precision(
    predictions: Iterable[Prediction], positives: set[tuple[str, str]], precision: float = 0.9
) -> tuple[float, float]:
    """Highest recall at a threshold whose precision is at least ``precision``.

    Returns (recall, threshold); (0.0, inf) when no threshold reaches that precision.
    """
    curve = pr_curve(predictions, positives)
    ok = curve.precision >= precision
    if not ok.any():
        return 0.0, float("inf")
    i = int(np.argmax(np.where(ok, curve.recall, -1.0)))
    return float(curve.recall[i]), float(curve.thresholds[i])


def top1_correct(
    ranked: Mapping[str, list[tuple[str, float]]], truth: Mapping[str, str]
) -> dict[str, bool]:
    """For each query with a copy in the library: is the first-ranked reference that copy?"""
    return {q: bool(ranked.get(q)) and ranked[q][0][0] == ref for q, ref in truth.items()}


def false_positive_rate(
    ranked: Mapping[str, list[tuple[str, float]]], queries: Iterable[str], threshold: float
) -> float:
    """Fraction of ``queries`` (none of which has a copy) whose best score reaches ``threshold``."""
    queries = list(queries)
    if not queries:
        return 0.0
    flagged = sum(1 for q in queries if ranked.get(q) and ranked[q][0][1] >= threshold)
    return flagged / len(queries)


def precision_recall_at(
    predictions: Iterable[Prediction], positives: set[tuple[str, str]], threshold: float
) -> tuple[float, float]:
    """Pooled precision and recall of the predictions scoring at least ``threshold``."""
    kept = [pair for pair, s in _dedupe(predictions).items() if s >= threshold]
    tp = sum(1 for pair in kept if pair in positives)
    precision = tp / len(kept) if kept else 1.0
    return precision, tp / len(positives) if positives else 0.0
