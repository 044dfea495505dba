"""Registry facts as evidence-log events: what a court needs, nothing private in clear.

The log is public. A registered work's public facts go into it as they are; an application,
and a decision on one, show only a salted commitment to their facts (``Event.sealed``), whose
opening the registry keeps and hands to the owner in the record's evidence bundle. Parties
appear as SHA-256 over their secret salt and name, accounts as an HMAC under the registry's
secret key: neither can be reversed by trying names or numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fangdu import __version__
from fangdu.ledger.entries import Event, FileRef, party_hash, pseudonym
from fangdu.registry.models import Party, PriorArt, Work
from fangdu.registry.schemas import MatchInfo


def work_subject(work_id: int) -> str:
    return f"work:{work_id}"


def prior_art_subject(prior_art_id: int) -> str:
    return f"prior_art:{prior_art_id}"


def provenance(channel: str) -> dict[str, str]:
    """How an event reached the registry: the channel and this program (no host name)."""
    return {"channel": channel, "tool": f"fangdu {__version__}"}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _party(party: Party | None) -> str | None:
    return party_hash(party.salt, party.name) if party is not None else None


def _image(row: Work | PriorArt) -> dict[str, object]:
    return {"format": row.image_format, "width": row.image_width, "height": row.image_height}


def _original(row: Work | PriorArt) -> FileRef:
    return FileRef("original", row.image_sha256, row.image_size)


def _work_facts(work: Work, owner: Party | None, designers: Sequence[Party]) -> dict[str, object]:
    return {
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


def work_filed(
    work: Work,
    owner: Party | None,
    designers: Sequence[Party],
    matches: Sequence[MatchInfo],
    source: dict[str, str],
) -> Event:
    """A work entering the registry: registered at once (public), or an application (sealed)."""
    facts = _work_facts(work, owner, designers)
    if matches:
        # What the duplicate check found when it was filed: part of the record of diligence.
        facts["matches"] = [
            {
                "kind": m.kind,
                "ref": m.registration_no or m.label,
                "score": round(m.score, 4),
                "verdict": m.verdict,
            }
            for m in matches
        ]
    registered = work.status == "registered"
    return Event(
        type="registration" if registered else "application",
        subject=work_subject(work.id),
        facts=facts if registered else {},
        files=(_original(work),),
        # An application names no party in clear: the hash would tie it to the owner's works.
        party_hash=_party(owner) if registered else None,
        provenance=source,
        time=work.registered_at or work.created_at,
        sealed=None if registered else facts,
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


def status_changed(
    work: Work, reviewer: str, reason: str | None, source: dict[str, str], key: bytes
) -> Event:
    """A reviewer's decision, sealed; an approval also publishes the registration's facts.

    ``key`` is the registry's secret for account pseudonyms: the reviewer is accountable to
    the registry and the court, and unknown to the public.
    """
    decision = {
        "work_id": work.id,
        "status": work.status,
        "decided_by": pseudonym(key, "reviewer", reviewer),
        "reason": reason,
    }
    approved = work.status == "registered"
    return Event(
        type="status_change",
        subject=work_subject(work.id),
        facts=_work_facts(work, work.owner, work.designers) if approved else {},
        party_hash=_party(work.owner) if approved else None,
        provenance=source,
        time=work.decided_at,
        sealed=decision if approved else {**decision, "title": work.title},
    )
