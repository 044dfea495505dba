"""The away benchmark's generator and its scoring, on tiny cases (no product run)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fangdu.bench.away import art
from fangdu.bench.away.dataset import COPY, NEGATIVE, build, draw_query, draw_reference
from fangdu.bench.away.queries import COPY_CLASSES, NEGATIVE_CLASSES
from fangdu.bench.away.run import parse_check, score
from fangdu.bench.shortlist import rank_of, shortlist_recall


@pytest.fixture
def procedural(monkeypatch: pytest.MonkeyPatch):
    """Procedural art only, so the test does not depend on the installed fonts."""
    monkeypatch.setenv("FANGDU_AWAY_ART", "procedural")
    art.emoji_codepoints.cache_clear()
    art.symbola_codepoints.cache_clear()
    yield
    art.emoji_codepoints.cache_clear()
    art.symbola_codepoints.cache_clear()


def test_dataset_is_deterministic_and_has_every_class(procedural: None) -> None:
    a, b = build("tiny", seed=3), build("tiny", seed=3)
    assert a.references == b.references and a.queries == b.queries
    assert build("tiny", seed=4).queries != a.queries
    kinds = {(q.group, q.kind) for q in a.queries}
    assert {(COPY, k) for k in COPY_CLASSES} <= kinds
    assert {(NEGATIVE, k) for k in NEGATIVE_CLASSES} <= kinds
    copies = [q for q in a.queries if q.group == COPY]
    assert len({q.source for q in copies}) == len(copies)  # each copies another reference


def test_every_class_draws_the_same_pixels_twice(procedural: None) -> None:
    dataset = build("tiny", seed=1)
    seen: set[str] = set()
    for q in dataset.queries:
        if q.kind in seen:
            continue
        seen.add(q.kind)
        (img1, fmt1), (img2, fmt2) = draw_query(q, dataset), draw_query(q, dataset)
        assert img1.dtype == np.uint8 and img1.ndim == 3 and min(img1.shape[:2]) >= 64, q.kind
        assert fmt1 == fmt2 and np.array_equal(img1, img2), q.kind
    assert seen == set(COPY_CLASSES) | set(NEGATIVE_CLASSES)
    ref = dataset.references[1]
    assert np.array_equal(draw_reference(ref), draw_reference(ref))


@pytest.mark.skipif(not os.path.exists(art.SYMBOLA_FONT), reason="fonts-symbola not installed")
def test_font_glyph_motif_draws() -> None:
    motif = art.Motif("glyph", 0x2766, ((20, 30, 40), (200, 10, 10)))
    rgba = art.sprite(motif, 80)
    assert rgba.shape[2] == 4 and max(rgba.shape[:2]) >= 78 and rgba[..., 3].max() > 0.9


def test_shortlist_recall_on_a_toy_case() -> None:
    assert rank_of(["r1", "r2", "r3"], "r3") == 3
    assert rank_of(["r1"], "r9") is None
    ranks = {"q1": 1, "q2": 15, "q3": None, "q4": 60}
    kind_of = {"q1": "jpeg", "q2": "jpeg", "q3": "crop", "q4": "crop"}
    out = shortlist_recall(ranks, kind_of, cutoffs=(10, 20, 50, 200))
    assert out["jpeg"] == {"n": 2.0, "@10": 0.5, "@20": 1.0, "@50": 1.0, "@200": 1.0}
    assert out["crop"] == {"n": 2.0, "@10": 0.0, "@20": 0.0, "@50": 0.0, "@200": 0.5}
    assert out["all"]["@20"] == 0.5 and out["all"]["@200"] == 0.75


def test_score_reads_check_json() -> None:
    dataset = build((6, 2, 2), seed=0)
    copies = [q for q in dataset.queries if q.group == COPY]
    negatives = [q for q in dataset.queries if q.group == NEGATIVE]
    lines = [
        json.dumps(
            {
                "query": f"/x/queries/{copies[0].query_id}.jpg",
                "matches": [
                    {"title": f"{copies[0].source}.png", "score": 0.9, "verdict": "copy"},
                    {"title": "a99999.png", "score": 0.2, "verdict": "none"},
                ],
            }
        ),
        json.dumps({"query": f"{copies[1].query_id}.jpg", "matches": []}),
        json.dumps(
            {
                "query": f"{negatives[0].query_id}.jpg",
                "matches": [{"title": "a00001.png", "score": 0.5, "verdict": "similar"}],
            }
        ),
    ]
    answers = parse_check(lines)
    assert answers[copies[0].query_id][0] == (copies[0].source, 0.9, "copy")
    result = score(dataset.queries, answers, {copies[0].query_id: 1, copies[1].query_id: None})
    assert result["top1"] == 0.5
    assert result["micro_ap"] == pytest.approx(0.5)  # one of two copies found, at precision 1
    assert result["negatives_any_similar"] == 0.5 and result["negatives_any_copy"] == 0.0
    assert result["copy_verdict_precision"] == 1.0
    assert result["shortlist"]["all"]["@10"] == 0.5
