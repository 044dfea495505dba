"""draw_explanation(): the side-by-side picture a reviewer or a judge looks at."""

from __future__ import annotations

import cv2
import numpy as np

from fangdu.similarity.types import Box, Match, Verdict

PANEL_HEIGHT = 480
MAX_LINES = 80
_CAPTION = 44
_GAP = 12
_VERDICT_COLOURS = {
    Verdict.COPY: (220, 40, 40),
    Verdict.SIMILAR: (235, 150, 20),
    Verdict.NONE: (60, 140, 60),
}


def _panel(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    rgb = np.ascontiguousarray(rgb[..., :3] if rgb.ndim == 3 else np.dstack([rgb] * 3))
    h, w = rgb.shape[:2]
    # Same height for both; very wide images are capped so the picture stays readable.
    s = min(PANEL_HEIGHT / h, 2.0 * PANEL_HEIGHT / w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return cv2.resize(rgb, size, interpolation=interp), s


def _draw_box(img: np.ndarray, box: Box | None, s: float, dx: int, colour) -> None:
    if box is None:
        return
    p0 = (round(box.x0 * s) + dx, round(box.y0 * s))
    p1 = (round(box.x1 * s) + dx, round(box.y1 * s))
    cv2.rectangle(img, p0, p1, (255, 255, 255), 5, cv2.LINE_AA)
    cv2.rectangle(img, p0, p1, colour, 3, cv2.LINE_AA)


def draw_explanation(
    query_rgb: np.ndarray, ref_rgb: np.ndarray, match: Match, *, caption: bool = True
) -> np.ndarray:
    """Query on the left, reference on the right, boxes, inlier lines and a caption (RGB).

    ``caption=False`` leaves out the English caption band, for pages that caption the picture
    in the reader's language.
    """
    left, sq = _panel(query_rgb)
    right, sr = _panel(ref_rgb)
    height = max(left.shape[0], right.shape[0])
    width = left.shape[1] + _GAP + right.shape[1]
    canvas = np.full((height + (_CAPTION if caption else 0), width, 3), 255, np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    dx = left.shape[1] + _GAP
    canvas[: right.shape[0], dx : dx + right.shape[1]] = right

    colour = _VERDICT_COLOURS[match.verdict]
    corr = np.asarray(match.correspondences, np.float32).reshape(-1, 4)
    if len(corr) > MAX_LINES:
        corr = corr[np.linspace(0, len(corr) - 1, MAX_LINES).round().astype(int)]
    rng = np.random.default_rng(0)  # fixed line colours: the same match draws the same picture
    for row in corr:
        line = tuple(int(c) for c in rng.integers(60, 256, 3))
        a = (round(float(row[0]) * sq), round(float(row[1]) * sq))
        b = (round(float(row[2]) * sr) + dx, round(float(row[3]) * sr))
        cv2.line(canvas, a, b, line, 1, cv2.LINE_AA)
        cv2.circle(canvas, a, 3, line, -1, cv2.LINE_AA)
        cv2.circle(canvas, b, 3, line, -1, cv2.LINE_AA)
    _draw_box(canvas, match.query_box, sq, 0, colour)
    _draw_box(canvas, match.match_box, sr, dx, colour)

    if caption:
        what = "same design (simple)" if match.same_design else f"inliers {len(corr)}"
        text = (
            f"score {match.score:.2f}  verdict {match.verdict.value.upper()}  "
            f"{what}   left: query   right: reference"
        )
        cv2.putText(
            canvas, text, (8, height + 29), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2, cv2.LINE_AA
        )
    return canvas
