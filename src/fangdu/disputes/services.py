"""Disputes from sighting to settlement (维权): watchlists, sightings, monitor runs, cases.

Every fact a party may contest is a signed evidence-log entry written in the same transaction
as its rows: a sighting and each lead on the sighting's subject (``sighting:N``), every case
transition on the case's subject (``case:N``), so both sides read the same record and a court
package proves it. The claimant is checked as hard as the respondent: a licence on record
closes a lead, a sighting before the registration flags it, opening a case re-checks the title
against prior art, and nothing leaves before a named reviewer's decision.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fangdu import __version__
from fangdu.config import Settings
from fangdu.db.base import utcnow
from fangdu.disputes import registry_port as registry
from fangdu.disputes.errors import Refused
from fangdu.disputes.models import Lead, Sighting, Watch
from fangdu.disputes.registry_port import BlobStore, MatchInfo, PartyRef, WorkRef
from fangdu.disputes.repository import DisputesRepository
from fangdu.errors import ImageRejected, InputError
from fangdu.imaging import decode_image
from fangdu.ledger.entries import Event, FileRef
from fangdu.ledger.keys import load_or_create_signer
from fangdu.ledger.note import Signer
from fangdu.ledger.store import LogStore
from fangdu.rights import RightsService
from fangdu.similarity import FINGERPRINT_VERSION

# A lead is a match the check calls at least "similar" (similarity/verify.py thresholds).
LEAD_VERDICTS = ("similar", "copy")
REVIEW_REASONS = ("proceed", "not_copy", "licensed", "prior_art", "de_minimis")
RESPONSES = ("licence", "invoice", "dispute", "accept_mediation", "accept_licence_offer")
DELIVERY = ("in_app", "email", "print")
OUTCOMES = {
    "licensed": "close_licensed",
    "paid_and_removed": "close_paid",
    "litigation": "litigate",
    "withdrawn": "withdraw",
}
MODEL_VERSION = f"fingerprint v{FINGERPRINT_VERSION}, fangdu {__version__}"


def keqiao_today() -> dt.date:
    """Keqiao is UTC+8: "today" there may already be tomorrow in UTC."""
    return (utcnow() + dt.timedelta(hours=8)).date()


def sighting_subject(sighting_id: int) -> str:
    return f"sighting:{sighting_id}"


def case_subject(case_id: int) -> str:
    return f"case:{case_id}"


@dataclass(frozen=True)
class Capture:
    """One file of a monitoring batch and how it was captured."""

    name: str
    data: bytes


@dataclass(frozen=True)
class CaptureContext:
    source: str  # stall/floor, URL or catalogue page
    merchant: str
    seen_on: dt.date
    captured_by: str
    device: str | None = None
    own_purchase: bool = False  # the claimant's own (trap) purchase


@dataclass(frozen=True)
class ImportLine:
    name: str
    status: str  # imported | present | rejected
    sighting: int | None = None
    log_index: int | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class LeadInfo:
    id: int
    sighting: int
    work: int
    merchant: str
    seen_on: dt.date
    score: float
    verdict: str
    status: str
    flags: tuple[str, ...]
    note: str | None
    log_index: int

    def as_json(self) -> dict[str, Any]:
        return {
            "lead": self.id,
            "sighting": self.sighting,
            "work": self.work,
            "merchant": self.merchant,
            "seen_on": self.seen_on.isoformat(),
            "score": round(self.score, 4),
            "verdict": self.verdict,
            "status": self.status,
            "flags": list(self.flags),
            "note": self.note,
            "log_index": self.log_index,
        }


@dataclass(frozen=True)
class RunReport:
    checked: int
    leads: tuple[LeadInfo, ...]

    def as_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "leads": [lead.as_json() for lead in self.leads]}


@dataclass(frozen=True)
class CaseInfo:
    id: int
    lead: int
    work: str
    claimant: str
    respondent: str
    agent: str | None
    state: str
    details: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    documents: tuple[tuple[str, str], ...]
    token: str | None = None  # only when the case is opened: the respondent's access token

    def as_json(self) -> dict[str, Any]:
        data = {
            "case": self.id,
            "lead": self.lead,
            "work": self.work,
            "claimant": self.claimant,
            "respondent": self.respondent,
            "agent": self.agent,
            "state": self.state,
            "details": self.details,
            "events": list(self.events),
            "documents": [{"role": r, "sha256": s} for r, s in self.documents],
        }
        if self.token is not None:
            data["token"] = self.token
        return data


@dataclass
class _Found:
    """What a monitor run found for one sighting before anything is written."""

    sighting_id: int
    matches: list[MatchInfo] = field(default_factory=list)
    licensed: dict[int, str] = field(default_factory=dict)  # work -> licence note


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tariff() -> dict[str, Any]:
    text = resources.files("fangdu.disputes").joinpath("data/tariff.json").read_text("utf-8")
    return json.loads(text)


class DisputeService:
    """Monitoring and cases over the shared database, evidence log and blob store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: LogStore,
        blobs: BlobStore,
        settings: Settings,
        rights: RightsService,
        *,
        check: Callable[[bytes], list[MatchInfo]],
        explain: Callable[[bytes, MatchInfo], Any] | None = None,
        work_evidence: Callable[[str], Any] | None = None,
        after_write: Callable[[], None] | None = None,
        today: Callable[[], dt.date] = keqiao_today,
    ) -> None:
        """``check`` is the registry's duplicate check (``CheckService.check_bytes``);
        ``explain`` draws a match, ``work_evidence`` gives a work's evidence-bundle contents;
        ``after_write`` folds new entries into a checkpoint (the registry's ``integrate``)."""
        self._sessions = sessions
        self.ledger = ledger
        self.blobs = blobs
        self.settings = settings
        self.rights = rights
        self._check = check
        self._explain = explain
        self._work_evidence = work_evidence
        self._after_write = after_write or (lambda: ledger.integrate(publish=False))
        self.today = today

    @functools.cached_property
    def operator(self) -> Signer:
        """Signs the entries filed from this installation (the registry's operator key)."""
        return load_or_create_signer(self.settings.keys_path / "operator.key", "operator")

    def party_signer(self, party: PartyRef) -> Signer:
        """The party's custodial Ed25519 key (the same file the rights register uses)."""
        folder = self.settings.keys_path / "parties"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return load_or_create_signer(folder / f"{party.id}.key", f"party-{party.id}")

    @contextmanager
    def unit(self) -> Iterator[tuple[Session, DisputesRepository]]:
        with self._sessions() as session, session.begin():
            yield session, DisputesRepository(session)

    def _append(self, session: Session, event: Event) -> int:
        return self.ledger.append(session, event, self.operator)

    # -- watchlists --------------------------------------------------------------------------

    def watch(self, key: str, owner: str) -> WorkRef:
        """The owner puts one of their registered works on their watchlist."""
        with self.unit() as (session, repo):
            work = registry.find_work(session, key)
            if work.status != "registered":
                raise Refused(f"{work.label} is not registered: only registered works are watched")
            party = registry.party(session, owner)
            if party.name not in self._owner_names(work):
                raise Refused(f"{party.name} is not an owner of {work.label} on record")
            if repo.watch_of(work.id) is None:
                repo.add(Watch(work_id=work.id, owner_id=party.id))
            return work

    def watched(self) -> list[WorkRef]:
        with self.unit() as (session, repo):
            return [registry.work(session, w.work_id) for w in repo.watches()]

    # -- sightings ---------------------------------------------------------------------------

    def import_sightings(
        self, captures: Sequence[Capture], context: CaptureContext, *, channel: str = "cli"
    ) -> list[ImportLine]:
        """Keep each capture's bytes, SHA-256 and circumstances, each as a logged sighting.
        Unreadable images are refused one by one (a reason each); the rest are kept."""
        for what, value in (
            ("--source", context.source),
            ("--merchant", context.merchant),
            ("who captured it", context.captured_by),
        ):
            if not value.strip():
                raise InputError(f"a sighting needs {what}")
        if context.seen_on > self.today():
            raise InputError(f"--seen {context.seen_on} is in the future")
        lines = []
        with self.unit() as (session, repo):
            merchant = registry.party(session, context.merchant)
            captor = registry.party(session, context.captured_by)
            for capture in captures:
                try:
                    decoded = decode_image(capture.data, max_pixels=self.settings.max_image_pixels)
                except ImageRejected as exc:
                    lines.append(ImportLine(capture.name, "rejected", reason=exc.reason))
                    continue
                digest = _sha(capture.data)
                if repo.sighting_by_hash(digest, merchant.name, context.source):
                    lines.append(ImportLine(capture.name, "present"))
                    continue
                self.blobs.put(capture.data)
                row = Sighting(
                    sha256=digest,
                    size=len(capture.data),
                    file_name=capture.name[:300],
                    source=context.source,
                    merchant=merchant.name,
                    seen_on=context.seen_on,
                    captured_by=captor.name,
                    device=context.device,
                    own_purchase=context.own_purchase,
                    log_index=-1,
                )
                repo.add(row)
                row.log_index = self._append(
                    session,
                    Event(
                        type="infringement_evidence",
                        subject=sighting_subject(row.id),
                        facts={
                            "sighting": row.id,
                            "merchant": merchant.hash,
                            "source": context.source,
                            "seen_on": context.seen_on.isoformat(),
                            "captured_by": captor.hash,
                            "device": context.device,
                            "own_purchase": context.own_purchase,
                            "image": {
                                "format": decoded.format,
                                "width": decoded.width,
                                "height": decoded.height,
                            },
                        },
                        files=(FileRef("sighting", digest, len(capture.data)),),
                        provenance=registry.provenance(channel),
                    ),
                )
                lines.append(ImportLine(capture.name, "imported", row.id, row.log_index))
        self._after_write()
        return lines

    # -- monitor runs ------------------------------------------------------------------------

    def run(self) -> RunReport:
        """Match every sighting not yet checked against the watched works; each match at or
        above ``similar`` becomes a logged lead. A re-run finds nothing new to check."""
        with self.unit() as (session, repo):
            watched = {w.work_id: registry.work(session, w.work_id) for w in repo.watches()}
            pending = [(s.id, s.sha256, s.merchant, s.seen_on) for s in repo.unchecked_sightings()]
        found: list[_Found] = []
        for sighting_id, digest, merchant, seen_on in pending:
            item = _Found(sighting_id)
            if watched:
                for match in self._check(self.blobs.get(digest)):
                    if (
                        match.kind == "work"
                        and match.target_id in watched
                        and match.verdict in LEAD_VERDICTS
                    ):
                        item.matches.append(match)
                        note = self._licence_note(watched[match.target_id], merchant, seen_on)
                        if note is not None:
                            item.licensed[match.target_id] = note
            found.append(item)
        leads: list[int] = []
        with self.unit() as (session, repo):
            for item in found:
                sighting = repo.sighting(item.sighting_id)
                for match in item.matches:
                    lead = Lead(
                        sighting_id=sighting.id,
                        work_id=match.target_id,
                        score=match.score,
                        verdict=match.verdict,
                        query_box=match.query_box,
                        match_box=match.match_box,
                        model_version=MODEL_VERSION,
                        status="open",
                        flags=[],
                        log_index=-1,
                    )
                    if match.target_id in item.licensed:
                        # 鲸版权's rule, and ours: a licensee on record never receives a demand.
                        lead.status, lead.note = "licensed", item.licensed[match.target_id]
                    repo.add(lead)
                    leads.append(lead.id)
                sighting.checked = True
            session.flush()
            for lead_id in leads:
                lead = repo.lead(lead_id)
                work = watched[lead.work_id]
                lead.flags = self._flags(repo, lead, work)
                sighting = repo.sighting(lead.sighting_id)
                merchant = registry.party(session, sighting.merchant)
                lead.log_index = self._append(
                    session,
                    Event(
                        type="infringement_evidence",
                        subject=sighting_subject(sighting.id),
                        facts={
                            "lead": lead.id,
                            "sighting": sighting.id,
                            "work_id": lead.work_id,
                            "merchant": merchant.hash,
                            "score": round(lead.score, 4),
                            "verdict": lead.verdict,
                            "query_box": lead.query_box,
                            "match_box": lead.match_box,
                            "model_version": lead.model_version,
                            "status": lead.status,
                            "flags": lead.flags,
                            "note": lead.note,
                        },
                        files=(FileRef("sighting", sighting.sha256, sighting.size),),
                        provenance=registry.provenance("monitor"),
                    ),
                )
            infos = tuple(self._lead_info(repo, repo.lead(i)) for i in leads)
        self._after_write()
        return RunReport(len(found), infos)

    def leads(self, status: str | None = None) -> list[LeadInfo]:
        with self.unit() as (_, repo):
            return [self._lead_info(repo, lead) for lead in repo.leads(status)]

    def dismiss(self, lead_id: int, by: str, reason: str) -> LeadInfo:
        """A lead a reviewer sets aside before any case (logged, with the reviewer)."""
        if not reason.strip():
            raise InputError("say why the lead is dismissed (--reason)")
        with self.unit() as (session, repo):
            lead = repo.lead(lead_id)
            if lead.status != "open":
                raise Refused(f"lead L-{lead.id} is {lead.status}, not open")
            reviewer = registry.party(session, by)
            lead.status, lead.note = "dismissed", reason
            self._append(
                session,
                Event(
                    type="infringement_evidence",
                    subject=sighting_subject(lead.sighting_id),
                    facts={
                        "lead": lead.id,
                        "status": "dismissed",
                        "by": reviewer.hash,
                        "reason": reason,
                    },
                    provenance=registry.provenance("cli"),
                ),
            )
            info = self._lead_info(repo, lead)
        self._after_write()
        return info

    def _licence_note(self, work: WorkRef, merchant: str, day: dt.date) -> str | None:
        """The licence on record that lets ``merchant`` use the work on ``day``, if any."""
        view = self.rights.show(f"W-{work.id}", as_of=day)
        for holding in view.standing.licences:
            if view.names.get(holding.party) == merchant:
                return f"licence R-{holding.record} on record for {merchant} on {day}"
        return None

    def _owner_names(self, work: WorkRef, day: dt.date | None = None) -> set[str]:
        view = self.rights.show(f"W-{work.id}", as_of=day or self.today())
        return {view.names.get(h.party, "") for h in view.standing.owners}

    def _flags(self, repo: DisputesRepository, lead: Lead, work: WorkRef) -> list[str]:
        flags = []
        sighting = repo.sighting(lead.sighting_id)
        seen = repo.sightings_of_work(work.id)
        # Prior use: the same design on sale before the claimant registered it ("The registry
        # was abused": a registration of a pattern already common in the market).
        if work.registered_on is not None and any(s.seen_on < work.registered_on for s in seen):
            flags.append("prior_use")
        # 知产证据规定 Art 7: infringement caused solely by the holder's own evidence-gathering
        # is excluded; flag when every sighting at this merchant is the claimant's purchase.
        here = [s for s in seen if s.merchant == sighting.merchant]
        if here and all(s.own_purchase for s in here):
            flags.append("own_purchase")
        elif sighting.own_purchase:
            independent = [s for s in here if not s.own_purchase]
            if independent and min(s.seen_on for s in independent) <= sighting.seen_on:
                flags.append("independent_sighting_first")
        # 惩罚性赔偿解释 Art 3(1): still selling after a delivered notice is evidence of intent.
        for case in repo.cases_against(work.id, self._party_id(repo, sighting.merchant)):
            delivered = case.details.get("notice", {}).get("delivered_on")
            if delivered and dt.date.fromisoformat(delivered) < sighting.seen_on:
                flags.append("after_notice")
                break
        return flags

    @staticmethod
    def _party_id(repo: DisputesRepository, name: str) -> int:
        return registry.party(repo.session, name).id

    def _lead_info(self, repo: DisputesRepository, lead: Lead) -> LeadInfo:
        sighting = repo.sighting(lead.sighting_id)
        return LeadInfo(
            id=lead.id,
            sighting=sighting.id,
            work=lead.work_id,
            merchant=sighting.merchant,
            seen_on=sighting.seen_on,
            score=lead.score,
            verdict=lead.verdict,
            status=lead.status,
            flags=tuple(lead.flags),
            note=lead.note,
            log_index=lead.log_index,
        )
