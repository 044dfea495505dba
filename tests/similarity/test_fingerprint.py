"""Fingerprint extraction and its stored form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fangdu.similarity as sim
from fangdu.errors import ImageRejected, InputError
from fangdu.similarity import DESCRIPTOR_DIM, FINGERPRINT_VERSION, Fingerprint, extract
from fangdu.similarity import _procedural as proc
from fangdu.similarity._features import mirror_descriptors, root_sift
from fangdu.similarity._model import QUANT_SCALE, load_model
from fangdu.synth import make_print


@pytest.fixture(scope="module")
def fp() -> Fingerprint:
    return extract(proc.tiled_print(11, 600, 700))


def test_exports_are_the_documented_api() -> None:
    assert set(sim.__all__) >= {
        "Fingerprint",
        "extract",
        "compare",
        "draw_explanation",
        "DESCRIPTOR_DIM",
        "COPY_THRESHOLD",
        "SIMILAR_THRESHOLD",
        "FINGERPRINT_VERSION",
    }
    assert all(hasattr(sim, name) for name in sim.__all__)
    assert 0 < sim.SIMILAR_THRESHOLD < sim.COPY_THRESHOLD < 1


def test_fingerprint_fields(fp: Fingerprint) -> None:
    assert (fp.width, fp.height) == (700, 600)
    v = fp.global_vectors
    assert v.dtype == np.float32 and v.ndim == 2 and v.shape[1] == DESCRIPTOR_DIM
    assert 1 <= len(v) <= 4
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert len(fp.keypoints) > 100


def test_fingerprint_is_compact_and_round_trips(fp: Fingerprint) -> None:
    data = fp.to_bytes()
    assert len(data) <= 48 * 1024
    back = Fingerprint.from_bytes(data)
    assert back == fp
    assert back.to_bytes() == data
    np.testing.assert_array_equal(back.global_vectors, fp.global_vectors)
    np.testing.assert_array_equal(back.motifs, fp.motifs)


def test_motif_inventory_is_stored() -> None:
    fp = extract(make_print(5, 768, real_art=False).rgb)
    assert len(fp.motifs) >= 8
    back = Fingerprint.from_bytes(fp.to_bytes())
    np.testing.assert_array_equal(back.motifs["shape"], fp.motifs["shape"])
    np.testing.assert_array_equal(back.motifs["box"], fp.motifs["box"])


def test_extract_is_deterministic() -> None:
    img = proc.tiled_print(12, 300, 300)
    assert extract(img).to_bytes() == extract(img.copy()).to_bytes()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(32, 400),
    w=st.integers(32, 400),
    seed=st.integers(0, 2**16),
    flat=st.booleans(),
)
def test_any_image_round_trips(h: int, w: int, seed: int, flat: bool) -> None:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 128, np.uint8) if flat else rng.integers(0, 256, (h, w, 3), np.uint8)
    fp = extract(img)
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp
    assert np.isfinite(fp.global_vectors).all()
    np.testing.assert_allclose(np.linalg.norm(fp.global_vectors, axis=1), 1.0, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_from_bytes_rejects_garbage(data: bytes) -> None:
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(data)


def test_from_bytes_rejects_damage_and_other_versions(fp: Fingerprint) -> None:
    data = bytearray(fp.to_bytes())
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(bytes(data[:-10]))
    flipped = data.copy()
    flipped[100] ^= 0x40
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(bytes(flipped))
    other = data.copy()
    for version in (FINGERPRINT_VERSION - 1, FINGERPRINT_VERSION + 1):
        other[4] = version
        with pytest.raises(ValueError, match="version"):
            Fingerprint.from_bytes(bytes(other))


def test_extract_rejects_unusable_input() -> None:
    with pytest.raises(ImageRejected):
        extract(np.zeros((20, 500, 3), np.uint8))
    with pytest.raises(InputError):
        extract(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(InputError):
        extract(np.zeros((64, 64, 2), np.uint8))


def test_grey_and_rgba_input_are_accepted() -> None:
    img = proc.tiled_print(13, 200, 200)
    grey = img[..., 0].copy()
    assert extract(grey).width == 200
    rgba = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    assert extract(rgba) == extract(img)


def test_mirrored_descriptors_are_a_sign_flip_of_the_pca() -> None:
    """The stored descriptors suffice for mirrored matching: project(mirror(x)) = signs * x."""
    model = load_model()
    rng = np.random.default_rng(0)
    raw = root_sift(rng.integers(0, 200, (50, 128)).astype(np.float32))
    direct = model.project(raw).astype(np.float32) / QUANT_SCALE
    mirrored = model.project(mirror_descriptors(raw)).astype(np.float32) / QUANT_SCALE
    np.testing.assert_allclose(mirrored, direct * model.signs, atol=2.0 / QUANT_SCALE)
