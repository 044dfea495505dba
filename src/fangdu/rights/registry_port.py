"""The one door into the registry: every call the rights register makes into it is here.

The registry is being split into per-use-case services; keeping the rights context's needs in
one small module (works, parties, the work's log subject, prior-art conflicts) means a change
there is a change here only. The registry never imports the rights register.
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
from fangdu.registry.models import Party, ReviewMatch, SearchRef, Work
from fangdu.registry.repository import Repository

__all__ = [
    "BlobStore",
    "PartyRef",
    "WorkRef",
    "find_party",
    "find_work",
    "lock_work",
    "parties",
    "party",
    "prior_art_conflicts",
    "provenance",
    "work",
    "work_subject",
]


@dataclass(frozen=True)
class PartyRef:
    id: int
    name: str
    kind: str  # "person" | "company"
    hash: str  # what the log shows: SHA-256 of the party's salt and name


@dataclass(frozen=True)
class WorkRef:
    id: int
    registration_no: str | None
    title: str
    status: str
    owner: PartyRef | None  # the owner as registered
    created_on: dt.date | None
    published_on: dt.date | None
    registered_on: dt.date | None  # UTC date of registration

    @property
    def label(self) -> str:
        return self.registration_no or f"W-{self.id}"

    @property
    def title_starts(self) -> dt.date | None:
        """When the registered owner's title begins: creation (著作权法 Art 2: copyright
        arises on creation), else the registration date."""
        return self.created_on or self.registered_on


def work_subject(work_id: int) -> str:
    """The log subject of a work: rights entries join the work's own chain of entries."""
    return events.work_subject(work_id)


def provenance(channel: str) -> dict[str, str]:
    return events.provenance(channel)


def find_work(session: Session, key: str) -> WorkRef:
    """A work by id (``12``, ``W-12``) or registration number."""
    work = Repository(session).work_by_key(key)
    if work is None:
        raise NotFound(f"no work {key}")
    return _work_ref(work)


def work(session: Session, work_id: int) -> WorkRef:
    found = session.get(Work, work_id)
    if found is None:
        raise NotFound(f"no work W-{work_id}")
    return _work_ref(found)


def lock_work(session: Session, work_id: int) -> None:
    """Lock the work's row until the transaction ends (PostgreSQL), so two records on one work
    are checked and written one after the other."""
    session.execute(select(Work.id).where(Work.id == work_id).with_for_update())


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


def find_party(session: Session, name: str) -> PartyRef:
    row = session.scalar(select(Party).where(Party.name == name.strip()))
    if row is None:
        raise NotFound(f"no party {name!r}")
    return _party_ref(row)


def parties(session: Session, ids: Sequence[int]) -> dict[int, PartyRef]:
    rows = session.scalars(select(Party).where(Party.id.in_(sorted(set(ids))))).all()
    return {row.id: _party_ref(row) for row in rows}


def prior_art_conflicts(session: Session, work_id: int) -> list[str]:
    """Prior art the duplicate check found in this work when it was filed (a reviewer approved
    it anyway): a title a bank must treat as disputed. Labels like ``P-3 (copy 0.91)``."""
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


def _party_ref(row: Party) -> PartyRef:
    return PartyRef(row.id, row.name, row.kind, party_hash(row.salt, row.name))


def _work_ref(row: Work) -> WorkRef:
    return WorkRef(
        id=row.id,
        registration_no=row.registration_no,
        title=row.title,
        status=row.status,
        owner=_party_ref(row.owner) if row.owner is not None else None,
        created_on=row.created_on,
        published_on=row.published_on,
        registered_on=row.registered_at.astimezone(dt.UTC).date() if row.registered_at else None,
    )
