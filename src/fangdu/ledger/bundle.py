"""The evidence bundle: one zip a court can check offline, by hand or with `fangdu verify`.

Layout (every name fixed, so a verifier derives each path rather than trusting one):

    README.txt              how to check it by hand (not evidence; never read by the verifier)
    manifest.json           the index, format "fangdu-evidence/v1"
    checkpoint              the log's signed note, plus any witness cosignature lines
    checkpoint.txt          the checkpoint body: exactly what the RFC 3161 timestamp covers
    checkpoint.tsr          the DER TimeStampResp, if the checkpoint was timestamped
    tsa-chain.pem           the TSA's certificates, signer first and root last, if timestamped
    entries/<index>.json    each log entry, byte for byte as logged
    openings/<index>.bin    the opening of a sealed entry's commitment: 32 bytes of salt, then
                            the facts in RFC 8785 JSON (its SHA-256 is the commitment)
    files/<sha256><ext>     each registered file, byte for byte
    keys/log.vkey           the log's verifier key
    keys/witnesses.vkey     one witness verifier key per line (may be empty)

The zip is deterministic: members sorted by name, fixed timestamps and permissions, and
stored uncompressed. Stored rather than deflated because deflate output depends on the zlib
build, and the registered images are compressed already; so the same evidence gives the same
bytes on every machine.

Nothing here touches the database: the registry fills `BundleContents`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from fangdu.errors import VerificationError
from fangdu.ledger.bundle_readme import readme_text
from fangdu.ledger.checkpoint import open_checkpoint
from fangdu.ledger.entries import COMMITMENT, EntryError, open_commitment, parse_entry
from fangdu.ledger.merkle import leaf_hash
from fangdu.ledger.note import (
    CosignatureVerifier,
    Verifier,
    cosigner_verifier_key_string,
    parse_cosigner_key,
    parse_verifier_key,
    verifier_key_string,
)

__all__ = [
    "CHECKPOINT",
    "CHECKPOINT_TEXT",
    "EXTENSION",
    "FORMAT",
    "LOG_KEY",
    "MANIFEST",
    "README",
    "SHA256_HEX",
    "TIMESTAMP",
    "TSA_CHAIN",
    "WITNESS_KEYS",
    "BundleContents",
    "BundleError",
    "build_bundle",
    "entry_path",
    "file_path",
    "manifest_bytes",
    "opening_path",
    "write_bundle",
]

FORMAT = "fangdu-evidence/v1"
README = "README.txt"
MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint"
CHECKPOINT_TEXT = "checkpoint.txt"
TIMESTAMP = "checkpoint.tsr"
TSA_CHAIN = "tsa-chain.pem"
LOG_KEY = "keys/log.vkey"
WITNESS_KEYS = "keys/witnesses.vkey"

# 1980-01-01 is the earliest time a zip header can hold.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNIX = 3
_REGULAR_FILE_0644 = 0o100644 << 16
SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)
# A short, plain extension keeps file names portable and free of path tricks.
EXTENSION = re.compile(r"(\.[A-Za-z0-9]{1,16})?", re.ASCII)


class BundleError(VerificationError):
    """The contents given cannot make a well-formed bundle; the message says why."""


@dataclass(frozen=True)
class BundleContents:
    """Everything a bundle holds, as the registry and the log know it.

    entries: (index, exact entry bytes, inclusion proof against the checkpoint, leaf upward).
    files: (hex SHA-256, role, exact bytes, extension such as ".png" or "").
    record: registry facts to show in the manifest (title, registration_no...); each must
        equal that fact in the latest of `entries` stating it, or the verifier rejects.
    checkpoint_note: the signed note, with any witness cosignature lines appended; lines by
        witnesses not in witness_vkeys are left out (the court could not check them).
    witness_vkeys: witness verifier keys; only those that cosigned the note are kept.
    tsa_chain_pem: the certificates the token embeds, signer first, and the TSA's root; they
        are put in order (signer, issuers, root) and anything else is dropped. Given with
        timestamp_token or not at all.
    openings: entry index -> the opening of that sealed entry's commitment (salt and facts),
        checked against the entry; what it reveals counts as stated by the entry.
    """

    subject: str
    record: Mapping[str, Any]
    origin: str
    log_vkey: str
    checkpoint_note: bytes
    checkpoint_text: str
    entries: Sequence[tuple[int, bytes, Sequence[bytes]]]
    files: Sequence[tuple[str, str, bytes, str]]
    timestamp_token: bytes | None = None
    tsa_chain_pem: bytes | None = None
    witness_vkeys: Sequence[str] = ()
    openings: Mapping[int, bytes] = field(default_factory=dict)


def entry_path(index: int) -> str:
    return f"entries/{index}.json"


def opening_path(index: int) -> str:
    return f"openings/{index}.bin"


def file_path(sha256: str, ext: str) -> str:
    return f"files/{sha256}{ext}"


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The one serialisation of a manifest: sorted keys, two-space indent, UTF-8, final newline.

    Readable in a text editor, and the verifier demands exactly these bytes, so a manifest has
    a single spelling.
    """
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _key_lines(keys: Sequence[str]) -> bytes:
    return "".join(f"{key}\n" for key in keys).encode("utf-8")


def _signed_checkpoint(contents: BundleContents) -> tuple[int, bytes, str, list[str]]:
    """Tree size, the note with only signatures the court can check, the log's key and the keys
    of the witnesses that cosigned, each in its canonical spelling.

    Every signature line is verified here, so a bundle the verifier would reject for its
    checkpoint is never written.
    """
    try:
        log_key = parse_verifier_key(contents.log_vkey)
        witnesses = [parse_cosigner_key(key) for key in contents.witness_vkeys]
        verifiers: list[Verifier | CosignatureVerifier] = [log_key, *witnesses]
        checkpoint, opened = open_checkpoint(contents.checkpoint_note, verifiers)
    except ValueError as exc:
        raise BundleError(f"checkpoint note or keys: {exc}") from None
    if opened.text != contents.checkpoint_text:
        raise BundleError("checkpoint_text is not the text of checkpoint_note")
    if checkpoint.origin != contents.origin:
        raise BundleError(f"checkpoint is of {checkpoint.origin!r}, not {contents.origin!r}")
    signed = {(s.name, bytes(s.key_id)) for s in opened.signatures}
    cosigners = sorted(
        cosigner_verifier_key_string(w) for w in witnesses if (w.name, bytes(w.key_id)) in signed
    )
    note = opened.text + "\n" + "".join(signature.line for signature in opened.signatures)
    return checkpoint.size, note.encode("utf-8"), verifier_key_string(log_key), cosigners


def _tsa_chain(pem: bytes) -> bytes:
    """The TSA chain in one spelling: the first certificate, each issuer after it, the root."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise BundleError(f"TSA chain is not PEM certificates: {exc}") from None
    chain = [certs[0]]
    while chain[-1].issuer != chain[-1].subject:
        issuer = next((c for c in certs if c.subject == chain[-1].issuer and c not in chain), None)
        if issuer is None:
            raise BundleError(
                f"TSA chain stops at {chain[-1].issuer.rfc4514_string()}: add the TSA's root"
            )
        chain.append(issuer)
    return b"".join(cert.public_bytes(Encoding.PEM) for cert in chain)


def _members(contents: BundleContents) -> dict[str, bytes]:
    size, note, log_key, cosigners = _signed_checkpoint(contents)
    if (contents.timestamp_token is None) != (contents.tsa_chain_pem is None):
        raise BundleError("a timestamp token needs its TSA chain, and a chain needs a token")
    if not contents.entries:
        raise BundleError("a bundle needs at least one entry")

    members: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        if name in members:
            raise BundleError(f"{name} would be written twice")
        members[name] = bytes(data)

    entries = []
    unused = set(contents.openings)
    for index, data, proof in sorted(contents.entries, key=lambda e: e[0]):
        add(entry_path(index), data)
        entry = {
            "index": index,
            "path": entry_path(index),
            "leaf_hash": leaf_hash(data).hex(),
            "inclusion_proof": [_b64(h) for h in proof],
        }
        if index in contents.openings:
            opening = contents.openings[index]
            unused.discard(index)
            try:
                open_commitment(parse_entry(data)["body"]["facts"].get(COMMITMENT), opening)
            except EntryError as exc:
                raise BundleError(f"opening of entry {index}: {exc}") from None
            add(opening_path(index), opening)
            entry["opening"] = opening_path(index)
        entries.append(entry)
    if unused:
        raise BundleError(f"an opening for entry {min(unused)}, which the bundle lacks")
    files = []
    for sha256, role, data, ext in contents.files:
        if not SHA256_HEX.fullmatch(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            raise BundleError(f"file {sha256!r} ({role}) is not named by its lowercase SHA-256")
        if not EXTENSION.fullmatch(ext):
            raise BundleError(f"file extension {ext!r} is not '.' and 1-16 letters or digits")
        add(file_path(sha256, ext), data)
        files.append({"sha256": sha256, "path": file_path(sha256, ext), "role": role})
    files.sort(key=lambda f: f["path"])

    timestamp = None
    if contents.timestamp_token is not None and contents.tsa_chain_pem is not None:
        add(TIMESTAMP, contents.timestamp_token)
        add(TSA_CHAIN, _tsa_chain(contents.tsa_chain_pem))
        timestamp = {"token": TIMESTAMP, "message": CHECKPOINT_TEXT, "chain": TSA_CHAIN}

    manifest = {
        "format": FORMAT,
        "subject": contents.subject,
        "record": dict(contents.record),
        "origin": contents.origin,
        "checkpoint": {"note": CHECKPOINT, "text": CHECKPOINT_TEXT, "size": size},
        "entries": entries,
        "files": files,
        "timestamp": timestamp,
        "keys": {"log": LOG_KEY, "witnesses": WITNESS_KEYS},
    }
    add(MANIFEST, manifest_bytes(manifest))
    add(CHECKPOINT, note)
    add(CHECKPOINT_TEXT, contents.checkpoint_text.encode("utf-8"))
    add(LOG_KEY, _key_lines([log_key]))
    add(WITNESS_KEYS, _key_lines(cosigners))
    readme = readme_text(contents.subject, contents.origin, size, len(entries), len(files))
    add(README, readme.encode("utf-8"))
    return members


def build_bundle(contents: BundleContents) -> bytes:
    """The bundle's zip bytes; the same contents always give the same bytes."""
    members = _members(contents)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = _UNIX
            info.external_attr = _REGULAR_FILE_0644
            archive.writestr(info, members[name])
    return buffer.getvalue()


def write_bundle(path: Path, contents: BundleContents) -> None:
    """Write the bundle to `path` (replacing it), through a temporary file beside it."""
    data = build_bundle(contents)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
