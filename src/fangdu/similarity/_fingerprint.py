"""The stored fingerprint of one image, and its versioned binary form.

Layout (little-endian)::

    header   magic b"FDFP", version u8, width u32, height u32, scale f32,
             work_w u16, work_h u16, n_features u16, n_views u8,
             complexity u16, design_w u16, design_h u16, design_bytes u32, n_motifs u8
    keypoints  n x (x u16, y u16 in 1/8 working px; size f16; angle f16)
    descriptors n x LOCAL_DIM int8
    global     n_views x DESCRIPTOR_DIM f32
    design     zlib-compressed design_h x design_w uint8 (simple images only, see _design)
    motifs     n_motifs x MOTIF_DTYPE (the motif inventory, see _motifs)
    crc32    u32 over everything before it

About 42 KB with the default 560 features, plus ~10-30 KB of design picture for a simple image
and 0.3 KB per motif (at most 64). Version 2 added complexity and the design picture, version 3
the motif inventory; older fingerprints are re-extracted by ``fangdu index rebuild``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

from fangdu.similarity._model import DESCRIPTOR_DIM, LOCAL_DIM
from fangdu.similarity._motifs import MAX_MOTIFS, MOTIF_DTYPE

# 4: the ground floor keeps at least the strongest 5 % of gradients (strong drawn grounds).
FINGERPRINT_VERSION = 4
_MAGIC = b"FDFP"
_HEADER = struct.Struct("<4sBIIfHHHBHHHIB")
_KP = np.dtype([("x", "<u2"), ("y", "<u2"), ("size", "<f2"), ("angle", "<f2")])
_SUBPIXEL = 8
# Working images never exceed this side, so coordinates fit u16 at 1/8 px.
MAX_WORK_SIDE = 65535 // _SUBPIXEL


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """Everything compare() and the shortlist need from one image; no pixels.

    ``keypoints`` are (n, 4) float32 rows of x, y, size, angle (degrees, OpenCV convention) in
    working pixels (original pixels times ``scale``); ``descriptors`` are (n, LOCAL_DIM) int8.
    ``global_vectors`` are (n_views, DESCRIPTOR_DIM) float32, unit length: row 0 describes the
    image as it is, row 1 its mirror image. ``complexity`` counts distinct-looking features;
    ``design`` is the design picture of a simple image ((0, 0) uint8 otherwise); ``motifs``
    (MOTIF_DTYPE) the motif inventory.
    """

    width: int
    height: int
    scale: float
    work_size: tuple[int, int]
    keypoints: np.ndarray
    descriptors: np.ndarray
    global_vectors: np.ndarray
    complexity: int = 0
    design: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))
    motifs: np.ndarray = field(default_factory=lambda: np.zeros(0, MOTIF_DTYPE))

    def to_bytes(self) -> bytes:
        n = len(self.keypoints)
        kp = np.empty(n, _KP)
        kp["x"] = np.rint(self.keypoints[:, 0] * _SUBPIXEL)
        kp["y"] = np.rint(self.keypoints[:, 1] * _SUBPIXEL)
        kp["size"] = self.keypoints[:, 2]
        kp["angle"] = self.keypoints[:, 3]
        design = np.ascontiguousarray(self.design, np.uint8)
        packed = zlib.compress(design.tobytes(), 6) if design.size else b""
        motifs = np.ascontiguousarray(self.motifs[:MAX_MOTIFS], MOTIF_DTYPE)
        body = b"".join(
            (
                _HEADER.pack(
                    _MAGIC,
                    FINGERPRINT_VERSION,
                    self.width,
                    self.height,
                    self.scale,
                    self.work_size[0],
                    self.work_size[1],
                    n,
                    len(self.global_vectors),
                    self.complexity,
                    design.shape[1],
                    design.shape[0],
                    len(packed),
                    len(motifs),
                ),
                kp.tobytes(),
                np.ascontiguousarray(self.descriptors, np.int8).tobytes(),
                np.ascontiguousarray(self.global_vectors, "<f4").tobytes(),
                packed,
                motifs.tobytes(),
            )
        )
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Decode ``to_bytes`` output; ValueError for anything else, including other versions."""
        data = bytes(data)
        if len(data) < _HEADER.size + 4:
            raise ValueError("fingerprint too short")
        body, (crc,) = data[:-4], struct.unpack("<I", data[-4:])
        magic, version, width, height, scale, ww, wh, n, views, cx, dw, dh, dlen, n_motifs = (
            _HEADER.unpack_from(body)
        )
        if magic != _MAGIC:
            raise ValueError("not a fingerprint")
        if version != FINGERPRINT_VERSION:
            raise ValueError(f"fingerprint version {version}, expected {FINGERPRINT_VERSION}")
        if zlib.crc32(body) != crc:
            raise ValueError("fingerprint checksum mismatch")
        expected = (
            _HEADER.size
            + n * (_KP.itemsize + LOCAL_DIM)
            + views * DESCRIPTOR_DIM * 4
            + dlen
            + n_motifs * MOTIF_DTYPE.itemsize
        )
        if len(body) != expected or views < 1 or width < 1 or height < 1 or not scale > 0:
            raise ValueError("fingerprint fields are inconsistent")
        offset = _HEADER.size
        kp = np.frombuffer(body, _KP, n, offset)
        offset += n * _KP.itemsize
        desc = np.frombuffer(body, np.int8, n * LOCAL_DIM, offset).reshape(n, LOCAL_DIM)
        offset += n * LOCAL_DIM
        vecs = np.frombuffer(body, "<f4", views * DESCRIPTOR_DIM, offset)
        offset += views * DESCRIPTOR_DIM * 4
        design = np.zeros((0, 0), np.uint8)
        if dlen:
            try:
                raw = zlib.decompress(body[offset : offset + dlen])
            except zlib.error as exc:
                raise ValueError("fingerprint design picture is corrupt") from exc
            if len(raw) != dw * dh:
                raise ValueError("fingerprint design picture has the wrong size")
            design = np.frombuffer(raw, np.uint8).reshape(dh, dw).copy()
        offset += dlen
        motifs = np.frombuffer(body, MOTIF_DTYPE, n_motifs, offset).copy()
        keypoints = (
            np.stack([kp["x"] / _SUBPIXEL, kp["y"] / _SUBPIXEL, kp["size"], kp["angle"]], axis=1)
            .astype(np.float32)
            .reshape(n, 4)
        )
        return cls(
            width,
            height,
            float(scale),
            (ww, wh),
            keypoints,
            desc.copy(),
            vecs.reshape(views, DESCRIPTOR_DIM).astype(np.float32),
            cx,
            design,
            motifs,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())
