"""Disputes from sighting to settlement (维权): watchlists, sightings, monitor runs, cases.

Every fact a party may contest is a signed evidence-log entry written in the same transaction
as its rows: a sighting and each lead on the sighting's subject (``sighting:N``), every case
transition on the case's subject (``case:N``), so both sides read the same record and a court
package proves it. The claimant is checked as hard as the respondent: a licence on record
closes a lead, a sighting before the registration flags it, opening a case re-checks the title
against prior art, and nothing leaves before a named reviewer's decision.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import secrets
import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from importlib import resources
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from fangdu import __version__
from fangdu.config import Settings
from fangdu.db.base import utcnow
from fangdu.disputes import registry_port as registry
from fangdu.disputes.errors import Refused
from fangdu.disputes.machine import next_state
from fangdu.disputes.models import Case, CaseEvent, Custody, Lead, Sighting, Watch
from fangdu.disputes.notice import NoticeData, render_notice
from fangdu.disputes.registry_port import BlobStore, MatchInfo, PartyRef, WorkRef
from fangdu.disputes.repository import DisputesRepository
from fangdu.disputes.warc import images_in_warc, is_warc
from fangdu.errors import ImageRejected, InputError, NotFound
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
SUPPLIER_RESPONSES = ("licence", "dispute")  # a linked supplier's own licence, or a dispute
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
    supplier_token: str | None = None  # only when a supplier is named: their access token

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
        if self.supplier_token is not None:
            data["supplier_token"] = self.supplier_token
        return data


@dataclass(frozen=True)
class AbuseThresholds:
    """Above any of these a claimant's new cases need a supervisor (the market office's
    settings; Keqiao's trap purchases and mass letters are the reason)."""

    notices_per_week: int = 20
    withdrawn_or_rejected_share: float = 0.5
    prior_art_warning_share: float = 0.3
    resembling_registrations_share: float = 0.3
    min_cases: int = 3  # shares mean little below this many cases (or registrations)


@dataclass(frozen=True)
class ClaimantProfile:
    claimant: str
    cases: int
    notices_last_week: int
    withdrawn_or_rejected: float
    prior_art_warnings: float
    registrations: int
    resembling_registrations: int  # filed although the check found an earlier look-alike
    flags: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "flags": list(self.flags)}


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
        after_write: Callable[[], None] | None = None,
        today: Callable[[], dt.date] = keqiao_today,
        abuse_thresholds: AbuseThresholds | None = None,
    ) -> None:
        """``check`` is the registry's duplicate check (``CheckService.check_bytes``);
        ``explain`` draws a match; ``after_write`` folds new entries into a checkpoint (the
        registry's ``integrate``); above ``abuse_thresholds`` a claimant's new cases need a
        supervisor."""
        self._sessions = sessions
        self.ledger = ledger
        self.blobs = blobs
        self.settings = settings
        self.rights = rights
        self._check = check
        self._explain = explain
        self._after_write = after_write or (lambda: ledger.integrate(publish=False))
        self.today = today
        self.abuse_thresholds = abuse_thresholds or AbuseThresholds()

    @functools.cached_property
    def operator(self) -> Signer:
        """Signs the entries filed from this installation (the registry's operator key)."""
        return load_or_create_signer(self.settings.keys_path / "operator.key", "operator")

    @functools.cached_property
    def mediation(self) -> Any:
        """The mediation use cases (``fangdu.disputes.mediation.MediationService``)."""
        from fangdu.disputes.mediation import MediationService  # it builds on this service

        return MediationService(self)

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
        A WARC file gives a sighting per image it holds, with the URL and fetch time.
        Unreadable images and WARCs are refused one by one (a reason each); the rest are kept."""
        for what, value in (
            ("--source", context.source),
            ("--merchant", context.merchant),
            ("who captured it", context.captured_by),
        ):
            if not value.strip():
                raise InputError(f"a sighting needs {what}")
        if context.seen_on > self.today():
            raise InputError(f"--seen {context.seen_on} is in the future")
        lines: list[ImportLine] = []
        items: list[tuple[Capture, str, dict[str, Any], bytes | None]] = []
        for capture in captures:
            if not is_warc(capture.data):
                items.append((capture, context.source, {}, None))
                continue
            try:
                found = images_in_warc(capture.data)
            except ImageRejected as exc:
                lines.append(ImportLine(capture.name, "rejected", reason=exc.reason))
                continue
            # Each image of a captured page is a sighting; the WARC stays with each as proof
            # of where and when the page was fetched.
            for image in found:
                web = {"url": image.url, "fetched": image.fetched}
                source = f"{context.source} <{image.url}>"[:300]
                items.append(
                    (Capture(f"{capture.name}#{image.url}", image.data), source, web, capture.data)
                )
        with self.unit() as (session, repo):
            merchant = registry.party(session, context.merchant)
            captor = registry.party(session, context.captured_by)
            for capture, source, web, warc in items:
                try:
                    decoded = decode_image(capture.data, max_pixels=self.settings.max_image_pixels)
                except ImageRejected as exc:
                    lines.append(ImportLine(capture.name, "rejected", reason=exc.reason))
                    continue
                digest = _sha(capture.data)
                if repo.sighting_by_hash(digest, merchant.name, source):
                    lines.append(ImportLine(capture.name, "present"))
                    continue
                self.blobs.put(capture.data)
                files = [FileRef("sighting", digest, len(capture.data))]
                if warc is not None:
                    self.blobs.put(warc)
                    files.append(FileRef("warc", _sha(warc), len(warc)))
                row = Sighting(
                    sha256=digest,
                    size=len(capture.data),
                    file_name=capture.name[:300],
                    source=source,
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
                            "source": source,
                            **web,
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
                        files=tuple(files),
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

    def leads_of(self, owner: str) -> list[LeadInfo]:
        """The leads on the watched works that ``owner`` owns on record today (their page)."""
        with self.unit() as (session, repo):
            works = [registry.work(session, w.work_id) for w in repo.watches()]
        mine = {work.id for work in works if owner in self._owner_names(work)}
        return [lead for lead in self.leads() if lead.work in mine]

    def cases_of(self, party: str) -> list[CaseInfo]:
        """The cases ``party`` brings, as claimant or as the claimant's agent."""
        return [case for case in self.cases() if party in (case.claimant, case.agent)]

    def dismiss(self, lead_id: int, by: str, reason: str) -> LeadInfo:
        """A lead a reviewer sets aside before any case (logged, with the reviewer)."""
        if not reason.strip():
            raise InputError("say why the lead is dismissed (--reason)")
        with self.unit() as (session, repo):
            lead = repo.lead(lead_id)
            if lead.status != "open":
                raise Refused(f"lead L-{lead.id} is {lead.status}, not open")
            held = [
                c.id for c in repo.cases() if c.work_id == lead.work_id and c.details.get("hold")
            ]
            if held:
                raise Refused(f"the work's records are under a litigation hold (C-{held[0]})")
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

    # -- cases -------------------------------------------------------------------------------

    def open_case(
        self,
        lead_id: int,
        claimant: str,
        *,
        agent: str | None = None,
        authorisation: bytes | None = None,
        override_by: str | None = None,
        override_reason: str | None = None,
        channel: str = "cli",
    ) -> CaseInfo:
        """A draft case on an open lead, once the claimant's own title has been checked.
        The respondent has no access yet: their token comes with the notice."""
        if agent and not authorisation:
            raise Refused(
                "an agent acts only with an authorisation document the respondent can see "
                "(--authorisation FILE)"
            )
        if bool(override_by) != bool(override_reason and override_reason.strip()):
            raise InputError(
                "a supervisor's override needs both --override-by and --override-reason"
            )
        with self.unit() as (session, repo):
            lead = repo.lead(lead_id)
            sighting = repo.sighting(lead.sighting_id)
            work = registry.work(session, lead.work_id)
            if lead.status == "licensed":
                raise Refused(
                    f"L-{lead.id}: {lead.note}: a licensee on record never receives a demand"
                )
            if lead.status != "open":
                raise Refused(f"L-{lead.id} is {lead.status}: only an open lead becomes a case")
            if work.status != "registered":
                raise Refused(f"{work.label} is not registered: a case needs a registered work")
        owners = self._owner_names(work)
        if claimant.strip() not in owners:
            # 著作权法 Art 11: the copyright owner claims; anyone else needs the owner's mandate.
            raise Refused(f"{claimant} is not an owner of {work.label} on record")
        note = self._licence_note(work, sighting.merchant, self.today())
        if note is not None:
            raise Refused(f"{note}: a licensee on record never receives a demand")
        blockers = self._title_check(work, lead)
        if blockers and not override_by:
            raise Refused(
                f"title check of {work.label}: {'; '.join(blockers)}; a supervisor may override "
                "(--override-by, --override-reason)"
            )
        profile = next((p for p in self.abuse_report() if p.claimant == claimant.strip()), None)
        if profile is not None and profile.flags and not override_by:
            # Keqiao's claimant abuse (DOMAIN.md): above the thresholds a supervisor decides.
            raise Refused(
                f"{claimant} is above the abuse monitor's thresholds ({', '.join(profile.flags)}): "
                "a supervisor opens their new cases (--override-by, --override-reason)"
            )
        with self.unit() as (session, repo):
            lead = repo.lead(lead_id)
            claimant_ref = registry.party(session, claimant)
            respondent = registry.party(session, sighting.merchant)
            agent_ref = registry.party(session, agent) if agent else None
            files = [FileRef("sighting", sighting.sha256, sighting.size)]
            details: dict[str, Any] = {"title_check": blockers, "consent": {}}
            if override_by:
                supervisor = registry.party(session, override_by)
                details["override"] = {"by": supervisor.name, "reason": override_reason}
            case = Case(
                lead_id=lead.id,
                work_id=work.id,
                claimant_id=claimant_ref.id,
                respondent_id=respondent.id,
                agent=agent_ref.name if agent_ref else None,
                state="draft",
                token_sha256=_sha(secrets.token_bytes(32)),  # nobody's, until the notice
                details=details,
            )
            repo.add(case)
            lead.status = "case"
            if authorisation is not None:
                self.blobs.put(authorisation)
                digest = _sha(authorisation)
                repo.add_document(case.id, "authorisation", digest, len(authorisation))
                files.append(FileRef("authorisation", digest, len(authorisation)))
            facts = {
                "lead": lead.id,
                "work_id": work.id,
                "registration_no": work.registration_no,
                "claimant": claimant_ref.hash,
                "respondent": respondent.hash,
                "agent": agent_ref.hash if agent_ref else None,
                "title_check": blockers,
                "override": (
                    {"by": registry.party(session, override_by).hash, "reason": override_reason}
                    if override_by
                    else None
                ),
            }
            self._event(
                session, case, "open", None, agent_ref or claimant_ref, facts, files, channel
            )
            info = self._case_info(session, repo, case)
        self._after_write()
        return info

    def review(self, case_id: int, reviewer: str, reason: str, note: str = "") -> CaseInfo:
        """The review gate nothing skips: a named reviewer's decision with a reason code.
        ``proceed`` lets a notice go out; any other code rejects the case."""
        if reason not in REVIEW_REASONS:
            raise InputError(f"reason code must be one of {', '.join(REVIEW_REASONS)}")
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            person = registry.party(session, reviewer)
            names = registry.parties(session, [case.claimant_id])
            if person.name in {names[case.claimant_id].name, case.agent}:
                raise Refused("the claimant or their agent cannot review their own case")
            trigger = "review" if reason == "proceed" else "reject"
            case.details = {
                **case.details,
                "review": {"by": person.name, "reason": reason, "note": note},
            }
            self._event(
                session,
                case,
                "review",
                trigger,
                person,
                {"reviewer": person.hash, "reason": reason, "note": note},
            )
            info = self._case_info(session, repo, case)
        self._after_write()
        return info

    def send_notice(
        self,
        case_id: int,
        by: str,
        *,
        delivery: str = "in_app",
        metres: float | None = None,
        invoice: bytes | None = None,
        invoice_fee: float | None = None,
        deadline_days: int = 15,
        email_to: str | None = None,
        smtp: tuple[str, int] | None = None,
        receipt: bytes | None = None,
    ) -> tuple[CaseInfo, bytes]:
        """Generate the warning letter and deliver it; the delivery is logged. The fee comes
        from the published tariff (by metres sold) or from the owner's own licence invoice."""
        if delivery not in DELIVERY:
            raise InputError(f"delivery must be one of {', '.join(DELIVERY)}")
        if delivery == "email" and not (email_to and smtp):
            raise InputError("e-mail delivery needs --to and --smtp HOST:PORT")
        if delivery == "print" and receipt is None:
            raise Refused("a printed notice is delivered with the respondent's signed receipt")
        fee, formula = _fee(metres, invoice, invoice_fee)
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            next_state(case.state, "send_notice")  # refuse early, before drawing anything
            lead = repo.lead(case.lead_id)
            sighting = repo.sighting(lead.sighting_id)
            work = registry.work(session, case.work_id)
            names = registry.parties(session, [case.claimant_id, case.respondent_id])
            evidence = [
                f"log entry {sighting.log_index}: sighting S-{sighting.id}, {sighting.seen_on}, "
                f"{sighting.source}, SHA-256 {sighting.sha256[:16]}…",
                f"log entry {lead.log_index}: lead L-{lead.id}, {lead.verdict} {lead.score:.2f}, "
                f"{lead.model_version}",
            ]
            authorisation = [d.sha256 for d in repo.documents(case.id) if d.role == "authorisation"]
        note = self._licence_note(work, names[case.respondent_id].name, self.today())
        if note is not None:
            raise Refused(f"{note}: a licensee on record never receives a demand")
        deadline = self.today() + dt.timedelta(days=deadline_days)
        token = secrets.token_urlsafe(18)  # the respondent's access, printed in the letter
        letter = render_notice(
            NoticeData(
                case=case_id,
                claimant=names[case.claimant_id].name,
                agent=case.agent,
                authorisation_sha256=authorisation[0] if authorisation else None,
                respondent=names[case.respondent_id].name,
                work_label=work.label,
                work_title=work.title,
                verify_text=f"fangdu show {work.label}; evidence log of {self.ledger.origin}",
                evidence=evidence,
                score=f"{lead.verdict} {lead.score:.2f}",
                deadline=deadline.isoformat(),
                fee=f"{fee:g}",
                formula=formula,
                token=token,
                comparison_png=self._comparison(sighting.sha256, work.id),
            )
        )
        if delivery == "email":
            assert email_to and smtp
            _send_mail(smtp, email_to, f"警告函 Warning letter C-{case_id}", letter, case_id)
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            sender = registry.party(session, by)
            self.blobs.put(letter)
            files = [FileRef("notice", _sha(letter), len(letter))]
            repo.add_document(case.id, "notice", _sha(letter), len(letter))
            if invoice is not None:
                self.blobs.put(invoice)
                repo.add_document(case.id, "fee_invoice", _sha(invoice), len(invoice))
                files.append(FileRef("fee_invoice", _sha(invoice), len(invoice)))
            if receipt is not None:
                self.blobs.put(receipt)
                repo.add_document(case.id, "receipt", _sha(receipt), len(receipt))
                files.append(FileRef("receipt", _sha(receipt), len(receipt)))
            notice = {
                "sha256": _sha(letter),
                "delivery": delivery,
                "address": email_to,
                "delivered_on": self.today().isoformat(),
                "deadline": deadline.isoformat(),
                "fee": fee,
                "formula": formula,
            }
            case.details = {**case.details, "notice": notice}
            case.token_sha256 = _sha(token.encode())
            self._event(session, case, "notice", "send_notice", sender, notice, files)
            info = self._case_info(session, repo, case, token)
        self._after_write()
        return info, letter

    def respond(
        self,
        case_id: int,
        token: str,
        action: str,
        *,
        document: bytes | None = None,
        supplier: str | None = None,
        reasons: str | None = None,
    ) -> CaseInfo:
        """The respondent answers with their case token: a licence or a supplier's invoice
        (legal source, 著作权法 Art 59: the demand pauses), a dispute, or acceptance."""
        if action not in RESPONSES:
            raise InputError(f"the answer must be one of {', '.join(RESPONSES)}")
        if action in ("licence", "invoice") and document is None:
            raise InputError(f"showing a {action} needs the document (--document FILE)")
        if action == "invoice" and not (supplier and supplier.strip()):
            raise InputError("an invoice names the supplier (--supplier NAME)")
        if action == "dispute" and not (reasons and reasons.strip()):
            raise InputError("a dispute gives its reasons (--reasons TEXT)")
        supplier_token = None
        with self.unit() as (session, repo):
            case = self._by_token(repo, case_id, token)
            holder = self._holder(case, token)
            if holder != "respondent" and action not in SUPPLIER_RESPONSES:
                # A linked supplier answers for their own goods, never for the respondent.
                raise Refused(
                    f"a supplier answers with {' or '.join(SUPPLIER_RESPONSES)} only; "
                    "the respondent's token takes the other answers"
                )
            if case.state == "notice_sent" and holder == "respondent":
                trigger: str | None = "respond"
            elif case.state in ("notice_sent", "responded"):
                trigger = None  # a further answer adds to the record, the state stays
            else:
                raise Refused(f"case C-{case.id} is {case.state}: it takes no answer now")
            respondent = (
                registry.parties(session, [case.respondent_id])[case.respondent_id]
                if holder == "respondent"
                else registry.party(session, holder)
            )
            details = dict(case.details)
            facts: dict[str, Any] = {"answer": action, "reasons": reasons}
            if holder != "respondent":
                facts["by_supplier"] = respondent.hash
            files = []
            if document is not None:
                self.blobs.put(document)
                digest = _sha(document)
                repo.add_document(case.id, action, digest, len(document))
                files.append(FileRef(action, digest, len(document)))
                details["paused"] = True
                facts["paused"] = True
            if supplier and holder == "respondent":
                linked = registry.party(session, supplier)
                details["linked_respondents"] = [
                    *details.get("linked_respondents", []),
                    linked.name,
                ]
                facts["supplier"] = linked.hash
                # The supplier's own access to this case (the respondent passes it on); only
                # its hash is kept, as with the respondent's.
                supplier_token = secrets.token_urlsafe(18)
                details["supplier_tokens"] = {
                    **details.get("supplier_tokens", {}),
                    _sha(supplier_token.encode()): linked.name,
                }
            if action == "accept_mediation":
                details["consent"] = {**details.get("consent", {}), "respondent": True}
            if action == "accept_licence_offer":
                details["licence_offer_accepted"] = True
            details.setdefault("answers", []).append(action)
            case.details = details
            self._event(session, case, "response", trigger, respondent, facts, files)
            info = self._case_info(session, repo, case)
            work_id = case.work_id
        self._after_write()
        if action == "dispute":
            # The title is now contested (著作权质权登记办法 Art 12 (5)): the work's pledgees hear.
            self.rights.watch_event(work_id, "title_contested", {"case": f"C-{case_id}"})
        if supplier_token is not None:
            info = dataclasses.replace(info, supplier_token=supplier_token)
        return info

    def token_holder(self, case_id: int, token: str) -> str:
        """``respondent``, or the name of the linked supplier whose token this is."""
        with self.unit() as (_, repo):
            return self._holder(self._by_token(repo, case_id, token), token)

    @staticmethod
    def _holder(case: Case, token: str) -> str:
        if case.token_sha256 == _sha(token.encode()):
            return "respondent"
        return case.details["supplier_tokens"][_sha(token.encode())]

    def close(self, case_id: int, outcome: str, by: str, reason: str) -> CaseInfo:
        """Close a case: licensed (a licence shown or on record), paid and removed,
        litigation or withdrawn."""
        if outcome not in OUTCOMES:
            raise InputError(f"the outcome must be one of {', '.join(OUTCOMES)}")
        if not reason.strip():
            raise InputError("say why (--reason)")
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            next_state(case.state, OUTCOMES[outcome])
            shown = [d.sha256 for d in repo.documents(case.id) if d.role == "licence"]
            work = registry.work(session, case.work_id)
            merchant = registry.parties(session, [case.respondent_id])[case.respondent_id].name
        if (
            outcome == "licensed"
            and not shown
            and self._licence_note(work, merchant, self.today()) is None
        ):
            raise Refused(
                f"C-{case_id} closes as licensed only on a licence: none was shown and "
                "none is on record"
            )
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            person = registry.party(session, by)
            case.details = {**case.details, "closed": {"by": person.name, "reason": reason}}
            self._event(
                session,
                case,
                "close",
                OUTCOMES[outcome],
                person,
                {"outcome": outcome, "reason": reason, "licence_shown": shown},
            )
            info = self._case_info(session, repo, case)
        self._after_write()
        if outcome == "litigation":
            self.rights.watch_event(work.id, "litigation", {"case": f"C-{case_id}"})
        return info

    def show(self, case_id: int, *, token: str | None = None, actor: str = "operator") -> CaseInfo:
        """A case as both sides see it; with ``token``, only the respondent's own case.
        Every view is in the chain of custody."""
        with self.unit() as (session, repo):
            case = self._by_token(repo, case_id, token) if token else repo.case(case_id)
            repo.add(Custody(case_id=case.id, action="view", actor=actor))
            return self._case_info(session, repo, case)

    def rerun(self, case_id: int, *, token: str | None = None, actor: str = "judge") -> dict:
        """The judge's check: the comparison run again now, beside what the lead recorded and
        whether the model version is the same (logged in the chain of custody)."""
        with self.unit() as (_, repo):
            case = self._by_token(repo, case_id, token) if token else repo.case(case_id)
            lead = repo.lead(case.lead_id)
            digest, work_id = repo.sighting(lead.sighting_id).sha256, case.work_id
            recorded = {
                "score": round(lead.score, 4),
                "verdict": lead.verdict,
                "model_version": lead.model_version,
            }
            repo.add(Custody(case_id=case.id, action="rerun", actor=actor))
        now = next(
            (
                {"score": round(m.score, 4), "verdict": m.verdict}
                for m in self._check(self.blobs.get(digest))
                if m.kind == "work" and m.target_id == work_id
            ),
            {"score": 0.0, "verdict": "none"},
        )
        return {
            "case": case_id,
            "recorded": recorded,
            "now": {**now, "model_version": MODEL_VERSION},
            "same_model": recorded["model_version"] == MODEL_VERSION,
        }

    def cases(self) -> list[CaseInfo]:
        with self.unit() as (session, repo):
            return [self._case_info(session, repo, case) for case in repo.cases()]

    # -- market office, litigation -----------------------------------------------------------

    def abuse_report(self) -> list[ClaimantProfile]:
        """Per claimant: notices in the last week, the share withdrawn or rejected, the share
        with prior-art warnings, how many of their registrations resembled earlier works or
        prior art when filed (clusters of near-identical filings), and which thresholds they
        pass."""
        limits, today = self.abuse_thresholds, self.today()
        with self.unit() as (session, repo):
            by: dict[int, list[Case]] = {}
            for case in repo.cases():
                by.setdefault(case.claimant_id, []).append(case)
            names = registry.parties(session, list(by))
            profiles = []
            for claimant_id, cases in sorted(by.items()):
                week = sum(
                    1
                    for c in cases
                    if "notice" in c.details
                    and dt.date.fromisoformat(c.details["notice"]["delivered_on"])
                    > today - dt.timedelta(days=7)
                )
                lost = sum(c.state in ("withdrawn", "rejected") for c in cases) / len(cases)
                warned = sum(bool(c.details.get("title_check")) for c in cases) / len(cases)
                flags = []
                if week > limits.notices_per_week:
                    flags.append(f"{week} notices in a week")
                if len(cases) >= limits.min_cases:
                    if lost > limits.withdrawn_or_rejected_share:
                        flags.append(f"{lost:.0%} withdrawn or rejected")
                    if warned > limits.prior_art_warning_share:
                        flags.append(f"{warned:.0%} with prior-art warnings")
                registered, resembling = registry.registrations_like_others(session, claimant_id)
                if (
                    registered >= limits.min_cases
                    and resembling / registered > limits.resembling_registrations_share
                ):
                    flags.append(
                        f"{resembling} of {registered} registrations resemble earlier ones"
                    )
                profiles.append(
                    ClaimantProfile(
                        names[claimant_id].name,
                        len(cases),
                        week,
                        lost,
                        warned,
                        registered,
                        resembling,
                        tuple(flags),
                    )
                )
            return profiles

    def hold(self, case_id: int, by: str, reason: str) -> CaseInfo:
        """A litigation hold: the case's records are frozen (no step but the judgement)."""
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            if case.state != "litigation":
                raise Refused(f"C-{case_id} is {case.state}: a hold is for a case in litigation")
            person = registry.party(session, by)
            case.details = {**case.details, "hold": {"by": person.name, "reason": reason}}
            self._event(session, case, "litigation_hold", None, person, {"reason": reason})
            info = self._case_info(session, repo, case)
        self._after_write()
        return info

    def judgement(
        self,
        case_id: int,
        *,
        court: str,
        number: str,
        on: dt.date,
        outcome: str,
        damages_yuan: float | None,
        document: bytes,
        by: str,
    ) -> CaseInfo:
        """Enter the court's judgement on a case in litigation; logged as ``judgement``."""
        if not (court.strip() and number.strip() and outcome.strip()):
            raise InputError("a judgement names the court, its case number and the outcome")
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            if case.state != "litigation":
                raise Refused(f"C-{case_id} is {case.state}: a judgement is for a case in court")
            person = registry.party(session, by)
            self.blobs.put(document)
            repo.add_document(case.id, "judgement", _sha(document), len(document))
            facts = {
                "court": court,
                "number": number,
                "on": on.isoformat(),
                "outcome": outcome,
                "damages_yuan": damages_yuan,
            }
            case.details = {**case.details, "judgement": facts}
            self._event(
                session,
                case,
                "judgement",
                None,
                person,
                facts,
                [FileRef("judgement", _sha(document), len(document))],
                entry_type="judgement",
            )
            info = self._case_info(session, repo, case)
        self._after_write()
        return info

    def assign_judge(self, case_id: int, judge: str, court: str, by: str) -> CaseInfo:
        """The court's assignment of a case to its judge (立案, 司法确认 or litigation), entered
        from the court's notice; logged. The judge reads that case and no other."""
        if not (judge.strip() and court.strip()):
            raise InputError("an assignment names the judge and the court (--judge, --court)")
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            if case.state in ("draft", "reviewed", "rejected", "withdrawn"):
                raise Refused(f"C-{case_id} is {case.state}: no court has it to assign")
            person = registry.party(session, by)
            named = registry.party(session, judge)
            assignment = {"judge": named.name, "court": court.strip()}
            case.details = {**case.details, "court": assignment}
            self._event(
                session,
                case,
                "court_assignment",
                None,
                person,
                {"judge": named.hash, "court": court.strip()},
            )
            info = self._case_info(session, repo, case)
        self._after_write()
        return info

    def claimant_of(self, lead_id: int) -> str:
        """Who watches the lead's work: the owner a supervisor's override opens a case for."""
        with self.unit() as (session, repo):
            watch = repo.watch_of(repo.lead(lead_id).work_id)
            if watch is None:
                raise NotFound(f"nobody watches the work of L-{lead_id}")
            return registry.parties(session, [watch.owner_id])[watch.owner_id].name

    def damages_worksheet(self, case_id: int) -> dict[str, Any]:
        """Advisory only: the bases of 著作权法 Art 54 with what the record holds for each."""
        with self.unit() as (session, repo):
            case = repo.case(case_id)
            notice = case.details.get("notice", {})
            after = [
                lead.id
                for lead in repo.leads_of_work(case.work_id)
                if "after_notice" in lead.flags
                and repo.sighting(lead.sighting_id).merchant
                == registry.parties(session, [case.respondent_id])[case.respondent_id].name
            ]
        fee = notice.get("fee")
        return {
            "case": case_id,
            "advisory": "a worksheet for the court; the court decides (著作权法 Art 54)",
            "bases_in_order": [
                "actual loss of the right holder",
                "illegal gain of the infringer",
                "a reasonable multiple of the licence fee",
            ],
            "licence_fee_basis": {"fee_yuan": fee, "formula": notice.get("formula")},
            "statutory_range_yuan": [500, 5_000_000],
            "punitive": {
                "multiple": "1 to 5 times the basis for wilful, serious infringement",
                "sightings_after_notice": after,
                "note": "selling on after a delivered notice is first-view evidence of intent "
                "(惩罚性赔偿解释 Art 3(1))",
                "notice_delivered_on": notice.get("delivered_on"),
            },
        }

    # -- case helpers ------------------------------------------------------------------------

    @staticmethod
    def _by_token(repo: DisputesRepository, case_id: int, token: str) -> Case:
        """The case the respondent's token, or a linked supplier's, opens; no other."""
        digest = _sha(token.encode())
        case = repo.case_by_token(digest)
        if case is None:
            candidate = repo.session.get(Case, case_id)
            if candidate is not None and digest in candidate.details.get("supplier_tokens", {}):
                case = candidate
        if case is None or case.id != case_id:
            raise Refused(f"the token does not open case C-{case_id}")
        return case

    def _title_check(self, work: WorkRef, lead: Lead) -> list[str]:
        """What speaks against the claimant's title: a sighting before the registration,
        prior art found at filing, and prior art or earlier works the check finds now."""
        blockers = []
        with self.unit() as (session, repo):
            for sighting in repo.sightings_of_work(work.id):
                if work.registered_on and sighting.seen_on < work.registered_on:
                    blockers.append(
                        f"sighting S-{sighting.id} at {sighting.merchant} on {sighting.seen_on} "
                        f"predates the registration on {work.registered_on}"
                    )
            blockers += [
                f"prior art {label} found at filing"
                for label in registry.prior_art_conflicts(session, work.id)
            ]
            for match in self._check(self.blobs.get(work.image_sha256)):
                if match.verdict == "none":
                    continue
                if match.kind == "prior_art":
                    seen = registry.prior_art_seen(session, match.target_id)
                    if seen is None or work.registered_on is None or seen < work.registered_on:
                        label = f"prior art P-{match.target_id} ({match.verdict} {match.score:.2f})"
                        if not any(label.split(" (")[0] in b for b in blockers):
                            blockers.append(label)
                elif match.target_id < work.id:
                    blockers.append(
                        f"earlier registration {match.label} ({match.verdict} {match.score:.2f})"
                    )
        return blockers

    def _comparison(self, sighting_sha: str, work_id: int) -> bytes | None:
        """The side-by-side picture of the sighting and the work, as PNG."""
        if self._explain is None:
            return None
        data = self.blobs.get(sighting_sha)
        for match in self._check(data):
            if match.kind == "work" and match.target_id == work_id and match.match is not None:
                rgb = self._explain(data, match)
                buffer = io.BytesIO()
                Image.fromarray(rgb).save(buffer, "PNG")
                return buffer.getvalue()
        return None

    def _event(
        self,
        session: Session,
        case: Case,
        action: str,
        trigger: str | None,
        actor: PartyRef,
        facts: dict[str, Any],
        files: Sequence[FileRef] = (),
        channel: str = "cli",
        entry_type: str = "status_change",
    ) -> CaseEvent:
        """One signed log entry on the case's subject and its row: the state change (or the
        fact added, when ``trigger`` is None) visible to both parties."""
        if case.details.get("hold") and action not in (
            "judgement",
            "litigation_hold",
            "court_assignment",
        ):
            raise Refused(f"C-{case.id} is under a litigation hold: its records are frozen")
        before = case.state if action != "open" else None
        after = next_state(case.state, trigger) if trigger else case.state
        case.state = after
        index = self._append(
            session,
            Event(
                type=entry_type,
                subject=case_subject(case.id),
                facts={
                    "case": case.id,
                    "action": action,
                    "from": before,
                    "to": after,
                    "actor": actor.hash,
                    **facts,
                },
                files=tuple(files),
                provenance=registry.provenance(channel),
            ),
        )
        row = CaseEvent(
            case_id=case.id,
            action=action,
            from_state=before,
            to_state=after,
            actor=actor.name,
            facts=facts,
            log_index=index,
        )
        DisputesRepository(session).add(row)
        return row

    def _case_info(
        self,
        session: Session,
        repo: DisputesRepository,
        case: Case,
        token: str | None = None,
    ) -> CaseInfo:
        names = registry.parties(session, [case.claimant_id, case.respondent_id])
        work = registry.work(session, case.work_id)
        return CaseInfo(
            id=case.id,
            lead=case.lead_id,
            work=work.label,
            claimant=names[case.claimant_id].name,
            respondent=names[case.respondent_id].name,
            agent=case.agent,
            state=case.state,
            # The transcript stays on the mediation's board (在线调解规则 Art 18).
            # Token hashes are access, not record.
            details={
                k: v for k, v in case.details.items() if k not in ("transcript", "supplier_tokens")
            },
            events=tuple(
                {
                    "action": e.action,
                    "from": e.from_state,
                    "to": e.to_state,
                    "actor": e.actor,
                    "log_index": e.log_index,
                    "at": e.created_at.isoformat(timespec="seconds"),
                }
                for e in repo.events(case.id)
            ),
            documents=tuple((d.role, d.sha256) for d in repo.documents(case.id)),
            token=token,
        )


def _fee(
    metres: float | None, invoice: bytes | None, invoice_fee: float | None
) -> tuple[float, str]:
    """The fee and the formula shown to both sides: the published tariff by metres sold, or
    the owner's own licence invoice; never a number without its basis."""
    if invoice is not None or invoice_fee is not None:
        if invoice is None or invoice_fee is None:
            raise InputError("a fee from the owner's licence invoice needs --invoice and --fee")
        return (
            invoice_fee,
            f"owner's licence invoice SHA-256 {_sha(invoice)[:16]}…: {invoice_fee:g}",
        )
    if metres is None or metres <= 0:
        raise InputError("the fee needs the metres sold (--metres) or the owner's invoice")
    t = tariff()
    raw = t["per_metre_yuan"] * metres
    fee = min(max(raw, t["minimum_yuan"]), t["maximum_yuan"])
    return fee, (
        f"min(max({t['per_metre_yuan']} yuan/m × {metres:g} m, {t['minimum_yuan']}), "
        f"{t['maximum_yuan']}) — {t['name']}, {t['published']}"
    )


def _send_mail(smtp: tuple[str, int], to: str, subject: str, pdf: bytes, case_id: int) -> None:
    message = EmailMessage()
    message["From"] = "fangdu@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("警告函见附件。The warning letter is attached (Chinese authoritative).")
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"notice-C-{case_id}.pdf"
    )
    try:
        with smtplib.SMTP(smtp[0], smtp[1], timeout=10) as server:
            server.send_message(message)
    except OSError as exc:
        raise Refused(
            f"the SMTP server {smtp[0]}:{smtp[1]} did not take the notice: {exc}"
        ) from None
