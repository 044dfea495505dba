"""Small deterministic procedural prints: training data for the codebook and test fixtures.

Not a realistic generator (``fangdu.synth`` is); just varied motifs tiled in a repeat on a
textured ground, plus the stock patterns (stripes, checks, dots) that must never count as copies.
"""

from __future__ import annotations

import cv2
import numpy as np

_MOTIF = 128


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, 3))  # type: ignore[return-value]


def motif(rng: np.random.Generator) -> np.ndarray:
    """One RGBA motif: a few filled shapes, strokes and a petal rosette."""
    s = _MOTIF
    m = np.zeros((s, s, 4), np.uint8)
    for _ in range(int(rng.integers(4, 9))):
        col = (*_colour(rng), 255)
        kind = int(rng.integers(0, 4))
        c = tuple(int(v) for v in rng.integers(20, s - 20, 2))
        if kind == 0:
            axes = (int(rng.integers(6, 34)), int(rng.integers(4, 24)))
            cv2.ellipse(m, c, axes, float(rng.uniform(0, 180)), 0, 360, col, -1, cv2.LINE_AA)
        elif kind == 1:
            pts = rng.integers(4, s - 4, (int(rng.integers(3, 7)), 2)).astype(np.int32)
            cv2.fillPoly(m, [pts], col, cv2.LINE_AA)
        elif kind == 2:
            pts = rng.integers(4, s - 4, (int(rng.integers(3, 6)), 2)).astype(np.int32)
            cv2.polylines(m, [pts], False, col, int(rng.integers(2, 7)), cv2.LINE_AA)
        else:
            petals, r = int(rng.integers(4, 9)), int(rng.integers(10, 28))
            for k in range(petals):
                a = 2 * np.pi * k / petals
                p = (int(c[0] + r * np.cos(a)), int(c[1] + r * np.sin(a)))
                cv2.ellipse(
                    m, p, (r // 2 + 2, r // 4 + 2), np.degrees(a), 0, 360, col, -1, cv2.LINE_AA
                )
            cv2.circle(m, c, max(3, r // 3), (*_colour(rng), 255), -1, cv2.LINE_AA)
    return m


def ground(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A plain colour with soft mottling, like a dyed cloth ground."""
    base = np.array(_colour(rng), np.float32)
    noise = rng.normal(0, float(rng.uniform(2, 14)), (h, w)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), float(rng.uniform(1, 4)))
    return np.clip(base + noise[..., None], 0, 255).astype(np.uint8)


def paste(img: np.ndarray, m: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend RGBA ``m`` into ``img`` with its top-left at (x, y), clipped to the image."""
    h, w = img.shape[:2]
    mh, mw = m.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + mw, w), min(y + mh, h)
    if x1 <= x0 or y1 <= y0:
        return
    sub = m[y0 - y : y1 - y, x0 - x : x1 - x]
    a = sub[..., 3:4].astype(np.float32) / 255.0
    region = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (region * (1 - a) + sub[..., :3] * a).astype(np.uint8)


def tiled_print(seed: int, h: int = 768, w: int = 768) -> np.ndarray:
    """A repeat print: 2-4 motifs on a half-drop or brick lattice over a mottled ground."""
    rng = np.random.default_rng(seed)
    img = ground(rng, h, w)
    motifs = [motif(rng) for _ in range(int(rng.integers(2, 5)))]
    for i, m in enumerate(motifs):
        angle = float(rng.uniform(0, 360))
        scale = float(rng.uniform(0.6, 1.3))
        rot = cv2.getRotationMatrix2D((_MOTIF / 2, _MOTIF / 2), angle, scale)
        motifs[i] = cv2.warpAffine(m, rot, (_MOTIF, _MOTIF))
    pitch = int(rng.integers(120, 220))
    drop = pitch // 2 if rng.random() < 0.5 else 0
    for row, y in enumerate(range(-pitch, h + pitch, pitch)):
        for col, x in enumerate(range(-pitch, w + pitch, pitch)):
            m = motifs[(row + col) % len(motifs)]
            dy = drop if col % 2 else 0
            dx = 0 if drop else (pitch // 2 if row % 2 else 0)
            paste(img, m, x + dx, y + dy)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def stock_print(seed: int, kind: str, h: int = 768, w: int = 768) -> np.ndarray:
    """Stripes, checks or dots: stock elements that are not protectable."""
    rng = np.random.default_rng(seed)
    img = ground(rng, h, w)
    pitch = int(rng.integers(24, 90))
    width = int(rng.integers(4, max(5, pitch // 2)))
    col = _colour(rng)
    if kind in ("stripes", "checks"):
        for x in range(0, w, pitch):
            cv2.rectangle(img, (x, 0), (x + width, h), col, -1)
        if kind == "checks":
            col2 = _colour(rng)
            for y in range(0, h, pitch):
                band = img[y : y + width].astype(np.float32)
                img[y : y + width] = (0.5 * band + 0.5 * np.array(col2)).astype(np.uint8)
    elif kind == "dots":
        r = max(3, width // 2)
        for row, y in enumerate(range(0, h + pitch, pitch)):
            off = pitch // 2 if row % 2 else 0
            for x in range(-pitch, w + pitch, pitch):
                cv2.circle(img, (x + off, y), r, col, -1, cv2.LINE_AA)
    else:
        raise ValueError(f"unknown stock pattern {kind!r}")
    return img


def recolour(rgb: np.ndarray, seed: int) -> np.ndarray:
    """Another colourway: hue rotation, and often a light/dark swap of the value channel."""
    rng = np.random.default_rng(seed)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(40, 216))) % 256
    if rng.random() < 0.5:
        hsv[..., 2] = 255 - hsv[..., 2]
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB_FULL)
    if rng.random() < 0.3:
        out = cv2.cvtColor(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return out


def rotate(rgb: np.ndarray, angle: float, scale: float = 1.0) -> np.ndarray:
    """Rotate about the centre (degrees, counter-clockwise) and rescale, keeping the canvas."""
    h, w = rgb.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    size = (max(32, round(w * scale)), max(32, round(h * scale)))
    rot[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    return cv2.warpAffine(rgb, rot, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def photo(rgb: np.ndarray, seed: int) -> np.ndarray:
    """A rough photo of printed cloth: perspective, uneven light, weave, blur and noise."""
    rng = np.random.default_rng(seed)
    h, w = rgb.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.uniform(-0.07, 0.07, (4, 2)).astype(np.float32) * np.float32([w, h])
    warped = cv2.warpPerspective(
        rgb, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT
    ).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 0.75 + 0.35 * (xx / w * rng.uniform(-1, 1) + yy / h * rng.uniform(-1, 1) + 1) / 2
    period = float(rng.uniform(3, 6))
    weave = 1 + 0.06 * np.sin(2 * np.pi * xx / period) * np.sin(2 * np.pi * yy / period)
    out = warped * (light * weave)[..., None]
    out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.6, 1.6)))
    out += rng.normal(0, 4, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)
