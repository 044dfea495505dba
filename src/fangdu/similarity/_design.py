"""Same design, however simple: the whole drawing compared, not its distinct features.

A simple repeat (a few plain shapes on a lattice, stripes, dots) has few distinct-looking
features, so the stock-pattern cap in ``verify`` gives it no evidence even against its own file,
and stripes may have no SIFT features at all. Yet copying it outright is still copying. So
simple images keep a small picture of their design: the colour-gradient magnitude (the working
image SIFT sees, which has no sign and so no colours) at half the working size. Two simple
images show the same design when one of the eight quarter-turns and mirrorings of the query,
shifted, lines up with the reference everywhere they overlap (normalised correlation at or
above ``SAME_DESIGN_NCC`` over at least ``_MIN_OVERLAP`` of the smaller picture). That holds for
re-encodes, greyscale and other colourways, mirror images, quarter turns and another window
on the repeat; it does not hold for the same shapes at another spacing or size, or other shapes
on the same lattice (measured in docs/SIMILARITY.md). It is a same-scale test: a simple design
re-scaled or cropped and re-sized is left to the feature comparison.
"""

from __future__ import annotations

import cv2
import numpy as np

from fangdu.similarity._model import matmul_t

# Distinct-looking features (leader clusters at _SAME_DIST) up to which an image is simple.
# Generated simple repeats measure 10-40, stock stripes/checks/dots 0-10, multi-motif prints
# 43-156 (see docs/SIMILARITY.md).
SIMPLE_COMPLEXITY = 40
SAME_DESIGN_NCC = 0.85
# A design picture with fewer drawn pixels (gradient >= _DRAWN) than this share carries no
# design: a correlation over a few stray pixels reaches 1.0 between unrelated images (two smooth
# tie-dye grounds did on the away benchmark). The home benchmark's simple prints and stock
# patterns draw 1.7-27 % of their pixels.
MIN_DRAWN_SHARE = 0.01
_DRAWN = 16
_SAME_DIST = 100.0  # as in verify: two descriptors closer than this look the same
_DIV = 2  # design picture = working image / _DIV
_MIN_OVERLAP = 0.5
_KEEP = 3  # transforms refined past the coarsest level


def complexity(descriptors: np.ndarray) -> int:
    """How many distinct-looking features an image has (greedy leader clustering)."""
    d = descriptors.astype(np.float32)
    if len(d) == 0:
        return 0
    sq = (d * d).sum(1)
    d2 = sq[:, None] + sq[None, :] + matmul_t(d, d, -2.0)
    unclaimed = np.ones(len(d), bool)
    leaders = 0
    while unclaimed.any():
        i = int(np.argmax(unclaimed))
        unclaimed &= d2[i] >= _SAME_DIST**2
        leaders += 1
    return leaders


def design_picture(grad: np.ndarray) -> np.ndarray:
    """The picture kept for a simple image: its working gradient image at 1/_DIV, uint8."""
    h, w = grad.shape
    size = (max(1, round(w / _DIV)), max(1, round(h / _DIV)))
    return cv2.resize(grad, size, interpolation=cv2.INTER_AREA)


def drawn_share(picture: np.ndarray) -> float:
    """The share of a design picture's pixels on an edge of the drawing."""
    return float(np.count_nonzero(picture >= _DRAWN)) / max(1, picture.size)


def _dihedral(a: np.ndarray) -> list[np.ndarray]:
    out = []
    for k in range(4):
        r = np.rot90(a, k)
        out += [np.ascontiguousarray(r), np.ascontiguousarray(r[:, ::-1])]
    return out


def _ncc_at(q: np.ndarray, r: np.ndarray, dy: int, dx: int) -> tuple[float, int]:
    """Normalised correlation of ``q`` placed at (dy, dx) over ``r``, and the overlap area."""
    y0, x0 = max(0, dy), max(0, dx)
    y1, x1 = min(r.shape[0], dy + q.shape[0]), min(r.shape[1], dx + q.shape[1])
    if y1 - y0 < 2 or x1 - x0 < 2:
        return -1.0, 0
    a = r[y0:y1, x0:x1]
    b = q[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return (float((a * b).sum()) / den if den > 1e-6 else -1.0), a.size


def _spectrum(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    z = np.zeros(size, np.float32)
    z[: a.shape[0], : a.shape[1]] = a - a.mean()
    return cv2.dft(z, flags=cv2.DFT_COMPLEX_OUTPUT)


def _best_shift(
    q: np.ndarray, r: np.ndarray, spectra: dict[tuple[int, int], np.ndarray], min_area: float
) -> tuple[float, int, int]:
    """Cross-correlation peak of ``q`` over ``r`` among shifts overlapping ``min_area`` pixels:
    (correlation divided by both energies, dy, dx). ``spectra`` caches ``r``'s by size."""
    hq, wq = q.shape
    hr, wr = r.shape
    size = (cv2.getOptimalDFTSize(hq + hr), cv2.getOptimalDFTSize(wq + wr))
    if size not in spectra:
        spectra[size] = _spectrum(r, size)
    cross = cv2.mulSpectrums(spectra[size], _spectrum(q, size), 0, conjB=True)
    corr = cv2.idft(cross, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    # Overlap area of each shift, in closed form (rows times columns).
    dy = np.arange(size[0])
    dy = np.where(dy < size[0] - hq + 1, dy, dy - size[0])
    dx = np.arange(size[1])
    dx = np.where(dx < size[1] - wq + 1, dx, dx - size[1])
    oy = np.clip(np.minimum(hr, dy + hq) - np.maximum(0, dy), 0, None)
    ox = np.clip(np.minimum(wr, dx + wq) - np.maximum(0, dx), 0, None)
    corr[np.outer(oy, ox) < min_area] = -np.inf
    i, j = np.unravel_index(int(np.argmax(corr)), corr.shape)
    qc, rc = q - q.mean(), r - r.mean()
    den = float(np.sqrt((qc * qc).sum() * (rc * rc).sum())) + 1e-6
    return float(corr[i, j]) / den, int(dy[i]), int(dx[j])


def _half(a: np.ndarray) -> np.ndarray:
    return cv2.resize(
        a, (max(1, a.shape[1] // 2), max(1, a.shape[0] // 2)), interpolation=cv2.INTER_AREA
    )


def _refine(q: np.ndarray, r: np.ndarray, dy: int, dx: int) -> tuple[float, int, int]:
    """Best of the 3 x 3 shifts around (dy, dx) with enough overlap: (ncc, dy, dx)."""
    min_area = _MIN_OVERLAP * min(q.size, r.size)
    best = (-1.0, dy, dx)
    for ey in (-1, 0, 1):
        for ex in (-1, 0, 1):
            ncc, area = _ncc_at(q, r, dy + ey, dx + ex)
            if area >= min_area and ncc > best[0]:
                best = (ncc, dy + ey, dx + ex)
    return best


def same_design(query: np.ndarray, reference: np.ndarray) -> float:
    """Best normalised correlation of the two design pictures over the dihedral transforms of
    ``query`` and its shifts with enough overlap; -1 when nothing overlaps enough."""
    if query.size == 0 or reference.size == 0:
        return -1.0
    if min(drawn_share(query), drawn_share(reference)) < MIN_DRAWN_SHARE:
        return -1.0
    # A pyramid: the eight transforms searched exhaustively at a quarter of the resolution
    # (FFT correlation), the best one refined at half and then full resolution.
    r1 = reference.astype(np.float32)
    r2 = _half(r1)
    r4 = _half(r2)
    spectra: dict[tuple[int, int], np.ndarray] = {}
    coarse = []
    for q1 in _dihedral(query.astype(np.float32)):
        q4 = _half(_half(q1))
        coarse.append((*_best_shift(q4, r4, spectra, _MIN_OVERLAP * min(q4.size, r4.size)), q1))
    # Symmetric shapes make several transforms almost as good at a quarter of the resolution,
    # where the shift is only known to 4 pixels: the best few go on to the finer levels.
    coarse.sort(key=lambda c: -c[0])
    half = [(*_refine(_half(q1), r2, 2 * dy, 2 * dx), q1) for _, dy, dx, q1 in coarse[:_KEEP]]
    _, dy, dx, q1 = max(half, key=lambda c: c[0])
    return _refine(q1, r1, 2 * dy, 2 * dx)[0]
