"""Value types of a synthetic print: what is drawn, where, in which colours, on what ground.

Specs are frozen dataclasses so a variant is ``dataclasses.replace(spec, ...)`` followed by
``render``; nothing here draws or holds random state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RGB = tuple[int, int, int]

REPEATS = ("rect", "half_drop", "brick")
MOTIF_KINDS = ("flower", "leaf", "paisley", "star", "polygon", "ring", "vine", "spiral", "cluster")
TEXTURES = ("plain", "linen", "twill", "mottled", "pattern")


@dataclass(frozen=True)
class Motif:
    """One motif design. Its geometry follows from ``kind`` and ``seed`` (or ``asset``)."""

    kind: str  # one of MOTIF_KINDS, or "clipart"
    seed: int
    slots: tuple[int, ...]  # palette slots the motif's parts are painted in
    asset: str | None = None  # SVG path for "clipart"


@dataclass(frozen=True)
class Placement:
    """A motif placed in the repeat tile; positions are fractions of the tile."""

    motif: int  # index into PrintSpec.motifs
    x: float
    y: float
    radius: float  # pixels at scale 1
    angle: float  # degrees, counter-clockwise
    flip: bool = False


@dataclass(frozen=True)
class Layout:
    """The repeat: a tile of placements translated over the plane by a lattice."""

    repeat: str  # one of REPEATS
    tile_w: int
    tile_h: int
    placements: tuple[Placement, ...]

    def lattice(self) -> np.ndarray:
        """The two lattice vectors (rows) in pixels at scale 1."""
        w, h = self.tile_w, self.tile_h
        if self.repeat == "half_drop":  # each next column drops half a tile
            return np.array([[w, h / 2], [0, h]], np.float64)
        if self.repeat == "brick":  # each next row shifts half a tile
            return np.array([[w, 0], [w / 2, h]], np.float64)
        return np.array([[w, 0], [0, h]], np.float64)


@dataclass(frozen=True)
class Background:
    """The ground: palette slot 0, optionally modulated by a periodic texture."""

    texture: str  # one of TEXTURES; "pattern" is a GIMP .pat file in ``asset``
    seed: int
    strength: float  # how far the texture moves the ground colour, 0..1
    asset: str | None = None


@dataclass(frozen=True)
class PrintSpec:
    """Everything needed to redraw a print; slot 0 of ``palette`` is the ground."""

    motifs: tuple[Motif, ...]
    layout: Layout
    palette: tuple[RGB, ...]
    background: Background
    size: int  # side of the square canvas in pixels


@dataclass(frozen=True)
class StockSpec:
    """A stock (unprotectable) pattern: stripes, checks or dots."""

    kind: str  # "stripes", "checks" or "dots"
    palette: tuple[RGB, ...]
    bands: tuple[float, ...]  # stripe/check band widths in px; colours cycle the palette
    angle: float  # degrees
    dot_radius: float  # px, dots only
    spacing: float  # px between dot centres, dots only
    size: int


@dataclass(frozen=True)
class SimpleSpec:
    """A simple geometric repeat: plain shapes on a half-drop lattice (``fangdu.synth._simple``).

    ``offsets`` are fractions of the square tile of side ``tile`` px; ``radii`` fractions of it;
    ``angles`` degrees. Slot 0 of ``palette`` is the ground, the inks cycle over the shapes.
    """

    shapes: tuple[str, ...]
    offsets: tuple[tuple[float, float], ...]
    radii: tuple[float, ...]
    angles: tuple[float, ...]
    tile: float
    palette: tuple[RGB, ...]
    size: int


@dataclass(frozen=True, eq=False)
class Print:
    """A rendered print and the spec it was drawn from."""

    rgb: np.ndarray  # (size, size, 3) uint8
    spec: PrintSpec | StockSpec | SimpleSpec
