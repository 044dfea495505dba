"""Simple geometric repeats: a few plain shapes on a half-drop lattice, flat colours.

These are the market's common, cheap prints (and what the Keqiao ring registered): few
distinct-looking details, so a copy of one cannot be told apart from a different simple design
by counting distinct features. ``simple_lookalike`` draws a *different* simple design that keeps
something of the original (the lattice, the shapes or the colours).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from fangdu.synth._generate import random_palette
from fangdu.synth._spec import Print, SimpleSpec

SIMPLE_SHAPES = ("disc", "square", "triangle", "diamond", "cross", "hexagon", "bar", "ring")
SIMPLE_LOOKALIKE_KINDS = ("other_shapes", "other_spacing", "other_size")
_SUPER = 2  # supersampling for clean edges


def simple_print(seed: int, size: int = 768) -> Print:
    """A simple repeat: 1-3 shapes per half-drop tile, two or three flat inks."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    shapes = tuple(str(s) for s in rng.choice(SIMPLE_SHAPES, n, replace=False))
    tile = float(size * rng.uniform(0.12, 0.25))
    offsets = tuple((float(x), float(y)) for x, y in rng.uniform(0.0, 1.0, (n, 2)))
    if n == 1:
        offsets = ((0.5, 0.5),)
    radii = tuple(float(r) for r in rng.uniform(0.12, 0.22, n))
    angles = tuple(float(a) for a in rng.uniform(0, 90, n))
    palette = random_palette(rng, int(rng.integers(1, 3)))
    spec = SimpleSpec(shapes, offsets, radii, angles, tile, palette, size)
    return Print(render_simple(spec), spec)


def simple_lookalike(p: Print, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A different simple design sharing the lattice, the shapes or the palette with ``p``.

    ``other_shapes``: same lattice, positions, sizes and colours, other shapes.
    ``other_spacing``: same shapes at the same size, the lattice 1.3-1.8x wider or 0.6-0.77x.
    ``other_size``: same shapes on the same lattice, each 1.4-1.8x larger or 0.5-0.7x smaller.
    """
    s = p.spec
    if not isinstance(s, SimpleSpec):
        raise ValueError("simple_lookalike needs a simple_print")
    if kind == "other_shapes":
        pool = [x for x in SIMPLE_SHAPES if x not in s.shapes]
        shapes = tuple(str(x) for x in rng.choice(pool, len(s.shapes), replace=False))
        look = dataclasses.replace(s, shapes=shapes)
    elif kind == "other_spacing":
        f = float(rng.uniform(1.3, 1.8) if rng.random() < 0.5 else rng.uniform(0.6, 0.77))
        look = dataclasses.replace(
            s, tile=s.tile * f, radii=tuple(min(r / f, 0.3) for r in s.radii)
        )
    elif kind == "other_size":
        f = float(rng.uniform(1.4, 1.8) if rng.random() < 0.5 else rng.uniform(0.5, 0.7))
        look = dataclasses.replace(s, radii=tuple(min(r * f, 0.3) for r in s.radii))
    else:
        raise ValueError(f"unknown kind {kind!r}; expected one of {SIMPLE_LOOKALIKE_KINDS}")
    return render_simple(look)


def _outline(shape: str, radius: float, angle: float) -> list[np.ndarray]:
    """Polygons (filled; a ring is a disc with a hole drawn in the ground colour after)."""

    def regular(k: int, phase: float = 0.0, r: float = radius) -> np.ndarray:
        t = np.linspace(0, 2 * np.pi, k, endpoint=False) + phase
        return np.stack([r * np.cos(t), r * np.sin(t)], 1)

    if shape in ("disc", "ring"):
        polys = [regular(48)]
    elif shape == "square":
        polys = [regular(4, np.pi / 4)]
    elif shape == "triangle":
        polys = [regular(3, -np.pi / 2)]
    elif shape == "diamond":
        polys = [regular(4) * np.array([0.6, 1.0])]
    elif shape == "hexagon":
        polys = [regular(6)]
    elif shape == "bar":
        polys = [np.array([[-1, -0.3], [1, -0.3], [1, 0.3], [-1, 0.3]]) * radius]
    elif shape == "cross":
        w = 0.3 * radius
        polys = [
            np.array([[-radius, -w], [radius, -w], [radius, w], [-radius, w]]),
            np.array([[-w, -radius], [w, -radius], [w, radius], [-w, radius]]),
        ]
    else:
        raise ValueError(f"unknown shape {shape!r}")
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [poly @ rot.T for poly in polys]


def render_simple(spec: SimpleSpec) -> np.ndarray:
    """Draw a simple repeat (half-drop lattice of side ``tile``) as (size, size, 3) uint8."""
    n = spec.size * _SUPER
    canvas = np.empty((n, n, 3), np.uint8)
    canvas[:] = spec.palette[0]
    t = spec.tile * _SUPER
    inks = spec.palette[1:] or ((0, 0, 0),)
    cols = int(np.ceil(n / t)) + 2
    for k, shape in enumerate(spec.shapes):
        radius = spec.radii[k] * t
        polys = _outline(shape, radius, spec.angles[k])
        hole = _outline("disc", radius * 0.55, 0.0) if shape == "ring" else []
        colour = tuple(int(c) for c in inks[k % len(inks)])
        ox, oy = spec.offsets[k]
        for i in range(-1, cols):
            drop = (i % 2) * t / 2  # half-drop: every other column moves down half a tile
            for j in range(-2, cols):
                c = np.array([(i + ox) * t, (j + oy) * t + drop])
                cv2.fillPoly(
                    canvas,
                    [np.round((p + c) * 16).astype(np.int32) for p in polys],
                    colour,
                    cv2.LINE_AA,
                    4,
                )
                if hole:
                    cv2.fillPoly(
                        canvas,
                        [np.round((hole[0] + c) * 16).astype(np.int32)],
                        tuple(int(v) for v in spec.palette[0]),
                        cv2.LINE_AA,
                        4,
                    )
    return cv2.resize(canvas, (spec.size, spec.size), interpolation=cv2.INTER_AREA)
