"""Safe image loading: awkward input decodes to upright RGB or is refused in one line."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from fangdu.errors import ImageRejected
from fangdu.imaging import decode_image, load_image

MAX_PIXELS = 100_000_000


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def quadrants(width: int = 96, height: int = 64) -> Image.Image:
    """Red, green / blue, white quadrants: any change of orientation is visible."""
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[: height // 2, : width // 2] = (255, 0, 0)
    rgb[: height // 2, width // 2 :] = (0, 255, 0)
    rgb[height // 2 :, : width // 2] = (0, 0, 255)
    rgb[height // 2 :, width // 2 :] = (255, 255, 255)
    return Image.fromarray(rgb)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def bomb_png(side: int) -> bytes:
    """A valid PNG of side x side black pixels, kept small by compressing only zero rows."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def reject_reason(data: bytes, **kwargs) -> str:
    with pytest.raises(ImageRejected) as caught:
        load_image(data, max_pixels=kwargs.pop("max_pixels", MAX_PIXELS), **kwargs)
    reason = caught.value.reason
    assert "\n" not in reason and reason
    return reason


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF"])
def test_common_formats_decode_to_rgb(fmt):
    rgb = load_image(encode(quadrants(), fmt), max_pixels=MAX_PIXELS)
    assert rgb.shape == (64, 96, 3) and rgb.dtype == np.uint8
    assert rgb[8, 8].tolist() == pytest.approx([255, 0, 0], abs=40)
    assert rgb[56, 88].tolist() == pytest.approx([255, 255, 255], abs=40)


def test_empty_file_is_refused():
    assert reject_reason(b"") == "empty file"


def test_non_image_is_refused():
    assert "not a supported raster image" in reject_reason(b"hello, this is a text file\n" * 10)


def test_corrupt_file_is_refused():
    data = encode(quadrants(), "PNG")
    assert "corrupt" in reject_reason(data[: len(data) // 2])


def test_garbage_after_a_valid_signature_is_refused():
    assert reject_reason(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


@pytest.mark.parametrize("size", [(1, 1), (31, 200), (200, 12)])
def test_tiny_images_are_refused(size):
    assert "too small" in reject_reason(encode(Image.new("RGB", size, "red"), "PNG"))


def test_decompression_bomb_is_refused_from_the_header():
    data = bomb_png(30_000)
    assert len(data) < 200_000  # small file, 900 megapixels claimed
    assert "too large" in reject_reason(data)
    assert "9000x9000" in reject_reason(bomb_png(9_000), max_pixels=50_000_000)


def test_configured_pixel_limit_applies():
    data = encode(quadrants(400, 300), "PNG")
    assert "too large" in reject_reason(data, max_pixels=100_000)
    assert load_image(data, max_pixels=120_000).shape == (300, 400, 3)


def test_svg_is_refused_as_not_raster():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    svg += b'<rect width="64" height="64" fill="red"/></svg>'
    assert "not a raster image" in reject_reason(svg)
    assert "not a raster image" in reject_reason(b"  <svg width='10'></svg>")


def test_cmyk_jpeg_becomes_rgb():
    data = encode(quadrants().convert("CMYK"), "JPEG", quality=95)
    rgb = load_image(data, max_pixels=MAX_PIXELS)
    assert rgb[8, 8].tolist() == pytest.approx([255, 0, 0], abs=40)
    assert rgb[40, 8].tolist() == pytest.approx([0, 0, 255], abs=40)


def test_16_bit_greyscale_is_scaled_not_clipped():
    ramp = np.tile(np.linspace(0, 65535, 128).astype(np.uint16), (64, 1))
    data = encode(Image.fromarray(ramp), "PNG")
    rgb = load_image(data, max_pixels=MAX_PIXELS)
    assert rgb.dtype == np.uint8 and rgb.shape == (64, 128, 3)
    assert rgb[0, 0].tolist() == [0, 0, 0]
    assert rgb[0, 127].tolist() == [255, 255, 255]
    assert 100 < rgb[0, 64, 0] < 160  # mid-grey, where clipping would give white


def test_16_bit_tiff_decodes():
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    rgb = load_image(encode(Image.fromarray(ramp), "TIFF"), max_pixels=MAX_PIXELS)
    assert rgb.shape == (48, 64, 3) and rgb[0, 63, 0] == 255


def test_palette_transparency_is_composited_on_white():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0, 0, 0] * 254)
    image.paste(1, (0, 0, 32, 64))  # left half dark red, right half transparent black
    data = encode(image, "PNG", transparency=0)
    rgb = load_image(data, max_pixels=MAX_PIXELS)
    assert rgb[10, 10].tolist() == [200, 0, 0]
    assert rgb[10, 50].tolist() == [255, 255, 255]


def test_rgba_transparency_is_composited_on_white():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:, :20] = (0, 0, 255, 255)
    rgb = load_image(encode(Image.fromarray(rgba), "PNG"), max_pixels=MAX_PIXELS)
    assert rgb[5, 5].tolist() == [0, 0, 255] and rgb[5, 35].tolist() == [255, 255, 255]


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    rgb = load_image(data, max_pixels=MAX_PIXELS)
    assert rgb[32, 32].tolist() == [255, 0, 0]


def test_webp_with_alpha_decodes():
    rgba = Image.new("RGBA", (64, 64), (0, 128, 0, 255))
    rgb = load_image(encode(rgba, "WEBP", lossless=True), max_pixels=MAX_PIXELS)
    assert rgb[0, 0].tolist() == [0, 128, 0]


def test_exif_orientation_is_applied():
    """A phone stores landscape pixels with 'rotate 90° clockwise to view' (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(quadrants(96, 64), "JPEG", quality=95, exif=exif)
    decoded = decode_image(data, max_pixels=MAX_PIXELS)
    assert decoded.rgb.shape == (96, 64, 3)
    assert (decoded.width, decoded.height) == (64, 96)
    # After a clockwise turn the stored bottom-left (blue) is at the top-left.
    assert decoded.rgb[8, 8].tolist() == pytest.approx([0, 0, 255], abs=40)
    assert decoded.rgb[8, 56].tolist() == pytest.approx([255, 0, 0], abs=40)


def test_huge_jpeg_is_decoded_in_draft_mode_at_reduced_size():
    data = encode(quadrants(4800, 3200), "JPEG", quality=80)
    decoded = decode_image(data, max_pixels=MAX_PIXELS, draft_side=1000)
    assert (decoded.width, decoded.height) == (4800, 3200)
    assert decoded.rgb.shape == (800, 1200, 3)  # 1/4 scale: the smallest not below 1000 px
    assert decoded.scale == 4.0
    full = decode_image(data, max_pixels=MAX_PIXELS, draft_side=None)
    assert full.rgb.shape == (3200, 4800, 3) and full.scale == 1.0


def test_eps_is_not_handed_to_ghostscript():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\nshowpage\n"
    assert "not a supported raster image" in reject_reason(eps)
