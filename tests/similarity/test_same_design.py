"""Same design, however simple: the whole of a simple repeat is recognised, other simple
designs are not merged with it (fangdu.similarity._design)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.similarity import COPY_THRESHOLD, Fingerprint, Verdict, compare, extract
from fangdu.similarity._design import SIMPLE_COMPLEXITY, same_design
from fangdu.similarity.verify import _compare_features
from fangdu.synth import (
    SIMPLE_LOOKALIKE_KINDS,
    make_print,
    make_variant,
    render_stock,
    simple_lookalike,
    simple_print,
    stock_pattern,
)
from fangdu.synth._variants import _stock_lookalike

SIZE = 384


def mirrored_grey(rgb: np.ndarray) -> np.ndarray:
    grey = rgb[:, ::-1].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.repeat(np.round(grey).astype(np.uint8)[..., None], 3, 2)


def test_simple_images_keep_a_design_picture_and_complex_prints_do_not() -> None:
    simple = extract(simple_print(11, SIZE).rgb)
    assert simple.complexity <= SIMPLE_COMPLEXITY and simple.design.size > 0
    assert Fingerprint.from_bytes(simple.to_bytes()) == simple
    assert np.array_equal(Fingerprint.from_bytes(simple.to_bytes()).design, simple.design)
    busy = extract(make_print(3, 512, real_art=False).rgb)
    assert busy.complexity > SIMPLE_COMPLEXITY and busy.design.size == 0


def test_a_damaged_design_picture_is_refused() -> None:
    data = bytearray(extract(simple_print(11, SIZE).rgb).to_bytes())
    data[-40] ^= 0xFF  # inside the compressed picture; the checksum catches it first
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(bytes(data))


def test_a_single_shape_repeat_is_the_same_design_as_its_mirrored_grey_copy() -> None:
    # One plain square on a half-drop lattice: every feature looks alike, so the features
    # alone give it less than a copy even against its own file (the fraud of issue 14).
    design = simple_print(11, SIZE).rgb
    ref = extract(design)
    query = extract(mirrored_grey(design))
    assert _compare_features(query, ref).score < COPY_THRESHOLD
    match = compare(query, ref)
    assert match.same_design and match.verdict == Verdict.COPY
    assert match.query_box is not None and match.match_box is not None
    own = compare(ref, ref)
    assert own.same_design and own.score == pytest.approx(1.0, abs=1e-3)


def test_stripes_without_a_single_feature_are_recognised_too() -> None:
    stripes = stock_pattern("stripes", np.random.default_rng(4), SIZE)
    ref = extract(stripes.rgb)
    assert len(ref.keypoints) < 6  # nothing for the feature comparison to work with
    match = compare(extract(mirrored_grey(stripes.rgb)), ref)
    assert match.same_design and match.verdict == Verdict.COPY
    wider = _stock_lookalike(stripes, "stripes", np.random.default_rng(5))
    assert not compare(extract(wider), ref).same_design


@pytest.mark.parametrize("kind", ["jpeg", "rotate90", "hue_shift", "greyscale", "mirror"])
@pytest.mark.parametrize("seed", [0, 3, 6])
def test_near_duplicates_of_simple_designs_are_the_same_design(seed: int, kind: str) -> None:
    p = simple_print(seed, SIZE)
    ref = extract(p.rgb)
    query = extract(make_variant(p, kind, np.random.default_rng(seed)))
    match = compare(query, ref)
    assert match.verdict == Verdict.COPY
    if query.design.size:  # a heavy JPEG may make the copy look busier than simple
        assert match.same_design


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(SIMPLE_LOOKALIKE_KINDS),
    variant=st.integers(0, 1000),
)
def test_different_simple_designs_are_never_the_same_design(
    seed: int, kind: str, variant: int
) -> None:
    p = simple_print(seed, SIZE)
    ref = extract(p.rgb)
    other = extract(simple_lookalike(p, kind, np.random.default_rng(variant)))
    match = compare(other, ref)
    assert not match.same_design
    # The whole-design test never raises a score: what is left is the features' own verdict.
    assert match.score == _compare_features(other, ref).score


@pytest.mark.parametrize("kind", ["dots", "checks", "stripes"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stock_patterns_with_other_spacing_stay_apart(kind: str, seed: int) -> None:
    p = stock_pattern(kind, np.random.default_rng(seed), SIZE)
    s = p.spec
    # Other band widths or dot spacing, same colours: only the geometry differs.
    f = 1.5
    other = render_stock(
        dataclasses.replace(s, bands=tuple(b * f for b in s.bands), spacing=s.spacing * f)
    )
    assert not compare(extract(other), extract(p.rgb)).same_design


def test_same_design_finds_quarter_turns_and_shifts() -> None:
    p = simple_print(11, SIZE)
    ref = extract(p.rgb).design.astype(np.float32)
    turned = np.rot90(ref[7:, 13:], 1)  # another window on it, turned a quarter
    assert same_design(np.ascontiguousarray(turned), ref) > 0.99
    assert same_design(np.zeros((0, 0), np.uint8), ref) == -1.0


def test_pictures_with_almost_nothing_drawn_are_no_design() -> None:
    """Two near-blank design pictures (smooth grounds whose gradients vanish) once correlated
    at 1.0 over their few stray pixels and made unrelated prints a `copy`."""
    a = np.zeros((256, 230), np.uint8)
    b = np.zeros((256, 214), np.uint8)
    a[100:102, 60:62] = 64  # four stray edge pixels each
    b[30:32, 90:92] = 64
    assert same_design(a, b) == -1.0
    # The same stray pixels on a real drawing do not stop a real match.
    ref = extract(simple_print(11, SIZE).rgb).design
    assert same_design(ref.copy(), ref) > 0.99
