"""The index helpers that replaced np.unique / np.nonzero in verify.py's hot loops."""

import cv2
import numpy as np

from fangdu.similarity.verify import _first, _ranges


def test_first_matches_unique_first_occurrence() -> None:
    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 7, 50):
        vals = rng.integers(0, 6, n)
        expected = np.sort(np.unique(vals, return_index=True)[1])
        assert np.array_equal(_first(vals), expected)


def test_ranges_concatenates_slices() -> None:
    starts = np.array([0, 5, 5, 9])
    ends = np.array([2, 5, 8, 10])
    assert _ranges(starts, ends).tolist() == [0, 1, 5, 6, 7, 9]
    assert len(_ranges(np.array([3]), np.array([3]))) == 0


def test_a_drawn_ground_as_strong_as_motifs_is_not_floored_away() -> None:
    """The ground floor is for weak cloth texture. A marbled or tie-dye ground whose contours
    are as sharp as any motif's used to be erased whole (under 1 % of pixels kept), leaving
    such prints without features; the floor now keeps the strongest 5 % of gradients."""
    from fangdu.similarity._features import feature_image, gradient_magnitude, working_lab

    rng = np.random.default_rng(3)
    noise = cv2.resize(
        rng.random((40, 40)).astype(np.float32), (512, 512), interpolation=cv2.INTER_CUBIC
    )
    contours = (noise * 14) % 1.0 > 0.5  # dense sharp rings everywhere, like a tie-dye
    rgb = np.where(contours[..., None], np.uint8([200, 60, 90]), np.uint8([40, 160, 220]))
    kept = feature_image(gradient_magnitude(working_lab(rgb.astype(np.uint8), 1.0))) >= 16
    assert kept.mean() >= 0.04


def _grid_keypoints(points: np.ndarray, size: float = 6.0) -> np.ndarray:
    """Keypoint rows (x, y, size, angle) as the fingerprints store them."""
    return np.column_stack([points, np.full(len(points), size), np.zeros(len(points))]).astype(
        np.float32
    )


def test_coverage_counts_what_the_query_shows_instead_not_what_it_moved_away() -> None:
    """Twenty reference features on a line match; five more lie between them. Where the query
    has features of its own at those five places (other motifs on the same layout), they
    contradict the match; where it has nothing there (the motif moved elsewhere), they do not."""
    from fangdu.similarity.verify import _Model, coverage

    matched = np.column_stack([np.linspace(50, 500, 20), np.full(20, 100.0)])
    between = np.column_stack([np.linspace(70, 470, 5), np.full(5, 110.0)])
    rk = _grid_keypoints(np.concatenate([matched, between]))
    shift = np.array([30.0, 40.0])  # the query shows the design moved by this much
    model = _Model(q=np.arange(20), r=np.arange(20))
    replaced = _grid_keypoints(np.concatenate([matched, between]) + shift)
    moved_away = _grid_keypoints(np.concatenate([matched + shift, [[900.0, 900.0]]]))
    assert coverage([model], [replaced], rk, 768.0) == 20 / 25
    assert coverage([model], [moved_away], rk, 768.0) == 1.0
    assert coverage([], [replaced], rk, 768.0) == 0.0
