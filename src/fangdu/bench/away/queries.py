"""Copies and hard negatives of the away benchmark, and its photo conditions.

Copy classes (``COPY_CLASSES``): ``jpeg`` (quality 12-40, sometimes twice), ``recolour`` (a
new colourway of every ink and ground, emoji turned in hue; a quarter greyscale), ``rescale``
(the repeat redrawn 0.4-2.5x on a canvas of the same size, so 0.4x shows tiny motifs),
``crop`` (20-60 % of the area), ``rotate_mirror`` (quarter turns, mirrors, any angle),
``repeat_shift`` (another phase and window of the repeat), ``rearranged`` (the same motifs
in another layout on the same ground), ``fabric_photo`` (folds as a smooth mesh warp with
their shading, perspective, light gradient, white balance, blur, sensor noise, sometimes a
hand or a tag over part of it), ``combo`` (rescale + crop + colour cast + photo + JPEG),
``motif_reused`` (one motif of the design, same colours, in a new design with new motifs,
layout and ground: a partial copy) and ``simple_exact`` (a simple geometric design copied
pixel for pixel).

Hard negatives (``NEGATIVE_CLASSES``): ``same_layout_other_motifs``, ``same_category``
(motifs of the same family and the same layout and ground kinds, all new), ``same_texture``
(the very same ground with other motifs in another layout) and ``geometric_lookalike``
(the same simple design with other stripe widths, spacing or dot size).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from fangdu.bench.away.art import RGB, Motif
from fangdu.bench.away.design import (
    LAYOUTS,
    Design,
    Geo,
    geo_lookalike,
    luminance,
    random_colour,
    random_ground,
    random_layout,
    render,
    render_geo,
)

COPY_CLASSES = (
    "jpeg",
    "recolour",
    "rescale",
    "crop",
    "rotate_mirror",
    "repeat_shift",
    "rearranged",
    "fabric_photo",
    "combo",
    "motif_reused",
    "simple_exact",
)
NEGATIVE_CLASSES = (
    "same_layout_other_motifs",
    "same_category",
    "same_texture",
    "geometric_lookalike",
)
GEO_CLASSES = ("simple_exact", "geometric_lookalike")  # their sources are simple designs
REPEATING_ONLY = ("repeat_shift",)

Rng = np.random.Generator
# A query: the pixels and how it is saved: ("png", 0) or ("jpg", quality).
Drawn = tuple[np.ndarray, tuple[str, int]]


def make_copy(kind: str, design: Design | Geo, rng: Rng, fresh: tuple[Motif, ...] = ()) -> Drawn:
    """A copy of ``design`` of class ``kind``; ``fresh`` are new motifs (``motif_reused``)."""
    if isinstance(design, Geo):
        if kind != "simple_exact":
            raise ValueError(f"{kind} copies are made of designs, not simple geometric ones")
        return render_geo(design), ("png", 0)
    q92 = ("jpg", 92)
    if kind == "jpeg":
        img = render(design)
        quality = int(rng.integers(12, 41))
        if rng.random() < 0.4:
            img = _jpeg(img, int(rng.integers(50, 80)))
        return img, ("jpg", quality)
    if kind == "recolour":
        if rng.random() < 0.25:
            grey = cv2.cvtColor(render(design), cv2.COLOR_RGB2GRAY)
            return np.dstack([grey] * 3), q92
        return render(recolour(design, rng)), q92
    if kind == "rescale":
        return rescaled(design, rng, 0.4, 2.5), q92
    if kind == "crop":
        return crop(render(design), rng, 0.2, 0.6), q92
    if kind == "rotate_mirror":
        return rotate_mirror(render(design), rng), q92
    if kind == "repeat_shift":
        w, h = design.size
        out = (int(w * rng.uniform(0.7, 1.3)), int(h * rng.uniform(0.7, 1.3)))
        offset = (
            rng.uniform(0.15, 0.85) * design.tile[0],
            rng.uniform(0.15, 0.85) * design.tile[1],
        )
        return render(design, offset=offset, out=out), q92
    if kind == "rearranged":
        return render(rearranged(design, rng)), q92
    if kind == "fabric_photo":
        return fabric_photo(render(design), rng), ("jpg", int(rng.integers(80, 93)))
    if kind == "combo":
        img = rescaled(design, rng, 0.6, 1.6)
        img = crop(img, rng, 0.45, 0.85)
        img = _cast(img, rng)
        img = fabric_photo(img, rng, strength=0.6)
        return img, ("jpg", int(rng.integers(45, 76)))
    if kind == "motif_reused":
        return render(motif_reused(design, rng, fresh)), q92
    raise ValueError(f"unknown copy class {kind!r}")


def make_negative(
    kind: str, design: Design | Geo, rng: Rng, fresh: tuple[Motif, ...] = ()
) -> Drawn:
    """A look-alike of ``design`` that is not a copy; ``fresh`` are its new motifs."""
    q92 = ("jpg", 92)
    if isinstance(design, Geo):
        if kind != "geometric_lookalike":
            raise ValueError(f"{kind} negatives are made of designs")
        return render_geo(geo_lookalike(design, rng)), q92
    if kind == "same_layout_other_motifs":
        return render(replace(design, motifs=fresh[: len(design.motifs)])), q92
    if kind == "same_category":
        ground = random_ground(rng, design.ground.kind)
        motifs = fresh[: len(design.motifs)]
        placements, bands, ogee = random_layout(
            rng, design.layout, design.tile, len(motifs), ground
        )
        new = replace(
            design, ground=ground, motifs=motifs, placements=placements, bands=bands, ogee=ogee
        )
        return render(new), q92
    if kind == "same_texture":
        layout = str(rng.choice([x for x in LAYOUTS if x != design.layout]))
        return render(_relaid(design, rng, layout, fresh[: len(design.motifs)])), q92
    raise ValueError(f"unknown negative class {kind!r}")


# -- transforms ------------------------------------------------------------------------------


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    _ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()


def recolour(design: Design, rng: Rng) -> Design:
    """A colourway: every distinct colour replaced (light stays light), emoji turned in hue."""
    table: dict[RGB, RGB] = {}

    def new(c: RGB) -> RGB:
        if c not in table:
            table[c] = random_colour(rng, luminance(c) > 0.5)
        return table[c]

    hue = float(rng.uniform(60, 300))
    ground = replace(design.ground, colours=tuple(new(c) for c in design.ground.colours))
    motifs = tuple(
        replace(m, inks=tuple(new(c) for c in m.inks), hue=(m.hue + hue) % 360)
        for m in design.motifs
    )
    bands = tuple((a, b, new(c)) for a, b, c in design.bands)
    ogee = None if design.ogee is None else (*design.ogee[:2], new(design.ogee[2]))
    return replace(design, ground=ground, motifs=motifs, bands=bands, ogee=ogee)


def rescaled(design: Design, rng: Rng, lo: float, hi: float) -> np.ndarray:
    """Redrawn at a log-uniform scale in [lo, hi], on a canvas about the reference's size."""
    s = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    if design.repeating:
        offset = (rng.uniform(0, design.tile[0]), rng.uniform(0, design.tile[1]))
        return render(design, scale=s, offset=offset, out=design.size)
    img = render(design, scale=s)
    h, w = img.shape[:2]
    cap = 1400
    if max(h, w) > cap:  # a zoomed part of a large print, as a phone would frame it
        y = int(rng.integers(0, max(1, h - cap + 1)))
        x = int(rng.integers(0, max(1, w - cap + 1)))
        img = img[y : y + cap, x : x + cap]
    return np.ascontiguousarray(img)


def crop(img: np.ndarray, rng: Rng, lo: float, hi: float) -> np.ndarray:
    h, w = img.shape[:2]
    area = rng.uniform(lo, hi)
    aspect = np.exp(rng.uniform(np.log(0.6), np.log(1.6)))
    cw = int(np.clip(np.sqrt(area * w * h * aspect), 64, w))
    ch = int(np.clip(area * w * h / cw, 64, h))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return np.ascontiguousarray(img[y : y + ch, x : x + cw])


def rotate_mirror(img: np.ndarray, rng: Rng) -> np.ndarray:
    r = rng.random()
    if r < 0.4:
        img = np.rot90(img, int(rng.integers(1, 4)))
        if rng.random() < 0.4:
            img = img[:, ::-1]
    elif r < 0.7:
        img = img[:, ::-1] if rng.random() < 0.6 else img[::-1]
    else:
        angle = float(rng.uniform(5, 40) * rng.choice([-1, 1]))
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        c, s = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * s + w * c), int(h * c + w * s)
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        img = cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
        if rng.random() < 0.3:
            img = img[:, ::-1]
    return np.ascontiguousarray(img)


def _relaid(design: Design, rng: Rng, layout: str, motifs: tuple[Motif, ...]) -> Design:
    """Other placements of ``motifs`` in ``layout`` on the design's ground (and canvas size)."""
    w, h = design.size
    if layout in ("border", "placement"):
        tile, reps = (w, h), (1, 1)
    else:
        rx, ry = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        tile, reps = (w // rx, h // ry), (rx, ry)
    placements, bands, ogee = random_layout(rng, layout, tile, len(motifs), design.ground)
    return replace(
        design,
        tile=tile,
        reps=reps,
        layout=layout,
        motifs=motifs,
        placements=placements,
        bands=bands,
        ogee=ogee,
    )


def rearranged(design: Design, rng: Rng) -> Design:
    """The same motifs (same colours) in another layout; the ground stays."""
    layout = str(rng.choice([x for x in LAYOUTS if x != design.layout]))
    return _relaid(design, rng, layout, design.motifs)


def motif_reused(design: Design, rng: Rng, fresh: tuple[Motif, ...]) -> Design:
    """A new design whose main motif is the source's first motif (as drawn, same inks)."""
    motifs = (design.motifs[0], *fresh[: int(rng.integers(1, 3))])
    layout = str(rng.choice(LAYOUTS))
    ground = random_ground(rng)
    base = replace(design, ground=ground)
    return _relaid(base, rng, layout, motifs)


def _cast(img: np.ndarray, rng: Rng) -> np.ndarray:
    gains = rng.uniform(0.8, 1.15, 3)
    return np.clip(img.astype(np.float32) * gains, 0, 255).astype(np.uint8)


def fabric_photo(img: np.ndarray, rng: Rng, strength: float = 1.0) -> np.ndarray:
    """A phone photo of the printed cloth: folds, perspective, light, blur, noise, occlusion."""
    h, w = img.shape[:2]
    f = img.astype(np.float32) / 255
    # Folds: a smooth random mesh warp plus 1-3 sinusoidal folds, each shading the cloth.
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    grid = rng.normal(0, 0.012 * strength * max(h, w), (2, 5, 5)).astype(np.float32)
    dx = cv2.resize(grid[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(grid[1], (w, h), interpolation=cv2.INTER_CUBIC)
    shade = np.ones((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        theta = rng.uniform(0, np.pi)
        nx, ny = np.cos(theta), np.sin(theta)
        u = xs * nx + ys * ny
        wavelength = rng.uniform(0.25, 0.8) * max(h, w)
        amp = rng.uniform(0.006, 0.02) * strength * max(h, w)
        phase = rng.uniform(0, 2 * np.pi)
        arg = 2 * np.pi * u / wavelength + phase
        dx += amp * np.sin(arg) * nx
        dy += amp * np.sin(arg) * ny
        shade *= 1 + rng.uniform(0.08, 0.22) * strength * np.cos(arg)
    f = cv2.remap(f, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    f *= shade[..., None]
    # Light: a gradient across the cloth and a vignette; white balance.
    theta = rng.uniform(0, 2 * np.pi)
    ramp = (xs / w - 0.5) * np.cos(theta) + (ys / h - 0.5) * np.sin(theta)
    light = 1 + rng.uniform(0.15, 0.35) * strength * ramp
    r2 = ((xs / w - 0.5) ** 2 + (ys / h - 0.5) ** 2) * 2
    light *= 1 - rng.uniform(0.05, 0.25) * strength * r2
    f *= light[..., None]
    f *= rng.uniform(1 - 0.15 * strength, 1 + 0.12 * strength, 3).astype(np.float32)
    # Perspective: the phone is not square to the cloth.
    j = 0.1 * strength
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = (src + rng.uniform(-j, j, (4, 2)) * [w, h]).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    f = cv2.warpPerspective(f, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # Something in front of the cloth: a hand or a paper tag at an edge.
    if rng.random() < 0.5 * strength:
        f = _occlude(f, rng)
    # Optics and sensor: blur, a smaller image, noise.
    sigma = rng.uniform(0.5, 1.8) * strength
    f = cv2.GaussianBlur(f, (0, 0), max(sigma, 0.3))
    s = rng.uniform(0.55, 0.95)
    f = cv2.resize(f, (max(64, int(w * s)), max(64, int(h * s))), interpolation=cv2.INTER_AREA)
    noise = rng.normal(0, rng.uniform(0.008, 0.03) * strength, f.shape).astype(np.float32)
    f = f + noise + rng.normal(0, 0.01 * strength, f.shape[:2])[..., None].astype(np.float32)
    return (np.clip(f, 0, 1) * 255 + 0.5).astype(np.uint8)


def _occlude(f: np.ndarray, rng: Rng) -> np.ndarray:
    h, w = f.shape[:2]
    mask = np.zeros((h, w), np.float32)
    if rng.random() < 0.5:  # a hand: palm and fingers from one edge, skin coloured
        cx, cy = rng.uniform(0.1, 0.9) * w, h * rng.uniform(0.85, 1.0)
        a, b = rng.uniform(0.1, 0.18) * w, rng.uniform(0.1, 0.16) * h
        cv2.ellipse(mask, (int(cx), int(cy)), (int(a), int(b)), 0, 0, 360, 1.0, -1)
        for k in range(4):
            x = int(cx - a + (k + 0.5) * 2 * a / 4)
            cv2.line(mask, (x, int(cy)), (x, int(cy - b * rng.uniform(1.6, 2.2))), 1.0, int(a / 3))
        colour = np.array([0.86, 0.67, 0.55], np.float32) * rng.uniform(0.7, 1.05)
    else:  # a paper tag with a few printed lines
        tw, th = int(rng.uniform(0.15, 0.3) * w), int(rng.uniform(0.1, 0.2) * h)
        x, y = int(rng.uniform(0, w - tw)), int(rng.uniform(0, h - th))
        mask[y : y + th, x : x + tw] = 1.0
        colour = np.array([0.96, 0.95, 0.9], np.float32)
        lines = np.zeros((h, w), bool)
        for k in range(3):
            yy = y + int((k + 1) * th / 4)
            lines[yy : yy + max(2, th // 14), x + tw // 8 : x + tw - tw // 8] = True
        out = f * (1 - mask[..., None]) + colour * mask[..., None]
        out[lines] = 0.15
        return out
    mask = cv2.GaussianBlur(mask, (0, 0), 2)
    return f * (1 - mask[..., None]) + colour * mask[..., None]
