"""All SQL of the registry. Repositories add and query; the unit of work commits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from fangdu.errors import Conflict, InputError
from fangdu.registry.models import (
    Party,
    PriorArt,
    RegistrationCounter,
    ReviewMatch,
    SearchRef,
    Work,
)

MAX_NUMBER_PER_YEAR = 9_999_999  # FD-<year>-<7 digits>


@dataclass(frozen=True)
class RefTarget:
    """What a search reference points at, as shown in a check result."""

    ref_id: int
    kind: str  # "work" | "prior_art"
    target_id: int  # work id or prior-art id
    registration_no: str | None
    title: str
    first_seen: dt.date | None  # prior art only
    sha256: str
    scale: float


# How people name a work: its id (12, W-12) or its registration number.
_KEY_WORK = re.compile(r"(?:W-?)?(\d+)", re.IGNORECASE)
_KEY_NUMBER = re.compile(r"FD-\d{4}-\d{7}", re.IGNORECASE)


class UnitOfWork:
    """Each call opens one transaction over a fresh :class:`Repository`: it commits when the
    block ends normally and rolls back otherwise."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def __call__(self) -> Iterator[Repository]:
        with self._sessions() as session, session.begin():
            yield Repository(session)


class Repository:
    """Queries over one session. Cheap to create; holds no state besides the session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- parties -------------------------------------------------------------------------

    def party(self, name: str, kind: str = "person") -> Party:
        """The party called ``name``, created (flushed, not committed) if new."""
        party = self.session.scalar(select(Party).where(Party.name == name))
        if party is None:
            party = Party(name=name, kind=kind)
            self.session.add(party)
            self.session.flush()
        return party

    # -- works ---------------------------------------------------------------------------

    def work(self, work_id: int, *, for_update: bool = False) -> Work | None:
        """``for_update`` locks the row (PostgreSQL) so two decisions cannot both apply."""
        lock = {"of": Work} if for_update else None  # not the eagerly joined owner row
        return self.session.get(Work, work_id, with_for_update=lock)

    def works_submitted_by(self, account: str) -> Iterator[Work]:
        yield from self._stream(
            select(Work).where(Work.submitted_by == account).order_by(Work.id.desc())
        )

    def totals(self) -> tuple[int, int, int]:
        """(works of any status, registered works, prior-art records)."""
        works = self.session.scalar(select(func.count()).select_from(Work)) or 0
        registered = (
            self.session.scalar(
                select(func.count()).select_from(Work).where(Work.status == "registered")
            )
            or 0
        )
        prior_art = self.session.scalar(select(func.count()).select_from(PriorArt)) or 0
        return works, registered, prior_art

    def registered_works_of(self, owner: str) -> Iterator[Work]:
        """Registered works whose owner is the party of this name, newest first."""
        yield from self._stream(
            select(Work)
            .join(Party, Work.owner_id == Party.id)
            .where(Party.name == owner, Work.status == "registered")
            .order_by(Work.id.desc())
        )

    def work_by_key(self, key: str) -> Work | None:
        """A work by id (``12``, ``W-12``) or registration number; InputError for a key that
        is neither."""
        key = key.strip()
        if _KEY_NUMBER.fullmatch(key):
            return self.work_by_registration_no(key.upper())
        if match := _KEY_WORK.fullmatch(key):
            return self.work(int(match.group(1)))
        raise InputError(f"not a work id or registration number: {key!r}")

    def work_by_registration_no(self, registration_no: str) -> Work | None:
        return self.session.scalar(select(Work).where(Work.registration_no == registration_no))

    def work_by_sha(self, sha256: str) -> Work | None:
        return self.session.scalar(select(Work).where(Work.image_sha256 == sha256))

    def works(self, status: str | None = None) -> Iterator[Work]:
        query = select(Work).order_by(Work.id)
        if status is not None:
            query = query.where(Work.status == status)
        yield from self._stream(query)

    def allocate_registration_numbers(self, year: int, count: int) -> list[str]:
        """``count`` fresh numbers ``FD-<year>-<7 digits>``; rolled back with the transaction.

        The counter row is created by an insert that ignores conflicts, then bumped by one
        UPDATE ... RETURNING, which also locks it until commit so concurrent writers queue.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(
            insert(RegistrationCounter).values(year=year, last=0).on_conflict_do_nothing()
        )
        last = self.session.scalar(
            update(RegistrationCounter)
            .where(RegistrationCounter.year == year)
            .values(last=RegistrationCounter.last + count)
            .returning(RegistrationCounter.last)
        )
        if last is None or last > MAX_NUMBER_PER_YEAR:
            raise Conflict(f"registration numbers for {year} are exhausted")
        return [f"FD-{year}-{n:07d}" for n in range(last - count + 1, last + 1)]

    def _stream(self, query) -> Iterator:
        # A server-side cursor on PostgreSQL: close it even when the caller stops early.
        result = self.session.scalars(query.execution_options(yield_per=500))
        try:
            yield from result
        finally:
            result.close()

    def add(self, *rows: object) -> None:
        self.session.add_all(rows)

    def flush(self) -> None:
        self.session.flush()

    # -- prior art -----------------------------------------------------------------------

    def prior_art(self, prior_art_id: int) -> PriorArt | None:
        return self.session.get(PriorArt, prior_art_id)

    def prior_arts(self) -> Iterator[PriorArt]:
        yield from self._stream(select(PriorArt).order_by(PriorArt.id))

    def known_shas(self, shas: Iterable[str], *, prior_art: bool) -> set[str]:
        """Which of ``shas`` are already stored as works (or as prior art)."""
        column = PriorArt.image_sha256 if prior_art else Work.image_sha256
        wanted = list(set(shas))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # stay under bind-parameter limits
            chunk = wanted[start : start + 500]
            found.update(self.session.scalars(select(column).where(column.in_(chunk))))
        return found

    # -- search references ---------------------------------------------------------------

    def _searchable(self):
        """References the duplicate check searches: registered works and all prior art."""
        return (
            select(SearchRef)
            .outerjoin(Work, SearchRef.work_id == Work.id)
            .where(or_(SearchRef.kind == "prior_art", Work.status == "registered"))
        )

    def searchable_ref_ids(self, fingerprint_version: str | None = None) -> set[int]:
        query = self._searchable().with_only_columns(SearchRef.id)
        if fingerprint_version is not None:
            query = query.where(SearchRef.fingerprint_version == fingerprint_version)
        return set(self.session.scalars(query))

    def searchable_fingerprints(
        self, ref_ids: Sequence[int] | None = None, chunk: int = 500
    ) -> Iterator[tuple[int, bytes, str]]:
        """(ref id, fingerprint bytes, fingerprint version) in id order, streamed."""
        query = (
            self._searchable()
            .with_only_columns(SearchRef.id, SearchRef.fingerprint, SearchRef.fingerprint_version)
            .order_by(SearchRef.id)
        )
        if ref_ids is None:
            result = self.session.execute(query.execution_options(yield_per=chunk))
            try:
                for row in result:
                    yield row.id, row.fingerprint, row.fingerprint_version
            finally:
                result.close()
            return
        ids = sorted(set(ref_ids))
        for start in range(0, len(ids), chunk):
            batch = query.where(SearchRef.id.in_(ids[start : start + chunk]))
            for row in self.session.execute(batch):
                yield row.id, row.fingerprint, row.fingerprint_version

    def searchable_refs_of(
        self, work_ids: Sequence[int], prior_art_ids: Sequence[int]
    ) -> list[int]:
        """The searchable references of these works and prior-art records."""
        found: list[int] = []
        for column, ids in ((SearchRef.work_id, work_ids), (SearchRef.prior_art_id, prior_art_ids)):
            ids = sorted(set(ids))
            for start in range(0, len(ids), 500):
                found += self.session.scalars(
                    self._searchable()
                    .with_only_columns(SearchRef.id)
                    .where(column.in_(ids[start : start + 500]))
                ).all()
        return found

    def ref(self, ref_id: int) -> SearchRef | None:
        return self.session.get(SearchRef, ref_id)

    def ref_for_work(self, work_id: int) -> SearchRef | None:
        return self.session.scalar(select(SearchRef).where(SearchRef.work_id == work_id))

    def stale_refs(self, fingerprint_version: str) -> Iterator[SearchRef]:
        query = select(SearchRef).where(SearchRef.fingerprint_version != fingerprint_version)
        yield from self.session.scalars(query.order_by(SearchRef.id))

    def ref_targets(self, ref_ids: Sequence[int]) -> dict[int, RefTarget]:
        """Display information for each reference id that exists."""
        if not ref_ids:
            return {}
        query = (
            select(
                SearchRef.id,
                SearchRef.kind,
                SearchRef.scale,
                Work.id.label("work_id"),
                Work.registration_no,
                Work.title.label("work_title"),
                Work.image_sha256.label("work_sha"),
                PriorArt.id.label("prior_art_id"),
                PriorArt.title.label("prior_art_title"),
                PriorArt.first_seen,
                PriorArt.image_sha256.label("prior_art_sha"),
            )
            .outerjoin(Work, SearchRef.work_id == Work.id)
            .outerjoin(PriorArt, SearchRef.prior_art_id == PriorArt.id)
            .where(SearchRef.id.in_(sorted(set(ref_ids))))
        )
        targets = {}
        for row in self.session.execute(query):
            is_work = row.kind == "work"
            targets[row.id] = RefTarget(
                ref_id=row.id,
                kind=row.kind,
                target_id=row.work_id if is_work else row.prior_art_id,
                registration_no=row.registration_no if is_work else None,
                title=row.work_title if is_work else row.prior_art_title,
                first_seen=None if is_work else row.first_seen,
                sha256=row.work_sha if is_work else row.prior_art_sha,
                scale=row.scale,
            )
        return targets

    # -- review ---------------------------------------------------------------------------

    def review_matches(self, work_id: int) -> list[ReviewMatch]:
        query = select(ReviewMatch).where(ReviewMatch.work_id == work_id)
        return list(self.session.scalars(query.order_by(ReviewMatch.rank)))
