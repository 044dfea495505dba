"""Procedural motif geometry: each motif is a short list of filled polygons and strokes.

Coordinates are in a unit frame (the motif fits in the disc of radius 1, y pointing down) so
one geometry serves every size, angle and colourway.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Shape:
    part: int  # index into Motif.slots
    points: np.ndarray  # (n, 2) float64, unit frame
    stroke: float = 0.0  # 0 fills the polygon; > 0 strokes an open path this wide (unit frame)


def _ellipse(
    cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 40
) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], 1)
    return _rotate(pts, angle) + np.array([cx, cy])


def _rotate(pts: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return pts @ np.array([[c, s], [-s, c]])


def _bezier(ctrl: np.ndarray, n: int = 24) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2, p3 = ctrl
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3


def _petal(
    length: float, width: float, angle: float, pointed: float, base: float = 0.0
) -> np.ndarray:
    t = np.linspace(0, np.pi, 24)
    x = base + length * (1 - np.cos(t)) / 2
    y = width * np.sin(t) ** (1 + pointed)
    pts = np.concatenate([np.stack([x, y], 1), np.stack([x[::-1], -y[::-1]], 1)])
    return _rotate(pts, angle)


def _flower(rng: np.random.Generator) -> list[Shape]:
    n = int(rng.integers(4, 11))
    length = rng.uniform(0.75, 1.0)
    width = rng.uniform(0.12, 0.35) * (8 / n) ** 0.5
    pointed = rng.uniform(0, 1.5)
    phase = rng.uniform(0, 2 * np.pi)
    shapes = [Shape(0, _petal(length, width, phase + 2 * np.pi * i / n, pointed)) for i in range(n)]
    if rng.random() < 0.6:  # an inner ring of petals in the second colour
        shapes += [
            Shape(1, _petal(length * 0.6, width * 0.7, phase + np.pi * (2 * i + 1) / n, pointed))
            for i in range(n)
        ]
    core = rng.uniform(0.12, 0.28)
    shapes.append(Shape(2, _ellipse(0, 0, core, core)))
    if rng.random() < 0.5:
        m = int(rng.integers(5, 12))
        shapes += [
            Shape(1, _ellipse(core * 1.5 * np.cos(a), core * 1.5 * np.sin(a), 0.04, 0.04, n=12))
            for a in np.linspace(0, 2 * np.pi, m, endpoint=False)
        ]
    return shapes


def _leaf(rng: np.random.Generator) -> list[Shape]:
    width = rng.uniform(0.25, 0.5)
    p = rng.uniform(0.6, 1.6)
    t = np.linspace(-1, 1, 40)
    top = width * np.sin(np.pi * (t + 1) / 2) ** p
    bend = rng.uniform(-0.25, 0.25) * (1 - t**2)  # a slightly curved leaf
    upper = np.stack([t, bend - top], 1)
    lower = np.stack([t[::-1], (bend + top)[::-1]], 1)
    outline = np.concatenate([upper, lower])
    shapes = [Shape(0, outline), Shape(1, np.stack([t * 1.05, bend], 1), stroke=0.05)]
    for x in np.linspace(-0.6, 0.6, int(rng.integers(3, 7))):  # veins
        b = rng.uniform(-0.25, 0.25) * (1 - x**2)
        for side in (-1, 1):
            vein = np.array([[x, b], [x + 0.25, b + side * width * 0.7]])
            shapes.append(Shape(1, vein, stroke=0.03))
    if rng.random() < 0.4:  # a stem
        shapes.append(Shape(1, np.array([[-1.0, 0.0], [-1.25, rng.uniform(-0.2, 0.2)]]), 0.06))
    return shapes


def _paisley(rng: np.random.Generator) -> list[Shape]:
    # Three cubic Béziers: right flank, left flank, the curled tip; inner controls jittered.
    ctrl = np.array(
        [
            [[0.35, -0.95], [0.95, -0.4], [0.85, 0.9], [0.0, 0.9]],
            [[0.0, 0.9], [-0.85, 0.9], [-0.8, -0.15], [0.05, -0.3]],
            [[0.05, -0.3], [0.35, -0.4], [0.1, -0.7], [0.35, -0.95]],
        ]
    )
    ctrl[:, 1:3] += rng.uniform(-0.12, 0.12, size=(3, 2, 2))
    right, left, curl = (_bezier(c) for c in ctrl)
    outline = np.concatenate([right, left, curl])
    centre = outline.mean(0)
    shapes = [Shape(0, outline), Shape(1, (outline - centre) * 0.7 + centre)]
    shapes.append(Shape(2, (outline - centre) * rng.uniform(0.3, 0.45) + centre + (0, 0.15)))
    if rng.random() < 0.7:  # dots along the outside
        for p in outline[:: int(rng.integers(4, 8))]:
            d = (p - centre) / (np.linalg.norm(p - centre) + 1e-9)
            q = p + d * 0.08
            shapes.append(Shape(2, _ellipse(q[0], q[1], 0.035, 0.035, n=10)))
    return shapes


def _star(rng: np.random.Generator) -> list[Shape]:
    n = int(rng.integers(4, 9))
    inner = rng.uniform(0.3, 0.6)
    a = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False) - np.pi / 2
    r = np.where(np.arange(2 * n) % 2 == 0, 1.0, inner)
    star = np.stack([r * np.cos(a), r * np.sin(a)], 1)
    shapes = [Shape(0, star)]
    if rng.random() < 0.6:
        shapes.append(Shape(1, star * rng.uniform(0.35, 0.6)))
    return shapes


def _polygon(rng: np.random.Generator) -> list[Shape]:
    n = int(rng.integers(3, 9))
    a = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, np.pi)
    poly = np.stack([np.cos(a), np.sin(a)], 1) * (1, rng.uniform(0.6, 1.0))
    shapes = [Shape(0, poly)]
    for k, f in enumerate(sorted(rng.uniform(0.2, 0.8, int(rng.integers(1, 3))), reverse=True)):
        shapes.append(Shape(1 + k % 2, _rotate(poly * f, rng.uniform(0, 0.6))))
    return shapes


def _ring(rng: np.random.Generator) -> list[Shape]:
    shapes = []
    for k, r in enumerate(np.linspace(1.0, rng.uniform(0.15, 0.4), int(rng.integers(2, 5)))):
        shapes.append(Shape(k % 3, _ellipse(0, 0, r, r * rng.uniform(0.85, 1.0), n=48)))
    return shapes


def _vine(rng: np.random.Generator) -> list[Shape]:
    t = np.linspace(-1, 1, 60)
    amp, freq = rng.uniform(0.15, 0.35), rng.uniform(1.0, 2.5)
    stem = np.stack([t, amp * np.sin(np.pi * freq * t)], 1)
    shapes = [Shape(0, stem, stroke=rng.uniform(0.03, 0.07))]
    for i in range(6, 60, int(rng.integers(7, 13))):
        side = 1 if (i // 7) % 2 else -1
        leaf = _petal(rng.uniform(0.25, 0.4), rng.uniform(0.07, 0.12), side * np.pi / 2.6, 0.8)
        shapes.append(Shape(1, leaf + stem[i]))
    if rng.random() < 0.6:  # a bud at the tip
        shapes.append(Shape(2, _ellipse(stem[-1, 0], stem[-1, 1], 0.12, 0.12)))
    return shapes


def _spiral(rng: np.random.Generator) -> list[Shape]:
    turns = rng.uniform(1.5, 3.0)
    t = np.linspace(0, 2 * np.pi * turns, 120)
    r = t / t[-1]
    pts = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    shapes = [Shape(0, pts, stroke=rng.uniform(0.05, 0.12))]
    if rng.random() < 0.5:
        shapes.append(Shape(1, _ellipse(pts[-1, 0], pts[-1, 1], 0.15, 0.15)))
    return shapes


def _cluster(rng: np.random.Generator) -> list[Shape]:
    shapes = []
    for _ in range(int(rng.integers(3, 8))):
        r = rng.uniform(0.12, 0.35)
        c = rng.uniform(-1 + r, 1 - r, 2)
        blob = _ellipse(c[0], c[1], r, r * rng.uniform(0.6, 1))
        shapes.append(Shape(int(rng.integers(0, 3)), blob))
    return shapes


_BUILDERS = {
    "flower": _flower,
    "leaf": _leaf,
    "paisley": _paisley,
    "star": _star,
    "polygon": _polygon,
    "ring": _ring,
    "vine": _vine,
    "spiral": _spiral,
    "cluster": _cluster,
}


@lru_cache(maxsize=4096)
def motif_shapes(kind: str, seed: int) -> tuple[Shape, ...]:
    """The geometry of a procedural motif, in a unit frame; same (kind, seed) → same shapes."""
    return tuple(_BUILDERS[kind](np.random.default_rng(seed)))
