"""The vector index and the visual-word index kept in line with the database (index
maintenance): they record the evidence log's position they reflect, catch up by reading only
what is newer, re-sync and rebuild; and they answer the shortlist search with a cache of
reference fingerprints.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from fangdu.config import Settings
from fangdu.errors import Conflict
from fangdu.ledger.store import LogStore
from fangdu.registry.blobs import BlobStore
from fangdu.registry.pipeline import prepare
from fangdu.registry.repository import UnitOfWork
from fangdu.similarity import DESCRIPTOR_DIM, FINGERPRINT_VERSION, Fingerprint
from fangdu.similarity.index import FaissIndex, VectorIndex
from fangdu.similarity.search import Searcher
from fangdu.similarity.types import Match
from fangdu.similarity.word_index import WordIndex

CURRENT_VERSION = str(FINGERPRINT_VERSION)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class IndexSync:
    added: int
    removed: int
    stale: int  # searchable references fingerprinted by an older engine: run `index rebuild`


class ReferenceIndex:
    """The searchable references of one registry. Safe to search from many threads (the
    index locks inside); catching up is serialised."""

    def __init__(
        self,
        settings: Settings,
        units: UnitOfWork,
        blobs: BlobStore,
        ledger: LogStore,
        index: VectorIndex,
        words: WordIndex | None = None,
    ) -> None:
        self.settings = settings
        self.units = units
        self.blobs = blobs
        self.ledger = ledger
        self.index = index
        # Without stored words (tests that hand in a bare index) they are kept in memory.
        self.words = words if words is not None else WordIndex()
        self._fingerprints: OrderedDict[int, Fingerprint] = OrderedDict()
        self._fingerprints_lock = threading.Lock()
        self._catch_up_lock = threading.Lock()
        self.searcher = Searcher(
            index, self._fetch_fingerprints, workers=settings.verify_threads, words=self.words
        )
        self.last_sync = IndexSync(0, 0, 0)

    def search(self, fingerprint: Fingerprint, top_k: int) -> list[tuple[int, Match]]:
        """The verified shortlist for one fingerprint, after catching up with what another
        process registered."""
        self.catch_up()
        return self.searcher.search(fingerprint, top_k)

    def clear_caches(self) -> None:
        """Forget cached reference fingerprints (benchmarks measure reads from the database)."""
        with self._fingerprints_lock:
            self._fingerprints.clear()

    def _fetch_fingerprints(self, ref_ids: Sequence[int]) -> dict[int, Fingerprint]:
        with self._fingerprints_lock:
            found = {i: self._fingerprints[i] for i in ref_ids if i in self._fingerprints}
        missing = [i for i in ref_ids if i not in found]
        if missing:
            with self.units() as repo:
                for ref_id, data, version in repo.searchable_fingerprints(missing):
                    if version == CURRENT_VERSION:
                        found[ref_id] = Fingerprint.from_bytes(data)
        with self._fingerprints_lock:
            for ref_id, fingerprint in found.items():
                self._fingerprints[ref_id] = fingerprint
                self._fingerprints.move_to_end(ref_id)
            while len(self._fingerprints) > 1024:  # ~45 MB: a few shortlists' worth
                self._fingerprints.popitem(last=False)
        return found

    def sync_index(self) -> IndexSync:
        """Add searchable references the index lacks, drop ids the database does not know."""
        with self.units() as repo:
            expected = repo.searchable_ref_ids(CURRENT_VERSION)
            stale = len(repo.searchable_ref_ids()) - len(expected)
            present = self.index.ref_ids()
            unknown = sorted(present - expected)
            missing = sorted(expected - present)
            self.index.remove(unknown)
            for ids, fingerprints in _fingerprint_chunks(repo.searchable_fingerprints(missing)):
                self.index.add(np.asarray(ids, np.int64), _vectors(fingerprints))
            words_changed = self._sync_words(repo, expected)
        if unknown or missing:
            self.index.save()
            with self._fingerprints_lock:
                self._fingerprints.clear()
        if words_changed and not self.words.read_only:
            self.words.save()
        return IndexSync(added=len(missing), removed=len(unknown), stale=stale)

    def _sync_words(self, repo, expected: set[int]) -> bool:
        """Bring the word index to the same references (a home from before it, a crash
        between the two indexes' saves). Returns whether anything changed."""
        present = self.words.ref_ids()
        unknown = sorted(present - expected)
        missing = sorted(expected - present)
        self.words.remove(unknown)
        for ids, fingerprints in _fingerprint_chunks(repo.searchable_fingerprints(missing)):
            self.words.add(ids, fingerprints)
        return bool(unknown or missing)

    def catch_up(self) -> int:
        """Index what became searchable since the index's position in the evidence log (new
        registrations, approvals, prior art): one query when nothing did. Returns how many
        references were added."""
        with self._catch_up_lock:
            if self.words.position != self.index.position:
                with self.units() as repo:
                    self._sync_words(repo, repo.searchable_ref_ids(CURRENT_VERSION))
                self.words.position = self.index.position
            start = self.index.position
            subjects, end = self.ledger.subjects_since(start)
            if end <= start:
                return 0
            works = [int(s.split(":", 1)[1]) for s in subjects if s.startswith("work:")]
            prior_art = [int(s.split(":", 1)[1]) for s in subjects if s.startswith("prior_art:")]
            added = 0
            with self.units() as repo:
                refs = repo.searchable_refs_of(works, prior_art)
                for ids, fingerprints in _fingerprint_chunks(repo.searchable_fingerprints(refs)):
                    self.index.add(np.asarray(ids, np.int64), _vectors(fingerprints))
                    self.words.add(ids, fingerprints)
                    added += len(ids)
            if self.index.read_only:
                self.index.position = end  # in memory only: another process owns the files
            else:
                self.index.save(position=end)
            if self.words.read_only:
                self.words.position = end
            else:
                self.words.save(position=end)
            return added

    def rebuild_index(self, progress: Progress | None = None) -> int:
        """Recreate the index from the database, re-fingerprinting references from older
        engines from their original bytes. Returns the number of references indexed."""
        if self.index.read_only:
            raise Conflict(
                "another process owns the index files (a running `fangdu serve`?): "
                "stop it, then rebuild"
            )
        self._refingerprint_stale(progress)
        self.words.remove(sorted(self.words.ref_ids()))
        if not isinstance(self.index, FaissIndex):  # an engine of its own: refill it in place
            self.index.remove(sorted(self.index.ref_ids()))
            self.last_sync = self.sync_index()
            position = self.ledger.sequenced_size()
            self.index.save(position=position)
            self._save_words(position)
            self.clear_caches()
            return len(self.index)
        with self.units() as repo:
            total = len(repo.searchable_ref_ids(CURRENT_VERSION))
            done = 0

            def tick() -> None:
                nonlocal done
                done += 1
                if progress is not None:
                    progress(done, total)

            index = None
            # Big chunks: the first one trains the IVF quantiser when the library is large.
            rows = repo.searchable_fingerprints()
            for ids, vectors in self._words_and_vectors(rows, tick):
                if index is None:
                    index = FaissIndex.build(
                        self.settings.index_path,
                        DESCRIPTOR_DIM,
                        np.asarray(ids, np.int64),
                        vectors,
                        expected_vectors=2 * total,
                    )
                else:
                    index.add(np.asarray(ids, np.int64), vectors)
        if index is None:
            index = FaissIndex.build(
                self.settings.index_path, DESCRIPTOR_DIM, np.zeros(0, np.int64), []
            )
        position = self.ledger.sequenced_size()
        index.position = position
        index.compact()
        self._save_words(position)
        index.take_ownership(self.index)
        self.index = index
        self.searcher.index = index
        with self._fingerprints_lock:
            self._fingerprints.clear()
        return len(index)

    def _words_and_vectors(
        self, rows: Iterable[tuple[int, bytes, str]], tick: Callable[[], None]
    ) -> Iterator[tuple[list[int], list[np.ndarray]]]:
        """Feed the word index in small chunks while gathering big chunks of global vectors:
        the first big chunk trains the IVF quantiser, and whole fingerprints (~45 KB each)
        must never sit in memory by the hundred thousand."""
        ids: list[int] = []
        vectors: list[np.ndarray] = []
        for chunk_ids, fingerprints in _fingerprint_chunks(rows, tick=tick):
            self.words.add(chunk_ids, fingerprints)
            ids += chunk_ids
            vectors += _vectors(fingerprints)
            if len(ids) >= 100_000:
                yield ids, vectors
                ids, vectors = [], []
        if ids:
            yield ids, vectors

    def save(self, position: int) -> None:
        """Record both indexes as reflecting the evidence log up to ``position``."""
        self.index.save(position=position)
        self._save_words(position)

    def _save_words(self, position: int) -> None:
        if self.words.read_only:
            self.words.position = position
        else:
            self.words.save(position=position)

    def _refingerprint_stale(self, progress: Progress | None) -> None:
        with self.units() as repo:
            stale = list(repo.stale_refs(CURRENT_VERSION))
            for done, ref in enumerate(stale, 1):
                target = ref.work if ref.work is not None else ref.prior_art
                assert target is not None  # guaranteed by ck_search_refs_target
                prepared = prepare(
                    self.blobs.get(target.image_sha256), self.settings.max_image_pixels
                )
                ref.fingerprint = prepared.fingerprint
                ref.fingerprint_version = prepared.version
                ref.scale = prepared.scale
                if progress is not None:
                    progress(done, len(stale))

    def close(self) -> None:
        self.index.close()
        self.words.close()


def open_index(settings: Settings, *, read_only: bool = False) -> VectorIndex:
    """The index the settings choose: FAISS files in the home (the default), or Milvus when
    FANGDU_INDEX_URL names a server (milvus://host:port/collection) or a Milvus Lite file."""
    if settings.index_url:
        from fangdu.similarity.index_milvus import MilvusIndex

        return MilvusIndex.open(settings.index_url, DESCRIPTOR_DIM)
    return FaissIndex.open(settings.index_path, DESCRIPTOR_DIM, read_only=read_only)


def open_words(settings: Settings, *, read_only: bool = False) -> WordIndex:
    """The visual-word index beside the vector index files (also with a Milvus vector index: the
    words are this process's own files). ``read_only`` when the vector index is."""
    return WordIndex.open(settings.index_path, read_only=read_only)


def _vectors(fingerprints: Sequence[Fingerprint]) -> list[np.ndarray]:
    return [fingerprint.global_vectors for fingerprint in fingerprints]


def _fingerprint_chunks(
    rows: Iterable[tuple[int, bytes, str]],
    size: int = 1000,
    tick: Callable[[], None] | None = None,
) -> Iterator[tuple[list[int], list[Fingerprint]]]:
    ids: list[int] = []
    fingerprints: list[Fingerprint] = []
    for ref_id, data, version in rows:
        if version != CURRENT_VERSION:
            continue
        if tick is not None:
            tick()
        ids.append(ref_id)
        fingerprints.append(Fingerprint.from_bytes(data))
        if len(ids) >= size:
            yield ids, fingerprints
            ids, fingerprints = [], []
    if ids:
        yield ids, fingerprints
