"""The vector index behind the duplicate check's shortlist.

``VectorIndex`` is the contract; ``FaissIndex`` is the in-process implementation (FAISS, one
file on disk). A distributed engine is a second implementation of the same contract. Each
reference may contribute several vectors (views such as the mirrored image); a FAISS label
packs ``ref_id << VIEW_BITS | view`` so removal and de-duplication stay by reference.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

VIEW_BITS = 4
MAX_VIEWS = 1 << VIEW_BITS
# Below this many vectors an exact flat index is fast enough; above it an IVF index with 8-bit
# scalar quantisation keeps a million references within ~0.5 GB and search in milliseconds.
FLAT_LIMIT = 50_000
IVF_NPROBE = 24


class VectorIndex(Protocol):
    """Inner-product search over L2-normalised vectors, keyed by reference id."""

    def add(self, ref_ids: np.ndarray, vectors: Sequence[np.ndarray]) -> None: ...

    def remove(self, ref_ids: Sequence[int]) -> None: ...

    def ref_ids(self) -> set[int]: ...

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def save(self) -> None: ...

    def __len__(self) -> int: ...


def _labels_of(index: faiss.Index) -> np.ndarray:
    """Every label stored in ``index`` (IDMap or IVF), as int64."""
    if isinstance(index, faiss.IndexIDMap):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    ivf = faiss.extract_index_ivf(index)
    invlists = ivf.invlists
    parts = []
    for list_no in range(ivf.nlist):
        size = invlists.list_size(list_no)
        if size:
            ptr = invlists.get_ids(list_no)
            parts.append(faiss.rev_swig_ptr(ptr, size).copy())
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _pack(ref_ids: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    labels = []
    for ref_id, count in zip(ref_ids.tolist(), counts, strict=True):
        if count > MAX_VIEWS:
            raise ValueError(f"at most {MAX_VIEWS} vectors per reference, got {count}")
        labels.extend((int(ref_id) << VIEW_BITS) | view for view in range(count))
    return np.asarray(labels, dtype=np.int64)


class FaissIndex:
    """FAISS index persisted as one file, replaced atomically on save."""

    FILE_NAME = "vectors.faiss"

    def __init__(self, path: Path, dim: int, index: faiss.Index) -> None:
        self.path = path
        self.dim = dim
        self._index = index
        self._refs = {int(label) >> VIEW_BITS for label in _labels_of(index)}

    @classmethod
    def open(cls, directory: Path, dim: int) -> FaissIndex:
        """Load the index in ``directory``, or start an empty one; a wrong dimension starts anew."""
        path = Path(directory) / cls.FILE_NAME
        if path.exists():
            index = faiss.read_index(str(path))
            if index.d == dim:
                return cls(path, dim, _tune(index))
        return cls(path, dim, _flat(dim))

    @classmethod
    def build(cls, directory: Path, dim: int, ref_ids: np.ndarray,
              vectors: Sequence[np.ndarray], expected_vectors: int | None = None) -> FaissIndex:
        """A fresh index over these references, flat or IVF by size.

        ``expected_vectors`` sizes an IVF index for more vectors than given now (added later
        in chunks, so a million references never sit in memory as float32 at once).
        """
        stacked = _stack(vectors, dim)
        labels = _pack(np.asarray(ref_ids), [len(v) for v in vectors])
        total = max(expected_vectors or 0, len(stacked))
        if total <= FLAT_LIMIT:
            index = _flat(dim)
        else:
            nlist = int(4 * np.sqrt(total))
            index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(0)
            sample = stacked[rng.choice(len(stacked), min(len(stacked), nlist * 64), replace=False)]
            index.train(sample)
            _tune(index)
        if len(stacked):
            index.add_with_ids(stacked, labels)
        return cls(Path(directory) / cls.FILE_NAME, dim, index)

    def add(self, ref_ids: np.ndarray, vectors: Sequence[np.ndarray]) -> None:
        ref_ids = np.asarray(ref_ids, dtype=np.int64)
        if len(ref_ids) == 0:
            return
        self.remove(ref_ids.tolist())  # re-adding a reference replaces its vectors
        self._index.add_with_ids(
            _stack(vectors, self.dim), _pack(ref_ids, [len(v) for v in vectors])
        )
        self._refs.update(int(r) for r in ref_ids)

    def remove(self, ref_ids: Sequence[int]) -> None:
        present = [int(r) for r in ref_ids if int(r) in self._refs]
        if not present:
            return
        labels = [(r << VIEW_BITS) | v for r in present for v in range(MAX_VIEWS)]
        self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(labels, dtype=np.int64)))
        self._refs.difference_update(present)

    def ref_ids(self) -> set[int]:
        return set(self._refs)

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Best ``k`` references over all query vectors, each reference once, best first."""
        if not self._refs or k <= 0:
            return []
        queries = _stack([vectors], self.dim)
        sims, labels = self._index.search(queries, min(k * 2, self._index.ntotal))
        best: dict[int, float] = {}
        for sim, label in zip(sims.ravel().tolist(), labels.ravel().tolist(), strict=True):
            if label < 0:
                continue
            ref = label >> VIEW_BITS
            if sim > best.get(ref, -np.inf):
                best[ref] = sim
        return sorted(best.items(), key=lambda item: -item[1])[:k]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".vectors.", suffix=".tmp")
        os.close(fd)
        try:
            faiss.write_index(self._index, tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def __len__(self) -> int:
        return len(self._refs)


def _flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap(faiss.IndexFlatIP(dim))


def _tune(index: faiss.Index) -> faiss.Index:
    if not isinstance(index, faiss.IndexIDMap):
        faiss.extract_index_ivf(index).nprobe = IVF_NPROBE
    return index


def _stack(vectors: Sequence[np.ndarray], dim: int) -> np.ndarray:
    if not len(vectors):
        return np.zeros((0, dim), np.float32)
    stacked = np.ascontiguousarray(np.concatenate([np.atleast_2d(v) for v in vectors]),
                                   dtype=np.float32)
    if stacked.shape[1] != dim:
        raise ValueError(f"vectors have dimension {stacked.shape[1]}, index expects {dim}")
    return stacked
