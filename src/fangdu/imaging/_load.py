"""Decode untrusted image bytes into an upright 8-bit RGB array, or refuse in one line.

Everything an applicant or a market photo can throw at us is handled here, before any pixel
reaches the fingerprint: sizes are checked from the header before decoding (decompression
bombs), only raster formats we intend to read are tried (Pillow would otherwise hand EPS to
Ghostscript), and every colour mode is reduced to what the fingerprint expects.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fangdu.errors import ImageRejected

MIN_SIDE = 32
# Huge JPEGs are decoded at 1/2, 1/4 or 1/8 scale as long as the long side stays at least
# this big: twice the detail the fingerprint works at (512 px), at a fraction of the cost.
DEFAULT_DRAFT_SIDE = 1024
ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "TIFF", "WEBP", "BMP")  # JPEG includes MPO

_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}  # rotated by 90 or 270 degrees
_ALPHA_MODES = {"RGBA", "LA", "PA", "La", "RGBa"}
_HIGH_DEPTH_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB raster plus what is known of the full-resolution original."""

    rgb: np.ndarray  # (h, w, 3) uint8, EXIF orientation applied
    width: int  # full-resolution upright width; larger than rgb's when draft mode reduced it
    height: int
    format: str  # Pillow's format name, e.g. "PNG"

    @property
    def scale(self) -> float:
        """Full-resolution pixels per decoded pixel (1.0 unless JPEG draft mode reduced it)."""
        return self.width / self.rgb.shape[1]


def load_image(
    data: bytes, *, max_pixels: int, draft_side: int | None = DEFAULT_DRAFT_SIDE
) -> np.ndarray:
    """Decode ``data`` to an upright (h, w, 3) uint8 RGB array; raise ImageRejected if unsafe."""
    return decode_image(data, max_pixels=max_pixels, draft_side=draft_side).rgb


def decode_image(
    data: bytes, *, max_pixels: int, draft_side: int | None = DEFAULT_DRAFT_SIDE
) -> DecodedImage:
    """Like :func:`load_image`, also reporting the original size and format."""
    if not data:
        raise ImageRejected("empty file")
    if _looks_like_svg(data):
        raise ImageRejected("SVG is a vector drawing, not a raster image")
    try:
        return _decode(data, max_pixels, draft_side)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own hard ceiling, reached before our header check for absurd sizes.
        raise ImageRejected(
            f"image too large: over {max_pixels} pixels (decompression bomb)"
        ) from exc
    except UnidentifiedImageError as exc:
        formats = ", ".join(ACCEPTED_FORMATS)
        raise ImageRejected(f"not a supported raster image (accepted: {formats})") from exc
    except Exception as exc:
        # Malformed files surface as OSError, ValueError, SyntaxError, struct.error, ... from
        # deep inside Pillow's plugins; all of them mean the same thing to the caller.
        raise ImageRejected(f"corrupt or unreadable image: {_one_line(exc)}") from exc


def _decode(data: bytes, max_pixels: int, draft_side: int | None) -> DecodedImage:
    with warnings.catch_warnings():
        # Our own max_pixels check below is the limit that counts; Pillow's warning threshold
        # is a process-wide global that we leave alone.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        width, height = image.size  # from the header: nothing decoded yet
        if width * height > max_pixels:
            raise ImageRejected(
                f"image too large: {width}x{height} pixels exceeds the limit of {max_pixels}"
            )
        if min(width, height) < MIN_SIDE:
            raise ImageRejected(
                f"image too small: {width}x{height} pixels (at least {MIN_SIDE} px a side)"
            )
        if image.format in ("JPEG", "MPO") and draft_side and max(width, height) > draft_side:
            factor = draft_side / max(width, height)
            image.draft(image.mode, (math.ceil(width * factor), math.ceil(height * factor)))
        image.load()  # first frame only for animations and multi-page TIFFs
        fmt = image.format or "unknown"
        orientation = _orientation(image)
        if orientation > 1:
            image = ImageOps.exif_transpose(image)
    if orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    return DecodedImage(rgb=_to_rgb(image, fmt), width=width, height=height, format=fmt)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:
        return 1  # a broken EXIF block is no reason to refuse the pixels


def _to_rgb(image: Image.Image, fmt: str) -> np.ndarray:
    if image.mode in _HIGH_DEPTH_MODES:
        gray = _gray_to_uint8(np.asarray(image), image.mode)
        rgb = np.repeat(gray[:, :, None], 3, axis=2)
    elif image.mode in _ALPHA_MODES or "transparency" in image.info:
        # Transparent areas of a textile print are the cloth showing through: composite on white.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = np.array(Image.alpha_composite(white, rgba).convert("RGB"))
    else:
        rgb = np.array(image.convert("RGB"))  # CMYK, YCbCr, palette, grey, bilevel
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ImageRejected(f"unsupported pixel layout in {fmt} image (mode {image.mode})")
    return np.ascontiguousarray(rgb)


def _gray_to_uint8(samples: np.ndarray, mode: str) -> np.ndarray:
    """16-bit and float grey as 8-bit; Pillow's own conversion would clip instead of scale."""
    values = samples.astype(np.float64)
    if mode == "F" and values.size and values.max() <= 1.0:
        values = values * 255.0
    elif mode.startswith("I;16") or (values.size and values.max() > 255):
        values = values / 257.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
