"""The vector index behind the duplicate check's shortlist.

``VectorIndex`` is the contract; ``FaissIndex`` is the in-process implementation and
``NumpyIndex`` its exact in-memory twin for tests. A distributed engine is a further
implementation of the same contract. Each reference may contribute several vectors (views
such as the mirrored image); a FAISS label packs ``ref_id << VIEW_BITS | view`` so removal and
de-duplication stay by reference.

Implementations are safe to search from many threads while another adds or removes: the
locking lives inside the index, not with its callers. ``position`` is the point of the
registry's change feed (the evidence log's size) the index reflects, so a process that opens
it, or has kept it in memory, catches up by reading only what came after.

``FaissIndex`` persists as a snapshot (``vectors.faiss``) and a journal (``vectors.log``) of
the adds and removes since: ``save`` appends one checksummed batch, it never rewrites the
snapshot; ``compact`` folds the journal into a new snapshot (in the background once the
journal has grown to a quarter of the snapshot). Opening replays the journal; a batch torn
by a crash is dropped, and adds and removes are idempotent, so a crash between a new snapshot
and its fresh journal only replays what the snapshot already holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import tempfile
import threading
import zlib
from collections.abc import Iterator, Sequence
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
# A journal this large relative to the snapshot is folded into a new snapshot.
COMPACT_RATIO = 0.25
COMPACT_MIN_BYTES = 1 << 20


class VectorIndex(Protocol):
    """Inner-product search over L2-normalised vectors, keyed by reference id."""

    position: int
    read_only: bool  # True: this process may search and follow, not persist

    def add(self, ref_ids: np.ndarray, vectors: Sequence[np.ndarray]) -> None: ...

    def remove(self, ref_ids: Sequence[int]) -> None: ...

    def ref_ids(self) -> set[int]: ...

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def save(self, position: int | None = None) -> None:
        """Make the changes so far durable, recording ``position`` if given."""
        ...

    def close(self) -> None: ...

    def __len__(self) -> int: ...


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers (no starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class NumpyIndex:
    """Exact search in memory: the contract's reference implementation (tests, small sets)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.position = 0
        self.read_only = False
        self._vectors: dict[int, np.ndarray] = {}
        self._lock = ReadWriteLock()

    def add(self, ref_ids: np.ndarray, vectors: Sequence[np.ndarray]) -> None:
        stacked = [_stack([v], self.dim) for v in vectors]
        _pack(np.asarray(ref_ids, np.int64), [len(v) for v in stacked])  # same view limit
        with self._lock.writing():
            for ref_id, views in zip(np.asarray(ref_ids).tolist(), stacked, strict=True):
                self._vectors[int(ref_id)] = views

    def remove(self, ref_ids: Sequence[int]) -> None:
        with self._lock.writing():
            for ref_id in ref_ids:
                self._vectors.pop(int(ref_id), None)

    def ref_ids(self) -> set[int]:
        with self._lock.reading():
            return set(self._vectors)

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        queries = _stack([vectors], self.dim)
        with self._lock.reading():
            best = [
                (ref, float((views @ queries.T).max()))
                for ref, views in self._vectors.items()
                if len(views)
            ]
        best.sort(key=lambda item: -item[1])
        return best[: max(k, 0)]

    def save(self, position: int | None = None) -> None:
        if position is not None:
            self.position = position

    def close(self) -> None:
        """Nothing to release: it lives in memory."""

    def __len__(self) -> int:
        return len(self._vectors)


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
    """FAISS index persisted as a snapshot and an append-only journal (see the module's
    docstring). ``read_only`` never writes: a reader of a live index."""

    FILE_NAME = "vectors.faiss"
    JOURNAL_NAME = "vectors.log"

    def __init__(
        self, path: Path, dim: int, index: faiss.Index, *, read_only: bool = False
    ) -> None:
        self.path = path
        self.journal_path = path.with_name(self.JOURNAL_NAME)
        self.dim = dim
        self.position = 0
        self.read_only = read_only
        self._index = index
        self._refs = {int(label) >> VIEW_BITS for label in _labels_of(index)}
        self._lock = ReadWriteLock()
        self._journal_lock = threading.Lock()  # one save or compaction at a time
        self._pending: list[bytes] = []
        self._compacting: threading.Thread | None = None
        self._owner_lock: int | None = None  # the open lock file while this process owns them
        # Built or re-dimensioned in memory: the files on disk describe another index.
        self._needs_snapshot = True

    @classmethod
    def open(cls, directory: Path, dim: int, *, read_only: bool = False) -> FaissIndex:
        """Load the snapshot in ``directory`` and replay its journal, or start an empty index;
        a wrong dimension starts anew.

        One process at a time owns the files (an exclusive lock on ``vectors.lock``); another
        process that opens them, such as a second web worker, gets a read-only index that it
        keeps current in memory."""
        path = Path(directory) / cls.FILE_NAME
        lock = None if read_only else _own(Path(directory))
        read_only = lock is None
        opened = cls._load(path, dim, read_only)
        opened._owner_lock = lock
        return opened

    @classmethod
    def _load(cls, path: Path, dim: int, read_only: bool) -> FaissIndex:
        stored = faiss.read_index(str(path)) if path.exists() else None
        if stored is None or stored.d != dim:
            return cls(path, dim, _flat(dim), read_only=read_only)
        opened = cls(path, dim, _tune(stored), read_only=read_only)
        opened._needs_snapshot = False
        opened._replay()
        return opened

    @classmethod
    def build(
        cls,
        directory: Path,
        dim: int,
        ref_ids: np.ndarray,
        vectors: Sequence[np.ndarray],
        expected_vectors: int | None = None,
    ) -> FaissIndex:
        """A fresh index over these references, flat or IVF by size; ``compact`` writes it.

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
        stacked = [_stack([v], self.dim) for v in vectors]
        labels = _pack(ref_ids, [len(v) for v in stacked])
        with self._lock.writing():
            self._apply_add(ref_ids, stacked, labels)
            if not self._needs_snapshot:  # else the next save writes a whole snapshot anyway
                self._pending.extend(
                    _add_record(int(r), v) for r, v in zip(ref_ids.tolist(), stacked, strict=True)
                )

    def remove(self, ref_ids: Sequence[int]) -> None:
        with self._lock.writing():
            present = self._apply_remove(ref_ids)
            if not self._needs_snapshot:
                self._pending.extend(_remove_record(r) for r in present)

    def ref_ids(self) -> set[int]:
        with self._lock.reading():
            return set(self._refs)

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Best ``k`` references over all query vectors, each reference once, best first."""
        queries = _stack([vectors], self.dim)
        with self._lock.reading():
            if not self._refs or k <= 0:
                return []
            sims, labels = self._index.search(queries, min(k * 2, self._index.ntotal))
        best: dict[int, float] = {}
        for sim, label in zip(sims.ravel().tolist(), labels.ravel().tolist(), strict=True):
            if label < 0:
                continue
            ref = label >> VIEW_BITS
            if sim > best.get(ref, -np.inf):
                best[ref] = sim
        return sorted(best.items(), key=lambda item: -item[1])[:k]

    def save(self, position: int | None = None) -> None:
        """Append the adds and removes since the last save to the journal, as one batch."""
        if self.read_only:
            raise PermissionError("this index was opened read-only")
        with self._journal_lock:
            with self._lock.writing():
                records, self._pending = self._pending, []
                if position is not None:
                    self.position = position
                batch = _batch(self.position, records)
            if self._needs_snapshot or not self.path.exists():
                self._write_snapshot()
                return
            with open(self.journal_path, "ab") as journal:
                journal.write(batch)
                journal.flush()
                os.fsync(journal.fileno())
        if self._journal_is_large():
            self._compact_in_background()

    def compact(self) -> None:
        """Fold the journal into a new snapshot (searches go on meanwhile; writes wait)."""
        if self.read_only:
            raise PermissionError("this index was opened read-only")
        with self._journal_lock:
            self._write_snapshot()

    def take_ownership(self, previous: FaissIndex) -> None:
        """Replace ``previous`` (a rebuild): its lock on the files passes to this index."""
        previous.wait_for_compaction()
        self._owner_lock, previous._owner_lock = previous._owner_lock, None
        previous.read_only = True

    def close(self) -> None:
        """Give up the files (another process may own them from now on)."""
        self.wait_for_compaction()
        if self._owner_lock is not None:
            os.close(self._owner_lock)  # closing the descriptor releases the lock
            self._owner_lock = None
        self.read_only = True

    def wait_for_compaction(self) -> None:
        thread = self._compacting
        if thread is not None:
            thread.join()

    def __len__(self) -> int:
        return len(self._refs)

    # -- internals ---------------------------------------------------------------------------

    def _apply_add(
        self, ref_ids: np.ndarray, stacked: list[np.ndarray], labels: np.ndarray
    ) -> None:
        self._apply_remove(ref_ids.tolist())  # re-adding a reference replaces its vectors
        self._index.add_with_ids(_stack(stacked, self.dim), labels)
        self._refs.update(int(r) for r in ref_ids)

    def _apply_remove(self, ref_ids: Sequence[int]) -> list[int]:
        present = [int(r) for r in ref_ids if int(r) in self._refs]
        if present:
            labels = [(r << VIEW_BITS) | v for r in present for v in range(MAX_VIEWS)]
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(labels, dtype=np.int64)))
            self._refs.difference_update(present)
        return present

    def _write_snapshot(self) -> None:
        """Snapshot first, then an empty journal carrying the position (both atomic)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Writers wait while the snapshot is written (and saves wait for the journal lock this
        # caller holds): every change so far is in it, so nothing stays pending.
        with self._lock.reading():
            _atomic_write(self.path, lambda tmp: faiss.write_index(self._index, tmp))
            header = _batch(self.position, [])
            self._pending = []
        _atomic_write(self.journal_path, lambda tmp: Path(tmp).write_bytes(header))
        self._needs_snapshot = False

    def _journal_is_large(self) -> bool:
        try:
            journal = self.journal_path.stat().st_size
            snapshot = self.path.stat().st_size
        except FileNotFoundError:
            return False
        return journal > max(COMPACT_MIN_BYTES, COMPACT_RATIO * snapshot)

    def _compact_in_background(self) -> None:
        if self._compacting is not None and self._compacting.is_alive():
            return
        self._compacting = threading.Thread(
            target=self.compact, name="fangdu-index-compact", daemon=True
        )
        self._compacting.start()

    def _replay(self) -> None:
        """Apply the journal's whole batches; cut a torn tail (unless read-only)."""
        try:
            data = self.journal_path.read_bytes()
        except FileNotFoundError:
            return
        offset = 0
        while offset < len(data):
            parsed = _parse_batch(data, offset)
            if parsed is None:
                break
            position, records, offset = parsed
            self.position = position
            for kind, ref_id, views in records:
                if kind == _ADD:
                    self._apply_add(
                        np.asarray([ref_id], np.int64),
                        [views],
                        _pack(np.asarray([ref_id]), [len(views)]),
                    )
                else:
                    self._apply_remove([ref_id])
        if offset < len(data) and not self.read_only:
            with open(self.journal_path, "r+b") as journal:
                journal.truncate(offset)
                os.fsync(journal.fileno())


def _own(directory: Path) -> int | None:
    """The descriptor holding this process's exclusive lock on the index files; None when
    another process holds it (or the folder cannot be written)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(directory / "vectors.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


# Journal format (little-endian): batches of
#   magic b"FDIJ", payload length u32, crc32 u32 of the payload, payload
# where the payload is position i64 then records: kind u8, ref_id i64, and for an add
# n_views u8, dim u16, n_views x dim f32.
_MAGIC = b"FDIJ"
_BATCH = struct.Struct("<4sII")
_ADD, _REMOVE = 1, 2
_RECORD = struct.Struct("<Bq")
_VIEWS = struct.Struct("<BH")


def _add_record(ref_id: int, views: np.ndarray) -> bytes:
    return (
        _RECORD.pack(_ADD, ref_id)
        + _VIEWS.pack(*views.shape)
        + np.ascontiguousarray(views, "<f4").tobytes()
    )


def _remove_record(ref_id: int) -> bytes:
    return _RECORD.pack(_REMOVE, ref_id)


def _batch(position: int, records: Sequence[bytes]) -> bytes:
    payload = struct.pack("<q", position) + b"".join(records)
    return _BATCH.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload


def _parse_batch(
    data: bytes, offset: int
) -> tuple[int, list[tuple[int, int, np.ndarray]], int] | None:
    """(position, records, next offset) of the batch at ``offset``; None if torn or damaged."""
    if offset + _BATCH.size > len(data):
        return None
    magic, length, crc = _BATCH.unpack_from(data, offset)
    start, end = offset + _BATCH.size, offset + _BATCH.size + length
    if magic != _MAGIC or end > len(data) or zlib.crc32(data[start:end]) != crc:
        return None
    (position,) = struct.unpack_from("<q", data, start)
    records: list[tuple[int, int, np.ndarray]] = []
    at = start + 8
    while at < end:
        kind, ref_id = _RECORD.unpack_from(data, at)
        at += _RECORD.size
        views = np.zeros((0, 0), np.float32)
        if kind == _ADD:
            count, dim = _VIEWS.unpack_from(data, at)
            at += _VIEWS.size
            views = np.frombuffer(data, "<f4", count * dim, at).reshape(count, dim).copy()
            at += count * dim * 4
        records.append((kind, ref_id, views))
    return position, records, end


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap(faiss.IndexFlatIP(dim))


def _tune(index: faiss.Index) -> faiss.Index:
    if not isinstance(index, faiss.IndexIDMap):
        faiss.extract_index_ivf(index).nprobe = IVF_NPROBE
    return index


def _stack(vectors: Sequence[np.ndarray], dim: int) -> np.ndarray:
    if not len(vectors):
        return np.zeros((0, dim), np.float32)
    stacked = np.ascontiguousarray(
        np.concatenate([np.atleast_2d(v) for v in vectors]), dtype=np.float32
    )
    if stacked.shape[1] != dim:
        raise ValueError(f"vectors have dimension {stacked.shape[1]}, index expects {dim}")
    return stacked
