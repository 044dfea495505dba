"""The index helpers that replaced np.unique / np.nonzero in verify.py's hot loops."""

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
