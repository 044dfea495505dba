"""The motif inventory of a print: its separate inked shapes, each with a shape signature.

A copier who re-arranges a design keeps its motifs (their shapes, inks and sizes) but moves,
turns and flips each one on its own. Simple flat motifs (a five-petal flower, a leaf, a
spiral) give SIFT only a handful of features each, too few for a per-motif geometric model, so
the verifier also compares inventories: which of the reference's motif *types* reappear in the
query with the same shape, the same ink and one common change of size.

Segmentation: the ground is the most common colour; a motif is a connected region that
differs from it clearly (a multiple of the image's median difference, so a mottled or woven
ground stays ground) and does not touch the image border (a cut-off motif has another shape).
Its signature is taken in polar coordinates around its centroid, out to its farthest pixel:
the region's own mask and its colour-gradient magnitude on ``RINGS`` rings, of which only the
magnitudes of the first ``HARMONICS`` angular Fourier coefficients are kept. Those do not
change when the motif is turned or mirrored, and the radius normalises its size.
"""

from __future__ import annotations

import cv2
import numpy as np

RINGS = 8
HARMONICS = 8
SHAPE_DIM = 2 * RINGS * HARMONICS
MAX_MOTIFS = 64
_ANGLES = 64
# Regions smaller than this (working pixels) are specks of texture, noise or JPEG ringing.
_MIN_AREA = 90
_MAX_AREA_FRACTION = 0.1  # larger regions are a second ground, not a motif
_MIN_CONTRAST = 18.0  # Lab units (OpenCV 8-bit scale) from the ground
_MEDIAN_GAIN = 2.0
# A motif's ink must stand out from the ground more clearly than the segmentation threshold:
# the blobs of a mottled or stone ground sit just above it.
_INK_GAIN = 1.3
_GROUND_BIN = 12
_GRADIENT_WEIGHT = 0.5

MOTIF_DTYPE = np.dtype(
    [
        ("shape", "<f2", (SHAPE_DIM,)),
        ("x", "<f4"),
        ("y", "<f4"),  # centroid, working pixels
        ("radius", "<f4"),  # farthest pixel from the centroid, working pixels
        ("box", "<f4", (4,)),  # x0, y0, x1, y1, working pixels
        ("area", "<f4"),
        ("lab", "<f2", (3,)),  # mean ink colour
    ]
)


def _ground(lab: np.ndarray) -> np.ndarray:
    sample = np.ascontiguousarray(lab[::4, ::4]).reshape(-1, 3)
    coarse = (sample * (1.0 / _GROUND_BIN)).astype(np.int32)  # Lab here is never negative
    key = (coarse[:, 0] * 32 + coarse[:, 1]) * 32 + coarse[:, 2]
    return sample[key == np.argmax(np.bincount(key))].mean(0)


def find_motifs(lab: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Motifs (MOTIF_DTYPE, largest first, at most MAX_MOTIFS) of a working Lab image and its
    colour-gradient magnitude (as from ``_features.working_lab``/``gradient_magnitude``)."""
    smooth = cv2.GaussianBlur(lab, (0, 0), 0.7)
    height, width = smooth.shape[:2]
    ground = _ground(smooth)
    diff = cv2.subtract(smooth, (*(float(v) for v in ground), 0.0))
    delta = np.sqrt(cv2.transform(diff * diff, np.ones((1, 3), np.float32)))
    threshold = max(_MIN_CONTRAST, _MEDIAN_GAIN * float(np.median(delta[::2, ::2])))
    mask = cv2.morphologyEx(
        (delta > threshold).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    )
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x, y, w, h, area = (stats[:, i] for i in range(5))
    ok = (area >= _MIN_AREA) & (area <= _MAX_AREA_FRACTION * height * width)
    ok &= (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    ok[0] = False
    candidates = np.flatnonzero(ok)
    candidates = candidates[np.argsort(-area[candidates], kind="stable")]
    theta = np.arange(_ANGLES) * (2 * np.pi / _ANGLES)
    cos, sin = np.cos(theta), np.sin(theta)
    ring = (np.arange(RINGS) + 0.5) / RINGS
    out = []
    for i in candidates:
        if len(out) == MAX_MOTIFS:
            break
        x0, y0, bw, bh = (int(v) for v in stats[i, :4])
        own_u8 = (labels[y0 : y0 + bh, x0 : x0 + bw] == i).view(np.uint8)
        ink = np.array(cv2.mean(smooth[y0 : y0 + bh, x0 : x0 + bw], own_u8)[:3])
        if np.linalg.norm(ink - ground) < _INK_GAIN * threshold:
            continue
        own = own_u8.astype(np.float32)
        cx, cy = float(centroids[i, 0]) - x0, float(centroids[i, 1]) - y0
        dx2 = (np.arange(bw, dtype=np.float32) - cx) ** 2
        dy2 = (np.arange(bh, dtype=np.float32) - cy) ** 2
        radius = float(np.sqrt(((dy2[:, None] + dx2[None, :]) * own).max())) + 1.0
        rr = ring[:, None] * radius
        map_x = (cx + rr * cos).astype(np.float32)
        map_y = (cy + rr * sin).astype(np.float32)
        polar_mask = cv2.remap(own, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        polar_grad = cv2.remap(
            grad[y0 : y0 + bh, x0 : x0 + bw] * own,
            map_x,
            map_y,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        polar_grad /= polar_grad.max() + 1e-6
        spectrum = np.abs(np.fft.rfft(np.concatenate([polar_mask, polar_grad]), axis=1))
        spectrum = spectrum[:, :HARMONICS]
        spectrum[RINGS:] *= _GRADIENT_WEIGHT
        spectrum /= np.linalg.norm(spectrum) + 1e-9
        out.append(
            (
                spectrum.ravel(),
                cx + x0,
                cy + y0,
                radius,
                (x0, y0, x0 + bw, y0 + bh),
                float(area[i]),
                ink,
            )
        )
    return np.array(out, MOTIF_DTYPE)


def complexity(motifs: np.ndarray) -> np.ndarray:
    """How far each motif is from a filled disc (0) : dots and ovals are in every stock print."""
    return 1.0 - motifs["area"] / (np.pi * motifs["radius"] ** 2)


# Matching, tuned on the synthetic benchmark's re-arranged copies and hard negatives.
_TYPE_DIST = 0.15  # shape-signature distance: the same motif type
_INK_DIST = 15.0  # Lab units: the same ink
_SIZE_SPREAD = 0.2  # log2: motifs of one copy share one change of size
_MIN_COMPLEXITY = 0.15


def motif_types(motifs: np.ndarray) -> np.ndarray:
    """Indices of one representative per distinct-looking motif that is not a plain blob."""
    shapes = motifs["shape"].astype(np.float32)
    leaders: list[int] = []
    for i in np.flatnonzero(complexity(motifs) >= _MIN_COMPLEXITY):
        if not leaders or np.linalg.norm(shapes[leaders] - shapes[i], axis=1).min() >= _TYPE_DIST:
            leaders.append(int(i))
    return np.array(leaders, np.int64)


def match_motifs(
    query: np.ndarray, query_scale: float, reference: np.ndarray, reference_scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """(query, reference) indices of the reference's motif types found again in the query:
    nearest query motif of the same shape and ink, all at one common change of size."""
    types = motif_types(reference)
    if len(types) == 0 or len(query) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rs = reference["shape"][types].astype(np.float32)
    qs = query["shape"].astype(np.float32)
    dist = np.sqrt(
        np.maximum((rs * rs).sum(1)[:, None] + (qs * qs).sum(1)[None, :] - 2.0 * rs @ qs.T, 0.0)
    )
    ink = reference["lab"][types].astype(np.float32)[:, None] - query["lab"].astype(np.float32)
    dist[np.sqrt((ink * ink).sum(2)) > _INK_DIST] = np.inf
    nearest = dist.argmin(1)
    found = dist[np.arange(len(types)), nearest] < _TYPE_DIST
    q, r = nearest[found], types[found]
    if len(q) == 0:
        return q, r
    size = np.log2((query["radius"][q] / query_scale) / (reference["radius"][r] / reference_scale))
    same = np.abs(size - np.median(size)) <= _SIZE_SPREAD
    return q[same], r[same]
