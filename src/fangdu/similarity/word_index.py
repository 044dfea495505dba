"""The inverted file of visual words behind the second shortlist (see ``_words``).

Entries are (reference, word, 64-bit code), about 85 per reference. Searching visits only the
lists of the query's words. The entries live in a main part sorted by word, held as references
and codes with each word's start (12 bytes an entry: ~1 GB at a million references), plus a
small unsorted tail of recent additions that each search scans whole; the tail is folded into
the main part once it holds a tenth as many entries. Removal leaves a tombstone until that
fold. Segments are stored sorted by word, so opening the usual single segment sorts nothing.

Persistence follows the vector index (``position`` is the evidence log's size the index
reflects, ``read_only`` a reader of files another process owns): ``save`` writes the entries
added since the last save as one segment file and then an atomically replaced manifest naming
every segment, the removed references and the position, so a crash leaves either the old or
the new manifest and at worst an unreferenced segment (deleted by the next save). Many
segments, or many removals, are folded into one.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fangdu.similarity._fingerprint import Fingerprint
from fangdu.similarity._words import agreement, encode

MANIFEST = "words.json"
FOLD_RATIO = 0.1
MAX_SEGMENTS = 16
# A word that a fifth of the library has says little about any one reference and costs the
# most to visit (lists are very uneven: measured in docs/SIMILARITY.md), so a query skips it
# once the library is big enough for a fifth to mean something.
STOP_SHARE = 0.2
STOP_FROM = 200


class WordIndex:
    """Visual words of the searchable references; thread-safe (one lock, short holds)."""

    def __init__(self, directory: Path | None = None, *, read_only: bool = False) -> None:
        self.directory = directory
        self.read_only = read_only or directory is None
        self.position = 0
        self._lock = threading.RLock()
        # Sorted by word: word w's entries are refs/codes[starts[w]:starts[w + 1]].
        self._main = (np.zeros(0, np.int32), np.zeros(0, np.uint64))
        self._starts = np.zeros(1, np.int64)
        self._tail: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._tail_size = 0
        self._sizes = np.zeros(0, np.float32)  # words of each reference id, 0 if absent
        self._df = np.zeros(0, np.int64)  # references having each word
        self._live = 0  # references with words
        self._removed: set[int] = set()  # tombstones in the stored entries
        self._unsaved: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._segments: list[str] = []
        self._rewrite = False  # the stored segments hold entries memory no longer has

    # -- the contract the reference index uses ------------------------------------------------

    @classmethod
    def open(cls, directory: Path, *, read_only: bool = False) -> WordIndex:
        """The index stored in ``directory``, or an empty one (position 0) if there is none or
        its files cannot be read."""
        index = cls(Path(directory), read_only=read_only)
        manifest = index.directory / MANIFEST
        if not manifest.exists():
            return index
        try:
            state = json.loads(manifest.read_text())
            parts = []
            for name in state["segments"]:
                with np.load(index.directory / name, allow_pickle=False) as seg:
                    parts.append((seg["refs"], seg["words"], seg["codes"]))
            removed = {int(r) for r in state["removed"]}
            position = int(state["position"])
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            # Derived data: unreadable files start an empty index at position 0, which the
            # reference index refills from the database (a reader in memory only).
            return cls(Path(directory), read_only=read_only)
        index._segments = list(state["segments"])
        index._removed = removed
        index.position = position
        if parts:
            # The largest segment (after a fold, the only one) becomes the main part as it is.
            largest = max(range(len(parts)), key=lambda j: len(parts[j][0]))
            index._append([parts.pop(largest)], skip_removed=True)
            index._fold()
            index._append(parts, skip_removed=True)
            if index._tail_size > FOLD_RATIO * len(index._main[0]) + 50_000:
                index._fold()
        return index

    def add(self, ref_ids: Sequence[int], fingerprints: Sequence[Fingerprint]) -> None:
        """Index these references (re-adding one replaces its words)."""
        parts = []
        for ref_id, fingerprint in zip(ref_ids, fingerprints, strict=True):
            words, codes = encode(fingerprint.descriptors)
            parts.append((np.full(len(words), int(ref_id), np.int32), words, codes))
        with self._lock:
            self._drop([int(r) for r in ref_ids])
            returning = self._removed.intersection(int(r) for r in ref_ids)
            if returning:
                # Their old entries are gone from memory (the drop folded); the stored segments
                # still hold them, so the next save rewrites everything without tombstones.
                self._removed -= returning
                self._rewrite = True
            self._append(parts)
            self._unsaved.extend(parts)
            if self._tail_size > FOLD_RATIO * len(self._main[0]) + 50_000:
                self._fold()

    def remove(self, ref_ids: Sequence[int]) -> None:
        with self._lock:
            self._drop([int(r) for r in ref_ids])

    def ref_ids(self) -> set[int]:
        with self._lock:
            return set(np.flatnonzero(self._sizes).tolist())

    def __len__(self) -> int:
        return self._live

    def search(self, fingerprint: Fingerprint, k: int) -> list[tuple[int, float]]:
        """Best ``k`` references by normalised word agreement (the better of the query and its
        mirror image), best first; references sharing no agreeing word are left out."""
        with self._lock:
            if not self._live or k <= 0:
                return []
            if len(self._tail) > 1:  # many small additions: one array to scan
                self._tail = [tuple(np.concatenate(part) for part in zip(*self._tail, strict=True))]
            main, starts, tail = self._main, self._starts, list(self._tail)
            sizes = self._sizes
            stop = (
                np.flatnonzero(self._df > STOP_SHARE * self._live)
                if self._live >= STOP_FROM
                else None
            )
        best: dict[int, float] = {}
        for mirrored in (False, True):
            words, codes = encode(fingerprint.descriptors, mirrored=mirrored)
            if len(words) == 0:
                continue
            if stop is not None and len(stop):
                keep = ~np.isin(words, stop)
                words, codes = words[keep], codes[keep]
            refs, sims = self._matches(words, codes, main, starts, tail)
            if len(refs) == 0:
                continue
            totals = np.bincount(refs, weights=sims, minlength=len(sizes))[: len(sizes)]
            candidates = np.flatnonzero((totals > 0) & (sizes > 0))  # size 0: removed since
            scores = totals[candidates] / np.sqrt(sizes[candidates] * len(words))
            if len(candidates) > k:
                keep = np.argpartition(-scores, k - 1)[:k]
                candidates, scores = candidates[keep], scores[keep]
            for ref_id, score in zip(candidates.tolist(), scores.tolist(), strict=True):
                if score > best.get(ref_id, 0.0):
                    best[ref_id] = score
        return sorted(best.items(), key=lambda item: -item[1])[:k]

    def save(self, position: int | None = None) -> None:
        """Write what was added since the last save as a segment, then the manifest."""
        if self.read_only or self.directory is None:
            raise PermissionError("this word index was opened read-only")
        with self._lock:
            if position is not None:
                self.position = position
            self.directory.mkdir(parents=True, exist_ok=True)
            if self._rewrite or len(self._segments) >= MAX_SEGMENTS or len(self._removed) > 1000:
                self._fold()
                self._rewrite = False
                whole = (self._main[0], self._main_words(), self._main[1])
                self._segments = [self._write_segment([whole])] if len(whole[0]) else []
                self._removed.clear()
            elif self._unsaved:
                self._segments.append(self._write_segment(self._unsaved))
            self._unsaved = []
            _write_atomically(
                self.directory / MANIFEST,
                json.dumps(
                    {
                        "position": self.position,
                        "segments": self._segments,
                        "removed": sorted(self._removed),
                    }
                ).encode(),
            )
            keep = {*self._segments, MANIFEST}
            for path in self.directory.iterdir():
                if path.name not in keep and path.name.startswith("words-"):
                    path.unlink(missing_ok=True)

    def close(self) -> None:
        self.read_only = True

    # -- internals ------------------------------------------------------------------------------

    def _append(
        self, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], skip_removed: bool = False
    ) -> None:
        for refs, words, codes in parts:
            if skip_removed and self._removed:
                live = ~np.isin(refs, list(self._removed))
                refs, words, codes = refs[live], words[live], codes[live]
            if len(refs) == 0:
                continue
            self._tail.append((refs, words, codes))
            self._tail_size += len(refs)
            df = np.bincount(words)
            if len(df) > len(self._df):
                df[: len(self._df)] += self._df
                self._df = df
            else:
                self._df[: len(df)] += df
            top = int(refs.max())
            if top >= len(self._sizes):
                grown = np.zeros(max(top + 1, 2 * len(self._sizes)), np.float32)
                grown[: len(self._sizes)] = self._sizes
                self._sizes = grown
            added = np.bincount(refs, minlength=top + 1).astype(np.float32)
            present = np.flatnonzero(added)
            self._live += int(np.count_nonzero(self._sizes[present] == 0))
            self._sizes[present] += added[present]

    def _drop(self, ref_ids: list[int]) -> None:
        present = sorted({r for r in ref_ids if 0 <= r < len(self._sizes) and self._sizes[r] > 0})
        if not present:
            return
        self._sizes[present] = 0
        self._live -= len(present)
        self._removed.update(present)
        self._fold()  # tombstones must not hide a re-added reference's new words

    def _main_words(self) -> np.ndarray:
        return np.repeat(np.arange(len(self._starts) - 1, dtype=np.int32), np.diff(self._starts))

    def _fold(self) -> None:
        """Merge the tail into the main part, dropping removed references. The common cases
        sort nothing: a single part already sorted by word (a stored segment), or no tail."""
        if self._tail and len(self._main[0]) == 0 and len(self._tail) == 1:
            refs, words, codes = self._tail[0]
        else:
            refs = np.concatenate([self._main[0], *(t[0] for t in self._tail)])
            words = np.concatenate([self._main_words(), *(t[1] for t in self._tail)])
            codes = np.concatenate([self._main[1], *(t[2] for t in self._tail)])
        self._tail, self._tail_size = [], 0
        if self._removed:
            live = ~np.isin(refs, list(self._removed))
            if not live.all():
                refs, words, codes = refs[live], words[live], codes[live]
        refs, words, codes = _sorted_by_word(refs, words, codes)
        n_words = int(words[-1]) + 1 if len(words) else 0
        self._starts = np.searchsorted(words, np.arange(n_words + 1))
        self._main = (refs, codes)
        self._df = np.diff(self._starts)

    @staticmethod
    def _matches(
        words: np.ndarray,
        codes: np.ndarray,
        main: tuple[np.ndarray, np.ndarray],
        starts: np.ndarray,
        tail: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(reference, selective similarity) of every stored entry sharing a query word."""
        refs_out, sims_out = [], []
        known = words < len(starts) - 1
        lo, hi = starts[words[known]], starts[words[known] + 1]
        lengths = hi - lo
        if lengths.sum():
            # Each word's list is one contiguous run of the main part: copy runs, not indices.
            spans = [slice(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
            refs_out.append(np.concatenate([main[0][span] for span in spans]))
            stored = np.concatenate([main[1][span] for span in spans])
            sims_out.append(agreement(np.repeat(codes[known], lengths), stored))
        for refs, tail_words, tail_codes in tail if len(words) else ():
            position = np.searchsorted(words, tail_words)
            position = np.minimum(position, len(words) - 1)
            hit = words[position] == tail_words
            if hit.any():
                refs_out.append(refs[hit])
                sims_out.append(agreement(codes[position[hit]], tail_codes[hit]))
        if not refs_out:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        return np.concatenate(refs_out), np.concatenate(sims_out)

    def _write_segment(self, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> str:
        assert self.directory is not None
        name = f"words-{os.urandom(6).hex()}.npz"
        tmp = self.directory / (name + ".tmp")
        # Stored sorted by word, so that opening need not sort.
        refs, words, codes = _sorted_by_word(
            *(np.concatenate([p[i] for p in parts]) for i in range(3))
        )
        with open(tmp, "wb") as handle:
            np.savez(handle, refs=refs, words=words, codes=codes)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.directory / name)
        return name


def _sorted_by_word(
    refs: np.ndarray, words: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries ordered by word (stable), without copying when they already are."""
    if len(words) > 1 and bool((words[1:] < words[:-1]).any()):
        order = np.argsort(words, kind="stable")
        return refs[order], words[order], codes[order]
    return refs, words, codes


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
