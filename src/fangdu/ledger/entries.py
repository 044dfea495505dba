"""Log entries: one canonical-JSON document per registry event, signed by its submitter.

An entry is ``{"body": {...}, "signature": {...}}`` serialised with RFC 8785 (JSON
Canonicalization Scheme), so anyone can re-serialise what they parsed and get the same bytes,
hence the same Merkle leaf hash. The body holds:

- ``v``, ``log`` (the log's origin), ``type`` (one of EVENT_TYPES), ``subject`` ("work:12"),
  ``time`` (UTC, RFC 3339, seconds);
- ``files``: role, SHA-256 and size of each file concerned (the files stay in the blob store);
- ``facts``: what happened (title, registration number, statuses, dates...); for a record
  that is not public (an application, a decision on it) only ``{"commitment": <hex>}``, a
  hiding commitment to the facts whose opening the registry keeps privately (see ``commit``);
- ``prev``: hex leaf hash of the previous entry about the same subject, or null;
- ``submitter``: ``key`` (hex SHA-256 of their Ed25519 public key) and ``party`` (hex
  SHA-256 of the party's secret salt and name, or null): identities without personal data in
  clear;
- ``provenance``: how the event reached the log (channel, tool); never a host name.

The signature is Ed25519 by the submitter's key over ``SIGNING_CONTEXT`` + the canonical body.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fangdu.errors import VerificationError
from fangdu.ledger.note import Signer

ENTRY_VERSION = 1
SIGNING_CONTEXT = b"fangdu-entry/v1\n"
EVENT_TYPES = (
    "registration",
    "application",
    "prior_art",
    "status_change",
    "transfer",
    "licence",
    "pledge",
    "pledge_release",
    "infringement_evidence",
    "mediation_agreement",
    "judgement",
    "correction",
)
# The tlog-tiles entry bundle stores each entry's length in 16 bits.
MAX_ENTRY_BYTES = 65535
# The one fact a sealed entry shows: SHA-256 over SALT_BYTES of random salt and the facts.
COMMITMENT = "commitment"
SALT_BYTES = 32


class EntryError(VerificationError):
    """An entry that is malformed, too large, or whose signature does not verify."""


@dataclass(frozen=True)
class FileRef:
    role: str  # "original", "exhibit", "agreement", ...
    sha256: str
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Event:
    """What the registry reports to the log."""

    type: str
    subject: str
    facts: Mapping[str, Any]
    files: Sequence[FileRef] = ()
    party_hash: str | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    time: dt.datetime | None = None
    # Facts that are not public: the entry shows only a commitment to them (see ``commit``).
    sealed: Mapping[str, Any] | None = None


def party_hash(salt: str, name: str) -> str:
    """The identity a log entry shows for a party: SHA-256 over its salt and name."""
    return hashlib.sha256(f"{salt}\n{name}".encode()).hexdigest()


def pseudonym(key: bytes, kind: str, identifier: str) -> str:
    """An account's name in the log: HMAC-SHA256 under the registry's secret key.

    A plain hash of "account:7" is reversed by trying every number; without the key nobody
    can, while the registry can still say whose it is.
    """
    return hmac.new(key, f"{kind}\n{identifier}".encode(), hashlib.sha256).hexdigest()


def commit(facts: Mapping[str, Any]) -> tuple[str, bytes]:
    """A hiding commitment to ``facts`` and its opening.

    The opening is SALT_BYTES of random salt followed by the facts' RFC 8785 canonical JSON;
    the commitment is its hex SHA-256. The salt makes guessing the facts (a title, a date)
    and hashing them useless; revealing the opening proves the facts were logged.
    """
    opening = secrets.token_bytes(SALT_BYTES) + rfc8785.dumps(dict(facts))
    return hashlib.sha256(opening).hexdigest(), opening


def seal(event: Event) -> tuple[Event, bytes | None]:
    """The event as logged, its sealed facts replaced by their commitment; the opening."""
    if event.sealed is None:
        return event, None
    commitment, opening = commit(event.sealed)
    return replace(event, facts={**event.facts, COMMITMENT: commitment}, sealed=None), opening


def open_commitment(commitment: object, opening: bytes) -> dict[str, Any]:
    """The facts ``opening`` reveals, once checked to open ``commitment``."""
    if not isinstance(commitment, str):
        raise EntryError("the entry's facts hold no commitment")
    if hashlib.sha256(opening).hexdigest() != commitment:
        raise EntryError(f"SHA-256 of the opening is not the entry's commitment {commitment}")
    canonical = opening[SALT_BYTES:]
    try:
        facts = json.loads(canonical)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(f"the opened facts are not JSON: {exc}") from exc
    # One spelling: the bytes committed to are the canonical form of what they say.
    if not isinstance(facts, dict) or rfc8785.dumps(facts) != canonical:
        raise EntryError("the opened facts are not a canonical JSON object")
    return facts


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public_key)).hexdigest()


def build_entry(event: Event, *, origin: str, prev: bytes | None, submitter: Signer) -> bytes:
    """The canonical bytes of a signed entry for ``event``."""
    if event.type not in EVENT_TYPES:
        raise EntryError(f"unknown event type {event.type!r}")
    if event.sealed is not None:  # never publish what was meant to stay private
        raise EntryError("the event has sealed facts: seal() it and keep the opening")
    when = (event.time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    public = submitter.private_key.public_key()
    body = {
        "v": ENTRY_VERSION,
        "log": origin,
        "type": event.type,
        "subject": event.subject,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": [f.as_json() for f in event.files],
        "facts": dict(event.facts),
        "prev": prev.hex() if prev is not None else None,
        "submitter": {"key": key_fingerprint(public), "party": event.party_hash},
        "provenance": dict(event.provenance),
    }
    canonical_body = rfc8785.dumps(body)
    signature = {
        "alg": "Ed25519",
        "public_key": base64.b64encode(_raw(public)).decode(),
        "value": base64.b64encode(
            submitter.private_key.sign(SIGNING_CONTEXT + canonical_body)
        ).decode(),
    }
    # RFC 8785 writes members sorted and without whitespace, so the entry's canonical form is
    # its two canonical members spliced together (parse_entry re-checks the whole).
    data = b'{"body":' + canonical_body + b',"signature":' + rfc8785.dumps(signature) + b"}"
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(f"entry is {len(data)} bytes; the log takes at most {MAX_ENTRY_BYTES}")
    return data


def parse_entry(data: bytes) -> dict[str, Any]:
    """The entry's JSON, after checking it is canonical and its signature verifies."""
    try:
        entry = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(f"entry is not JSON: {exc}") from exc
    if not isinstance(entry, dict) or set(entry) != {"body", "signature"}:
        raise EntryError("entry must hold exactly 'body' and 'signature'")
    if rfc8785.dumps(entry) != data:
        raise EntryError("entry is not in RFC 8785 canonical form")
    body, sig = entry["body"], entry["signature"]
    if not isinstance(body, dict) or not isinstance(sig, dict) or sig.get("alg") != "Ed25519":
        raise EntryError("entry signature must be an Ed25519 signature object")
    try:
        raw_key = base64.b64decode(sig["public_key"], validate=True)
        value = base64.b64decode(sig["value"], validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw_key)
    except (KeyError, TypeError, ValueError) as exc:
        raise EntryError(f"entry signature is malformed: {exc}") from exc
    if body.get("submitter", {}).get("key") != hashlib.sha256(raw_key).hexdigest():
        raise EntryError("submitter key fingerprint does not match the signing key")
    try:
        public.verify(value, SIGNING_CONTEXT + rfc8785.dumps(body))
    except InvalidSignature as exc:
        raise EntryError("submitter signature does not verify") from exc
    return entry


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
