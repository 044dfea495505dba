"""Filing: import (works or prior art in bulk), register (check first, then file or refuse
with evidence), and a reviewer's decision. Every change commits with its evidence-log entry.

Order of writes, so that a failure at any point leaves nothing half-done:

1. the original bytes go to the content-addressed blob store (an orphan blob is harmless);
2. the database transaction commits the registry rows *and* their evidence-log entries: this
   is the point of truth;
3. the log integrates the new entries into its Merkle tree and signs a checkpoint;
4. the vector index catches up from the log (its position says what it already holds).

Opening the registry integrates waiting log entries and re-syncs the index with the table,
which heals a crash anywhere between 2 and 4.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from fangdu.config import Settings
from fangdu.errors import Conflict, ImageRejected, InputError, NotFound
from fangdu.ledger.keys import load_or_create_secret, load_or_create_signer
from fangdu.ledger.note import Signer
from fangdu.ledger.store import LogStore
from fangdu.registry import events
from fangdu.registry.application import HIDDEN, MAX_COLOURWAY, MAX_NAME, MAX_TEXT, MAX_TITLE
from fangdu.registry.blobs import BlobStore, sha256_hex
from fangdu.registry.checking import CheckService
from fangdu.registry.files import read_file
from fangdu.registry.indexing import ReferenceIndex
from fangdu.registry.models import (
    Party,
    PriorArt,
    ReviewMatch,
    SearchRef,
    Work,
    WorkDesigner,
    utcnow,
)
from fangdu.registry.pipeline import Prepared, default_jobs, prepare, prepare_all
from fangdu.registry.queries import work_info
from fangdu.registry.repository import Repository, UnitOfWork
from fangdu.registry.schemas import (
    ImportItem,
    ImportStatus,
    ImportSummary,
    MatchInfo,
    PriorArtSource,
    RegistrationOutcome,
    RegistrationRequest,
    WorkInfo,
)

BATCH_SIZE = 50  # images per import transaction


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


class InstallationKeys:
    """The keys this installation signs with, created on first use (never by a reader)."""

    def __init__(self, keys_path: Path, *, read_only: bool = False) -> None:
        self.keys_path = keys_path
        self.read_only = read_only

    @functools.cached_property
    def operator(self) -> Signer:
        """Signs the events filed from this installation's command line."""
        return load_or_create_signer(self._writable() / "operator.key", "operator")

    @functools.cached_property
    def pseudonym_key(self) -> bytes:
        """Names accounts in the public log by HMAC, so nobody can reverse them by
        enumeration."""
        return load_or_create_secret(self._writable() / "pseudonym.key")

    def _writable(self) -> Path:
        if self.read_only:
            raise InputError("this registry was opened for reading only")
        return self.keys_path


class FilingService:
    def __init__(
        self,
        settings: Settings,
        units: UnitOfWork,
        blobs: BlobStore,
        ledger: LogStore,
        keys: InstallationKeys,
        checking: CheckService,
        references: ReferenceIndex,
        integrate: Callable[[], None],
        *,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.settings = settings
        self.units = units
        self.blobs = blobs
        self.ledger = ledger
        self.keys = keys
        self.checking = checking
        self.references = references
        # Folds new entries into a signed checkpoint (and publishes it, or wakes the publisher).
        self.integrate = integrate
        self.batch_size = batch_size

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
            with self.units() as repo:
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
            with self.units() as repo:
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
        with self.units() as repo:
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
            self.ledger.append_many(repo.session, filed, self.keys.operator)
        # Committed: from here on the rows and their log entries exist whatever happens next.
        self.integrate()
        self.references.catch_up()
        for (path, _, _), (target, _) in zip(batch, rows, strict=True):
            number = target.registration_no if isinstance(target, Work) else None
            report(ImportItem(path, ImportStatus.IMPORTED, id=target.id, registration_no=number))

    # -- register and decide -------------------------------------------------------------

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
        found = [m for m in self.checking.search(prepared, top_k) if m.verdict != "none"]
        blocking = [m for m in found if _blocks(m, request.created_on)]
        if blocking and not (submit_for_review or review_required):
            raise RegistrationRefused(blocking, found)
        sha = sha256_hex(data)
        with self.units() as repo:
            _refuse_known(repo, sha)
        self.blobs.put(data)
        now = utcnow()
        with self.units() as repo:
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
            self.ledger.append(repo.session, event, submitter or self.keys.operator)
            info = work_info(repo, work)
        self.integrate()
        self.references.catch_up()  # a registered work becomes searchable
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
        with self.units() as repo:
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
                    work, reviewer, reason, events.provenance(channel), self.keys.pseudonym_key
                ),
                submitter or self.keys.operator,
            )
            info = work_info(repo, work)
        self.integrate()
        self.references.catch_up()  # an approved work becomes searchable
        return info


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
