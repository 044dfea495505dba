"""Real art, used when the Debian packages are installed: openclipart-svg and gimp-data.

Both are optional. Without them the lists are empty and the generator stays procedural.
"""

from __future__ import annotations

import os
import struct
import subprocess
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

CLIPART_ROOTS = (Path("/usr/share/openclipart/svg"), Path("/usr/share/openclipart"))
# Categories whose drawings make plausible textile motifs (not computers, signs, people);
# of "shapes" only the top level: its subfolders are mostly thin generated stars and arrows.
CLIPART_CATEGORIES = ("plants", "decorations", "animals", "food")
CLIPART_FLAT_CATEGORIES = ("shapes",)
# Big SVGs take seconds to rasterise and are usually scenes, not motifs.
CLIPART_MAX_BYTES = 120_000
GIMP_PATTERN_ROOTS = (Path("/usr/share/gimp/2.0/patterns"), Path("/usr/share/gimp/3.0/patterns"))
SPRITE_SIDE = 256


@lru_cache(maxsize=1)
def clipart_files() -> tuple[str, ...]:
    """Sorted SVG paths usable as motifs; empty when openclipart-svg is not installed."""
    for root in CLIPART_ROOTS:
        if not root.is_dir():
            continue
        paths = [p for c in CLIPART_CATEGORIES for p in (root / c).rglob("*.svg")]
        paths += [p for c in CLIPART_FLAT_CATEGORIES for p in (root / c).glob("*.svg")]
        found = [str(p) for p in paths if p.stat().st_size <= CLIPART_MAX_BYTES]
        if found:
            return tuple(sorted(found))
    return ()


@lru_cache(maxsize=1)
def gimp_pattern_files() -> tuple[str, ...]:
    """Sorted GIMP .pat paths; empty when gimp-data is not installed."""
    for root in GIMP_PATTERN_ROOTS:
        if root.is_dir():
            files = sorted(str(p) for p in root.rglob("*.pat"))
            if files:
                return tuple(files)
    return ()


def read_pat(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode a GIMP pattern (.pat): a big-endian header, a name, then raw pixels.

    Header: header size, version, width, height, bytes per pixel (1 grey, 2 grey+alpha,
    3 RGB, 4 RGBA), the magic ``GPAT``; the name fills the rest of the header.
    Returns (h, w, 3) uint8 RGB.
    """
    data = Path(path).read_bytes()
    header_size, _version, width, height, bpp, magic = struct.unpack(">5I4s", data[:24])
    if magic != b"GPAT" or bpp not in (1, 2, 3, 4):
        raise ValueError(f"{path}: not a GIMP pattern")
    pixels = np.frombuffer(data, np.uint8, width * height * bpp, header_size)
    pixels = pixels.reshape(height, width, bpp)
    return np.repeat(pixels[..., :1], 3, 2) if bpp <= 2 else pixels[..., :3].copy()


@lru_cache(maxsize=512)
def clipart_sprite(path: str) -> np.ndarray | None:
    """The SVG as (h, w, 4) uint8 RGBA, longest side SPRITE_SIDE; None if it will not render."""
    png = _rasterise(path)
    if png is None:
        return None
    rgba = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if rgba is None or rgba.ndim != 3 or rgba.shape[2] != 4:
        return None
    rgba = cv2.cvtColor(rgba, cv2.COLOR_BGRA2RGBA)
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    if len(xs) < 64:  # blank or nearly blank drawing
        return None
    rgba = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    f = SPRITE_SIDE / max(rgba.shape[:2])
    size = (max(1, round(rgba.shape[1] * f)), max(1, round(rgba.shape[0] * f)))
    return cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)


def _rasterise(path: str) -> bytes | None:
    try:
        import cairosvg  # optional: the bench extra installs it
    except ImportError:
        cairosvg = None
    if cairosvg is not None:
        try:
            return cairosvg.svg2png(url=path, output_width=SPRITE_SIDE * 2)
        except Exception:  # malformed SVGs exist in the collection; skip them
            return None
    try:
        out = subprocess.run(
            ["rsvg-convert", "-w", str(SPRITE_SIDE * 2), path],
            capture_output=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout or None
