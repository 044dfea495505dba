"""compare(): copies are found, look-alikes are not, and the evidence is drawable."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fangdu.similarity import (
    COPY_THRESHOLD,
    SIMILAR_THRESHOLD,
    Fingerprint,
    compare,
    draw_explanation,
    extract,
)
from fangdu.similarity import _procedural as proc
from fangdu.similarity.types import Box, Match, Verdict

SIDE = 640


@pytest.fixture(scope="module")
def original() -> np.ndarray:
    return proc.tiled_print(21, SIDE, SIDE)


@pytest.fixture(scope="module")
def original_fp(original: np.ndarray) -> Fingerprint:
    return extract(original)


COPIES = {
    "recolour": lambda img: proc.recolour(img, 5),
    "inverted_grey": lambda img: (
        255 - cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    ),
    "rotate90": lambda img: np.ascontiguousarray(np.rot90(img)),
    "rotate_small": lambda img: proc.rotate(img, -9.0),
    "mirror": lambda img: np.ascontiguousarray(img[:, ::-1]),
    "crop_quarter": lambda img: img[SIDE // 2 :, : SIDE // 2],
    "scale_down": lambda img: cv2.resize(img, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA),
    "scale_up": lambda img: cv2.resize(img, None, fx=2.0, fy=2.0),
    "jpeg": lambda img: proc.jpeg(img, 20),
    "photo": lambda img: proc.photo(img, 3),
    "combo": lambda img: proc.jpeg(
        proc.rotate(proc.recolour(img[80:520, 40:560], 9)[:, ::-1], 6.0, 0.7), 40
    ),
}


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_copies_score_as_copies(kind: str, original: np.ndarray, original_fp: Fingerprint) -> None:
    query = COPIES[kind](original)
    match = compare(extract(query), original_fp)
    assert match.score >= COPY_THRESHOLD, f"{kind}: {match.score:.2f}"
    assert match.verdict is Verdict.COPY
    _assert_well_formed(match, query.shape, original.shape)


def _assert_well_formed(match: Match, qshape: tuple, rshape: tuple) -> None:
    assert 0.0 <= match.score <= 1.0
    for box, (h, w) in ((match.query_box, qshape[:2]), (match.match_box, rshape[:2])):
        assert isinstance(box, Box)
        assert 0 <= box.x0 < box.x1 <= w and 0 <= box.y0 < box.y1 <= h
    corr = match.correspondences
    assert corr.dtype == np.float32 and corr.shape[1] == 4 and len(corr) >= 6
    assert (corr[:, 0] <= qshape[1]).all() and (corr[:, 1] <= qshape[0]).all()
    assert (corr[:, 2] <= rshape[1]).all() and (corr[:, 3] <= rshape[0]).all()


def test_crop_box_points_at_the_cropped_region(
    original: np.ndarray, original_fp: Fingerprint
) -> None:
    x0, y0, size = 250, 180, 300
    match = compare(extract(original[y0 : y0 + size, x0 : x0 + size]), original_fp)
    corr = match.correspondences
    # Inliers map query pixels to where they were cut from, or to a repeat of it: either way
    # one translation and no scale change.
    offset = corr[:, 2:] - corr[:, :2]
    error = np.linalg.norm(offset - np.median(offset, axis=0), axis=1)
    assert np.percentile(error, 90) < 6 and error.max() < 25
    assert match.match_box is not None and match.match_box.x1 - match.match_box.x0 > 100


@pytest.mark.parametrize(
    "make",
    [
        lambda: proc.tiled_print(99, SIDE, SIDE),
        lambda: proc.tiled_print(100, 500, 700),
        lambda: proc.stock_print(31, "stripes"),
        lambda: proc.stock_print(32, "checks"),
        lambda: proc.stock_print(33, "dots"),
    ],
    ids=["print", "print2", "stripes", "checks", "dots"],
)
def test_unrelated_prints_are_not_copies(make, original_fp: Fingerprint) -> None:
    match = compare(extract(make()), original_fp)
    assert match.score < SIMILAR_THRESHOLD
    assert match.verdict is Verdict.NONE


@pytest.mark.parametrize("kind", ["stripes", "checks", "dots"])
def test_stock_patterns_do_not_match_each_other(kind: str) -> None:
    a, b = proc.stock_print(41, kind), proc.stock_print(42, kind)
    assert compare(extract(a), extract(b)).score < SIMILAR_THRESHOLD
    # The same stock pattern recoloured is the same design, however simple (issue 14): not by
    # its features (all alike, capped), but by the whole design picture.
    same = compare(extract(proc.recolour(a, 1)), extract(a))
    if kind != "checks":  # light/dark swapped woven checks show other band edges (SIMILARITY.md)
        assert same.same_design and same.verdict is Verdict.COPY


def test_featureless_images_compare_as_none() -> None:
    flat = extract(np.full((100, 100, 3), 200, np.uint8))
    match = compare(flat, flat)
    assert match.verdict is Verdict.NONE and match.score == 0.0


def test_draw_explanation(original: np.ndarray, original_fp: Fingerprint) -> None:
    query = proc.recolour(original[100:400, 200:600], 2)
    match = compare(extract(query), original_fp)
    img = draw_explanation(query, original, match)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert img.shape[1] > img.shape[0]  # side by side
    none = draw_explanation(query, original, Match(0.0, Verdict.NONE))
    assert none.shape[0] == img.shape[0]
