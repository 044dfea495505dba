"""Queries: works and prior art by id or number, lists, totals (reads only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fangdu.errors import InputError, NotFound
from fangdu.registry.models import PriorArt, Work
from fangdu.registry.repository import Repository, UnitOfWork
from fangdu.registry.schemas import MatchInfo, PriorArtInfo, WorkInfo

_KEY_PRIOR_ART = re.compile(r"P-?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class RegistryTotals:
    works: int  # any status
    registered: int
    prior_art: int


class QueryService:
    def __init__(self, units: UnitOfWork) -> None:
        self.units = units

    def show(self, key: str) -> WorkInfo | PriorArtInfo:
        """A work by id (``12`` or ``W-12``) or registration number, or prior art ``P-12``."""
        key = key.strip()
        with self.units() as repo:
            if match := _KEY_PRIOR_ART.fullmatch(key):
                prior_art = repo.prior_art(int(match.group(1)))
                if prior_art is None:
                    raise NotFound(f"no prior art {key}")
                return prior_art_info(prior_art)
            try:
                work = repo.work_by_key(key)
            except InputError:
                raise InputError(
                    f"not a work id, registration number or prior-art id: {key!r} "
                    "(use 12, W-12, FD-2026-0000012 or P-12)"
                ) from None
            if work is None:
                raise NotFound(f"no work {key}")
            return work_info(repo, work)

    def list_works(self, status: str | None = None) -> Iterator[WorkInfo]:
        with self.units() as repo:
            for work in repo.works(status):
                yield work_info(repo, work, with_matches=False)

    def list_applications(self, account: str) -> list[WorkInfo]:
        """Everything one account has filed, newest first (their own view, any status)."""
        with self.units() as repo:
            return [work_info(repo, w) for w in repo.works_submitted_by(account)]

    def totals(self) -> RegistryTotals:
        with self.units() as repo:
            return RegistryTotals(*repo.totals())

    def registered_works_of(self, owner: str) -> list[WorkInfo]:
        """The public records registered to a party (person or company) by its name."""
        with self.units() as repo:
            return [work_info(repo, w, with_matches=False) for w in repo.registered_works_of(owner)]

    def list_prior_art(self) -> Iterator[PriorArtInfo]:
        with self.units() as repo:
            yield from (prior_art_info(p) for p in repo.prior_arts())


def work_info(repo: Repository, work: Work, *, with_matches: bool = True) -> WorkInfo:
    review: tuple[MatchInfo, ...] = ()
    if with_matches:
        rows = repo.review_matches(work.id)
        targets = repo.ref_targets([row.ref_id for row in rows])
        review = tuple(
            MatchInfo(
                ref_id=row.ref_id,
                kind=targets[row.ref_id].kind,
                target_id=targets[row.ref_id].target_id,
                registration_no=targets[row.ref_id].registration_no,
                title=targets[row.ref_id].title,
                score=row.score,
                verdict=row.verdict,
                query_box=row.query_box,
                match_box=row.match_box,
                first_seen=targets[row.ref_id].first_seen,
                same_design_on_record=row.same_design,
            )
            for row in rows
        )
    repeat = (
        (work.repeat_width_mm, work.repeat_height_mm)
        if work.repeat_width_mm is not None and work.repeat_height_mm is not None
        else None
    )
    return WorkInfo(
        id=work.id,
        registration_no=work.registration_no,
        title=work.title,
        status=work.status,
        owner=work.owner.name if work.owner else None,
        designers=tuple(p.name for p in work.designers),
        created_on=work.created_on,
        published_on=work.published_on,
        category=work.category,
        colourways=tuple(work.colourways or ()),
        repeat_mm=repeat,
        sha256=work.image_sha256,
        image_format=work.image_format,
        width=work.image_width,
        height=work.image_height,
        created_at=work.created_at,
        registered_at=work.registered_at,
        review_matches=review,
        description=work.description,
        originality_statement=work.originality_statement,
        submitted_by=work.submitted_by,
        decided_by=work.decided_by,
        decided_at=work.decided_at,
        decision_reason=work.decision_reason,
    )


def prior_art_info(prior_art: PriorArt) -> PriorArtInfo:
    return PriorArtInfo(
        id=prior_art.id,
        title=prior_art.title,
        source=prior_art.source,
        first_seen=prior_art.first_seen,
        sha256=prior_art.image_sha256,
        image_format=prior_art.image_format,
        width=prior_art.image_width,
        height=prior_art.image_height,
        created_at=prior_art.created_at,
    )
