"""The FAISS vector index: add, remove, search, persistence, flat and IVF."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.similarity import index as index_module
from fangdu.similarity.index import FaissIndex

DIM = 32


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_search_finds_each_reference_by_any_of_its_views(tmp_path):
    rng = np.random.default_rng(1)
    views = [unit(rng, 2) for _ in range(50)]
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(100, 150), views)
    for ref, vectors in zip(range(100, 150), views, strict=True):
        for view in vectors:
            best, similarity = index.search(view[None], 5)[0]
            assert best == ref
            assert similarity == pytest.approx(1.0, abs=1e-5)


def test_results_are_deduplicated_by_reference(tmp_path):
    rng = np.random.default_rng(2)
    base = unit(rng, 1)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.array([7]), [np.vstack([base, base])])
    index.add(np.array([8]), [unit(rng, 1)])
    refs = [ref for ref, _ in index.search(base, 10)]
    assert refs == sorted(set(refs), key=refs.index) and refs[0] == 7 and len(refs) == 2


def test_remove_and_readd_replaces_vectors(tmp_path):
    rng = np.random.default_rng(3)
    first, second = unit(rng, 1), unit(rng, 1)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.array([1]), [first])
    index.add(np.array([1]), [second])
    assert len(index) == 1
    assert index.search(second, 1)[0][0] == 1
    assert index.search(first, 1)[0][1] < 0.99
    index.remove([1])
    assert len(index) == 0 and index.search(second, 1) == []


def test_save_and_reopen_keeps_everything(tmp_path):
    rng = np.random.default_rng(4)
    views = [unit(rng, 3) for _ in range(20)]
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(20), views)
    index.save()
    reopened = FaissIndex.open(tmp_path, DIM)
    assert reopened.ref_ids() == set(range(20))
    assert reopened.search(views[5][1][None], 1)[0][0] == 5
    assert not list(tmp_path.glob("*.tmp"))


def test_wrong_dimension_is_refused(tmp_path):
    index = FaissIndex.open(tmp_path, DIM)
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.array([1]), [np.zeros((1, DIM + 1), np.float32)])


def test_ivf_index_for_large_libraries(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "FLAT_LIMIT", 500)
    rng = np.random.default_rng(5)
    views = [unit(rng, 1) for _ in range(3000)]
    index = FaissIndex.build(tmp_path, DIM, np.arange(3000), views)
    index.save()
    reopened = FaissIndex.open(tmp_path, DIM)
    assert reopened.ref_ids() == set(range(3000))
    hits = sum(reopened.search(views[i], 3)[0][0] == i for i in range(0, 3000, 30))
    assert hits >= 95  # IVF is approximate; nearly all exact duplicates must still be found
    reopened.remove([0, 1, 2])
    assert {0, 1, 2}.isdisjoint(reopened.ref_ids())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30, unique=True))
def test_ref_ids_track_adds_and_removes(ids):
    rng = np.random.default_rng(len(ids))
    with tempfile.TemporaryDirectory() as tmp:
        index = FaissIndex.open(Path(tmp), DIM)
        index.add(np.asarray(ids), [unit(rng, 1 + i % 3) for i in range(len(ids))])
        dropped = ids[::2]
        index.remove(dropped)
        assert index.ref_ids() == set(ids) - set(dropped)
        assert all(ref not in dropped for ref, _ in index.search(unit(rng, 2), 50))
