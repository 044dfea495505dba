"""Value types of the duplicate check. Pure data: no I/O, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Verdict(StrEnum):
    COPY = "copy"
    SIMILAR = "similar"
    NONE = "none"


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in pixel coordinates of the original (un-resized) image."""

    x0: float
    y0: float
    x1: float
    y1: float

    def as_list(self) -> list[int]:
        return [round(self.x0), round(self.y0), round(self.x1), round(self.y1)]


@dataclass(frozen=True)
class Match:
    """Result of comparing a query fingerprint with one reference fingerprint."""

    score: float  # in [0, 1]; see thresholds in fangdu.similarity.verify
    verdict: Verdict
    query_box: Box | None = None
    match_box: Box | None = None
    # (m, 4) float32: query x, y -> reference x, y, original pixel coordinates; inliers only
    correspondences: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    # The whole design of a simple image is found again (see fangdu.similarity._design): shown to
    # reviewers as "same design (simple)"; the verdict is then at least COPY.
    same_design: bool = False
