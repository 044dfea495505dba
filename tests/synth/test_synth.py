"""The synthetic print generator: deterministic, valid images, every class implemented."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import numpy as np
import pytest

from fangdu.synth import (
    HARD_NEGATIVE_KINDS,
    STOCK_KINDS,
    VARIANT_KINDS,
    Background,
    PrintSpec,
    clipart_files,
    gimp_pattern_files,
    make_hard_negative,
    make_print,
    make_variant,
    render,
    stock_pattern,
)
from fangdu.synth._assets import clipart_sprite, read_pat

SIZE = 256


def _valid(img: np.ndarray, size: int = SIZE) -> None:
    assert isinstance(img, np.ndarray)
    assert img.dtype == np.uint8
    assert img.ndim == 3 and img.shape[2] == 3
    assert size // 3 <= min(img.shape[:2]) and max(img.shape[:2]) <= 3 * size
    assert img.std() > 1.0  # not a blank image


def test_same_seed_same_bytes() -> None:
    a = make_print(7, SIZE, real_art=False)
    b = make_print(7, SIZE, real_art=False)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.spec == b.spec


def test_same_seed_same_bytes_with_real_art_when_installed() -> None:
    assert make_print(3, SIZE).rgb.tobytes() == make_print(3, SIZE).rgb.tobytes()


def test_different_seeds_differ() -> None:
    images = [make_print(s, SIZE, real_art=False).rgb for s in range(6)]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert not np.array_equal(images[i], images[j])


def test_procedural_path_uses_no_assets() -> None:
    for seed in range(10):
        p = make_print(seed, SIZE, real_art=False)
        assert isinstance(p.spec, PrintSpec)
        assert all(m.asset is None for m in p.spec.motifs)
        assert p.spec.background.asset is None
        assert p.rgb.shape == (SIZE, SIZE, 3)
        assert 2 <= len(p.spec.motifs) <= 5


@pytest.mark.skipif(not clipart_files(), reason="openclipart-svg not installed")
def test_real_art_clipart_is_used_when_installed() -> None:
    if clipart_sprite(clipart_files()[0]) is None:
        pytest.skip("no SVG rasteriser (cairosvg or rsvg-convert)")
    kinds = {m.kind for s in range(12) for m in make_print(s, SIZE).spec.motifs}
    assert "clipart" in kinds


@pytest.mark.skipif(not gimp_pattern_files(), reason="gimp-data not installed")
def test_real_art_gimp_patterns_parse() -> None:
    for path in gimp_pattern_files()[:5]:
        rgb = read_pat(path)
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3


def test_read_pat_hand_made(tmp_path: Path) -> None:
    name = b"tiny\x00"
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    header = struct.pack(">5I4s", 24 + len(name), 1, 3, 2, 3, b"GPAT") + name
    (tmp_path / "t.pat").write_bytes(header + pixels.tobytes())
    assert np.array_equal(read_pat(tmp_path / "t.pat"), pixels)
    grey = struct.pack(">5I4s", 24 + len(name), 1, 2, 1, 1, b"GPAT") + name + bytes([10, 200])
    (tmp_path / "g.pat").write_bytes(grey)
    assert read_pat(tmp_path / "g.pat").tolist() == [[[10, 10, 10], [200, 200, 200]]]


@pytest.mark.parametrize("kind", VARIANT_KINDS)
def test_every_variant_is_a_valid_image_and_deterministic(kind: str) -> None:
    p = make_print(11, SIZE, real_art=False)
    a = make_variant(p, kind, np.random.default_rng(5))
    b = make_variant(p, kind, np.random.default_rng(5))
    _valid(a)
    assert a.tobytes() == b.tobytes()
    if kind != "greyscale":  # greyscale of an already grey image could be identical
        assert a.shape != p.rgb.shape or not np.array_equal(a, p.rgb)


@pytest.mark.parametrize("kind", HARD_NEGATIVE_KINDS)
def test_every_hard_negative_is_a_valid_different_image(kind: str) -> None:
    p = make_print(12, SIZE, real_art=False)
    neg = make_hard_negative(p, kind, np.random.default_rng(1))
    _valid(neg)
    assert not np.array_equal(neg, p.rgb)


@pytest.mark.parametrize("kind", STOCK_KINDS)
def test_stock_lookalike_differs_from_its_source(kind: str) -> None:
    rng = np.random.default_rng(2)
    source = stock_pattern(kind, rng, SIZE)
    _valid(source.rgb)
    look = make_hard_negative(source, kind, rng)
    _valid(look)
    assert np.abs(look.astype(int) - source.rgb.astype(int)).mean() > 10


def test_stock_pattern_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown stock kind"):
        stock_pattern("plaid", np.random.default_rng(0))


def test_unknown_variant_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown variant kind"):
        make_variant(make_print(0, SIZE, real_art=False), "sepia", np.random.default_rng(0))


def test_crop_keeps_at_least_a_quarter_of_the_area() -> None:
    p = make_print(4, SIZE, real_art=False)
    for seed in range(200):
        c = make_variant(p, "crop", np.random.default_rng(seed))
        assert c.shape[0] * c.shape[1] >= SIZE * SIZE / 4


def test_repeat_is_seamless_over_one_lattice_step() -> None:
    # On a plain ground, moving the window by a lattice vector must give the same picture.
    for seed in range(4):
        spec = make_print(seed, SIZE, real_art=False).spec
        assert isinstance(spec, PrintSpec)
        spec = dataclasses.replace(spec, background=Background("plain", 0, 0.0))
        for step in spec.layout.lattice():
            moved = render(spec, offset=(float(step[0]), float(step[1])))
            diff = np.abs(moved.astype(int) - render(spec).astype(int))
            assert np.mean(diff > 8) < 0.002


def test_colourway_keeps_the_layout_and_changes_colours() -> None:
    p = make_print(9, SIZE, real_art=False)
    v = make_variant(p, "colourway", np.random.default_rng(3))
    assert v.shape == p.rgb.shape
    assert np.abs(v.astype(int) - p.rgb.astype(int)).mean() > 10


def test_simple_prints_are_deterministic_and_lookalikes_differ() -> None:
    from fangdu.synth import SIMPLE_LOOKALIKE_KINDS, simple_lookalike, simple_print

    a, b = simple_print(3, SIZE), simple_print(3, SIZE)
    assert a.rgb.tobytes() == b.rgb.tobytes() and a.spec == b.spec
    _valid(a.rgb)
    assert simple_print(4, SIZE).rgb.tobytes() != a.rgb.tobytes()
    for kind in SIMPLE_LOOKALIKE_KINDS:
        look = simple_lookalike(a, kind, np.random.default_rng(0))
        _valid(look)
        assert look.shape == a.rgb.shape and np.abs(look.astype(int) - a.rgb).mean() > 1.0
    with pytest.raises(ValueError):
        simple_lookalike(
            make_print(1, SIZE, real_art=False), "other_size", np.random.default_rng(0)
        )
