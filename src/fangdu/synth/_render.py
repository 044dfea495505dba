"""Drawing a PrintSpec: a textured ground, then every placement at every lattice position."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from fangdu.synth._assets import clipart_sprite, read_pat
from fangdu.synth._motifs import motif_shapes
from fangdu.synth._spec import RGB, Background, Layout, Motif, Placement, PrintSpec

TEXTURE_TILE = 256  # procedural textures are periodic on this many pixels
_SHIFT = 4  # sub-pixel bits for OpenCV polygon drawing
_ONE = 1 << _SHIFT


def render(
    spec: PrintSpec,
    size: int | None = None,
    *,
    scale: float = 1.0,
    offset: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Draw ``spec`` as (size, size, 3) uint8 RGB.

    ``scale`` magnifies the pattern (motifs, repeat and texture) about the canvas origin;
    ``offset`` moves the window over the infinite repeat by that many canvas pixels. To
    re-render with another palette, layout or ground use ``dataclasses.replace(spec, ...)``.
    """
    side = spec.size if size is None else size
    canvas = _ground(spec.background, spec.palette[0], side, scale, offset)
    for placement in spec.layout.placements:
        motif = spec.motifs[placement.motif]
        colours = [spec.palette[s % len(spec.palette)] for s in motif.slots]
        centres = _centres(spec.layout, placement, side, scale, offset)
        if len(centres) == 0:
            continue
        if motif.kind == "clipart":
            _draw_sprite(canvas, motif, placement, colours, centres, scale)
        else:
            _draw_shapes(canvas, motif, placement, colours, centres, scale)
    return canvas


def _centres(
    layout: Layout, p: Placement, side: int, scale: float, offset: tuple[float, float]
) -> np.ndarray:
    """Canvas positions of every repeat of placement ``p`` that can touch the canvas."""
    lattice = layout.lattice()
    origin = np.array([p.x * layout.tile_w, p.y * layout.tile_h])
    margin = p.radius * 1.5  # strokes and petals may poke slightly out of the unit disc
    lo = np.array(offset) / scale - margin
    hi = (np.array(offset) + side) / scale + margin
    corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]])
    coeffs = (corners - origin) @ np.linalg.inv(lattice)
    i0, j0 = np.floor(coeffs.min(0)).astype(int)
    i1, j1 = np.ceil(coeffs.max(0)).astype(int)
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    pts = origin + np.stack([ii.ravel(), jj.ravel()], 1) @ lattice
    keep = np.all((pts >= lo) & (pts <= hi), axis=1)
    return pts[keep] * scale - np.array(offset)


def _transform(p: Placement, radius: float) -> np.ndarray:
    """2x2 matrix taking unit-frame points to canvas offsets for this placement."""
    a = np.deg2rad(p.angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    flip = np.diag([-1.0, 1.0]) if p.flip else np.eye(2)
    return (rot @ flip) * radius


def _draw_shapes(
    canvas: np.ndarray,
    motif: Motif,
    p: Placement,
    colours: list[RGB],
    centres: np.ndarray,
    scale: float,
) -> None:
    radius = p.radius * scale
    m = _transform(p, radius)
    for shape in motif_shapes(motif.kind, motif.seed):
        local = shape.points @ m.T
        colour = colours[shape.part % len(colours)]
        thickness = max(1, round(shape.stroke * radius)) if shape.stroke else 0
        for c in centres:
            pts = np.round((local + c) * _ONE).astype(np.int32)
            if thickness:
                cv2.polylines(canvas, [pts], False, colour, thickness, cv2.LINE_AA, _SHIFT)
            else:
                cv2.fillPoly(canvas, [pts], colour, cv2.LINE_AA, _SHIFT)


def _draw_sprite(
    canvas: np.ndarray,
    motif: Motif,
    p: Placement,
    colours: list[RGB],
    centres: np.ndarray,
    scale: float,
) -> None:
    sprite = clipart_sprite(motif.asset) if motif.asset else None
    if sprite is None:  # the asset vanished or will not render: draw nothing rather than fail
        return
    rgb, alpha = _recolour(sprite, colours)
    radius = p.radius * scale
    half = int(np.ceil(radius * 1.05)) + 1
    h, w = sprite.shape[:2]
    # Map the sprite (longest side = 2 * radius) onto a (2 half)^2 patch centred on the motif.
    m = _transform(p, radius) * (2 / max(h, w))
    affine = np.hstack([m, (half - m @ np.array([w / 2, h / 2]))[:, None]])
    patch = cv2.warpAffine(rgb, affine, (2 * half, 2 * half), flags=cv2.INTER_LINEAR)
    a = cv2.warpAffine(alpha, affine, (2 * half, 2 * half), flags=cv2.INTER_LINEAR)[..., None]
    side_h, side_w = canvas.shape[:2]
    for c in centres:
        x0, y0 = round(c[0]) - half, round(c[1]) - half
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + 2 * half, side_w), min(y0 + 2 * half, side_h)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        sl = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
        region = canvas[cy0:cy1, cx0:cx1].astype(np.float32)
        blended = region + (patch[sl] - region) * a[sl]
        canvas[cy0:cy1, cx0:cx1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def _recolour(sprite: np.ndarray, colours: list[RGB]) -> tuple[np.ndarray, np.ndarray]:
    """Map the drawing's luminance onto the motif's colours (darkest ink first), as screens do."""
    lum = cv2.cvtColor(sprite[..., :3], cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    ramp = np.array(colours[:3] if len(colours) >= 3 else [*colours, colours[-1]][:3], np.float32)
    ramp = ramp[np.argsort(ramp @ np.array([0.299, 0.587, 0.114]))]
    x = np.clip(lum * 2, 0, 2)
    lo = np.floor(np.minimum(x, 1.999)).astype(int)
    t = (x - lo)[..., None]
    rgb = ramp[lo] * (1 - t) + ramp[lo + 1] * t
    return rgb.astype(np.float32), sprite[..., 3].astype(np.float32) / 255


def _ground(
    bg: Background, colour: RGB, side: int, scale: float, offset: tuple[float, float]
) -> np.ndarray:
    base = np.empty((side, side, 3), np.float32)
    base[:] = colour
    if bg.texture == "plain" or bg.strength <= 0:
        return base.astype(np.uint8)
    tile = texture_tile(bg.texture, bg.seed, bg.asset)
    th, tw = tile.shape
    u = (np.arange(side, dtype=np.float32) + offset[0]) / scale
    v = (np.arange(side, dtype=np.float32) + offset[1]) / scale
    map_x = np.broadcast_to(np.mod(u, tw)[None, :], (side, side)).astype(np.float32)
    map_y = np.broadcast_to(np.mod(v, th)[:, None], (side, side)).astype(np.float32)
    mod = cv2.remap(tile, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    base += (bg.strength * 60.0) * mod[..., None]
    return np.clip(base + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=256)
def texture_tile(texture: str, seed: int, asset: str | None = None) -> np.ndarray:
    """A periodic float32 modulation tile, zero mean and unit spread, for the ground."""
    rng = np.random.default_rng(seed)
    n = TEXTURE_TILE
    if texture == "pattern" and asset:
        rgb = read_pat(asset)
        tile = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        grow = max(1, round(160 / max(tile.shape)))  # small GIMP tiles read as fabric when larger
        tile = cv2.resize(
            tile, (tile.shape[1] * grow, tile.shape[0] * grow), interpolation=cv2.INTER_CUBIC
        )
    elif texture == "linen":  # uneven warp and weft threads
        rows = _periodic_noise(rng, (n, 1), 1.0)
        cols = _periodic_noise(rng, (1, n), 1.0)
        tile = rows + cols + 0.6 * rng.standard_normal((n, n)).astype(np.float32)
    elif texture == "twill":  # diagonal ribs; the period divides the tile so it stays seamless
        period = int(rng.choice([4, 8, 16]))
        yy, xx = np.mgrid[0:n, 0:n]
        tile = np.sin(2 * np.pi * (xx + yy) / period).astype(np.float32)
        tile += 0.4 * _periodic_noise(rng, (n, n), 2.0)
    else:  # "mottled": soft blotches, as in a tie-dyed or space-dyed ground
        tile = _periodic_noise(rng, (n, n), float(rng.uniform(6, 20)))
    tile = tile - tile.mean()
    return np.clip(tile / (tile.std() + 1e-6), -2.5, 2.5).astype(np.float32)


def _periodic_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise, filtered in the Fourier domain so it tiles seamlessly."""
    white = rng.standard_normal(shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    gain = np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    out = np.real(np.fft.ifft2(np.fft.fft2(white) * gain))
    return (out / (out.std() + 1e-9)).astype(np.float32)
