"""The VectorIndex contract, run on every implementation; then what FAISS persistence adds:
a journal instead of rewrites, torn batches dropped, compaction, and searches during writes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from fangdu.similarity import index as index_module
from fangdu.similarity.index import FaissIndex, NumpyIndex, VectorIndex

DIM = 16


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def open_index(kind: str, folder: Path) -> VectorIndex:
    if kind == "numpy":
        return NumpyIndex(DIM)
    if kind == "faiss":
        return FaissIndex.open(folder, DIM)
    from fangdu.similarity.index_milvus import MilvusIndex

    return MilvusIndex.open(str(folder / "vectors.db"), DIM)


@pytest.fixture(params=["numpy", "faiss", "milvus-lite"])
def make_index(request, tmp_path: Path):
    opened: list = []

    def make() -> VectorIndex:
        opened.append(open_index(request.param, tmp_path))
        return opened[-1]

    yield make
    for index in opened:
        index.close()


def test_contract_add_search_remove(make_index):
    rng = np.random.default_rng(0)
    index = make_index()
    views = {ref: unit(rng, 1 + ref % 3) for ref in range(30)}
    index.add(np.array(list(views)), list(views.values()))
    assert len(index) == 30 and index.ref_ids() == set(views)
    for ref, vectors in views.items():
        hits = index.search(vectors[-1][None], 5)
        assert hits[0][0] == ref and hits[0][1] == pytest.approx(1, abs=1e-5)
        assert len({r for r, _ in hits}) == len(hits)  # each reference once
    index.add(np.array([3]), [unit(rng, 1)])  # re-adding replaces
    assert index.search(views[3][0][None], 1)[0][0] != 3
    index.remove([1, 2, 999])
    assert index.ref_ids() == set(views) - {1, 2}
    assert all(ref not in (1, 2) for ref, _ in index.search(views[1][0][None], 30))
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.array([5]), [np.zeros((1, DIM + 1), np.float32)])


def test_contract_position_is_kept(make_index):
    index = make_index()
    assert index.position == 0
    index.add(np.array([1]), [unit(np.random.default_rng(1), 1)])
    index.save(position=17)
    assert index.position == 17


@pytest.mark.parametrize("kind", ["faiss", "milvus-lite"])  # the NumPy twin keeps nothing
def test_contract_a_reopened_index_keeps_what_was_saved(kind, tmp_path):
    rng = np.random.default_rng(9)
    index = open_index(kind, tmp_path)
    views = {ref: unit(rng, 2) for ref in range(10)}
    index.add(np.array(list(views)), list(views.values()))
    index.remove([4])
    index.save(position=7)
    index.close()
    reopened = open_index(kind, tmp_path)
    assert reopened.position == 7 and reopened.ref_ids() == set(views) - {4}
    assert reopened.search(views[6][1][None], 1)[0][0] == 6
    reopened.close()


def test_contract_searches_while_another_thread_writes(make_index):
    rng = np.random.default_rng(2)
    index = make_index()
    base = {ref: unit(rng, 1) for ref in range(200)}
    index.add(np.array(list(base)), list(base.values()))
    extra = [unit(rng, 2) for _ in range(300)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                ref = int(rng.integers(0, 200))
                assert index.search(base[ref], 3)[0][0] == ref
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for reader in readers:
        reader.start()
    for i, vectors in enumerate(extra):
        index.add(np.array([1000 + i]), [vectors])
        if i % 50 == 0:
            index.remove([1000 + i])
    stop.set()
    for reader in readers:
        reader.join()
    assert not errors
    assert len(index) == 200 + 300 - 6


def test_save_appends_to_the_journal_and_never_rewrites_the_snapshot(tmp_path):
    rng = np.random.default_rng(3)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(100), [unit(rng, 2) for _ in range(100)])
    index.save(position=1)
    snapshot = (tmp_path / FaissIndex.FILE_NAME).stat()
    journal = (tmp_path / FaissIndex.JOURNAL_NAME).stat().st_size
    index.add(np.array([500]), [unit(rng, 2)])
    index.remove([7])
    index.save(position=2)
    after = (tmp_path / FaissIndex.FILE_NAME).stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        snapshot.st_ino,
        snapshot.st_mtime_ns,
        snapshot.st_size,
    )
    grown = (tmp_path / FaissIndex.JOURNAL_NAME).stat().st_size - journal
    assert grown < 2 * DIM * 4 + 100  # one add and one remove, not the index
    reopened = FaissIndex.open(tmp_path, DIM)
    assert reopened.position == 2
    assert reopened.ref_ids() == (set(range(100)) - {7}) | {500}


def test_a_batch_torn_by_a_crash_is_dropped_and_the_rest_kept(tmp_path):
    rng = np.random.default_rng(4)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(10), [unit(rng, 1) for _ in range(10)])
    index.save(position=1)
    index.add(np.array([10]), [unit(rng, 1)])
    index.save(position=2)
    journal = tmp_path / FaissIndex.JOURNAL_NAME
    whole = journal.read_bytes()
    index.add(np.array([11]), [unit(rng, 1)])
    index.save(position=3)
    index.close()  # the process dies
    journal.write_bytes(journal.read_bytes()[:-5])  # the last batch half-written
    reopened = FaissIndex.open(tmp_path, DIM)
    assert reopened.position == 2 and reopened.ref_ids() == set(range(11))
    assert journal.read_bytes() == whole  # the torn tail was cut, appends go on after it
    reopened.add(np.array([12]), [unit(rng, 1)])
    reopened.save(position=4)
    assert FaissIndex.open(tmp_path, DIM).ref_ids() == set(range(11)) | {12}


def test_compaction_folds_the_journal_into_a_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "COMPACT_MIN_BYTES", 0)
    rng = np.random.default_rng(5)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(20), [unit(rng, 1) for _ in range(20)])
    index.save(position=1)
    for ref in range(20, 40):  # the journal outgrows a quarter of the snapshot
        index.add(np.array([ref]), [unit(rng, 1)])
        index.save(position=ref)
    index.wait_for_compaction()
    journal = (tmp_path / FaissIndex.JOURNAL_NAME).stat().st_size
    assert journal < (tmp_path / FaissIndex.FILE_NAME).stat().st_size
    reopened = FaissIndex.open(tmp_path, DIM)
    assert reopened.ref_ids() == set(range(40)) and reopened.position == 39


def test_a_read_only_index_never_writes(tmp_path):
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.array([1]), [unit(np.random.default_rng(6), 1)])
    index.save(position=1)
    journal = tmp_path / FaissIndex.JOURNAL_NAME
    journal.write_bytes(journal.read_bytes() + b"FDIJ torn")
    before = journal.read_bytes()
    reader = FaissIndex.open(tmp_path, DIM, read_only=True)
    assert reader.ref_ids() == {1} and journal.read_bytes() == before
    with pytest.raises(PermissionError):
        reader.save()


def test_one_process_owns_the_files_and_the_next_reads_in_memory(tmp_path):
    rng = np.random.default_rng(7)
    owner = FaissIndex.open(tmp_path, DIM)
    owner.add(np.array([1]), [unit(rng, 1)])
    owner.save(position=1)
    second = FaissIndex.open(tmp_path, DIM)  # e.g. another web worker
    assert not owner.read_only and second.read_only and second.ref_ids() == {1}
    second.add(np.array([2]), [unit(rng, 1)])  # kept current in memory only
    with pytest.raises(PermissionError):
        second.save(position=2)
    owner.close()
    third = FaissIndex.open(tmp_path, DIM)  # the owner is gone: the files are free again
    assert not third.read_only and third.ref_ids() == {1}


def test_a_compaction_leaves_nothing_to_append(tmp_path):
    rng = np.random.default_rng(8)
    index = FaissIndex.open(tmp_path, DIM)
    index.add(np.arange(5), [unit(rng, 1) for _ in range(5)])
    index.save(position=1)
    index.add(np.arange(5, 50), [unit(rng, 2) for _ in range(45)])
    index.compact()
    journal = (tmp_path / FaissIndex.JOURNAL_NAME).stat().st_size
    index.save(position=2)  # the 45 adds are in the snapshot: not appended again
    assert (tmp_path / FaissIndex.JOURNAL_NAME).stat().st_size - journal < 64
    assert FaissIndex.open(tmp_path, DIM, read_only=True).ref_ids() == set(range(50))
