"""extract(): image pixels to a Fingerprint."""

from __future__ import annotations

import numpy as np

from fangdu.errors import ImageRejected, InputError
from fangdu.similarity._design import SIMPLE_COMPLEXITY, complexity, design_picture
from fangdu.similarity._features import (
    detect,
    feature_image,
    gradient_magnitude,
    working_lab,
    working_scale,
)
from fangdu.similarity._fingerprint import MAX_WORK_SIDE, Fingerprint
from fangdu.similarity._model import QUANT_SCALE, load_model
from fangdu.similarity._motifs import find_motifs

MIN_SIDE = 32


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise InputError("image must be a uint8 numpy array")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise InputError(f"image must be (H, W, 3) RGB, got shape {image.shape}")
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    return image[..., :3]


def extract(rgb: np.ndarray) -> Fingerprint:
    """Fingerprint of an RGB uint8 image (H, W, 3), each side at least 32 px.

    Grey (H, W) and RGBA input are accepted too; alpha is ignored.
    """
    rgb = _as_rgb(rgb)
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageRejected(f"image is {width}x{height}; each side needs {MIN_SIDE} px or more")
    scale = min(working_scale(width, height), (MAX_WORK_SIDE - 1) / max(width, height))
    lab = working_lab(rgb, scale)
    magnitude = gradient_magnitude(lab)
    grad = feature_image(magnitude)
    kps, root, (ww, wh) = detect(grad)
    model = load_model()
    desc = model.project(root)
    deq = desc.astype(np.float32) / QUANT_SCALE
    vectors = np.stack([model.global_vector(deq), model.global_vector(deq * model.signs)])
    cx = complexity(desc)
    # Only simple images need their design picture (see _design); the rest keep none.
    design = design_picture(grad) if cx <= SIMPLE_COMPLEXITY else np.zeros((0, 0), np.uint8)
    fp = Fingerprint(
        width, height, scale, (ww, wh), kps, desc, vectors, cx, design, find_motifs(lab, magnitude)
    )
    # Round-trip once so a fresh fingerprint equals its stored form exactly.
    return Fingerprint.from_bytes(fp.to_bytes())
