"""What the registry's services take and return: plain frozen data, no ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from fangdu.similarity.types import Match


@dataclass(frozen=True)
class PriorArtSource:
    """Where a batch of prior-art images comes from and since when it is known to exist."""

    source: str | None = None
    first_seen: dt.date | None = None


@dataclass(frozen=True)
class RegistrationRequest:
    title: str
    owner: str
    owner_kind: str = "person"
    designers: tuple[str, ...] = ()
    created_on: dt.date | None = None
    published_on: dt.date | None = None
    category: str | None = None
    colourways: tuple[str, ...] = ()
    repeat_mm: tuple[float, float] | None = None  # width, height
    description: str | None = None  # how the design was created
    originality_statement: str | None = None
    submitted_by: str | None = None  # the applicant's account id, if filed through an account


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    PRESENT = "present"  # the same bytes are already stored
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportItem:
    path: Path
    status: ImportStatus
    reason: str | None = None  # why it was rejected
    id: int | None = None  # work or prior-art id when imported
    registration_no: str | None = None


@dataclass
class ImportSummary:
    imported: int = 0
    present: int = 0
    rejected: int = 0

    def count(self, item: ImportItem) -> None:
        setattr(self, item.status.value, getattr(self, item.status.value) + 1)


@dataclass(frozen=True)
class MatchInfo:
    """One ranked match of a check, boxes in each image's original pixel coordinates."""

    ref_id: int
    kind: str  # "work" | "prior_art"
    target_id: int  # work id, or prior-art id for prior art
    registration_no: str | None
    title: str
    score: float
    verdict: str  # "copy" | "similar" | "none"
    query_box: list[int] | None
    match_box: list[int] | None
    first_seen: dt.date | None = None
    # The engine's raw match (decoded-image coordinates), for drawing the explanation.
    match: Match | None = field(default=None, compare=False, repr=False)
    # As stored with an application's review matches, which keep no engine match.
    same_design_on_record: bool = False

    @property
    def same_design(self) -> bool:
        """The whole of a simple design found again: shown as "same design (simple)"."""
        return self.same_design_on_record or (self.match is not None and self.match.same_design)

    @property
    def label(self) -> str:
        """How a person refers to the match: registration number, W-<id> or P-<id>."""
        if self.kind == "prior_art":
            return f"P-{self.target_id}"
        return self.registration_no or f"W-{self.target_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "work_id": self.target_id,
            "registration_no": self.registration_no,
            "title": self.title,
            "kind": self.kind,
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "query_box": self.query_box,
            "match_box": self.match_box,
            # Only when set, so the shape of a plain match stays as it was.
            **({"same_design": True} if self.same_design else {}),
        }


@dataclass(frozen=True)
class CheckResult:
    """Outcome of checking one query; ``error`` is set (and matches empty) when unreadable."""

    query: str
    matches: list[MatchInfo]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"query": self.query}
        if self.error is not None:
            data["error"] = self.error
        data["matches"] = [m.to_json() for m in self.matches]
        return data


@dataclass(frozen=True)
class WorkInfo:
    id: int
    registration_no: str | None
    title: str
    status: str
    owner: str | None
    designers: tuple[str, ...]
    created_on: dt.date | None
    published_on: dt.date | None
    category: str | None
    colourways: tuple[str, ...]
    repeat_mm: tuple[float, float] | None
    sha256: str
    image_format: str
    width: int
    height: int
    created_at: dt.datetime
    registered_at: dt.datetime | None
    review_matches: tuple[MatchInfo, ...] = ()
    description: str | None = None
    originality_statement: str | None = None
    submitted_by: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None

    kind = "work"

    @property
    def label(self) -> str:
        return self.registration_no or f"W-{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "registration_no": self.registration_no,
            "title": self.title,
            "status": self.status,
            "owner": self.owner,
            "designers": list(self.designers),
            "created_on": _iso(self.created_on),
            "published_on": _iso(self.published_on),
            "category": self.category,
            "colourways": list(self.colourways),
            "repeat_mm": list(self.repeat_mm) if self.repeat_mm else None,
            "sha256": self.sha256,
            "format": self.image_format,
            "width": self.width,
            "height": self.height,
            "created_at": _iso(self.created_at),
            "registered_at": _iso(self.registered_at),
            "review_matches": [m.to_json() for m in self.review_matches],
            "description": self.description,
            "originality_statement": self.originality_statement,
            "decided_at": _iso(self.decided_at),
            "decision_reason": self.decision_reason,
        }


@dataclass(frozen=True)
class PriorArtInfo:
    id: int
    title: str
    source: str | None
    first_seen: dt.date | None
    sha256: str
    image_format: str
    width: int
    height: int
    created_at: dt.datetime

    kind = "prior_art"

    @property
    def label(self) -> str:
        return f"P-{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "title": self.title,
            "source": self.source,
            "first_seen": _iso(self.first_seen),
            "sha256": self.sha256,
            "format": self.image_format,
            "width": self.width,
            "height": self.height,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True)
class RegistrationOutcome:
    """A registered work, or one filed as pending with the matches that blocked it."""

    work: WorkInfo
    matches: list[MatchInfo]  # everything the check found above "none"
    blocking: list[MatchInfo]  # the matches that prevent direct registration


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
