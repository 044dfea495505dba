"""The bank officer's due-diligence report on one work, tied to one checkpoint of the log.

Everything in it comes from the log entries about the work up to the checkpoint's size (the
registration, every rights record), so the same checkpoint always gives the same report: the
JSON is RFC 8785 canonical and signed by the log's key, and the PDF is drawn from that JSON in
ReportLab's invariant mode. Each entry travels with its inclusion proof, so ``verify_report``
checks the report offline against the log's public key: the signature, the checkpoint's
signature, every inclusion proof, every party signature, and that the standing, chain of title
and encumbrances it states are what the entries give.

Each entry names the leaf hash of the previous entry about the same work, so the verifier also
checks that the listed entries run unbroken from the work's first entry. Not (yet) proven: that
no entry about the work follows the last one listed before the checkpoint (the issue's sparse
Merkle "proof of absence"); anyone holding the public log can check that, the report alone
cannot.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import rfc8785
from cryptography.exceptions import InvalidSignature

from fangdu.errors import Conflict, InputError, VerificationError
from fangdu.ledger.checkpoint import open_checkpoint
from fangdu.ledger.entries import SALT_BYTES, parse_entry
from fangdu.ledger.merkle import leaf_hash, verify_inclusion
from fangdu.ledger.note import parse_verifier_key, verifier_key_string
from fangdu.rights.history import LICENSEES, Holding, standing
from fangdu.rights.law import protection_ends
from fangdu.rights.rebuild import fold

if TYPE_CHECKING:
    from fangdu.rights.services import RightsService

REPORT_VERSION = 2  # 2: findings name the signatures only declared
REPORT_CONTEXT = b"fangdu-rights-report/v1\n"


def build_report(
    rights: RightsService,
    key: str,
    *,
    maturity: dt.date,
    as_of: dt.date | None = None,
    checkpoint_size: int | None = None,
) -> bytes:
    """The signed report (canonical JSON bytes) on ``key`` as of a checkpoint: the given size,
    else the newest one covering every entry about the work. ``as_of`` defaults to the day of
    the work's last entry in it."""
    view = rights.show(key)
    work = view.work
    store = rights.ledger
    about = [(i, d) for i, d in store.entries_about(f"work:{work.id}")]
    if not about:
        raise Conflict(f"{work.label} has no entries in the evidence log")
    if checkpoint_size is None:
        candidates = store.checkpoints(min_size=about[-1][0] + 1)
        if not candidates:
            raise Conflict(f"the entries about {work.label} are not in a checkpoint yet")
        chosen = max(candidates, key=lambda c: c.checkpoint.size)
    else:
        chosen = store.checkpoint(checkpoint_size)
        if chosen is None:
            raise InputError(f"the log has no checkpoint of size {checkpoint_size}")
    size = chosen.checkpoint.size
    about = [(i, d) for i, d in about if i < size]
    entries = [parse_entry(d)["body"] for _, d in about]
    day = as_of or dt.date.fromisoformat(entries[-1]["time"][:10])
    openings = {}
    for body in entries:
        record = body["facts"].get("record")
        if body["type"] == "licence" and record is not None:
            opening = rights.opening(record)
            if opening is not None:
                openings[str(record)] = base64.b64encode(opening).decode()
    # Only the parties of these entries: a later record must not change this report.
    parties = {h.party for h in fold([d for _, d in about]).get(work.id, [])}
    registration = _registration(entries)
    # The log names parties only by hash; the kind (person or company, for Art 23's term)
    # is the registry's, stated here and used as stated by the verifier.
    owner_kind = work.owner.kind if work.owner is not None else "person"
    body = {
        "v": REPORT_VERSION,
        "kind": "fangdu due-diligence report",
        "log": store.origin,
        "log_key": verifier_key_string(store.signer),
        "checkpoint": base64.b64encode(chosen.note).decode(),
        "work": {
            "work_id": work.id,
            "registration_no": registration.get("registration_no"),
            "title": registration.get("title"),
            "status": registration.get("status"),
            "created_on": registration.get("created_on"),
            "published_on": registration.get("published_on"),
            "owner_kind": owner_kind,
            "original_sha256": _original(about),
        },
        "as_of": day.isoformat(),
        "maturity": maturity.isoformat(),
        "prior_art_conflicts": list(view.prior_art_conflicts),
        # The names behind the log's party hashes, as the registry states them (the salts
        # that would prove them stay with the parties).
        "names": {h: n for h, n in sorted(view.names.items()) if h in parties},
        "open_disputes": None,  # no disputes context exists yet: not checked, not "none"
        "licence_terms": openings,
        "entries": [
            {
                "index": index,
                "entry": base64.b64encode(data).decode(),
                "proof": [base64.b64encode(p).decode() for p in store.inclusion_proof(index, size)],
            }
            for index, data in about
        ],
    }
    body["findings"] = findings(body, protection_kind=owner_kind)
    payload = rfc8785.dumps(body)
    signature = store.signer.private_key.sign(REPORT_CONTEXT + payload)
    return rfc8785.dumps({"report": body, "signature": base64.b64encode(signature).decode()})


def findings(body: Mapping[str, Any], *, protection_kind: str) -> dict[str, Any]:
    """What the entries say on the report's day: standing, chain of title, encumbrances,
    protection against maturity, licence income on record. Recomputed by the verifier."""
    work = body["work"]
    datas = [base64.b64decode(e["entry"]) for e in body["entries"]]
    holdings = fold(datas).get(work["work_id"], [])
    day = dt.date.fromisoformat(body["as_of"])
    maturity = dt.date.fromisoformat(body["maturity"])
    now = standing(work["work_id"], day, holdings)
    ends = protection_ends(
        protection_kind,
        dt.date.fromisoformat(work["created_on"]) if work["created_on"] else None,
        dt.date.fromisoformat(work["published_on"]) if work["published_on"] else None,
    )
    pledges = sorted(
        (h for h in holdings if h.role == "pledgee"), key=lambda h: (h.rank or 0, h.record or 0)
    )
    first_pledge = min((h.applied_on for h in pledges if h.applied_on), default=None)
    licences = [h for h in holdings if h.role in LICENSEES]
    income = []
    for record, opening in sorted(body["licence_terms"].items(), key=lambda kv: int(kv[0])):
        terms = json.loads(base64.b64decode(opening)[SALT_BYTES:])
        income.append({"record": int(record), "fee": terms.get("fee")})
    return {
        "standing": now.as_json(),
        "chain_of_title": [_item(h) for h in holdings if h.role == "owner"],
        "pledges_in_order": [_item(h) for h in pledges],
        "exclusive_licences": [_item(h) for h in licences if h.role == "exclusive_licensee"],
        "licences_before_first_pledge": [
            _item(h)
            for h in licences
            if first_pledge is not None and h.starts_on is not None and h.starts_on <= first_pledge
        ],
        "protection_ends": ends.isoformat() if ends else None,
        "protection_outlasts_maturity": None if ends is None else ends >= maturity,
        "licence_income_on_record": income,
        "signatures_declared": _declared(datas),
    }


def _declared(datas: Sequence[bytes]) -> list[dict[str, Any]]:
    """Signatures the registry made on another party's word, not seeing them made (basis
    ``declared``, docs/RIGHTS.md): a lender checks those against the contract itself."""
    out = []
    for data in datas:
        facts = parse_entry(data)["body"]["facts"]
        for item in facts.get("signature_basis", ()):
            if item["basis"] == "declared":
                out.append(
                    {"record": facts["record"], "party": item["party"], "role": item["role"]}
                )
    return out


def verify_report(data: bytes, log_key: str) -> list[str]:
    """Check a report offline against the log's verifier key; the checks passed, or raise."""
    try:
        outer = json.loads(data)
        body, signature = outer["report"], base64.b64decode(outer["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError(f"not a Fangdu rights report: {exc}") from None
    if rfc8785.dumps(outer) != data:
        raise VerificationError("the report is not in RFC 8785 canonical form")
    verifier = parse_verifier_key(log_key)
    try:
        verifier.public_key.verify(signature, REPORT_CONTEXT + rfc8785.dumps(body))
    except InvalidSignature:
        raise VerificationError("the report's signature is not the log key's") from None
    done = ["the report is signed by the log's key"]
    checkpoint, _ = open_checkpoint(base64.b64decode(body["checkpoint"]), [verifier])
    if checkpoint.origin != body["log"]:
        raise VerificationError("the checkpoint is of another log")
    done.append(f"checkpoint of size {checkpoint.size} signed by {checkpoint.origin}")
    previous = None
    for item in body["entries"]:
        entry = base64.b64decode(item["entry"])
        proof = [base64.b64decode(p) for p in item["proof"]]
        verify_inclusion(leaf_hash(entry), item["index"], checkpoint.size, proof, checkpoint.root)
        parsed = parse_entry(entry)["body"]
        if parsed["subject"] != f"work:{body['work']['work_id']}":
            raise VerificationError(f"entry {item['index']} is about {parsed['subject']}")
        # Each entry names the previous one about its subject: none left out in between.
        if parsed["prev"] != previous:
            raise VerificationError(f"entry {item['index']} does not follow the one before it")
        previous = leaf_hash(entry).hex()
    done.append(
        f"{len(body['entries'])} entries included in that checkpoint, each signed, chained from "
        "the work's first entry with none left out"
    )
    recomputed = findings(body, protection_kind=body["work"]["owner_kind"])
    if body.get("v") == 1:  # written before declared signatures were reported
        recomputed.pop("signatures_declared")
    if recomputed != body["findings"]:
        raise VerificationError("the findings are not what the entries give")
    done.append("standing, chain of title and encumbrances recomputed from the entries")
    return done


def _item(h: Holding) -> dict[str, Any]:
    return h.as_json()


def _registration(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    for body in entries:
        facts = body["facts"]
        if body["type"] == "registration" or (
            body["type"] == "status_change" and facts.get("status") == "registered"
        ):
            return dict(facts)
    raise Conflict("the work's registration is not in the log")


def _original(about: Sequence[tuple[int, bytes]]) -> str | None:
    for _, data in about:
        for ref in parse_entry(data)["body"]["files"]:
            if ref["role"] == "original":
                return ref["sha256"]
    return None


def verify_report_with(data: bytes, log_key: str | None) -> list[str]:
    """``verify_report`` with the trusted key if given, else the key the report names (which
    proves only that report and log agree: compare it with the registry's published key)."""
    if log_key is not None:
        return verify_report(data, log_key)
    try:
        named = json.loads(data)["report"]["log_key"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError(f"not a Fangdu rights report: {exc}") from None
    return [
        *verify_report(data, named),
        f"NOTE: the log key was taken from the report ({named}); pin it with --policy",
    ]
