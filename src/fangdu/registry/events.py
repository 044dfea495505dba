"""Registry facts as evidence-log events: what a court needs, no personal data in clear."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from collections.abc import Sequence

from fangdu import __version__
from fangdu.ledger.entries import Event, FileRef, party_hash
from fangdu.registry.models import Party, PriorArt, Work
from fangdu.registry.schemas import MatchInfo


def work_subject(work_id: int) -> str:
    return f"work:{work_id}"


def prior_art_subject(prior_art_id: int) -> str:
    return f"prior_art:{prior_art_id}"


def provenance(channel: str, **extra: str) -> dict[str, str]:
    """How an event reached the registry: the channel, this program, the registry's host."""
    return {"channel": channel, "tool": f"fangdu {__version__}", "host": socket.gethostname(),
            **extra}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _party(party: Party | None) -> str | None:
    return party_hash(party.salt, party.name) if party is not None else None


def _image(row: Work | PriorArt) -> dict[str, object]:
    return {"format": row.image_format, "width": row.image_width, "height": row.image_height}


def _original(row: Work | PriorArt) -> FileRef:
    return FileRef("original", row.image_sha256, row.image_size)


def work_filed(
    work: Work,
    owner: Party | None,
    designers: Sequence[Party],
    matches: Sequence[MatchInfo],
    source: dict[str, str],
) -> Event:
    """A work entering the registry: registered at once, or an application pending review."""
    facts: dict[str, object] = {
        "work_id": work.id,
        "title": work.title,
        "status": work.status,
        "registration_no": work.registration_no,
        "owner": _party(owner),
        "designers": [_party(d) for d in designers],
        "created_on": _date(work.created_on),
        "published_on": _date(work.published_on),
        "category": work.category,
        "colourways": list(work.colourways or []),
        "image": _image(work),
    }
    if matches:
        # What the duplicate check found when it was filed: part of the record of diligence.
        facts["matches"] = [
            {"kind": m.kind, "ref": m.registration_no or m.label, "score": round(m.score, 4),
             "verdict": m.verdict}
            for m in matches
        ]
    return Event(
        type="registration" if work.status == "registered" else "application",
        subject=work_subject(work.id),
        facts=facts,
        files=(_original(work),),
        party_hash=_party(owner),
        provenance=source,
        time=work.registered_at or work.created_at,
    )


def prior_art_seen(prior_art: PriorArt, source: dict[str, str]) -> Event:
    return Event(
        type="prior_art",
        subject=prior_art_subject(prior_art.id),
        facts={
            "prior_art_id": prior_art.id,
            "title": prior_art.title,
            "source": prior_art.source,
            "first_seen": _date(prior_art.first_seen),
            "image": _image(prior_art),
        },
        files=(_original(prior_art),),
        provenance=source,
        time=prior_art.created_at,
    )


def status_changed(work: Work, reviewer: str, reason: str | None, source: dict[str, str]
                   ) -> Event:
    """A reviewer's decision: the new status, the number it issued, and the stated reasons."""
    return Event(
        type="status_change",
        subject=work_subject(work.id),
        facts={
            "work_id": work.id,
            "title": work.title,
            "status": work.status,
            "registration_no": work.registration_no,
            # The reviewer's account is named by its hash: accountable, not public.
            "decided_by": hashlib.sha256(f"reviewer\n{reviewer}".encode()).hexdigest(),
            "reason": reason,
        },
        provenance=source,
        time=work.decided_at,
    )
