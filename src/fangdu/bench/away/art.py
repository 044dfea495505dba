"""Motif art for the away benchmark, none of it shared with ``fangdu.synth``.

Three sources, chosen per design:

- ``emoji``: colour emoji of Debian's ``fonts-noto-color-emoji`` (Noto Color Emoji bitmaps);
- ``glyph``: pictographs, dingbats and ornaments of Debian's ``fonts-symbola``, drawn as
  one- or two-ink silhouettes;
- procedural families written for this benchmark (not synth's flowers, leaves, paisleys,
  stars, rings, vines, spirals or clusters): ``damask`` (mirror-symmetric lobed ornaments),
  ``sprig`` (botanical stems with leaves and berries), ``brush`` (tapered brush strokes and
  splatter), ``kilim`` (stepped four-way symmetric pixel ornaments).

When a font is not installed its pool is empty and designs fall back to the procedural families,
so the benchmark runs everywhere (with other art: the report names the art it used).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import cv2
import numpy as np

EMOJI_FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
SYMBOLA_FONT = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"
PROCEDURAL = ("damask", "sprig", "brush", "kilim")
FONT_SOURCES = ("emoji", "glyph")

RGB = tuple[int, int, int]

# Pictorial Unicode blocks (no letters, no plain geometric shapes).
_EMOJI_RANGES = ((0x2600, 0x27BF), (0x1F300, 0x1F5FF), (0x1F680, 0x1F6FF), (0x1F900, 0x1FAFF))
_SYMBOLA_RANGES = (
    (0x2600, 0x27BF),
    (0x1F000, 0x1F0FF),
    (0x1F300, 0x1F5FF),
    (0x1F650, 0x1F67F),
    (0x1F680, 0x1F6FF),
    (0x1F900, 0x1F9FF),
    (0x1D100, 0x1D1FF),
)


@dataclass(frozen=True)
class Motif:
    """One drawing: its source, its key (a code point or a seed) and its inks (1-3 colours;
    emoji keep their own colours, turned by ``hue`` degrees)."""

    source: str
    key: int
    inks: tuple[RGB, ...]
    hue: float = 0.0


def _env_disabled() -> bool:
    # FANGDU_AWAY_ART=procedural forces the fallback (tests, or to compare machines).
    return os.environ.get("FANGDU_AWAY_ART", "") == "procedural"


@functools.lru_cache(maxsize=4)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=1)
def emoji_codepoints() -> tuple[int, ...]:
    """Single code points Noto Color Emoji draws (empty without the font)."""
    if _env_disabled() or not os.path.exists(EMOJI_FONT):
        return ()
    font = _font(EMOJI_FONT, 109)
    found = []
    for lo, hi in _EMOJI_RANGES:
        for cp in range(lo, hi + 1):
            try:
                box = font.getbbox(chr(cp))
            except Exception:
                continue
            if box[2] - box[0] > 20 and _emoji_drawn(cp):
                found.append(cp)
    return tuple(found)


def _emoji_drawn(cp: int) -> bool:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((8, 8), chr(cp), font=_font(EMOJI_FONT, 109), embedded_color=True)
    return img.getbbox() is not None


@functools.lru_cache(maxsize=1)
def symbola_codepoints() -> tuple[int, ...]:
    """Code points Symbola draws in pictorial blocks, duplicates of another drawing removed."""
    if _env_disabled() or not os.path.exists(SYMBOLA_FONT):
        return ()
    font = _font(SYMBOLA_FONT, 64)
    missing = bytes(font.getmask("\ue000"))
    seen: set[bytes] = set()
    found = []
    for lo, hi in _SYMBOLA_RANGES:
        for cp in range(lo, hi + 1):
            mask = font.getmask(chr(cp))
            if mask.getbbox() is None:
                continue
            data = bytes(mask)
            if data == missing or data in seen or sum(1 for b in data if b > 127) < 150:
                continue
            seen.add(data)
            found.append(cp)
    return tuple(found)


def pool(source: str) -> tuple[int, ...]:
    return emoji_codepoints() if source == "emoji" else symbola_codepoints()


def art_summary() -> dict[str, int]:
    """How much font art this machine has (0 when a package is missing)."""
    return {"emoji": len(emoji_codepoints()), "glyph": len(symbola_codepoints())}


# -- drawing -------------------------------------------------------------------------------


def sprite(motif: Motif, px: int) -> np.ndarray:
    """The motif as float32 RGBA in [0, 1], about ``px`` pixels on its longer side."""
    px = max(int(px), 6)
    if motif.source == "emoji":
        rgba = _emoji(motif.key, px)
        if motif.hue:
            rgba = _turn_hue(rgba, motif.hue)
        return rgba
    if motif.source == "glyph":
        mask = _glyph_mask(motif.key, px)
        return _inked(mask, motif.inks, outline=len(motif.inks) > 1)
    masks = _procedural(motif.source, motif.key, px)
    return _layers(masks, motif.inks)


@functools.lru_cache(maxsize=512)
def _emoji_base(cp: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((8, 8), chr(cp), font=_font(EMOJI_FONT, 109), embedded_color=True)
    box = img.getbbox() or (0, 0, 160, 160)
    return np.asarray(img.crop(box), np.float32) / 255.0


def _emoji(cp: int, px: int) -> np.ndarray:
    base = _emoji_base(cp)
    return _fit(base, px)


def _fit(rgba: np.ndarray, px: int) -> np.ndarray:
    h, w = rgba.shape[:2]
    s = px / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    out = cv2.resize(rgba, size, interpolation=interp)
    return np.clip(out, 0.0, 1.0)


def _turn_hue(rgba: np.ndarray, degrees: float) -> np.ndarray:
    rgb = np.ascontiguousarray(rgba[..., :3])
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + degrees) % 360.0
    out = rgba.copy()
    out[..., :3] = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return out


def _glyph_mask(cp: int, px: int) -> np.ndarray:
    font = _font(SYMBOLA_FONT, max(8, int(px * 1.1)))
    mask = font.getmask(chr(cp))
    arr = np.asarray(mask, np.uint8).reshape(mask.size[1], mask.size[0]).astype(np.float32) / 255
    ys, xs = np.nonzero(arr > 0.05)
    if len(ys):
        arr = arr[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = arr.shape
    s = px / max(h, w, 1)
    return np.clip(cv2.resize(arr, (max(1, round(w * s)), max(1, round(h * s)))), 0, 1)


def _inked(mask: np.ndarray, inks: tuple[RGB, ...], outline: bool) -> np.ndarray:
    """A glyph mask in its first ink; with ``outline``, a rim in the second ink around it."""
    pad = max(2, mask.shape[0] // 16) if outline else 1
    m = np.pad(mask, pad)
    rgba = np.zeros((*m.shape, 4), np.float32)
    if outline:
        k = 2 * pad + 1
        rim = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        rgba[..., :3] = np.array(inks[1], np.float32) / 255
        rgba[..., 3] = rim
    fill = np.array(inks[0], np.float32) / 255
    rgba[..., :3] = rgba[..., :3] * (1 - m[..., None]) + fill * m[..., None]
    rgba[..., 3] = np.maximum(rgba[..., 3], m)
    return rgba


def _layers(masks: list[np.ndarray], inks: tuple[RGB, ...]) -> np.ndarray:
    """Masks painted in order, mask i in ink i (cycling)."""
    h, w = masks[0].shape
    rgba = np.zeros((h, w, 4), np.float32)
    for i, m in enumerate(masks):
        c = np.array(inks[i % len(inks)], np.float32) / 255
        rgba[..., :3] = rgba[..., :3] * (1 - m[..., None]) + c * m[..., None]
        rgba[..., 3] = np.maximum(rgba[..., 3], m)
    return rgba


def _procedural(family: str, seed: int, px: int) -> list[np.ndarray]:
    """Masks (float32 in [0, 1], px x px, drawn at 4x and reduced for smooth edges)."""
    rng = np.random.default_rng(seed)
    ss = 4 if px < 200 else 2
    n = px * ss
    draw = {"damask": _damask, "sprig": _sprig, "brush": _brush, "kilim": _kilim}[family]
    masks = draw(rng, n)
    out = []
    for m in masks:
        small = cv2.resize(m.astype(np.float32), (px, px), interpolation=cv2.INTER_AREA)
        out.append(np.clip(small, 0, 1))
    return out


def _curve(ctrl: np.ndarray, n: int = 40) -> np.ndarray:
    """Points of the Bézier curve with control points ``ctrl`` (k x 2)."""
    t = np.linspace(0.0, 1.0, n)
    pts = np.repeat(ctrl[None].astype(float), n, axis=0)
    while pts.shape[1] > 1:
        pts = pts[:, :-1] * (1 - t[:, None, None]) + pts[:, 1:] * t[:, None, None]
    return pts[:, 0]


def _fill(n: int, polys: list[np.ndarray]) -> np.ndarray:
    m = np.zeros((n, n), np.uint8)
    cv2.fillPoly(m, [np.round(p).astype(np.int32) for p in polys], 1, cv2.LINE_AA)
    return m.astype(np.float32)


def _damask(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A mirror-symmetric ornament: lobes built on the right half, mirrored; cut-outs inside."""
    c = n / 2
    outer, inner = [], []
    for _ in range(int(rng.integers(3, 6))):
        y0 = rng.uniform(0.1, 0.9) * n
        y1 = np.clip(y0 + rng.uniform(-0.35, 0.35) * n, 0.05 * n, 0.95 * n)
        reach = rng.uniform(0.15, 0.48) * n
        ctrl = np.array(
            [
                [c, y0],
                [c + reach * rng.uniform(0.6, 1.4), y0 + rng.uniform(-0.2, 0.2) * n],
                [c + reach, y1 + rng.uniform(-0.1, 0.1) * n],
                [c + reach * 0.3, y1],
                [c, (y0 + y1) / 2],
            ]
        )
        half = _curve(ctrl)
        half[:, 0] = np.clip(half[:, 0], 0, n - 1)
        full = np.vstack([half, (np.array([2 * c, 0]) + half * [-1, 1])[::-1]])
        outer.append(full)
        shrink = (full - [c, (y0 + y1) / 2]) * rng.uniform(0.35, 0.55) + [c, (y0 + y1) / 2]
        inner.append(shrink)
    stem = np.array([[c - n * 0.03, n * 0.05], [c + n * 0.03, n * 0.05], [c + n * 0.02, n * 0.95]])
    stem = np.vstack([stem, [[c - n * 0.02, n * 0.95]]])
    base = _fill(n, [*outer, stem])
    cut = _fill(n, inner) * base
    dots = np.zeros((n, n), np.float32)
    for _ in range(int(rng.integers(2, 5))):
        y = rng.uniform(0.1, 0.9) * n
        dx = rng.uniform(0.05, 0.4) * n
        r = max(2, int(rng.uniform(0.015, 0.04) * n))
        for x in (c - dx, c + dx):
            cv2.circle(dots, (int(x), int(y)), r, 1.0, -1, cv2.LINE_AA)
    return [base, cut, dots]


def _sprig(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A botanical sprig: a curved stem with alternate leaves and a few berries."""
    ctrl = np.array(
        [
            [rng.uniform(0.3, 0.7) * n, 0.95 * n],
            [rng.uniform(0.1, 0.9) * n, rng.uniform(0.4, 0.7) * n],
            [rng.uniform(0.2, 0.8) * n, 0.08 * n],
        ]
    )
    path = _curve(ctrl, 60)
    stem = np.zeros((n, n), np.float32)
    cv2.polylines(stem, [np.round(path).astype(np.int32)], False, 1.0, max(2, n // 60), cv2.LINE_AA)
    leaves = []
    n_leaves = int(rng.integers(3, 8))
    length = rng.uniform(0.16, 0.3) * n
    width = length * rng.uniform(0.25, 0.5)
    for i in range(n_leaves):
        j = int((i + 0.5) / n_leaves * (len(path) - 2))
        p, q = path[j], path[j + 1]
        tangent = np.arctan2(q[1] - p[1], q[0] - p[0])
        side = 1 if i % 2 else -1
        ang = tangent + side * rng.uniform(0.6, 1.2)
        t = np.linspace(0, np.pi, 20)
        xs = np.r_[np.linspace(0, length, 20), np.linspace(length, 0, 20)]
        ys = np.r_[np.sin(t) * width / 2, -np.sin(t) * width / 2 * rng.uniform(0.5, 1.0)]
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        leaves.append(np.c_[xs, ys] @ rot.T + p)
    leaf = _fill(n, leaves)
    berries = np.zeros((n, n), np.float32)
    for _ in range(int(rng.integers(0, 6))):
        p = path[int(rng.integers(0, len(path)))] + rng.normal(0, 0.08 * n, 2)
        r = max(2, int(rng.uniform(0.02, 0.05) * n))
        cv2.circle(berries, (int(p[0]), int(p[1])), r, 1.0, -1, cv2.LINE_AA)
    return [np.clip(stem + leaf, 0, 1), berries]


def _brush(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Tapered brush strokes along smooth paths, and splatter."""
    out = []
    for _ in range(int(rng.integers(1, 3))):
        m = np.zeros((n, n), np.float32)
        for _ in range(int(rng.integers(1, 4))):
            ctrl = rng.uniform(0.1, 0.9, (4, 2)) * n
            path = _curve(ctrl, 50)
            wmax = rng.uniform(0.03, 0.09) * n
            for k in range(len(path) - 1):
                w = wmax * np.sin(np.pi * (k + 0.5) / len(path)) ** 0.6 + 1
                a, b = np.round(path[k]).astype(int), np.round(path[k + 1]).astype(int)
                cv2.line(m, tuple(a), tuple(b), 1.0, max(1, int(w)), cv2.LINE_AA)
        out.append(m)
    splat = np.zeros((n, n), np.float32)
    for _ in range(int(rng.integers(3, 12))):
        p = rng.uniform(0.05, 0.95, 2) * n
        r = max(1, int(rng.uniform(0.005, 0.025) * n))
        cv2.circle(splat, (int(p[0]), int(p[1])), r, 1.0, -1, cv2.LINE_AA)
    out.append(splat)
    return out


def _kilim(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A stepped ornament: a random quarter on a coarse grid, mirrored both ways."""
    k = int(rng.integers(4, 8))
    while True:
        quarter = rng.random((k, k)) < rng.uniform(0.35, 0.6)
        quarter |= np.eye(k, dtype=bool)[::-1] & (rng.random((k, k)) < 0.8)
        if quarter.sum() >= k:
            break
    full = np.block([[quarter[::-1, ::-1], quarter[::-1]], [quarter[:, ::-1], quarter]])
    second = full & (rng.random(full.shape) < 0.3)
    second = second | second[::-1] | second[:, ::-1] | second[::-1, ::-1]
    first = full & ~second
    return [
        cv2.resize(m.astype(np.float32), (n, n), interpolation=cv2.INTER_NEAREST)
        for m in (first, second)
    ]
