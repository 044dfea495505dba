"""Features on a drawn ground (tie-dye, marbled, ikat): taken from the motifs, and repeated."""

import cv2
import numpy as np

from fangdu.similarity._features import (
    detect,
    feature_image,
    gradient_magnitude,
    working_lab,
)


def _print(ground: tuple, ink: tuple, motifs: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A 512 px print: dense sharp dye rings of two colours everywhere, and (``motifs``) 24
    small motifs of one ink on a lattice; also the motifs' mask."""
    rng = np.random.default_rng(3)
    noise = cv2.resize(
        rng.random((16, 16)).astype(np.float32), (512, 512), interpolation=cv2.INTER_CUBIC
    )
    rings = (noise * 8) % 1.0
    dye = np.clip((np.abs(rings - 0.5) - 0.15) * 6, 0, 1)[..., None]  # soft dye fronts
    crack = (np.clip(1 - np.abs(rings - 0.5) * 14, 0, 1) * 0.5)[..., None]  # pale cracks
    rgb = np.float32(ground[0]) * (1 - dye) + np.float32(ground[1]) * dye
    rgb = (rgb * (1 - crack) + 255 * crack).astype(np.uint8)
    drawn = np.zeros((512, 512), np.uint8)
    if motifs:
        shapes = np.random.default_rng(7)
        for j in range(4):
            for i in range(6):
                cx, cy = 45 + i * 84 + (j % 2) * 30, 64 + j * 128
                n = int(shapes.integers(3, 8))
                angles = np.sort(shapes.uniform(0, 2 * np.pi, n))
                radii = shapes.uniform(12, 28, n)
                pts = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
                cv2.fillPoly(drawn, [pts.astype(np.int32)], 1)
                cv2.circle(drawn, (cx + 14, cy - 10), 6, 0, -1)
        rgb[drawn > 0] = ink
    return rgb, drawn


def _keypoints(rgb: np.ndarray) -> np.ndarray:
    lab = working_lab(rgb, 1.0)
    return detect(feature_image(gradient_magnitude(lab), lab))[0]


def _repeated(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a``'s keypoints with one of ``b``'s within 2 px and of about its size."""
    near = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) < 2.0
    ratio = a[:, None, 2] / b[None, :, 2]
    return float((near & (ratio > 0.7) & (ratio < 1.4)).any(1).mean())


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def test_on_a_drawn_ground_features_come_from_the_motifs_and_repeat() -> None:
    """Dye rings as sharp as the motifs' outlines: the version 4 floor kept the strongest 5 %
    of both, 37 % of its keypoints near a motif, and which 5 % moved under JPEG and
    recolouring (keypoints repeated 7 % after JPEG at quality 30, 5 % after a recolouring).
    Along the inks: 61 % near a motif, 19 % and 20 % repeated (2 px, same size)."""
    source, drawn = _print(((200, 60, 90), (40, 160, 220)), (150, 70, 40))
    recoloured, _ = _print(((90, 200, 80), (230, 210, 120)), (120, 20, 140))
    kp = _keypoints(source)
    near_motif = cv2.dilate(drawn, np.ones((15, 15), np.uint8))
    on_motifs = near_motif[kp[:, 1].astype(int), kp[:, 0].astype(int)].mean()
    assert len(kp) >= 100 and on_motifs >= 0.5
    assert _repeated(kp, _keypoints(_jpeg(source, 30))) >= 0.15
    assert _repeated(kp, _keypoints(recoloured)) >= 0.15
