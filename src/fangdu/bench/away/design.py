"""Designs of the away benchmark: a spec (motifs, layout, ground) and its renderer.

Layouts (none of synth's rect / half-drop repeats): ``brick`` (third- or half-brick rows),
``ogee`` (diamond lattice inside an ogee framework), ``toss`` (scatter, any rotation and
mirroring), ``stripes`` (rows of motifs between plain stripes), ``dense`` (all-over,
overlapping), and two prints that do not repeat: ``border`` (a border band of large motifs)
and ``placement`` (one or two large motifs). Grounds: ``flat``, ``linen`` (thread noise),
``ikat`` (feathered, jagged bands) and ``tiedye`` (dye rings). Simple geometric designs
(``Geo``): plaid, diagonal stripes, chevron and dot grids.

Repeating designs are drawn as one tile (periodic ground, motifs wrapped at the edges) and
shown ``reps`` times; ``render(design, scale=..., offset=..., out=...)`` redraws them at any
scale and phase, as a copier redraws a print.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from fangdu.bench.away.art import RGB, Motif, sprite

REPEATING = ("brick", "ogee", "toss", "stripes", "dense")
SINGLE = ("border", "placement")
LAYOUTS = REPEATING + SINGLE
GROUNDS = ("flat", "linen", "ikat", "tiedye")
GEO_KINDS = ("plaid", "diagonal", "chevron", "dots")


@dataclass(frozen=True)
class Placement:
    motif: int  # index into Design.motifs
    x: float  # centre, pixels of the unscaled tile
    y: float
    size: float  # longer side, pixels of the unscaled tile
    angle: float = 0.0
    mirror: bool = False


@dataclass(frozen=True)
class Ground:
    kind: str
    colours: tuple[RGB, ...]
    seed: int


@dataclass(frozen=True)
class Design:
    tile: tuple[int, int]  # (w, h) at scale 1
    reps: tuple[int, int]  # tiles across and down in the reference image
    layout: str
    ground: Ground
    motifs: tuple[Motif, ...]
    placements: tuple[Placement, ...]
    bands: tuple[tuple[float, float, RGB], ...] = ()  # (y0, y1, colour), tile pixels
    ogee: tuple[int, int, RGB] | None = None  # (columns, rows, ink) of the framework

    @property
    def repeating(self) -> bool:
        return self.layout in REPEATING

    @property
    def size(self) -> tuple[int, int]:
        return self.tile[0] * self.reps[0], self.tile[1] * self.reps[1]


@dataclass(frozen=True)
class Geo:
    """A simple geometric repeat; ``params`` depend on ``kind`` (see ``_geo_field``)."""

    kind: str
    params: tuple[float, ...]
    colours: tuple[RGB, ...]
    size: tuple[int, int]
    angle: float = 0.0


# -- random parts ----------------------------------------------------------------------------


def random_colour(rng: np.random.Generator, light: bool | None = None) -> RGB:
    h = rng.uniform(0, 360)
    s = rng.uniform(0.2, 0.9)
    v = rng.uniform(0.75, 0.98) if light else rng.uniform(0.15, 0.6) if light is False else 0.5
    if light is None:
        v = rng.uniform(0.2, 0.95)
    hsv = np.array([[[h, s, v]]], np.float32)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
    return tuple(round(c * 255) for c in rgb)  # type: ignore[return-value]


def random_ground(rng: np.random.Generator, kind: str | None = None) -> Ground:
    kind = kind or str(rng.choice(GROUNDS, p=[0.35, 0.25, 0.2, 0.2]))
    light = bool(rng.random() < 0.7)
    colours = (random_colour(rng, light), random_colour(rng, light), random_colour(rng, None))
    return Ground(kind, colours, int(rng.integers(2**31)))


def random_canvas(rng: np.random.Generator, layout: str) -> tuple[tuple[int, int], tuple[int, int]]:
    w, h = int(rng.integers(640, 1001)), int(rng.integers(640, 1001))
    if layout in SINGLE:
        return (w, h), (1, 1)
    rx, ry = int(rng.choice([1, 2, 2])), int(rng.choice([1, 2, 2]))
    return (w // rx, h // ry), (rx, ry)


def random_layout(
    rng: np.random.Generator,
    layout: str,
    tile: tuple[int, int],
    n_motifs: int,
    ground: Ground,
) -> tuple[
    tuple[Placement, ...], tuple[tuple[float, float, RGB], ...], tuple[int, int, RGB] | None
]:
    """Placements (and framework) of ``n_motifs`` motifs in a tile of this layout."""
    w, h = tile
    short = min(w, h)
    out: list[Placement] = []
    bands: list[tuple[float, float, RGB]] = []
    ogee = None
    ink = random_colour(rng, not luminance(ground.colours[0]) > 0.5)
    if layout == "brick":
        cols, rows = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        shift = float(rng.choice([1 / 2, 1 / 3]))
        size = 0.7 * min(w / cols, h / rows) * rng.uniform(0.75, 1.0)
        for j in range(rows):
            for i in range(cols):
                x = (i + 0.5 + (j * shift % 1.0)) * w / cols
                out.append(
                    Placement(
                        (i + j) % n_motifs, x % w, (j + 0.5) * h / rows, size, 0.0, j % 2 == 1
                    )
                )
    elif layout == "ogee":
        cols, rows = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        cw, ch = w / cols, h / rows
        size = 0.5 * min(cw, ch)
        for j in range(rows):
            for i in range(cols):
                out.append(Placement(0, (i + 0.5) * cw, (j + 0.5) * ch, size))
                out.append(Placement(1 % n_motifs, i * cw, j * ch, size * 0.6))
        ogee = (cols, rows, ink)
    elif layout in ("toss", "dense"):
        dense = layout == "dense"
        n = int(rng.integers(25, 45)) if dense else int(rng.integers(6, 16))
        base = short * (rng.uniform(0.16, 0.26) if dense else rng.uniform(0.13, 0.22))
        pts: list[np.ndarray] = []
        tries = 0
        while len(pts) < n and tries < 2000:
            tries += 1
            p = rng.uniform(0, 1, 2) * [w, h]
            d = [np.hypot(*np.minimum(abs(p - q), [w, h] - abs(p - q))) for q in pts]
            if dense or not d or min(d) > base * 0.9:
                pts.append(p)
        for k, p in enumerate(pts):
            out.append(
                Placement(
                    k % n_motifs,
                    float(p[0]),
                    float(p[1]),
                    base * rng.uniform(0.75, 1.3),
                    rng.uniform(0, 360),
                    bool(rng.random() < 0.5),
                )
            )
    elif layout == "stripes":
        rows = int(rng.integers(1, 4))
        rh = h / rows
        size = rh * rng.uniform(0.35, 0.5)
        cols = max(2, int(w / (size * rng.uniform(1.2, 1.8))))
        c2 = random_colour(rng, None)
        for j in range(rows):
            y0 = j * rh
            bands.append((y0, y0 + rh * 0.22, c2))
            bands.append((y0 + rh * 0.25, y0 + rh * 0.28, ink))
            for i in range(cols):
                out.append(
                    Placement((i + j) % n_motifs, (i + 0.5) * w / cols, y0 + rh * 0.64, size)
                )
    elif layout == "border":
        band_top = h * rng.uniform(0.62, 0.75)
        bands.append((band_top, h, ground.colours[1]))
        bands.append((band_top - h * 0.02, band_top, ink))
        size = (h - band_top) * 0.75
        cols = max(2, int(w / (size * 1.2)))
        for i in range(cols):
            out.append(
                Placement(0, (i + 0.5) * w / cols, (band_top + h) / 2, size, 0.0, i % 2 == 1)
            )
        for _ in range(int(rng.integers(4, 10))):
            out.append(
                Placement(
                    1 % n_motifs,
                    rng.uniform(0.08, 0.92) * w,
                    rng.uniform(0.08, 0.5) * h,
                    short * rng.uniform(0.08, 0.14),
                    rng.uniform(-30, 30),
                )
            )
    elif layout == "placement":
        out.append(
            Placement(
                0,
                w * rng.uniform(0.4, 0.6),
                h * rng.uniform(0.4, 0.6),
                short * rng.uniform(0.5, 0.75),
            )
        )
        for _ in range(int(rng.integers(0, 8))):
            out.append(
                Placement(
                    1 % n_motifs,
                    rng.uniform(0.05, 0.95) * w,
                    rng.choice([rng.uniform(0.04, 0.15), rng.uniform(0.85, 0.96)]) * h,
                    short * rng.uniform(0.07, 0.12),
                    rng.uniform(0, 360),
                )
            )
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return tuple(out), tuple(bands), ogee


def luminance(c: RGB) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255


# -- rendering -------------------------------------------------------------------------------


def render(
    design: Design,
    *,
    scale: float = 1.0,
    offset: tuple[float, float] = (0.0, 0.0),
    out: tuple[int, int] | None = None,
) -> np.ndarray:
    """The design as uint8 RGB. Repeating designs: ``out`` (w, h) pixels of the repeat drawn
    at ``scale`` starting ``offset`` (tile pixels at scale 1) into it; default the reference
    view. Single prints: the whole print at ``scale`` (``offset``/``out`` ignored)."""
    tile = _tile(design, scale)
    if not design.repeating:
        return tile
    th, tw = tile.shape[:2]
    if out is None:
        out = (round(design.size[0] * scale), round(design.size[1] * scale))
    ox, oy = round(offset[0] * scale) % tw, round(offset[1] * scale) % th
    ny, nx = -(-(out[1] + oy) // th) + 1, -(-(out[0] + ox) // tw) + 1
    big = np.tile(tile, (ny, nx, 1))
    return np.ascontiguousarray(big[oy : oy + out[1], ox : ox + out[0]])


def _tile(design: Design, scale: float) -> np.ndarray:
    w, h = design.tile
    tw, th = max(8, round(w * scale)), max(8, round(h * scale))
    img = ground_image(design.ground, (w, h))
    if (tw, th) != (w, h):
        img = cv2.resize(
            img, (tw, th), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
    sx, sy = tw / w, th / h
    for y0, y1, colour in design.bands:
        a, b = round(y0 * sy), round(y1 * sy)
        img[a:b] = np.array(colour, np.float32) / 255
    if design.ogee is not None:
        _draw_ogee(img, design, sx, sy)
    wrap = design.repeating
    for p in design.placements:
        s = _placed(design.motifs[p.motif], max(4, round(p.size * sx)), p.angle, p.mirror)
        _paste(img, s, p.x * sx, p.y * sy, wrap)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def _draw_ogee(img: np.ndarray, design: Design, sx: float, sy: float) -> None:
    """Ogee framework: S-curves joining the lattice corners, periodic in the tile."""
    h, w = img.shape[:2]
    cols, rows, ink = design.ogee  # type: ignore[misc]
    cw, ch = w / cols, h / rows
    layer = np.zeros((h, w), np.float32)
    t = np.linspace(0, 1, 40)
    thick = max(1, round(min(cw, ch) * 0.03))
    for j in range(rows + 1):
        for i in range(cols + 1):
            for sign in (-1, 1):
                x0, y0 = i * cw, j * ch
                xs = x0 + sign * cw / 2 * t + sign * cw * 0.12 * np.sin(2 * np.pi * t)
                ys = y0 + ch / 2 * t
                pts = np.c_[xs, ys].round().astype(np.int32)
                cv2.polylines(layer, [pts], False, 1.0, thick, cv2.LINE_AA)
    colour = np.array(ink, np.float32) / 255
    img[:] = img * (1 - layer[..., None]) + colour * layer[..., None]


@functools.lru_cache(maxsize=256)
def _placed(motif: Motif, px: int, angle: float, mirror: bool) -> np.ndarray:
    """Premultiplied RGBA sprite, mirrored then turned ``angle`` degrees."""
    rgba = sprite(motif, px)
    if mirror:
        rgba = rgba[:, ::-1]
    pm = np.dstack([rgba[..., :3] * rgba[..., 3:], rgba[..., 3]]).astype(np.float32)
    if angle % 360:
        h, w = pm.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        c, s = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * s + w * c) + 2, int(h * c + w * s) + 2
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        pm = cv2.warpAffine(pm, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    return pm


def _paste(img: np.ndarray, pm: np.ndarray, cx: float, cy: float, wrap: bool) -> None:
    h, w = img.shape[:2]
    sh, sw = pm.shape[:2]
    x0, y0 = round(cx - sw / 2), round(cy - sh / 2)
    shifts = [(dx, dy) for dx in (-w, 0, w) for dy in (-h, 0, h)] if wrap else [(0, 0)]
    for dx, dy in shifts:
        ax, ay = x0 + dx, y0 + dy
        x1, t, r, b = max(ax, 0), max(ay, 0), min(ax + sw, w), min(ay + sh, h)
        if x1 >= r or t >= b:
            continue
        part = pm[t - ay : b - ay, x1 - ax : r - ax]
        alpha = part[..., 3:]
        img[t:b, x1:r] = img[t:b, x1:r] * (1 - alpha) + part[..., :3]


def _periodic_noise(seed: int, shape: tuple[int, int], cutoff: float) -> np.ndarray:
    """Smooth noise periodic in both directions (random spectrum below ``cutoff`` cycles)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.rfftfreq(w)[None, :] * w
    env = np.exp(-(fx**2 + fy**2) / (2 * cutoff**2))
    spec = (rng.normal(size=env.shape) + 1j * rng.normal(size=env.shape)) * env
    spec[0, 0] = 0
    f = np.fft.irfft2(spec, s=(h, w))
    return ((f - f.mean()) / (f.std() + 1e-9)).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _ground_cached(ground: Ground, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    c = [np.array(x, np.float32) / 255 for x in ground.colours]
    rng = np.random.default_rng(ground.seed)
    if ground.kind == "flat":
        img = np.broadcast_to(c[0], (h, w, 3)).copy()
    elif ground.kind == "linen":
        rows = rng.normal(0, 1, (h, 1)).astype(np.float32)
        cols = rng.normal(0, 1, (1, w)).astype(np.float32)
        fine = _periodic_noise(ground.seed + 1, (h, w), 60)
        tex = 0.025 * rows + 0.025 * cols + 0.02 * fine
        img = c[0] + tex[..., None]
    elif ground.kind == "ikat":
        k = int(rng.integers(2, 7))
        jag = _periodic_noise(ground.seed + 2, (h, w), 3) * rng.uniform(0.3, 0.8)
        row = np.repeat(rng.normal(0, 0.25, (h, 1)), w, 1)
        y = np.arange(h, dtype=np.float32)[:, None]
        v = np.sin(2 * np.pi * k * y / h + jag + row)
        m = (v > rng.uniform(-0.3, 0.4)).astype(np.float32)
        m = cv2.blur(np.tile(m, (1, 3)), (max(3, w // 60), 1))[:, w : 2 * w]
        img = c[0] * (1 - m[..., None]) + c[1] * m[..., None]
    elif ground.kind == "tiedye":
        f = _periodic_noise(ground.seed + 3, (h, w), 2.5)
        rings = (f * rng.uniform(1.5, 3.0)) % 1.0
        m = np.clip((np.abs(rings - 0.5) - 0.15) * 6, 0, 1)
        crack = np.clip(1 - np.abs(rings - 0.5) * 14, 0, 1) * 0.5
        img = c[0] * (1 - m[..., None]) + c[1] * m[..., None]
        img = img * (1 - crack[..., None]) + crack[..., None]
    else:
        raise ValueError(f"unknown ground {ground.kind!r}")
    return np.clip(img, 0, 1).astype(np.float32)


def ground_image(ground: Ground, size: tuple[int, int]) -> np.ndarray:
    """The ground as float32 RGB in [0, 1], periodic in (w, h) = ``size``; a fresh copy."""
    return _ground_cached(ground, size).copy()


# -- simple geometric designs ----------------------------------------------------------------


def random_geo(rng: np.random.Generator, kind: str | None = None) -> Geo:
    kind = kind or str(rng.choice(GEO_KINDS))
    n_col = int(rng.integers(2, 4))
    colours = tuple(random_colour(rng, i == 0) for i in range(n_col))
    size = (int(rng.integers(640, 1001)), int(rng.integers(640, 1001)))
    if kind == "plaid":
        k = int(rng.integers(3, 7))
        params = tuple(float(x) for x in rng.integers(6, 60, k))
    elif kind == "diagonal":
        period = float(rng.integers(24, 120))
        params = (period, float(rng.uniform(0.2, 0.6)), float(rng.choice([30.0, 45.0, 60.0])))
    elif kind == "chevron":
        params = (
            float(rng.integers(40, 160)),  # zig-zag period across
            float(rng.integers(20, 90)),  # stripe period down
            float(rng.uniform(0.3, 0.6)),  # amplitude / period
            float(rng.uniform(0.25, 0.55)),  # ink fraction
        )
    else:  # dots
        params = (
            float(rng.integers(24, 90)),  # spacing
            float(rng.uniform(0.12, 0.35)),  # radius / spacing
            float(rng.integers(0, 2)),  # half-drop
        )
    return Geo(kind, params, colours, size)


def render_geo(geo: Geo, *, scale: float = 1.0, offset: tuple[float, float] = (0, 0)) -> np.ndarray:
    """A simple design, supersampled 2x; every field is periodic so offsets shift the repeat."""
    w, h = geo.size
    ss = 2
    ys, xs = np.mgrid[0 : h * ss, 0 : w * ss].astype(np.float32) / (ss * scale)
    xs += offset[0]
    ys += offset[1]
    c = np.array(geo.colours, np.float32) / 255
    p = geo.params
    if geo.kind == "plaid":
        widths = np.array(p)
        edges = np.cumsum(widths)
        total = edges[-1]

        def band(v: np.ndarray) -> np.ndarray:
            return np.searchsorted(edges, v % total, side="right") % len(c)

        bx, by = band(xs), band(ys)
        img = (c[bx] + c[by]) / 2
    elif geo.kind == "diagonal":
        period, frac, ang = p
        t = np.radians(ang)
        u = xs * np.cos(t) + ys * np.sin(t)
        img = np.where(((u / period) % 1.0 < frac)[..., None], c[1], c[0])
        if len(c) > 2:
            img = np.where(((u / period + 0.5) % 1.0 < frac / 3)[..., None], c[2], img)
    elif geo.kind == "chevron":
        px_, py_, amp, frac = p
        tri = np.abs(((xs / px_) % 1.0) * 2 - 1) * amp * px_
        v = ((ys + tri) / py_) % 1.0
        img = np.where((v < frac)[..., None], c[1], c[0])
    else:
        s, r, drop = p
        row = np.floor(ys / s)
        xx = xs + (row % 2) * s / 2 * drop
        dx = (xx % s) - s / 2
        dy = (ys % s) - s / 2
        img = np.where((np.hypot(dx, dy) < r * s)[..., None], c[1], c[0])
    img = cv2.resize(img.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def geo_lookalike(geo: Geo, rng: np.random.Generator) -> Geo:
    """Another simple design of the same kind and colours: its stripe widths, spacing or
    dot size changed by a factor of 1.35-1.8 (or 0.55-0.75)."""
    f = float(rng.uniform(1.35, 1.8) if rng.random() < 0.5 else rng.uniform(0.55, 0.75))
    p = list(geo.params)
    if geo.kind == "plaid":
        i = int(rng.integers(len(p)))
        p = [x * f for x in p] if rng.random() < 0.5 else p
        p[i] = max(3.0, p[i] * (f if f > 1 else 1 / f))
    elif geo.kind == "diagonal":
        if rng.random() < 0.5:
            p[0] *= f
        else:
            p[1] = float(np.clip(p[1] * f, 0.1, 0.85))
    elif geo.kind == "chevron":
        j = int(rng.integers(0, 2))
        p[j] *= f
    else:
        if rng.random() < 0.5:
            p[0] *= f
        else:
            p[1] = float(np.clip(p[1] * f, 0.06, 0.45))
    return replace(geo, params=tuple(p))
