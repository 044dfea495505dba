"""Random, seeded specs: palettes, motifs, layouts, grounds, and the stock patterns."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import cv2
import numpy as np

from fangdu.synth._assets import clipart_files, clipart_sprite, gimp_pattern_files
from fangdu.synth._render import render
from fangdu.synth._spec import (
    MOTIF_KINDS,
    REPEATS,
    RGB,
    Background,
    Layout,
    Motif,
    Placement,
    Print,
    PrintSpec,
    StockSpec,
)

STOCK_KINDS = ("stripes", "checks", "dots")
CLIPART_SHARE = 0.35  # of motifs drawn from clip art when it is installed
PATTERN_SHARE = 0.2  # of grounds using a GIMP texture when it is installed
_LUMA = np.array([0.299, 0.587, 0.114])


def make_print(
    seed: int, size: int = 768, *, real_art: bool = True, clipart: Sequence[str] | None = None
) -> Print:
    """A random textile print, identical for identical arguments on the same machine.

    ``real_art=False`` keeps it procedural so the pixels do not depend on which optional
    Debian art packages are installed. ``clipart`` limits the SVGs it may use (default: all
    installed), so a benchmark can keep different designs from sharing a drawing.
    """
    rng = np.random.default_rng(seed)
    n_inks = int(rng.integers(3, 6))
    palette = random_palette(rng, n_inks)
    motifs = random_motifs(rng, int(rng.integers(2, 6)), n_inks, real_art=real_art, clipart=clipart)
    layout = random_layout(rng, len(motifs), size)
    background = random_background(rng, real_art=real_art)
    spec = PrintSpec(motifs, layout, palette, background, size)
    return Print(render(spec), spec)


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1)))
    return (round(r * 255), round(g * 255), round(b * 255))


def luminance(colour: RGB) -> float:
    """Perceived brightness 0..255 (Rec. 601 weights)."""
    return float(np.dot(colour, _LUMA))


def random_palette(
    rng: np.random.Generator, n_inks: int, *, dark_ground: bool | None = None
) -> tuple[RGB, ...]:
    """Slot 0 is the ground, slots 1..n_inks the inks, in a colour-harmony scheme."""
    base = rng.uniform()
    offsets = {
        "analogous": [0.0, 0.06, -0.06, 0.12, -0.12],
        "complementary": [0.0, 0.5, 0.04, 0.54, -0.04],
        "triadic": [0.0, 1 / 3, 2 / 3, 0.05, 0.38],
        "mono": [0.0, 0.02, -0.02, 0.03, -0.03],
    }[str(rng.choice(["analogous", "complementary", "triadic", "mono"]))]
    dark = rng.random() < 0.3 if dark_ground is None else dark_ground
    if dark:
        ground = _hsv(base + rng.uniform(-0.1, 0.1), rng.uniform(0.3, 0.9), rng.uniform(0.08, 0.3))
    else:
        hue = base + rng.uniform(-0.5, 0.5)
        ground = _hsv(hue, rng.uniform(0.02, 0.3), rng.uniform(0.82, 0.98))
    inks = []
    for i in range(n_inks):
        value = rng.uniform(0.6, 1.0) if dark else rng.uniform(0.25, 0.8)
        hue = base + offsets[i % len(offsets)] + rng.uniform(-0.02, 0.02)
        inks.append(_hsv(hue, rng.uniform(0.35, 0.95), value))
    return (ground, *inks)


def colourway(palette: tuple[RGB, ...], rng: np.random.Generator) -> tuple[RGB, ...]:
    """Another palette of the same length; light and dark swap in about a third of cases."""
    dark_now = luminance(palette[0]) < 110
    swap = rng.random() < 0.35
    return random_palette(rng, len(palette) - 1, dark_ground=dark_now != swap)


def random_motifs(
    rng: np.random.Generator,
    n: int,
    n_inks: int,
    *,
    real_art: bool = True,
    avoid: tuple[Motif, ...] = (),
    clipart: Sequence[str] | None = None,
) -> tuple[Motif, ...]:
    """``n`` distinct motif designs, each in three of the inks; kinds in ``avoid`` come last.

    Clip art comes from ``clipart`` (default: every installed SVG), never one in ``avoid``.
    """
    used = {m.kind for m in avoid if m.kind != "clipart"}
    fresh = [k for k in MOTIF_KINDS if k not in used]
    kinds = list(rng.permutation(fresh)) + list(rng.permutation(sorted(used)))
    art = (clipart_files() if clipart is None else tuple(clipart)) if real_art else ()
    avoid_assets = {m.asset for m in avoid}
    motifs = []
    for i in range(n):
        slots = tuple(int(s) for s in rng.permutation(np.arange(1, n_inks + 1))[:3])
        seed = int(rng.integers(2**31))
        asset = _pick_clipart(rng, art, avoid_assets) if rng.random() < CLIPART_SHARE else None
        if asset is not None:
            avoid_assets.add(asset)  # one drawing per print
            motifs.append(Motif("clipart", seed, slots, asset))
        else:
            motifs.append(Motif(str(kinds[i % len(kinds)]), seed, slots))
    return tuple(motifs)


def _pick_clipart(
    rng: np.random.Generator, art: tuple[str, ...], avoid: set[str | None]
) -> str | None:
    for _ in range(4):  # a few SVGs do not render; try another
        if not art:
            return None
        path = art[int(rng.integers(len(art)))]
        if path not in avoid and clipart_sprite(path) is not None:
            return path
    return None


def random_layout(
    rng: np.random.Generator,
    n_motifs: int,
    size: int,
    *,
    radii: tuple[float, ...] | None = None,
    repeat: str | None = None,
) -> Layout:
    """A repeat tile with every motif at least once, spaced so motifs rarely pile up.

    ``radii`` keeps each motif's size (within ±15%), as when a copier re-arranges motifs.
    """
    tile_w = round(size * rng.uniform(0.28, 0.55))
    tile_h = round(tile_w * rng.uniform(0.8, 1.25))
    repeat = repeat or str(rng.choice(REPEATS))
    if radii is None:
        radii = tuple(float(r) for r in min(tile_w, tile_h) * rng.uniform(0.09, 0.2, n_motifs))
    n_place = int(rng.integers(max(n_motifs, 4), 12))
    order = list(range(n_motifs)) + [int(i) for i in rng.integers(0, n_motifs, n_place - n_motifs)]
    directional = rng.random() < 0.35  # motifs all upright (or nearly), as in a one-way print
    lattice = Layout(repeat, tile_w, tile_h, ()).lattice()
    shifts = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)]) @ lattice
    placed: list[Placement] = []
    for k in order:
        radius = radii[k] * rng.uniform(0.85, 1.15)
        best, best_gap = (0.5, 0.5), -np.inf
        for _ in range(60):  # dart throwing: keep the candidate farthest from its neighbours
            x, y = rng.uniform(0, 1, 2)
            pos = np.array([x * tile_w, y * tile_h])
            gap = min(
                (
                    np.min(
                        np.linalg.norm(
                            pos - np.array([q.x * tile_w, q.y * tile_h]) - shifts, axis=1
                        )
                    )
                    - 0.8 * (radius + q.radius)
                    for q in placed
                ),
                default=np.inf,
            )
            if gap > best_gap:
                best, best_gap = (float(x), float(y)), gap
            if gap > 0:
                break
        angle = rng.normal(0, 8) if directional else rng.uniform(0, 360)
        placed.append(
            Placement(k, best[0], best[1], float(radius), float(angle), bool(rng.random() < 0.3))
        )
    return Layout(repeat, tile_w, tile_h, tuple(placed))


def random_background(
    rng: np.random.Generator, *, real_art: bool = True, avoid: Background | None = None
) -> Background:
    """A ground texture; ``avoid`` excludes that texture (for a changed background)."""
    patterns = gimp_pattern_files() if real_art else ()
    choices = ["plain", "linen", "twill", "mottled"]
    weights = [0.35, 0.2, 0.2, 0.25]
    if patterns:
        choices.append("pattern")
        weights = [w * (1 - PATTERN_SHARE) for w in weights] + [PATTERN_SHARE]
    if avoid is not None and avoid.texture != "pattern":
        weights[choices.index(avoid.texture)] = 0.0
    p = np.array(weights) / sum(weights)
    texture = str(rng.choice(choices, p=p))
    asset = patterns[int(rng.integers(len(patterns)))] if texture == "pattern" else None
    if avoid is not None and asset is not None and asset == avoid.asset and len(patterns) > 1:
        asset = patterns[(patterns.index(asset) + 1) % len(patterns)]
    strength = 0.0 if texture == "plain" else float(rng.uniform(0.1, 0.4))
    return Background(texture, int(rng.integers(2**31)), strength, asset)


def stock_pattern(
    kind: str, rng: np.random.Generator, size: int = 768, *, palette: tuple[RGB, ...] | None = None
) -> Print:
    """Plain stripes, checks (gingham/tartan-like) or polka dots: stock, unprotectable designs."""
    if kind not in STOCK_KINDS:
        raise ValueError(f"unknown stock kind {kind!r}; expected one of {STOCK_KINDS}")
    if palette is None:
        palette = random_palette(rng, int(rng.integers(1, 4)))
    n_bands = int(rng.integers(2, 7))
    bands = tuple(float(b) for b in rng.uniform(4, 48, n_bands))
    angle = float(rng.choice([0.0, 90.0, 45.0, -45.0]) if kind == "stripes" else 0.0)
    spacing = float(rng.uniform(24, 90))
    dot_radius = float(spacing * rng.uniform(0.12, 0.35))
    spec = StockSpec(kind, tuple(palette), bands, angle, dot_radius, spacing, size)
    return Print(render_stock(spec), spec)


def render_stock(spec: StockSpec) -> np.ndarray:
    """Draw a stock pattern, supersampled twice for clean edges."""
    n = spec.size * 2
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / 2
    colours = np.array(spec.palette, np.float32)
    if spec.kind == "dots":
        row = np.floor(yy / spec.spacing)
        xs = xx + (row % 2) * spec.spacing / 2  # half-drop dot rows
        dx = np.mod(xs, spec.spacing) - spec.spacing / 2
        dy = np.mod(yy, spec.spacing) - spec.spacing / 2
        inside = np.clip(spec.dot_radius + 0.5 - np.hypot(dx, dy), 0, 1)[..., None]
        ink = colours[1 + (row.astype(int) % max(1, len(colours) - 1))]
        img = colours[0] * (1 - inside) + ink * inside
    else:
        a = np.deg2rad(spec.angle)
        img = _bands(xx * np.cos(a) + yy * np.sin(a), spec.bands, colours)
        if spec.kind == "checks":  # woven check: warp and weft stripes mix where they cross
            img = (img + _bands(yy, spec.bands, colours)) / 2
    small = cv2.resize(img, (spec.size, spec.size), interpolation=cv2.INTER_AREA)
    return np.clip(small + 0.5, 0, 255).astype(np.uint8)


def _bands(d: np.ndarray, bands: tuple[float, ...], colours: np.ndarray) -> np.ndarray:
    edges = np.cumsum(bands)
    idx = np.searchsorted(edges, np.mod(d, edges[-1]), side="right")
    return colours[idx % len(colours)]
