"""Gather the evidence about one work or prior-art record for a court bundle.

The bundle proves every log entry about the record against one checkpoint: the one that best
stands on its own (timestamped, then most cosigned, then newest) among those covering them.
It also opens the commitments of the record's sealed entries (application, decisions): the
public log shows only the commitments, the owner's bundle proves what they stand for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fangdu.errors import Conflict
from fangdu.ledger.bundle import BundleContents
from fangdu.ledger.entries import parse_entry
from fangdu.ledger.note import verifier_key_string
from fangdu.registry import events
from fangdu.registry.schemas import PriorArtInfo, WorkInfo

if TYPE_CHECKING:
    from fangdu.registry.services import Registry

_EXTENSIONS = {
    "PNG": ".png",
    "JPEG": ".jpg",
    "TIFF": ".tif",
    "WEBP": ".webp",
    "GIF": ".gif",
    "BMP": ".bmp",
}


def collect_evidence(registry: Registry, key: str) -> BundleContents:
    """The contents of the evidence bundle of ``key`` (work id, number, or P-<id>)."""
    record = registry.queries.show(key)
    store = registry.ledger
    if not registry.read_only:
        registry.integrate()  # entries committed but not yet in a checkpoint
    if isinstance(record, WorkInfo):
        subject = events.work_subject(record.id)
        facts = {
            "title": record.title,
            "registration_no": record.registration_no,
            "status": record.status,
        }
    else:
        assert isinstance(record, PriorArtInfo)
        subject = events.prior_art_subject(record.id)
        facts = {"title": record.title}
    about = store.entries_about(subject)
    if not about:
        raise Conflict(f"{record.label} has no entries in the evidence log")
    needed = about[-1][0] + 1
    candidates = store.checkpoints(min_size=needed)
    if not candidates:
        raise Conflict(f"the entries about {record.label} are not in a checkpoint yet")
    chosen = max(
        candidates,
        key=lambda c: (c.timestamp_token is not None, len(c.cosignatures), c.checkpoint.size),
    )
    size = chosen.checkpoint.size
    entries = [(index, data, store.inclusion_proof(index, size)) for index, data in about]
    files, seen = [], set()
    for _, data, _ in entries:
        for ref in parse_entry(data)["body"]["files"]:
            if ref["sha256"] in seen:
                continue
            seen.add(ref["sha256"])
            ext = _EXTENSIONS.get(record.image_format, "") if ref["role"] == "original" else ""
            files.append((ref["sha256"], ref["role"], registry.blobs.get(ref["sha256"]), ext))
    chain = None
    if chosen.timestamp_token is not None:
        chain = chosen.timestamp_chain or b""
        if registry.settings.timestamp_ca is not None:
            chain += registry.settings.timestamp_ca.read_bytes()  # the root, last
    return BundleContents(
        subject=subject,
        record=facts,
        origin=store.origin,
        log_vkey=verifier_key_string(store.signer),
        checkpoint_note=chosen.note + "".join(chosen.cosignatures).encode(),
        checkpoint_text=chosen.checkpoint.to_text(),
        entries=entries,
        files=files,
        timestamp_token=chosen.timestamp_token,
        tsa_chain_pem=chain,
        witness_vkeys=[w.key for w in registry.settings.witnesses],
        openings=store.openings([index for index, _ in about]),
    )
