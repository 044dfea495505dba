"""The one door into the registry for the disputes context: works, parties, log subjects.

Everything the disputes context needs from the registry's tables is here, so a change there
is a change here only. The registry never imports the disputes context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangdu.errors import InputError, NotFound
from fangdu.ledger.entries import party_hash
from fangdu.registry import events
from fangdu.registry.blobs import BlobStore
from fangdu.registry.models import Party, PriorArt, ReviewMatch, SearchRef, Work
from fangdu.registry.repository import Repository
from fangdu.registry.schemas import MatchInfo

__all__ = [
    "BlobStore",
    "MatchInfo",
    "PartyRef",
    "WorkRef",
    "find_work",
    "parties",
    "party",
    "prior_art_conflicts",
    "prior_art_seen",
    "provenance",
    "registrations_like_others",
    "work",
    "work_subject",
]


@dataclass(frozen=True)
class PartyRef:
    id: int
    name: str
    hash: str  # what the log shows: SHA-256 of the party's salt and name


@dataclass(frozen=True)
class WorkRef:
    id: int
    registration_no: str | None
    title: str
    status: str
    owner: PartyRef | None
    created_on: dt.date | None
    registered_on: dt.date | None
    image_sha256: str
    image_size: int

    @property
    def label(self) -> str:
        return self.registration_no or f"W-{self.id}"


def work_subject(work_id: int) -> str:
    return events.work_subject(work_id)


def provenance(channel: str) -> dict[str, str]:
    return events.provenance(channel)


def find_work(session: Session, key: str) -> WorkRef:
    """A work by id (``12``, ``W-12``) or registration number."""
    row = Repository(session).work_by_key(key)
    if row is None:
        raise NotFound(f"no work {key}")
    return _work_ref(row)


def work(session: Session, work_id: int) -> WorkRef:
    row = session.get(Work, work_id)
    if row is None:
        raise NotFound(f"no work W-{work_id}")
    return _work_ref(row)


def party(session: Session, name: str, kind: str = "person") -> PartyRef:
    """The party of this name, created (flushed, not committed) if new."""
    name = name.strip()
    if not name:
        raise InputError("a party needs a name")
    row = session.scalar(select(Party).where(Party.name == name))
    if row is None:
        row = Party(name=name, kind=kind)
        session.add(row)
        session.flush()
    return _party_ref(row)


def parties(session: Session, ids: Sequence[int]) -> dict[int, PartyRef]:
    rows = session.scalars(select(Party).where(Party.id.in_(sorted(set(ids))))).all()
    return {row.id: _party_ref(row) for row in rows}


def prior_art_conflicts(session: Session, work_id: int) -> list[str]:
    """Prior art the duplicate check found in the work when it was filed (approved anyway)."""
    rows = session.execute(
        select(SearchRef.prior_art_id, ReviewMatch.verdict, ReviewMatch.score)
        .join(SearchRef, ReviewMatch.ref_id == SearchRef.id)
        .where(
            ReviewMatch.work_id == work_id,
            SearchRef.kind == "prior_art",
            ReviewMatch.verdict != "none",
        )
        .order_by(ReviewMatch.rank)
    ).all()
    return [f"P-{pid} ({verdict} {score:.2f})" for pid, verdict, score in rows]


def registrations_like_others(session: Session, owner_id: int) -> tuple[int, int]:
    """(the owner's registered works, how many of them the duplicate check found resembling
    an earlier work or prior art when they were filed): clusters of near-identical filings."""
    works = session.scalars(
        select(Work.id).where(Work.owner_id == owner_id, Work.status == "registered")
    ).all()
    if not works:
        return 0, 0
    resembling = session.scalars(
        select(ReviewMatch.work_id)
        .where(ReviewMatch.work_id.in_(works), ReviewMatch.verdict != "none")
        .distinct()
    ).all()
    return len(works), len(resembling)


def prior_art_seen(session: Session, prior_art_id: int) -> dt.date | None:
    row = session.get(PriorArt, prior_art_id)
    return row.first_seen if row is not None else None


def _party_ref(row: Party) -> PartyRef:
    return PartyRef(row.id, row.name, party_hash(row.salt, row.name))


def _work_ref(row: Work) -> WorkRef:
    return WorkRef(
        id=row.id,
        registration_no=row.registration_no,
        title=row.title,
        status=row.status,
        owner=_party_ref(row.owner) if row.owner is not None else None,
        created_on=row.created_on,
        registered_on=row.registered_at.astimezone(dt.UTC).date() if row.registered_at else None,
        image_sha256=row.image_sha256,
        image_size=row.image_size,
    )
