"""Safe image decoding: bytes from anyone in, an RGB array or a one-line refusal out."""

from fangdu.imaging._load import (
    ACCEPTED_FORMATS,
    DEFAULT_DRAFT_SIDE,
    MIN_SIDE,
    DecodedImage,
    decode_image,
    load_image,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_DRAFT_SIDE",
    "MIN_SIDE",
    "DecodedImage",
    "decode_image",
    "load_image",
]
