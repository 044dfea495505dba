"""The registry's use cases: import, check, register, show, list, index maintenance.

Order of writes, so that a failure at any point leaves nothing half-done:

1. the original bytes go to the content-addressed blob store (an orphan blob is harmless);
2. the database transaction commits the registry rows *and* their evidence-log entries: this
   is the point of truth;
3. the log integrates the new entries into its Merkle tree and signs a checkpoint;
4. the vector index, derived from the ``search_refs`` table, is updated and saved.

Opening the registry integrates waiting log entries and re-syncs the index with the table,
which heals a crash anywhere between 2 and 4.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from fangdu.config import Settings
from fangdu.errors import Conflict, ImageRejected, InputError, NotFound
from fangdu.imaging import decode_image
from fangdu.ledger.keys import load_or_create_secret, load_or_create_signer, load_signer
from fangdu.ledger.note import Signer, parse_cosigner_key
from fangdu.ledger.publisher import Publisher
from fangdu.ledger.store import LogStore
from fangdu.ledger.timestamp import HttpTimestampAuthority
from fangdu.registry import events
from fangdu.registry.application import HIDDEN, MAX_COLOURWAY, MAX_NAME, MAX_TEXT, MAX_TITLE
from fangdu.registry.blobs import BlobStore, LocalBlobStore, sha256_hex
from fangdu.db.engine import make_engine, require_current_schema, session_factory, upgrade
from fangdu.registry.files import read_file
from fangdu.registry.models import (
    Party,
    PriorArt,
    ReviewMatch,
    SearchRef,
    Work,
    WorkDesigner,
    utcnow,
)
from fangdu.registry.pipeline import (
    Prepared,
    default_jobs,
    init_worker,
    map_ordered,
    pooled,
    prepare,
    prepare_all,
)
from fangdu.registry.repository import Repository
from fangdu.registry.schemas import (
    CheckResult,
    ImportItem,
    ImportStatus,
    ImportSummary,
    MatchInfo,
    PriorArtInfo,
    PriorArtSource,
    RegistrationOutcome,
    RegistrationRequest,
    WorkInfo,
)
from fangdu.similarity import DESCRIPTOR_DIM, FINGERPRINT_VERSION, Fingerprint, draw_explanation
from fangdu.similarity.index import FaissIndex, VectorIndex
from fangdu.similarity.search import Searcher
from fangdu.similarity.types import Box

CURRENT_VERSION = str(FINGERPRINT_VERSION)
BATCH_SIZE = 50  # images per import transaction
_KEY_WORK = re.compile(r"(?:W-?)?(\d+)", re.IGNORECASE)
_KEY_PRIOR_ART = re.compile(r"P-?(\d+)", re.IGNORECASE)
_KEY_NUMBER = re.compile(r"FD-\d{4}-\d{7}", re.IGNORECASE)

Progress = Callable[[int, int], None]  # (done, total)


class RegistrationRefused(Conflict):
    """The image copies a registered work or earlier prior art; ``blocking`` is the evidence."""

    def __init__(self, blocking: list[MatchInfo], matches: list[MatchInfo]) -> None:
        labels = ", ".join(m.label for m in blocking)
        super().__init__(f"refused: the image copies {labels}")
        self.blocking = blocking
        self.matches = matches


class ImageOnFile(Conflict):
    """The same bytes were filed before. The message names the record (for the registry's own
    operators); the web says only that the image is on file: it may be someone else's
    unpublished application."""

    def __init__(self, work_id: int, registration_no: str | None, status: str) -> None:
        super().__init__(
            f"this image is already filed as {registration_no or f'W-{work_id}'} ({status})"
        )
        self.work_id = work_id


@dataclass(frozen=True)
class RegistryTotals:
    works: int  # any status
    registered: int
    prior_art: int


@dataclass(frozen=True)
class IndexSync:
    added: int
    removed: int
    stale: int  # searchable references fingerprinted by an older engine: run `index rebuild`


class Registry:
    """Services over one database, blob store and vector index. Use :meth:`open`."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        blobs: BlobStore,
        index: VectorIndex,
        *,
        batch_size: int = BATCH_SIZE,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.blobs = blobs
        self.index = index
        self.batch_size = batch_size
        # A reader (`check`, `show`, a check worker) writes nothing: no key, no index file.
        self.read_only = read_only
        self._sessions = session_factory(engine)
        keys = settings.keys_path
        log_key = keys / "log.key"
        self.ledger = LogStore(
            self._sessions,
            (lambda: load_signer(log_key))
            if read_only
            else load_or_create_signer(log_key, settings.log_origin),
            origin=settings.log_origin,
            timestamper=_timestamper(settings),
            witnesses=[(w.url, parse_cosigner_key(w.key)) for w in settings.witnesses],
        )
        self._fingerprints: OrderedDict[int, Fingerprint] = OrderedDict()
        self._fingerprints_lock = threading.Lock()
        self._catch_up_lock = threading.Lock()
        self.searcher = Searcher(index, self._fetch_fingerprints, workers=settings.verify_threads)
        self.last_sync = IndexSync(0, 0, 0)
        # Without a running publisher, writes timestamp and ask witnesses before returning
        # (one command, one process); a service runs one so that no request waits for them.
        self.publisher: Publisher | None = None

    @functools.cached_property
    def operator(self) -> Signer:
        """Signs the events filed from this installation's command line."""
        return load_or_create_signer(self._writable_keys() / "operator.key", "operator")

    @functools.cached_property
    def pseudonym_key(self) -> bytes:
        """Names accounts in the public log by HMAC, so nobody can reverse them by
        enumeration."""
        return load_or_create_secret(self._writable_keys() / "pseudonym.key")

    def _writable_keys(self) -> Path:
        if self.read_only:
            raise InputError("this registry was opened for reading only")
        return self.settings.keys_path

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        blobs: BlobStore | None = None,
        sync: bool = True,
        read_only: bool = False,
    ) -> Registry:
        """Migrate the database to the current schema and bring the index in line with it.

        ``read_only`` (the reading commands, check workers) writes nothing anywhere: no
        migration (a database of another schema is refused with what to run), no log
        integration, no network, no key or index file; the index is caught up in memory.
        ``sync=False`` is for read-only helpers of a process that has just synced.
        """
        read_only = read_only or not sync
        if not read_only:
            settings.ensure_dirs()
        engine = make_engine(settings.db_url, read_only=read_only)
        try:
            if read_only:
                require_current_schema(engine)
            else:
                upgrade(engine)
            index = open_index(settings, read_only=read_only)
            registry = cls(
                settings,
                engine,
                blobs or LocalBlobStore(settings.blobs_path),
                index,
                read_only=read_only,
            )
            if not read_only:
                registry.ledger.integrate(publish=False)  # never the network when opening
            if not index.read_only:  # this process owns the index files: heal them
                position = registry.ledger.sequenced_size()
                registry.last_sync = registry.sync_index()
                registry.index.save(position=position)
            registry.catch_up()
        except BaseException:
            engine.dispose()
            raise
        return registry

    def start_publisher(self, interval: float = 30.0) -> Publisher:
        """Publish checkpoints (timestamps, cosignatures) from a background thread."""
        if self.publisher is None:
            self.publisher = Publisher(self.ledger, interval=interval).start()
            self.publisher.wake()
        return self.publisher

    def integrate(self) -> None:
        """After a write: fold the new entries into a signed checkpoint now; publish it now,
        or let the publisher do it."""
        self.ledger.integrate(publish=self.publisher is None)
        if self.publisher is not None:
            self.publisher.wake()

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.stop()
            self.publisher = None
        self.index.close()
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Repository]:
        """One transaction: commits when the block ends normally, rolls back otherwise."""
        with self._sessions() as session, session.begin():
            yield Repository(session)

    # -- import --------------------------------------------------------------------------

    def import_files(
        self,
        paths: Sequence[Path],
        *,
        owner: str | None = None,
        owner_kind: str = "person",
        prior_art: PriorArtSource | None = None,
        jobs: int | None = None,
        on_item: Callable[[ImportItem], None] | None = None,
    ) -> ImportSummary:
        """Register each file as a work (or record it as prior art), skipping known bytes.

        Batches of ``batch_size`` commit atomically; a bad file is reported through ``on_item``
        and skipped. Running it again after a crash completes the import without duplicates.
        """
        summary = ImportSummary()

        def report(item: ImportItem) -> None:
            summary.count(item)
            if on_item is not None:
                on_item(item)

        owner_id = None
        if owner and prior_art is None:
            with self.unit_of_work() as repo:
                owner_id = repo.party(owner, owner_kind).id
        loaded = self._new_files(paths, prior_art is not None, report)
        results = prepare_all(
            loaded,
            lambda item: item[1],
            max_pixels=self.settings.max_image_pixels,
            jobs=default_jobs() if jobs is None else jobs,
            expected=len(paths),
        )
        batch: list[tuple[Path, bytes, Prepared]] = []
        for (path, data), result in results:
            if isinstance(result, ImageRejected):
                report(ImportItem(path, ImportStatus.REJECTED, reason=result.reason))
                continue
            batch.append((path, data, result))
            if len(batch) >= self.batch_size:
                self._store_batch(batch, owner_id, prior_art, report)
                batch = []
        if batch:
            self._store_batch(batch, owner_id, prior_art, report)
        return summary

    def _new_files(
        self, paths: Sequence[Path], prior_art: bool, report: Callable[[ImportItem], None]
    ) -> Iterator[tuple[Path, bytes | ImageRejected]]:
        """Read files a batch at a time, reporting (not yielding) bytes already stored."""
        seen: set[str] = set()
        for start in range(0, len(paths), self.batch_size):
            chunk = []
            for path in paths[start : start + self.batch_size]:
                try:
                    data: bytes | ImageRejected = read_file(path, self.settings.max_image_bytes)
                except ImageRejected as exc:
                    data = exc
                chunk.append(
                    (path, data, None if isinstance(data, ImageRejected) else sha256_hex(data))
                )
            with self.unit_of_work() as repo:
                known = repo.known_shas([sha for *_, sha in chunk if sha], prior_art=prior_art)
            for path, data, sha in chunk:
                if sha is not None and (sha in known or sha in seen):
                    report(ImportItem(path, ImportStatus.PRESENT))
                    continue
                if sha is not None:
                    seen.add(sha)
                yield path, data

    def _store_batch(
        self,
        batch: list[tuple[Path, bytes, Prepared]],
        owner_id: int | None,
        prior_art: PriorArtSource | None,
        report: Callable[[ImportItem], None],
    ) -> None:
        for _, data, _ in batch:
            self.blobs.put(data)
        now = utcnow()
        with self.unit_of_work() as repo:
            numbers = (
                [None] * len(batch)
                if prior_art is not None
                else repo.allocate_registration_numbers(now.year, len(batch))
            )
            rows: list[tuple[Work | PriorArt, SearchRef]] = []
            for (path, data, prepared), number in zip(batch, numbers, strict=True):
                image = _image_columns(data, prepared)
                if prior_art is None:
                    target: Work | PriorArt = Work(
                        title=path.stem,
                        owner_id=owner_id,
                        status="registered",
                        registration_no=number,
                        registered_at=now,
                        colourways=[],
                        **image,
                    )
                    ref = SearchRef(kind="work", work=target, **_ref_columns(prepared))
                else:
                    target = PriorArt(
                        title=path.stem,
                        source=prior_art.source,
                        first_seen=prior_art.first_seen,
                        **image,
                    )
                    ref = SearchRef(kind="prior_art", prior_art=target, **_ref_columns(prepared))
                repo.add(target, ref)
                rows.append((target, ref))
            repo.flush()
            owner = repo.session.get(Party, owner_id) if owner_id is not None else None
            source = events.provenance("import")
            filed = [
                events.work_filed(target, owner, (), (), source)
                if isinstance(target, Work)
                else events.prior_art_seen(target, source)
                for target, _ in rows
            ]
            self.ledger.append_many(repo.session, filed, self.operator)
        # Committed: from here on the rows and their log entries exist whatever happens next.
        self.integrate()
        self.catch_up()
        for (path, _, _), (target, _) in zip(batch, rows, strict=True):
            number = target.registration_no if isinstance(target, Work) else None
            report(ImportItem(path, ImportStatus.IMPORTED, id=target.id, registration_no=number))

    # -- check ---------------------------------------------------------------------------

    def check_bytes(self, data: bytes, *, top_k: int = 10) -> list[MatchInfo]:
        """Ranked matches of one image among registered works and prior art."""
        prepared = prepare(data, self.settings.max_image_pixels)
        return self._search(prepared, top_k)

    def check_files(
        self,
        queries: Iterable[tuple[str, Path]],
        *,
        top_k: int = 10,
        jobs: int | None = None,
        expected: int = 0,
    ) -> Iterator[CheckResult]:
        """Check each (label, path); unreadable ones give a result with ``error`` set.

        Many queries are checked in worker processes, each with its own read-only view of
        the registry: the verification of the shortlist is most of a check's time.
        """

        def load(item: tuple[str, Path]) -> bytes | ImageRejected:
            try:
                return read_file(item[1], self.settings.max_image_bytes)
            except ImageRejected as exc:
                return exc

        jobs = default_jobs() if jobs is None else jobs
        results = map_ordered(
            functools.partial(_check_in_worker, top_k=top_k)
            if pooled(jobs, expected)
            else functools.partial(self.check_bytes, top_k=top_k),
            queries,
            load,
            jobs=jobs,
            expected=expected,
            initializer=_open_worker_registry,
            initargs=(self.settings,),
        )
        for (label, _), result in results:
            if isinstance(result, ImageRejected):
                yield CheckResult(label, [], error=result.reason)
            else:
                yield CheckResult(label, result)

    def explain(self, query: bytes, match: MatchInfo, *, caption: bool = True) -> np.ndarray:
        """Side-by-side RGB picture of the query and a match, the shared region marked
        (``caption=False``: without the English caption band)."""
        if match.match is None:
            raise InputError("this match carries no correspondences to draw")
        max_pixels = self.settings.max_image_pixels
        query_rgb = decode_image(query, max_pixels=max_pixels).rgb
        with self.unit_of_work() as repo:
            target = repo.ref_targets([match.ref_id]).get(match.ref_id)
        if target is None:
            raise NotFound(f"reference {match.ref_id} no longer exists")
        reference_rgb = decode_image(self.blobs.get(target.sha256), max_pixels=max_pixels).rgb
        return draw_explanation(query_rgb, reference_rgb, match.match, caption=caption)

    def _search(self, prepared: Prepared, top_k: int) -> list[MatchInfo]:
        self.catch_up()  # what another process registered is searchable here too
        results = self.searcher.search(prepared.fingerprint_object(), top_k)
        with self.unit_of_work() as repo:
            targets = repo.ref_targets([ref_id for ref_id, _ in results])
        matches = []
        for ref_id, match in results:
            target = targets.get(ref_id)
            if target is None:  # deleted since the index was loaded
                continue
            matches.append(
                MatchInfo(
                    ref_id=ref_id,
                    kind=target.kind,
                    target_id=target.target_id,
                    registration_no=target.registration_no,
                    title=target.title,
                    score=float(match.score),
                    verdict=match.verdict.value,
                    query_box=_scaled(match.query_box, prepared.scale),
                    match_box=_scaled(match.match_box, target.scale),
                    first_seen=target.first_seen,
                    match=match,
                )
            )
        return matches

    def clear_caches(self) -> None:
        """Forget cached reference fingerprints (benchmarks measure reads from the database)."""
        with self._fingerprints_lock:
            self._fingerprints.clear()

    def _fetch_fingerprints(self, ref_ids: Sequence[int]) -> dict[int, Fingerprint]:
        with self._fingerprints_lock:
            found = {i: self._fingerprints[i] for i in ref_ids if i in self._fingerprints}
        missing = [i for i in ref_ids if i not in found]
        if missing:
            with self.unit_of_work() as repo:
                for ref_id, data, version in repo.searchable_fingerprints(missing):
                    if version == CURRENT_VERSION:
                        found[ref_id] = Fingerprint.from_bytes(data)
        with self._fingerprints_lock:
            for ref_id, fingerprint in found.items():
                self._fingerprints[ref_id] = fingerprint
                self._fingerprints.move_to_end(ref_id)
            while len(self._fingerprints) > 1024:  # ~45 MB: a few shortlists' worth
                self._fingerprints.popitem(last=False)
        return found

    # -- register ------------------------------------------------------------------------

    def register(
        self,
        data: bytes,
        request: RegistrationRequest,
        *,
        submit_for_review: bool = False,
        review_required: bool = False,
        top_k: int = 10,
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> RegistrationOutcome:
        """Check first; register, or refuse with evidence, or file as pending for review.

        Refused when the image copies a registered work, or prior art first seen before the
        claimed creation date (any prior art when no creation date is claimed, or when the
        prior art's own date is unknown). ``review_required`` (the web application flow)
        files every application as pending, with whatever the check found, for a reviewer.
        """
        _check_request(request)
        prepared = prepare(data, self.settings.max_image_pixels)
        found = [m for m in self._search(prepared, top_k) if m.verdict != "none"]
        blocking = [m for m in found if _blocks(m, request.created_on)]
        if blocking and not (submit_for_review or review_required):
            raise RegistrationRefused(blocking, found)
        sha = sha256_hex(data)
        with self.unit_of_work() as repo:
            _refuse_known(repo, sha)
        self.blobs.put(data)
        now = utcnow()
        with self.unit_of_work() as repo:
            _refuse_known(repo, sha)
            owner = repo.party(request.owner.strip(), request.owner_kind)
            designers = [repo.party(name) for name in dict.fromkeys(request.designers)]
            registered = not blocking and not review_required
            work = Work(
                title=request.title.strip(),
                owner_id=owner.id,
                created_on=request.created_on,
                published_on=request.published_on,
                category=request.category,
                colourways=list(request.colourways),
                repeat_width_mm=request.repeat_mm[0] if request.repeat_mm else None,
                repeat_height_mm=request.repeat_mm[1] if request.repeat_mm else None,
                status="registered" if registered else "pending",
                registration_no=(
                    repo.allocate_registration_numbers(now.year, 1)[0] if registered else None
                ),
                registered_at=now if registered else None,
                designer_links=[
                    WorkDesigner(party_id=p.id, position=i) for i, p in enumerate(designers)
                ],
                description=request.description,
                originality_statement=request.originality_statement,
                submitted_by=request.submitted_by,
                **_image_columns(data, prepared),
            )
            ref = SearchRef(kind="work", work=work, **_ref_columns(prepared))
            repo.add(work, ref)
            repo.flush()
            if not registered and found:
                repo.add(*(_review_match(work.id, rank, m) for rank, m in enumerate(found)))
                repo.flush()
            event = events.work_filed(work, owner, designers, found, events.provenance(channel))
            self.ledger.append(repo.session, event, submitter or self.operator)
            info = _work_info(repo, work)
        self.integrate()
        self.catch_up()  # a registered work becomes searchable
        return RegistrationOutcome(info, found, blocking)

    def decide(
        self,
        work_id: int,
        *,
        approve: bool,
        reviewer: str,
        reason: str | None = None,
        channel: str = "cli",
        submitter: Signer | None = None,
    ) -> WorkInfo:
        """A reviewer's decision on a pending application, logged with its reasons.

        Approval issues the registration number and makes the work searchable; rejection needs
        a reason, and so does approving a work the check called a copy of something (the
        reason is the reviewer's account of why it is original anyway). Nobody decides their
        own application.
        """
        reason = (reason or "").strip() or None
        if not approve and reason is None:
            raise InputError("a rejection needs its reasons")
        now = utcnow()
        with self.unit_of_work() as repo:
            work = repo.work(work_id, for_update=True)
            if work is None:
                raise NotFound(f"no work W-{work_id}")
            if work.status != "pending":
                raise Conflict(
                    f"{work.registration_no or f'W-{work_id}'} is {work.status}, "
                    "not pending: it has been decided"
                )
            if work.submitted_by is not None and work.submitted_by == reviewer:
                raise Conflict("a reviewer cannot decide their own application")
            if (
                approve
                and reason is None
                and any(row.verdict == "copy" for row in repo.review_matches(work.id))
            ):
                raise InputError(
                    "approving an application the check calls a copy needs a written reason"
                )
            # The number first: its query would autoflush a half-changed row.
            number = repo.allocate_registration_numbers(now.year, 1)[0] if approve else None
            work.status = "registered" if approve else "rejected"
            work.registration_no, work.registered_at = number, now if approve else None
            work.decided_by, work.decided_at, work.decision_reason = reviewer, now, reason
            repo.flush()
            self.ledger.append(
                repo.session,
                events.status_changed(
                    work, reviewer, reason, events.provenance(channel), self.pseudonym_key
                ),
                submitter or self.operator,
            )
            info = _work_info(repo, work)
        self.integrate()
        self.catch_up()  # an approved work becomes searchable
        return info

    # -- show and list -------------------------------------------------------------------

    def show(self, key: str) -> WorkInfo | PriorArtInfo:
        """A work by id (``12`` or ``W-12``) or registration number, or prior art ``P-12``."""
        key = key.strip()
        with self.unit_of_work() as repo:
            if _KEY_NUMBER.fullmatch(key):
                work = repo.work_by_registration_no(key.upper())
            elif match := _KEY_WORK.fullmatch(key):
                work = repo.work(int(match.group(1)))
            elif match := _KEY_PRIOR_ART.fullmatch(key):
                prior_art = repo.prior_art(int(match.group(1)))
                if prior_art is None:
                    raise NotFound(f"no prior art {key}")
                return _prior_art_info(prior_art)
            else:
                raise InputError(
                    f"not a work id, registration number or prior-art id: {key!r} "
                    "(use 12, W-12, FD-2026-0000012 or P-12)"
                )
            if work is None:
                raise NotFound(f"no work {key}")
            return _work_info(repo, work)

    def list_works(self, status: str | None = None) -> Iterator[WorkInfo]:
        with self.unit_of_work() as repo:
            for work in repo.works(status):
                yield _work_info(repo, work, with_matches=False)

    def list_applications(self, account: str) -> list[WorkInfo]:
        """Everything one account has filed, newest first (their own view, any status)."""
        with self.unit_of_work() as repo:
            return [_work_info(repo, w) for w in repo.works_submitted_by(account)]

    def totals(self) -> RegistryTotals:
        with self.unit_of_work() as repo:
            return RegistryTotals(*repo.totals())

    def registered_works_of(self, owner: str) -> list[WorkInfo]:
        """The public records registered to a party (person or company) by its name."""
        with self.unit_of_work() as repo:
            return [
                _work_info(repo, w, with_matches=False) for w in repo.registered_works_of(owner)
            ]

    def list_prior_art(self) -> Iterator[PriorArtInfo]:
        with self.unit_of_work() as repo:
            yield from (_prior_art_info(p) for p in repo.prior_arts())

    # -- the vector index ----------------------------------------------------------------

    def sync_index(self) -> IndexSync:
        """Add searchable references the index lacks, drop ids the database does not know."""
        with self.unit_of_work() as repo:
            expected = repo.searchable_ref_ids(CURRENT_VERSION)
            stale = len(repo.searchable_ref_ids()) - len(expected)
            present = self.index.ref_ids()
            unknown = sorted(present - expected)
            missing = sorted(expected - present)
            self.index.remove(unknown)
            for ids, vectors in _vector_chunks(repo.searchable_fingerprints(missing)):
                self.index.add(np.asarray(ids, np.int64), vectors)
        if unknown or missing:
            self.index.save()
            with self._fingerprints_lock:
                self._fingerprints.clear()
        return IndexSync(added=len(missing), removed=len(unknown), stale=stale)

    def catch_up(self) -> int:
        """Index what became searchable since the index's position in the evidence log (new
        registrations, approvals, prior art): one query when nothing did. Returns how many
        references were added."""
        with self._catch_up_lock:
            start = self.index.position
            subjects, end = self.ledger.subjects_since(start)
            if end <= start:
                return 0
            works = [int(s.split(":", 1)[1]) for s in subjects if s.startswith("work:")]
            prior_art = [int(s.split(":", 1)[1]) for s in subjects if s.startswith("prior_art:")]
            added = 0
            with self.unit_of_work() as repo:
                refs = repo.searchable_refs_of(works, prior_art)
                for ids, vectors in _vector_chunks(repo.searchable_fingerprints(refs)):
                    self.index.add(np.asarray(ids, np.int64), vectors)
                    added += len(ids)
            if self.index.read_only:
                self.index.position = end  # in memory only: another process owns the files
            else:
                self.index.save(position=end)
            return added

    def rebuild_index(self, progress: Progress | None = None) -> int:
        """Recreate the index from the database, re-fingerprinting references from older
        engines from their original bytes. Returns the number of references indexed."""
        if self.index.read_only:
            raise Conflict(
                "another process owns the index files (a running `fangdu serve`?): "
                "stop it, then rebuild"
            )
        self._refingerprint_stale(progress)
        if not isinstance(self.index, FaissIndex):  # an engine of its own: refill it in place
            self.index.remove(sorted(self.index.ref_ids()))
            self.last_sync = self.sync_index()
            position = self.ledger.sequenced_size()
            self.index.save(position=position)
            self.clear_caches()
            return len(self.index)
        with self.unit_of_work() as repo:
            total = len(repo.searchable_ref_ids(CURRENT_VERSION))
            done = 0

            def tick() -> None:
                nonlocal done
                done += 1
                if progress is not None:
                    progress(done, total)

            index = None
            # Big chunks: the first one trains the IVF quantiser when the library is large.
            rows = repo.searchable_fingerprints()
            for ids, vectors in _vector_chunks(rows, size=100_000, tick=tick):
                if index is None:
                    index = FaissIndex.build(
                        self.settings.index_path,
                        DESCRIPTOR_DIM,
                        np.asarray(ids, np.int64),
                        vectors,
                        expected_vectors=2 * total,
                    )
                else:
                    index.add(np.asarray(ids, np.int64), vectors)
        if index is None:
            index = FaissIndex.build(
                self.settings.index_path, DESCRIPTOR_DIM, np.zeros(0, np.int64), []
            )
        position = self.ledger.sequenced_size()
        index.position = position
        index.compact()
        index.take_ownership(self.index)
        self.index = index
        self.searcher.index = index
        with self._fingerprints_lock:
            self._fingerprints.clear()
        return len(index)

    def _refingerprint_stale(self, progress: Progress | None) -> None:
        with self.unit_of_work() as repo:
            stale = list(repo.stale_refs(CURRENT_VERSION))
            for done, ref in enumerate(stale, 1):
                target = ref.work if ref.work is not None else ref.prior_art
                assert target is not None  # guaranteed by ck_search_refs_target
                prepared = prepare(
                    self.blobs.get(target.image_sha256), self.settings.max_image_pixels
                )
                ref.fingerprint = prepared.fingerprint
                ref.fingerprint_version = prepared.version
                ref.scale = prepared.scale
                if progress is not None:
                    progress(done, len(stale))


def open_index(settings: Settings, *, read_only: bool = False) -> VectorIndex:
    """The index the settings choose: FAISS files in the home (the default), or Milvus when
    FANGDU_INDEX_URL names a server (milvus://host:port/collection) or a Milvus Lite file."""
    if settings.index_url:
        from fangdu.similarity.index_milvus import MilvusIndex

        return MilvusIndex.open(settings.index_url, DESCRIPTOR_DIM)
    return FaissIndex.open(settings.index_path, DESCRIPTOR_DIM, read_only=read_only)


# -- check workers: one read-only Registry per process ---------------------------------------

_WORKER_REGISTRY: Registry | None = None


def _open_worker_registry(settings: Settings) -> None:
    global _WORKER_REGISTRY
    init_worker()
    _WORKER_REGISTRY = Registry.open(settings, sync=False)
    # The pool already keeps every core busy: verify each shortlist in the worker's own thread.
    _WORKER_REGISTRY.searcher.workers = 1


def _check_in_worker(data: bytes, top_k: int) -> list[MatchInfo]:
    assert _WORKER_REGISTRY is not None, "initializer did not run"
    return _WORKER_REGISTRY.check_bytes(data, top_k=top_k)


def _vector_chunks(
    rows: Iterable[tuple[int, bytes, str]],
    size: int = 1000,
    tick: Callable[[], None] | None = None,
) -> Iterator[tuple[list[int], list[np.ndarray]]]:
    ids: list[int] = []
    vectors: list[np.ndarray] = []
    for ref_id, data, version in rows:
        if version != CURRENT_VERSION:
            continue
        if tick is not None:
            tick()
        ids.append(ref_id)
        vectors.append(Fingerprint.from_bytes(data).global_vectors)
        if len(ids) >= size:
            yield ids, vectors
            ids, vectors = [], []
    if ids:
        yield ids, vectors


# One set of limits with the web form and the API (``registry.application``).
_LIMITS = {
    "title": MAX_TITLE,
    "owner": MAX_NAME,
    "designer": MAX_NAME,
    "category": MAX_NAME,
    "colourway": MAX_COLOURWAY,
    "description": MAX_TEXT,
    "originality statement": MAX_TEXT,
}


def _check_request(request: RegistrationRequest) -> None:
    """What a filing must satisfy whoever sends it (command line, web form or API)."""
    if not request.title.strip() or not request.owner.strip():
        raise InputError("a title and an owner are required")
    fields = [
        ("title", request.title),
        ("owner", request.owner),
        ("category", request.category),
        ("description", request.description),
        ("originality statement", request.originality_statement),
    ]
    fields += [("designer", d) for d in request.designers]
    fields += [("colourway", c) for c in request.colourways]
    for name, value in fields:
        if value is None:
            continue
        text = (
            value.replace("\n", " ").replace("\t", " ")
            if name in ("description", "originality statement")
            else value
        )
        if HIDDEN.search(text):
            raise InputError(f"{name} contains control or text-direction characters")
        if len(value) > _LIMITS[name]:
            raise InputError(f"{name} is longer than {_LIMITS[name]} characters")
    # Keqiao is UTC+8: "today" there may already be tomorrow in UTC.
    latest = (utcnow() + dt.timedelta(hours=8)).date()
    for name, day in (
        ("creation date", request.created_on),
        ("first publication date", request.published_on),
    ):
        if day is not None and day > latest:
            raise InputError(f"the {name} {day} is in the future")
    if request.created_on and request.published_on and request.published_on < request.created_on:
        raise InputError("the design cannot be published before it was created")


def _timestamper(settings: Settings) -> HttpTimestampAuthority | None:
    if settings.timestamp_url is None:
        return None
    if settings.timestamp_ca is None:
        # Tokens are checked when received, and evidence bundles must carry the root.
        raise InputError("FANGDU_TIMESTAMP_URL needs FANGDU_TIMESTAMP_CA (the authority's root)")
    return HttpTimestampAuthority(settings.timestamp_url, ca_pem=settings.timestamp_ca.read_bytes())


def _blocks(match: MatchInfo, created_on: dt.date | None) -> bool:
    if match.verdict != "copy":
        return False
    if match.kind == "work":
        return True
    return created_on is None or match.first_seen is None or match.first_seen < created_on


def _refuse_known(repo: Repository, sha: str) -> None:
    existing = repo.work_by_sha(sha)
    if existing is not None:
        raise ImageOnFile(existing.id, existing.registration_no, existing.status)


def _scaled(box: Box | None, scale: float) -> list[int] | None:
    if box is None:
        return None
    return Box(box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale).as_list()


def _image_columns(data: bytes, prepared: Prepared) -> dict[str, object]:
    return {
        "image_sha256": sha256_hex(data),
        "image_format": prepared.format,
        "image_width": prepared.width,
        "image_height": prepared.height,
        "image_size": len(data),
    }


def _ref_columns(prepared: Prepared) -> dict[str, object]:
    return {
        "fingerprint": prepared.fingerprint,
        "fingerprint_version": prepared.version,
        "scale": prepared.scale,
    }


def _review_match(work_id: int, rank: int, match: MatchInfo) -> ReviewMatch:
    return ReviewMatch(
        work_id=work_id,
        ref_id=match.ref_id,
        rank=rank,
        score=match.score,
        verdict=match.verdict,
        query_box=match.query_box,
        match_box=match.match_box,
        same_design=match.same_design,
    )


def _work_info(repo: Repository, work: Work, *, with_matches: bool = True) -> WorkInfo:
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


def _prior_art_info(prior_art: PriorArt) -> PriorArtInfo:
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
