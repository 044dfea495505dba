"""Copies (variants) of a print, one function per transform class, and hard negatives.

Variants that change what is printed (colourway, layout, ground, scale, repeat window)
re-render the spec; the rest act on pixels, as a copier's scanner, camera or editor would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from fangdu.synth._generate import (
    STOCK_KINDS,
    colourway,
    luminance,
    random_background,
    random_layout,
    random_motifs,
    random_palette,
    render_stock,
    stock_pattern,
)
from fangdu.synth._render import render
from fangdu.synth._spec import Print, PrintSpec, StockSpec

Rng = np.random.Generator


def _spec(p: Print) -> PrintSpec:
    if not isinstance(p.spec, PrintSpec):
        raise ValueError("this transform re-renders the design, so it needs a PrintSpec print")
    return p.spec


def _real_art(spec: PrintSpec) -> bool:
    """Keep procedural prints procedural, so variants are as machine-independent as the print."""
    return any(m.asset for m in spec.motifs) or spec.background.asset is not None


# --- pixel-level transforms -------------------------------------------------------------


def _jpeg(img: np.ndarray, rng: Rng, quality: int | None = None) -> np.ndarray:
    q = int(rng.integers(15, 61)) if quality is None else quality
    ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])


def _hue_shift(img: np.ndarray, rng: Rng) -> np.ndarray:
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV_FULL)
    shift = int(rng.uniform(30, 150) / 360 * 256) * int(rng.choice([-1, 1]))
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + shift) % 256).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)


def _greyscale(img: np.ndarray, rng: Rng) -> np.ndarray:
    return np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)


def _crop(img: np.ndarray, rng: Rng) -> np.ndarray:
    h, w = img.shape[:2]
    area = rng.uniform(0.25, 0.6) * h * w
    aspect = rng.uniform(0.75, 1.33)
    cw = min(w, int(np.ceil(np.sqrt(area * aspect))))
    ch = min(h, int(np.ceil(area / cw)))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return img[y0 : y0 + ch, x0 : x0 + cw].copy()


def _rotate90(img: np.ndarray, rng: Rng) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(img, int(rng.integers(1, 4))))


def _rotate_small(img: np.ndarray, rng: Rng) -> np.ndarray:
    h, w = img.shape[:2]
    angle = rng.uniform(3, 15) * rng.choice([-1, 1])
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # Keep the largest centred rectangle that holds no reflected border.
    a = np.deg2rad(abs(angle))
    f = 1 / (np.cos(a) + np.sin(a) * max(h, w) / min(h, w))
    cw, ch = int(w * f), int(h * f)
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    return rotated[y0 : y0 + ch, x0 : x0 + cw].copy()


def _mirror(img: np.ndarray, rng: Rng) -> np.ndarray:
    return np.ascontiguousarray(img[::-1] if rng.random() < 0.3 else img[:, ::-1])


def _photo(img: np.ndarray, rng: Rng) -> np.ndarray:
    """A phone photo of the printed cloth: weave, uneven light, perspective, blur, noise, JPEG."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(2.5, 5.0)
    weave = np.sin(2 * np.pi * xx / period) * np.sin(2 * np.pi * yy / period)
    out = img.astype(np.float32) * (1 + rng.uniform(0.04, 0.12) * weave)[..., None]
    gx, gy = rng.uniform(-0.35, 0.35, 2)
    r2 = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * rng.uniform(0, 1.2)
    light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5) - r2
    cast = rng.uniform(0.9, 1.1, 3).astype(np.float32)
    out = out * light[..., None] * cast * rng.uniform(0.85, 1.15)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = (src + rng.uniform(-0.08, 0.08, (4, 2)) * (w, h)).astype(np.float32)
    out = cv2.warpPerspective(
        out,
        cv2.getPerspectiveTransform(src, dst),
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.6))
    out += rng.normal(0, rng.uniform(2, 6), out.shape).astype(np.float32)
    return _jpeg(np.clip(out + 0.5, 0, 255).astype(np.uint8), rng, int(rng.integers(50, 86)))


_PIXEL: dict[str, Callable[[np.ndarray, Rng], np.ndarray]] = {
    "jpeg": _jpeg,
    "hue_shift": _hue_shift,
    "greyscale": _greyscale,
    "crop": _crop,
    "rotate90": _rotate90,
    "rotate_small": _rotate_small,
    "mirror": _mirror,
    "photo": _photo,
}


# --- design-level transforms (re-render) -----------------------------------------------


def _colourway(p: Print, rng: Rng) -> np.ndarray:
    spec = _spec(p)
    return render(dataclasses.replace(spec, palette=colourway(spec.palette, rng)))


def _scale_down(p: Print, rng: Rng) -> np.ndarray:
    return render(_spec(p), scale=float(rng.uniform(0.4, 0.8)))


def _scale_up(p: Print, rng: Rng) -> np.ndarray:
    return render(_spec(p), scale=float(rng.uniform(1.3, 2.5)))


def _rescale(p: Print, rng: Rng) -> np.ndarray:
    """The repeat re-drawn 0.4-2.5x (log-uniform), and half the time the file made smaller
    (long side 320-768 px): small motifs in a small file, or a few large motifs."""
    img = render(_spec(p), scale=float(np.exp(rng.uniform(np.log(0.4), np.log(2.5)))))
    if rng.random() < 0.5:
        h, w = img.shape[:2]
        f = float(rng.uniform(320, 768)) / max(h, w)
        if f < 1:
            size = (max(1, round(w * f)), max(1, round(h * f)))
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return img


def _repeat_shift(p: Print, rng: Rng) -> np.ndarray:
    layout = _spec(p).layout
    # Part of a tile (never a whole lattice step) plus a whole canvas: a new window.
    dx = (rng.uniform(0.2, 0.8) + int(rng.integers(0, 3))) * layout.tile_w
    dy = (rng.uniform(0.2, 0.8) + int(rng.integers(0, 3))) * layout.tile_h
    return render(_spec(p), offset=(float(dx), float(dy)))


def _rearranged(p: Print, rng: Rng) -> np.ndarray:
    spec = _spec(p)
    radii = [0.0] * len(spec.motifs)
    for pl in spec.layout.placements:
        radii[pl.motif] = pl.radius
    layout = random_layout(rng, len(spec.motifs), spec.size, radii=tuple(radii))
    return render(dataclasses.replace(spec, layout=layout))


def _new_background(p: Print, rng: Rng) -> np.ndarray:
    spec = _spec(p)
    ground = spec.palette[0]
    inks = spec.palette[1:]
    mean_ink = float(np.mean([luminance(c) for c in inks]))
    for _ in range(20):  # a ground far from the old one that still lets the inks show
        candidate = random_palette(rng, 1, dark_ground=mean_ink > 140)[0]
        far = np.abs(np.subtract(candidate, ground)).sum() > 90
        if far and abs(luminance(candidate) - mean_ink) > 40:
            ground = candidate
            break
    background = random_background(rng, real_art=_real_art(spec), avoid=spec.background)
    return render(dataclasses.replace(spec, palette=(ground, *inks), background=background))


_DESIGN: dict[str, Callable[[Print, Rng], np.ndarray]] = {
    "colourway": _colourway,
    "scale_down": _scale_down,
    "scale_up": _scale_up,
    "repeat_shift": _repeat_shift,
    "rearranged": _rearranged,
    "new_background": _new_background,
}

VARIANT_KINDS: tuple[str, ...] = (
    "jpeg",
    "hue_shift",
    "colourway",
    "greyscale",
    "scale_down",
    "scale_up",
    "crop",
    "rotate90",
    "rotate_small",
    "mirror",
    "repeat_shift",
    "rearranged",
    "new_background",
    "photo",
    "combo",
)
# Harder classes made on request but kept out of VARIANT_KINDS, so benchmarks that cycle
# through VARIANT_KINDS keep their classes: "rescale" (0.4-2.5x, issue 14 item 3).
EXTRA_VARIANT_KINDS: tuple[str, ...] = ("rescale",)
HARD_NEGATIVE_KINDS: tuple[str, ...] = (
    "same_layout_other_motifs",
    "same_background_texture",
    *STOCK_KINDS,
)


def make_variant(p: Print, kind: str, rng: Rng) -> np.ndarray:
    """A copy of ``p`` made by transform class ``kind`` (VARIANT_KINDS or EXTRA_VARIANT_KINDS),
    uint8 RGB."""
    if kind in _PIXEL:
        return _PIXEL[kind](p.rgb, rng)
    if kind in _DESIGN:
        return _DESIGN[kind](p, rng)
    if kind == "combo":
        return _combo(p, rng)
    if kind == "rescale":  # not in _DESIGN: combo draws from _DESIGN and must stay as it was
        return _rescale(p, rng)
    raise ValueError(
        f"unknown variant kind {kind!r}; expected one of {VARIANT_KINDS + EXTRA_VARIANT_KINDS}"
    )


def _combo(p: Print, rng: Rng) -> np.ndarray:
    """2–3 transforms: at most one design change first, then pixel edits (as a copier would)."""
    n = int(rng.integers(2, 4))
    img = p.rgb
    if rng.random() < 0.6:
        img = _DESIGN[str(rng.choice(sorted(_DESIGN)))](p, rng)
        n -= 1
    pixel_kinds = sorted(_PIXEL)
    for kind in rng.choice(pixel_kinds, size=n, replace=False):
        img = _PIXEL[str(kind)](img, rng)
    return img


def make_hard_negative(
    p: Print, kind: str, rng: Rng, *, clipart: Sequence[str] | None = None
) -> np.ndarray:
    """A different design that shares something with ``p`` and must NOT be called a copy.

    ``same_layout_other_motifs``: same repeat, placements, palette and ground, other motifs.
    ``same_background_texture``: same ground and palette, other motifs in another layout.
    ``stripes``/``checks``/``dots``: a stock pattern; if ``p`` is itself a stock pattern of that
    kind, a look-alike with other colours and spacing, else one in ``p``'s colours.
    New motifs take clip art only from ``clipart`` (default: any installed SVG).
    """
    if kind in STOCK_KINDS:
        return _stock_lookalike(p, kind, rng)
    spec = _spec(p)
    others = random_motifs(
        rng,
        len(spec.motifs),
        len(spec.palette) - 1,
        real_art=_real_art(spec),
        avoid=spec.motifs,
        clipart=clipart,
    )
    # Keep each motif's ink slots, so colour statistics stay as close as possible.
    others = tuple(
        dataclasses.replace(o, slots=m.slots) for o, m in zip(others, spec.motifs, strict=True)
    )
    if kind == "same_layout_other_motifs":
        return render(dataclasses.replace(spec, motifs=others))
    if kind == "same_background_texture":
        layout = random_layout(rng, len(others), spec.size)
        return render(dataclasses.replace(spec, motifs=others, layout=layout))
    raise ValueError(f"unknown hard-negative kind {kind!r}; expected one of {HARD_NEGATIVE_KINDS}")


def _stock_lookalike(p: Print, kind: str, rng: Rng) -> np.ndarray:
    size = max(p.rgb.shape[:2])
    if isinstance(p.spec, StockSpec) and p.spec.kind == kind:
        s = p.spec
        palette = random_palette(rng, len(s.palette) - 1)
        f = float(rng.uniform(1.3, 1.8) if rng.random() < 0.5 else rng.uniform(0.55, 0.77))
        bands = tuple(float(b * rng.uniform(0.7, 1.3) * f) for b in s.bands)
        spacing = s.spacing * f
        radius = float(np.clip(s.dot_radius * f * rng.uniform(0.8, 1.25), 2, spacing * 0.4))
        look = dataclasses.replace(
            s, palette=palette, bands=bands, spacing=spacing, dot_radius=radius, size=size
        )
        return render_stock(look)
    return stock_pattern(kind, rng, size, palette=p.spec.palette).rgb
