"""The visual-word index: partial and re-scaled copies found, removal, persistence, crashes."""

from __future__ import annotations

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from fangdu.similarity import Fingerprint, extract
from fangdu.similarity import _procedural as proc
from fangdu.similarity._model import QUANT_SCALE
from fangdu.similarity._words import agreement, encode, vocabulary
from fangdu.similarity.search import Searcher
from fangdu.similarity.word_index import MANIFEST, STOP_FROM, WordIndex

SIDE = 384


@pytest.fixture(scope="module")
def library() -> dict[int, Fingerprint]:
    """Reference 0 is the source of the copies below; 1-15 other prints."""
    return {i: extract(proc.tiled_print(500 + i, SIDE, SIDE)) for i in range(16)}


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    return proc.tiled_print(500, SIDE, SIDE)


def _index(library: dict[int, Fingerprint], directory=None) -> WordIndex:
    index = WordIndex() if directory is None else WordIndex.open(directory)
    index.add(list(library), list(library.values()))
    return index


def test_encoding_is_stable_and_codes_agree_with_themselves(library) -> None:
    words, codes = encode(library[0].descriptors)
    again_words, again_codes = encode(library[0].descriptors)
    assert np.array_equal(words, again_words) and np.array_equal(codes, again_codes)
    assert np.all(np.diff(words) > 0)  # one code per word, ascending
    assert np.allclose(agreement(codes, codes), 1.0)
    assert np.allclose(agreement(codes, ~codes), 0.0)  # opposite residuals do not count


@pytest.mark.parametrize(
    "copy",
    [
        lambda rgb: rgb[40:300, 60:330],  # a crop
        lambda rgb: cv2.resize(rgb, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA),
        lambda rgb: rgb[:, ::-1],  # mirrored
        lambda rgb: proc.recolour(rgb, 3),
    ],
    ids=["crop", "rescaled", "mirrored", "recoloured"],
)
def test_copies_of_the_source_rank_it_first(library, source, copy) -> None:
    found = _index(library).search(extract(np.ascontiguousarray(copy(source))), 5)
    assert found[0][0] == 0
    assert found[0][1] > found[1][1]


def test_removed_references_are_not_found_and_can_come_back(library, source) -> None:
    index = _index(library)
    query = extract(source)
    index.remove([0])
    assert 0 not in index.ref_ids() and len(index) == 15
    assert all(ref != 0 for ref, _ in index.search(query, 16))
    index.add([0], [library[0]])
    assert index.search(query, 1)[0][0] == 0


def test_saved_index_opens_with_the_same_answers(library, source, tmp_path) -> None:
    index = _index(library, tmp_path)
    index.save(position=7)
    query = extract(proc.recolour(source, 5))
    reopened = WordIndex.open(tmp_path)
    assert reopened.position == 7
    assert reopened.ref_ids() == set(library)
    again, first = reopened.search(query, 5), index.search(query, 5)
    assert [ref for ref, _ in again] == [ref for ref, _ in first]
    assert [score for _, score in again] == pytest.approx([score for _, score in first])


def test_a_removal_and_a_return_survive_reopening(library, source, tmp_path) -> None:
    index = _index(library, tmp_path)
    index.save(position=1)
    index.remove([0, 3])
    index.save(position=2)
    assert WordIndex.open(tmp_path).ref_ids() == set(library) - {0, 3}
    index.add([0], [library[0]])  # re-registered: its stored old words must not hide it
    index.save(position=3)
    reopened = WordIndex.open(tmp_path)
    assert reopened.ref_ids() == set(library) - {3}
    assert reopened.search(extract(source), 1)[0][0] == 0
    assert len(list(tmp_path.glob("words-*.npz"))) == 1  # the rewrite replaced the segments


def test_a_crash_before_the_manifest_leaves_the_last_saved_state(library, tmp_path) -> None:
    index = WordIndex.open(tmp_path)
    index.add([1, 2], [library[1], library[2]])
    index.save(position=1)
    before = json.loads((tmp_path / MANIFEST).read_text())
    # A segment written, then the crash: the manifest does not name it.
    (tmp_path / "words-deadbeef0000.npz").write_bytes(b"torn")
    (tmp_path / (MANIFEST + ".tmp")).write_text("{")
    reopened = WordIndex.open(tmp_path)
    assert reopened.ref_ids() == {1, 2} and reopened.position == before["position"]
    reopened.add([4], [library[4]])
    reopened.save(position=2)
    assert not (tmp_path / "words-deadbeef0000.npz").exists()
    assert WordIndex.open(tmp_path).ref_ids() == {1, 2, 4}


@pytest.mark.parametrize("damage", ["manifest", "segment"])
def test_unreadable_files_start_empty_and_are_refilled(library, tmp_path, damage) -> None:
    index = _index(library, tmp_path)
    index.save(position=4)
    if damage == "manifest":
        (tmp_path / MANIFEST).write_text("{not json")
    else:
        next(tmp_path.glob("words-*.npz")).write_bytes(b"not a zip file")
    reopened = WordIndex.open(tmp_path)
    assert len(reopened) == 0 and reopened.position == 0  # the owner refills it by sync
    reopened.add([1], [library[1]])
    reopened.save(position=5)
    assert WordIndex.open(tmp_path).ref_ids() == {1}


def test_a_reader_never_writes(library, tmp_path) -> None:
    reader = WordIndex.open(tmp_path, read_only=True)
    reader.add([1], [library[1]])
    with pytest.raises(PermissionError):
        reader.save(position=1)
    assert not any(tmp_path.iterdir())
    with pytest.raises(PermissionError):
        WordIndex().save()


class _ReversedIndex:
    """A global ranking that puts the source last."""

    def __init__(self, n: int) -> None:
        self.n = n

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        order = [*range(1, self.n), 0]
        return [(ref, 1.0 - 0.01 * i) for i, ref in enumerate(order[:k])]


def test_words_bring_a_source_the_global_ranking_misses_into_the_shortlist(library, source) -> None:
    fetch = lambda ids: {i: library[i] for i in ids}  # noqa: E731
    query = extract(cv2.resize(source, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA))
    without = Searcher(_ReversedIndex(16), fetch, shortlist=4, workers=1)
    assert 0 not in [ref for ref, _ in without.candidates(query, 4)]
    words = _index(library)
    searcher = Searcher(_ReversedIndex(16), fetch, shortlist=4, workers=1, words=words)
    shortlist = [ref for ref, _ in searcher.candidates(query, 4)]
    assert shortlist[0] == 0 and len(shortlist) == len(set(shortlist)) == 4
    assert searcher.search(query, top_k=3)[0][0] == 0


def _word_print(like: Fingerprint, words: list[int]) -> Fingerprint:
    """A fingerprint whose local features sit exactly on the given visual words."""
    centroids = vocabulary()[words] * QUANT_SCALE
    descriptors = np.clip(np.rint(centroids), -127, 127).astype(np.int8)
    return replace(like, descriptors=descriptors)


@pytest.mark.parametrize("size", [STOP_FROM - 1, STOP_FROM + 50])
def test_a_word_most_references_have_is_skipped_once_the_library_is_large(library, size) -> None:
    common = 5  # every reference has it; each also has a word of its own
    index = WordIndex()
    ids = list(range(size))
    index.add(ids, [_word_print(library[0], [common, 10 + i]) for i in ids])
    found = index.search(_word_print(library[0], [common, 10]), 50)
    assert found[0][0] == 0  # the reference sharing the query's own word leads
    if size < STOP_FROM:
        assert len(found) == 50  # a small library: the common word still counts
    else:
        assert len(found) < 5  # a large one: sharing only the stop word finds nothing
