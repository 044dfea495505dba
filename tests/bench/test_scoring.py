"""The DISC21-style scorer on tiny hand-made runs, and against a naive reference."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.bench.scoring import (
    false_positive_rate,
    micro_average_precision,
    pr_curve,
    precision_recall_at,
    recall_at_precision,
    top1_correct,
)


def test_perfect_run() -> None:
    preds = [("q1", "r1", 0.9), ("q2", "r2", 0.8), ("q2", "r9", 0.1)]
    positives = {("q1", "r1"), ("q2", "r2")}
    assert micro_average_precision(preds, positives) == pytest.approx(1.0)
    assert recall_at_precision(preds, positives) == (pytest.approx(1.0), pytest.approx(0.8))


def test_pair_never_retrieved_counts_against_recall() -> None:
    preds = [("q1", "r1", 0.9)]
    positives = {("q1", "r1"), ("q2", "r2")}
    assert micro_average_precision(preds, positives) == pytest.approx(0.5)
    assert recall_at_precision(preds, positives)[0] == pytest.approx(0.5)


def test_interleaved_false_positive() -> None:
    preds = [("q1", "r1", 0.9), ("q2", "rx", 0.8), ("q2", "r2", 0.7)]
    positives = {("q1", "r1"), ("q2", "r2")}
    # recall 0.5 at precision 1, then recall 1 at precision 2/3
    assert micro_average_precision(preds, positives) == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_ties_are_one_step_whatever_their_order() -> None:
    positives = {("q1", "r1")}
    a = [("q1", "r1", 0.5), ("q2", "rx", 0.5)]
    b = list(reversed(a))
    assert micro_average_precision(a, positives) == pytest.approx(0.5)
    assert micro_average_precision(b, positives) == pytest.approx(0.5)
    assert recall_at_precision(a, positives, 0.9) == (0.0, math.inf)


def test_duplicate_pairs_keep_their_best_score() -> None:
    preds = [("q1", "rx", 0.6), ("q1", "r1", 0.2), ("q1", "r1", 0.9)]
    assert micro_average_precision(preds, {("q1", "r1")}) == pytest.approx(1.0)


def test_empty_inputs() -> None:
    assert micro_average_precision([], {("q1", "r1")}) == 0.0
    assert micro_average_precision([("q1", "r1", 1.0)], set()) == 0.0
    assert recall_at_precision([], {("q1", "r1")}) == (0.0, math.inf)


def test_recall_at_precision_takes_the_best_qualifying_threshold() -> None:
    hits = [True, False, True, True, False]
    preds = [(f"q{i}", "r1" if hit else "rx", 0.9 - 0.1 * i) for i, hit in enumerate(hits)]
    positives = {(f"q{i}", "r1") for i, hit in enumerate(hits) if hit} | {("q9", "r1")}
    recall, threshold = recall_at_precision(preds, positives, 0.9)
    assert (recall, threshold) == (pytest.approx(0.25), pytest.approx(0.9))
    recall, threshold = recall_at_precision(preds, positives, 0.7)
    assert (recall, threshold) == (pytest.approx(0.75), pytest.approx(0.6))
    assert precision_recall_at(preds, positives, 0.6) == (pytest.approx(0.75), pytest.approx(0.75))


def test_false_positive_rate_uses_the_top_score() -> None:
    ranked = {"n1": [("r1", 0.7), ("r2", 0.1)], "n2": [("r1", 0.3)], "n3": []}
    assert false_positive_rate(ranked, ["n1", "n2", "n3"], 0.5) == pytest.approx(1 / 3)
    assert false_positive_rate(ranked, ["n1"], 0.7) == 1.0  # at the threshold counts
    assert false_positive_rate(ranked, [], 0.5) == 0.0


def test_top1() -> None:
    ranked = {"q1": [("r1", 0.9), ("r2", 0.8)], "q2": [("r3", 0.9), ("r2", 0.8)], "q3": []}
    assert top1_correct(ranked, {"q1": "r1", "q2": "r2", "q3": "r3"}) == {
        "q1": True,
        "q2": False,
        "q3": False,
    }


def _naive_ap(preds: list[tuple[str, str, float]], positives: set[tuple[str, str]]) -> float:
    best: dict[tuple[str, str], float] = {}
    for q, r, s in preds:
        best[(q, r)] = max(s, best.get((q, r), -math.inf))
    ap, prev_recall = 0.0, 0.0
    for t in sorted(set(best.values()), reverse=True):
        kept = [pair for pair, s in best.items() if s >= t]
        tp = sum(pair in positives for pair in kept)
        recall = tp / len(positives)
        ap += (recall - prev_recall) * tp / len(kept)
        prev_recall = recall
    return ap


_pair = st.tuples(st.sampled_from(["q1", "q2", "q3", "q4"]), st.sampled_from(["r1", "r2", "r3"]))


@settings(max_examples=200, deadline=None)
@given(
    preds=st.lists(
        st.tuples(_pair, st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9, 1.0])), max_size=25
    ),
    positives=st.sets(_pair, min_size=1, max_size=6),
)
def test_matches_naive_reference(preds: list, positives: set) -> None:
    flat = [(q, r, s) for (q, r), s in preds]
    assert micro_average_precision(flat, positives) == pytest.approx(_naive_ap(flat, positives))
    curve = pr_curve(flat, positives)
    assert all(curve.thresholds[:-1] > curve.thresholds[1:])
    assert all(curve.recall[:-1] <= curve.recall[1:])
    recall, threshold = recall_at_precision(flat, positives, 0.5)
    if recall > 0:
        precision, recall_t = precision_recall_at(flat, positives, threshold)
        assert precision >= 0.5 and recall_t == pytest.approx(recall)
