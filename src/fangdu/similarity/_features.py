"""Local features on a colour-invariant working image.

A copy may come in another colourway, where one colour's edge against another may turn from
light-on-dark to dark-on-light. So features are not taken on grey levels but on the
*colour-gradient magnitude* (Sobel over the three Lab channels): edges stay where they are
whatever the colours, and the magnitude has no sign to flip. SIFT on that image then sees each
motif as a drawing of its outlines. Weak gradients (the ground's texture, a photo's weave) are
cut away first, so features describe the inks, not the cloth.
"""

from __future__ import annotations

import cv2
import numpy as np

# Long side of the working image. SIFT doubles it internally, so this sets extract()'s cost.
WORK_SIDE = 512
# Features kept per image, spread over a grid so one busy motif does not take them all.
MAX_FEATURES = 560
_GRID = 8
# Keypoints smaller than this (working pixels) are mostly weave, grain and JPEG noise.
_MIN_SIZE = 3.0
# Gradient floor: this multiple of this percentile of the gradient magnitude (see below).
_FLOOR_PERCENTILE = 75
_FLOOR_GAIN = 2.0
_FLOOR_KEEP_PERCENTILE = 95  # the floor keeps at least the strongest 5 % of gradients
# SIFT descriptor layout: 4 x 4 spatial cells x 8 orientation bins.
_MIRROR_PERM = np.arange(128).reshape(4, 4, 8)[::-1][..., (-np.arange(8)) % 8].reshape(-1)

_sift = cv2.SIFT_create(contrastThreshold=0.035)


def working_scale(width: int, height: int) -> float:
    """Factor from original to working pixels: long side to WORK_SIDE, short side >= 48."""
    scale = WORK_SIDE / max(width, height)
    scale = max(scale, 48 / min(width, height))
    return min(scale, 2.0)


def working_lab(rgb: np.ndarray, scale: float) -> np.ndarray:
    """The image resized to working size, as lightly blurred float32 Lab (OpenCV's 8-bit scale)."""
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(rgb, size, interpolation=interp)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).astype(np.float32)
    # A light blur first: photo noise and weave texture live at the finest scale.
    return cv2.GaussianBlur(lab, (0, 0), 0.7)


def gradient_magnitude(lab: np.ndarray) -> np.ndarray:
    """Colour-gradient magnitude (Sobel over the three channels) as float32."""
    gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
    # Sum of squares over the three channels, in place: numpy's reduction over a length-3 last
    # axis is ten times slower than three strided adds, and gives the same float32 values.
    sq = gx * gx
    sq += gy * gy
    mag = sq[..., 0] + sq[..., 1]
    mag += sq[..., 2]
    return np.sqrt(mag, out=mag)


def feature_image(mag: np.ndarray) -> np.ndarray:
    """The gradient magnitude with the ground's weak gradients cut away, as uint8 for SIFT."""
    # The ground's texture (linen, twill, stone, weave in a photo) is a field of weak gradients
    # over most of the image; motif outlines are the strong ones. Subtracting a floor taken from
    # the image's own gradient statistics keeps the motifs and drops the ground, which is not
    # protectable and must not make two designs on the same cloth look alike.
    # (Statistics from every other pixel: as good, and four times cheaper.)
    floor = _FLOOR_GAIN * float(np.percentile(mag[::2, ::2], _FLOOR_PERCENTILE))
    # Unless that would erase almost everything: then the "ground" is drawn (marbled, tie-dye,
    # ikat grounds with gradients as strong as the motifs'), part of the design, not cloth.
    floor = min(floor, float(np.percentile(mag[::2, ::2], _FLOOR_KEEP_PERCENTILE)))
    mag = np.maximum(mag - floor, 0.0)
    # A global gain only: SIFT descriptors are contrast-normalised anyway, and a local gain
    # would change with the image's scale.
    gain = 255.0 / (float(np.percentile(mag[::2, ::2], 99)) + 1e-3)
    return np.clip(mag * gain, 0, 255).astype(np.uint8)


def _spread(kps: np.ndarray, response: np.ndarray, w: int, h: int, limit: int) -> np.ndarray:
    """Indices of up to ``limit`` keypoints, taken best-first round-robin over grid cells."""
    if len(kps) <= limit:
        return np.argsort(-response)
    cx = np.minimum((kps[:, 0] * _GRID / max(w, 1)).astype(int), _GRID - 1)
    cy = np.minimum((kps[:, 1] * _GRID / max(h, 1)).astype(int), _GRID - 1)
    cell = cy * _GRID + cx
    order = np.lexsort((-response, cell))
    # rank of each keypoint inside its cell, then take rank 0 of every cell, rank 1, ...
    sorted_cells = cell[order]
    starts = np.searchsorted(sorted_cells, sorted_cells, side="left")
    rank = np.arange(len(order)) - starts
    chosen = order[np.lexsort((-response[order], rank))][:limit]
    return chosen


def detect(grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Keypoints (n, 4: x, y, size, angle in working pixels/degrees) and RootSIFT (n, 128) of a
    ``feature_image``."""
    h, w = grad.shape
    kp, desc = _sift.detectAndCompute(grad, None)
    if desc is None or not kp:
        return np.zeros((0, 4), np.float32), np.zeros((0, 128), np.float32), (w, h)
    kps = np.array([(k.pt[0], k.pt[1], k.size, k.angle) for k in kp], np.float32)
    response = np.array([k.response for k in kp], np.float32)
    keep = kps[:, 2] >= _MIN_SIZE
    kps, desc, response = kps[keep], desc[keep], response[keep]
    chosen = _spread(kps, response, w, h, MAX_FEATURES)
    kps, desc = kps[chosen], desc[chosen]
    return kps, root_sift(desc), (w, h)


def root_sift(desc: np.ndarray) -> np.ndarray:
    """Hellinger-normalised SIFT: L1-normalise, square root (unit L2 norm as a result)."""
    d = desc.astype(np.float32)
    d /= d.sum(axis=1, keepdims=True) + 1e-7
    return np.sqrt(d)


def mirror_descriptors(desc: np.ndarray) -> np.ndarray:
    """The SIFT descriptors the horizontally mirrored image would give at the same keypoints."""
    return desc[:, _MIRROR_PERM]
