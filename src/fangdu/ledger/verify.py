"""The court's offline verifier for an evidence bundle (see `bundle` for the layout).

`verify_bundle` re-derives everything the bundle claims from the bundle's own bytes and the
keys the court trusts, and reports each step as a named check:

    zip                     the archive is sane: safe names, no duplicates, bounded sizes
    manifest.json           well-formed, in its one canonical spelling, naming every member
    keys/log.vkey           the log key: from the policy when given, else from the bundle
    keys/witnesses.vkey     the witness keys the bundle names
    checkpoint              the note carries the log's valid signature; origin and size
    checkpoint.txt          equals the signed checkpoint's text (what the timestamp covers)
    entries/<i>.json        canonical, submitter-signed, leaf hash, inclusion in the checkpoint
    openings/<i>.bin        opens its sealed entry's commitment (SHA-256 equal, facts canonical)
    chain                   the entries about the subject link by `prev`, with no gap
    record                  the manifest's record fields are what the entries (and the
                            openings of their commitments) state
    files/<sha256><ext>     hash equals the name; referenced by an entry with that role, size
    originals               every original an entry references is in the bundle
    tsa-chain.pem           the TSA chain is canonical PEM and each certificate signs the last
    checkpoint.tsr          RFC 3161 over checkpoint.txt, against the trusted TSA root
    witnesses               every cosignature verifies; enough trusted witnesses cosigned
    README.txt              not evidence: never read

The module imports nothing from the registry or any database: a court runs it alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from fangdu.errors import LedgerError
from fangdu.ledger.bundle import (
    CHECKPOINT,
    CHECKPOINT_TEXT,
    EXTENSION,
    FORMAT,
    LOG_KEY,
    MANIFEST,
    README,
    SHA256_HEX,
    TIMESTAMP,
    TSA_CHAIN,
    WITNESS_KEYS,
    entry_path,
    manifest_bytes,
    opening_path,
)
from fangdu.ledger.checkpoint import Checkpoint, open_checkpoint
from fangdu.ledger.entries import COMMITMENT, open_commitment, parse_entry
from fangdu.ledger.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion
from fangdu.ledger.note import (
    CosignatureVerifier,
    OpenedNote,
    Verifier,
    b64decode_canonical,
    cosigner_verifier_key_string,
    parse_cosigner_key,
    parse_verifier_key,
    verifier_key_string,
)
from fangdu.ledger.timestamp import verify_timestamp

__all__ = [
    "Check",
    "Policy",
    "PolicyError",
    "Report",
    "load_policy",
    "verify_bundle",
    "verify_bundle_bytes",
]

# Zip-bomb limits, applied to the sizes the archive declares before anything is read (the
# reader never returns more than the declared size).
MAX_MEMBERS = 10_000
MAX_FILE_BYTES = 2 << 30  # one registered file (files/...)
MAX_OTHER_BYTES = 16 << 20  # any other member: manifest, entries, keys, token...
MAX_TOTAL_BYTES = 8 << 30
MAX_RATIO = 100  # a deflated member over 1 MiB may expand at most this much
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*", re.ASCII)
_MANIFEST_FIELDS = frozenset(
    {"format", "subject", "record", "origin", "checkpoint", "entries", "files", "timestamp", "keys"}
)
_POLICY_FIELDS = frozenset(
    {"log_key", "witness_keys", "witnesses_required", "timestamp_roots", "require_timestamp"}
)


class PolicyError(LedgerError, ValueError):
    """A policy file is unreadable or inconsistent; the message says why."""


class _Failed(Exception):
    """A check failed; the message is the reason shown to the court."""


# -- the policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What the court trusts, obtained independently of the bundle.

    log_key: the log's verifier key string, as the registry publishes it.
    witness_keys: witness (cosigner) verifier key strings; witnesses_required of them
        must have cosigned the checkpoint.
    timestamp_roots: PEM root certificate(s) of the trusted timestamp authorities.
    require_timestamp: reject a bundle without a timestamp.
    """

    log_key: str
    witness_keys: tuple[str, ...] = ()
    witnesses_required: int = 0
    timestamp_roots: bytes | None = None
    require_timestamp: bool = False

    def __post_init__(self) -> None:
        try:
            self.log_verifier()
            witnesses = self.witness_verifiers()
            if self.timestamp_roots is not None:
                x509.load_pem_x509_certificates(self.timestamp_roots)
        except ValueError as exc:
            raise PolicyError(str(exc)) from None
        if len(witnesses) != len(self.witness_keys):
            raise PolicyError("a witness key is listed twice")
        required = self.witnesses_required
        if isinstance(required, bool) or not isinstance(required, int):
            raise PolicyError(f"witnesses_required must be an integer, got {required!r}")
        if not 0 <= required <= len(witnesses):
            raise PolicyError(f"witnesses_required is {required}, but {len(witnesses)} are known")
        if self.require_timestamp and self.timestamp_roots is None:
            # Trusting whatever root the bundle brings would make the requirement hollow.
            raise PolicyError("require_timestamp needs timestamp_roots")

    def log_verifier(self) -> Verifier:
        return parse_verifier_key(self.log_key)

    def witness_verifiers(self) -> dict[tuple[str, bytes], CosignatureVerifier]:
        parsed = (parse_cosigner_key(key) for key in self.witness_keys)
        return {(v.name, bytes(v.key_id)): v for v in parsed}


def load_policy(path: Path) -> Policy:
    """Read a TOML policy; `timestamp_roots` is a PEM path relative to the policy file::

    log_key = "fangdu.example/log+0123abcd+AeRt..."
    witness_keys = ["witness.example+89abcdef+BJk..."]
    witnesses_required = 1
    timestamp_roots = "tsa-root.pem"
    require_timestamp = true
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - _POLICY_FIELDS)
    if unknown:  # a misspelt setting must not silently weaken the policy
        raise PolicyError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    log_key = data.get("log_key")
    if not isinstance(log_key, str):
        raise PolicyError(f"{path}: log_key (the log's verifier key string) is required")
    witness_keys = data.get("witness_keys", [])
    if not isinstance(witness_keys, list) or not all(isinstance(k, str) for k in witness_keys):
        raise PolicyError(f"{path}: witness_keys must be a list of key strings")
    require_timestamp = data.get("require_timestamp", False)
    if not isinstance(require_timestamp, bool):
        raise PolicyError(f"{path}: require_timestamp must be true or false")
    roots = None
    if "timestamp_roots" in data:
        if not isinstance(data["timestamp_roots"], str):
            raise PolicyError(f"{path}: timestamp_roots must be a path to a PEM file")
        try:
            roots = (path.parent / data["timestamp_roots"]).read_bytes()
        except OSError as exc:
            raise PolicyError(f"{path}: timestamp_roots: {exc}") from None
    try:
        return Policy(
            log_key=log_key,
            witness_keys=tuple(witness_keys),
            witnesses_required=data.get("witnesses_required", 0),
            timestamp_roots=roots,
            require_timestamp=require_timestamp,
        )
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One named step; `skipped` when a step it depends on failed."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    gen_time: dt.datetime | None = None  # the timestamp's genTime, when one verified

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def reason(self) -> str | None:
        """`<check name>: <detail>` of the first failure; None when verified."""
        failed = next((check for check in self.checks if not check.ok), None)
        return None if failed is None else f"{failed.name}: {failed.detail}"

    def render(self) -> str:
        """The report as text: the verdict, then one line per check, in a fixed order."""
        lines = ["VERIFIED" if self.ok else f"REJECTED: {self.reason}"]
        for check in self.checks:
            mark = "ok" if check.ok else "skip" if check.skipped else "FAIL"
            lines.append(f"  {mark:<4} {check.name}: {check.detail}")
        return "\n".join(lines) + "\n"


# -- verification ----------------------------------------------------------------------------


def verify_bundle(path: Path, policy: Policy | None = None) -> Report:
    """Verify the bundle at `path`, trusting `policy`'s keys (else the bundle's own, said so)."""
    try:
        with Path(path).open("rb") as stream:
            return _Verification(policy).run(stream)
    except OSError as exc:
        return Report((Check("zip", False, f"cannot read {path}: {exc.strerror or exc}"),))


def verify_bundle_bytes(data: bytes, policy: Policy | None = None) -> Report:
    """Verify a bundle held in memory (an upload, a test)."""
    return _Verification(policy).run(io.BytesIO(data))


@dataclass(frozen=True)
class _EntryRef:
    index: int
    path: str
    leaf_hash: bytes
    proof: tuple[bytes, ...]
    opening: str | None  # openings/<index>.bin, for a sealed entry whose facts the bundle opens


@dataclass(frozen=True)
class _FileRef:
    sha256: str
    path: str
    role: str


@dataclass(frozen=True)
class _Manifest:
    subject: str
    record: dict[str, Any]
    origin: str
    size: int
    entries: tuple[_EntryRef, ...]
    files: tuple[_FileRef, ...]
    timestamped: bool

    def members(self) -> set[str]:
        names = {MANIFEST, CHECKPOINT, CHECKPOINT_TEXT, LOG_KEY, WITNESS_KEYS}
        names.update(e.path for e in self.entries)
        names.update(e.opening for e in self.entries if e.opening is not None)
        names.update(f.path for f in self.files)
        if self.timestamped:
            names.update((TIMESTAMP, TSA_CHAIN))
        return names


@dataclass
class _Verification:
    policy: Policy | None
    checks: list[Check] = field(default_factory=list)
    members: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, tuple[str, int]] = field(default_factory=dict)  # files/: sha256, size
    manifest: _Manifest | None = None
    log_verifier: Verifier | None = None
    bundle_witnesses: dict[tuple[str, bytes], CosignatureVerifier] | None = None
    checkpoint: Checkpoint | None = None
    note: OpenedNote | None = None
    bodies: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    facts: dict[int, dict[str, Any]] = field(default_factory=dict)  # as stated, once opened
    opened: set[int] = field(default_factory=set)
    leaves: dict[int, bytes] = field(default_factory=dict)
    tsa_chain: list[x509.Certificate] | None = None
    gen_time: dt.datetime | None = None

    def run(self, stream: IO[bytes]) -> Report:
        if self._check("zip", lambda: self._read_zip(stream)) and self._check(
            MANIFEST, self._check_manifest
        ):
            self._check_rest()
        return Report(tuple(self.checks), self.gen_time)

    def _check_rest(self) -> None:
        manifest = self.manifest
        assert manifest is not None
        self._check(LOG_KEY, self._check_log_key)
        self._check(WITNESS_KEYS, self._check_witness_keys)
        self._check(CHECKPOINT, self._check_checkpoint, needs=self.log_verifier, why=LOG_KEY)
        self._check(CHECKPOINT_TEXT, self._check_checkpoint_text, needs=self.note, why=CHECKPOINT)
        for ref in manifest.entries:
            self._check(
                ref.path,
                lambda ref=ref: self._check_entry(ref),
                needs=self.checkpoint,
                why=CHECKPOINT,
            )
        sealed = [ref for ref in manifest.entries if ref.opening is not None]
        for ref in sealed:
            assert ref.opening is not None
            self._check(
                ref.opening,
                lambda ref=ref: self._check_opening(ref),
                needs=self.bodies.get(ref.index),
                why=ref.path,
            )
        all_entries = len(self.bodies) == len(manifest.entries) or None
        self._check("chain", self._check_chain, needs=all_entries, why="an entry")
        all_opened = (all_entries and len(self.opened) == len(sealed)) or None
        self._check("record", self._check_record, needs=all_opened, why="an entry or opening")
        for ref in manifest.files:
            self._check(
                ref.path,
                lambda ref=ref: self._check_file(ref),
                needs=all_entries,
                why="an entry",
            )
        self._check("originals", self._check_originals, needs=all_entries, why="an entry")
        if manifest.timestamped:
            self._check(TSA_CHAIN, self._check_tsa_chain)
            self._check(TIMESTAMP, self._check_timestamp, needs=self.tsa_chain, why=TSA_CHAIN)
        else:
            self._check(TIMESTAMP, self._check_no_timestamp)
        ready = self.note is not None and self.bundle_witnesses is not None
        self._check(
            "witnesses",
            self._check_witnesses,
            needs=ready or None,
            why=f"{CHECKPOINT} or {WITNESS_KEYS}",
        )
        present = README in self.members
        self.checks.append(
            Check(README, True, "not evidence, not checked" if present else "absent (not evidence)")
        )

    def _check(
        self, name: str, step: Callable[[], str], *, needs: object = True, why: str = ""
    ) -> bool:
        """Run one step and record it; skip it when what it `needs` (None) did not verify."""
        if needs is None:
            reason = f"not checked: {why} did not verify"
            self.checks.append(Check(name, False, reason, skipped=True))
            return False
        try:
            detail, ok = step(), True
        except _Failed as exc:
            detail, ok = str(exc), False
        # Corrupt input can surface as any exception from a parser; it must fail this check,
        # never escape as a traceback or, worse, be skipped over.
        except Exception as exc:
            detail, ok = _describe(exc), False
        self.checks.append(Check(name, ok, " ".join(detail.split())))
        return ok

    # -- the container ---------------------------------------------------------------------

    def _read_zip(self, stream: IO[bytes]) -> str:
        try:
            archive = zipfile.ZipFile(stream)
        except Exception as exc:  # zipfile raises many types on garbage
            raise _Failed(f"not a readable zip archive: {_describe(exc)}") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _Failed(f"{len(infos)} members, at most {MAX_MEMBERS} are accepted")
            total = 0
            seen: set[str] = set()
            for info in infos:
                total += _check_member(info, seen)
            if total > MAX_TOTAL_BYTES:
                raise _Failed(f"members expand to {total} bytes, at most {MAX_TOTAL_BYTES}")
            for info in infos:
                try:
                    self._read_member(archive, info)
                except Exception as exc:
                    raise _Failed(f"member {info.filename} is corrupt: {_describe(exc)}") from None
        return f"{len(infos)} members, {total} bytes; names safe, none repeated"

    def _read_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        with archive.open(info) as member:
            if not info.filename.startswith("files/"):
                self.members[info.filename] = member.read()
                return
            # Registered files may be large: hash them as they stream by.
            digest, size = hashlib.sha256(), 0
            while chunk := member.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
            self.digests[info.filename] = (digest.hexdigest(), size)

    # -- the index -------------------------------------------------------------------------

    def _check_manifest(self) -> str:
        if MANIFEST not in self.members:
            raise _Failed("the bundle has no manifest.json")
        manifest = self.manifest = _parse_manifest(self.members[MANIFEST])
        present = set(self.members) | set(self.digests)
        missing = sorted(manifest.members() - present)
        if missing:
            raise _Failed(f"manifest.json names {missing[0]}, which the bundle lacks")
        extra = sorted(present - manifest.members() - {README})
        if extra:
            raise _Failed(f"the bundle holds {extra[0]}, which manifest.json does not name")
        stamped = "with a timestamp" if manifest.timestamped else "without a timestamp"
        return (
            f"{FORMAT}; subject {manifest.subject}; {len(manifest.entries)} entries, "
            f"{len(manifest.files)} files, {stamped}; every member accounted for"
        )

    # -- keys ------------------------------------------------------------------------------

    def _check_log_key(self) -> str:
        lines = _key_lines(self.members[LOG_KEY])
        if len(lines) != 1:
            raise _Failed(f"holds {len(lines)} keys, not one")
        bundle_key = parse_verifier_key(lines[0])
        _canonical_key(lines[0], verifier_key_string(bundle_key))
        label = _label(bundle_key)
        if self.policy is None:
            self.log_verifier = bundle_key
            return (
                f"{label} taken from the bundle (no policy given): compare key id "
                f"{bundle_key.key_id.hex()} with the one the registry publishes"
            )
        trusted = self.policy.log_verifier()
        if verifier_key_string(trusted) != lines[0]:
            raise _Failed(f"keys/log.vkey is {label}, not the policy's log key {_label(trusted)}")
        self.log_verifier = trusted
        return f"{label} from the policy; the bundle's keys/log.vkey is the same key"

    def _check_witness_keys(self) -> str:
        lines = _key_lines(self.members[WITNESS_KEYS])
        keys: dict[tuple[str, bytes], CosignatureVerifier] = {}
        for line in lines:
            key = parse_cosigner_key(line)
            _canonical_key(line, cosigner_verifier_key_string(key))
            if keys.setdefault((key.name, bytes(key.key_id)), key) is not key:
                raise _Failed(f"lists {_label(key)} twice")
        self.bundle_witnesses = keys
        if not keys:
            return "no witness keys in the bundle"
        return f"{len(keys)} in the bundle: {', '.join(_label(k) for k in keys.values())}"

    # -- the checkpoint --------------------------------------------------------------------

    def _check_checkpoint(self) -> str:
        manifest, verifier = self.manifest, self.log_verifier
        assert manifest is not None and verifier is not None
        checkpoint, note = open_checkpoint(self.members[CHECKPOINT], [verifier])
        if checkpoint.origin != manifest.origin:
            raise _Failed(
                f"checkpoint is of log {checkpoint.origin!r}, "
                f"manifest.json says {manifest.origin!r}"
            )
        if checkpoint.size != manifest.size:
            raise _Failed(
                f"checkpoint has tree size {checkpoint.size}, manifest.json says {manifest.size}"
            )
        self.checkpoint, self.note = checkpoint, note
        root = checkpoint.to_text().splitlines()[2]
        return (
            f"signed by the log key {_label(verifier)}; log {checkpoint.origin}, "
            f"tree size {checkpoint.size}, root {root}"
        )

    def _check_checkpoint_text(self) -> str:
        assert self.note is not None
        if self.members[CHECKPOINT_TEXT] != self.note.text.encode("utf-8"):
            raise _Failed("differs from the text of the signed checkpoint")
        return "equals the signed checkpoint's text (what the timestamp covers)"

    # -- entries ---------------------------------------------------------------------------

    def _check_entry(self, ref: _EntryRef) -> str:
        checkpoint = self.checkpoint
        assert checkpoint is not None
        data = self.members[ref.path]
        body = _entry_body(parse_entry(data), ref.path)
        actual = leaf_hash(data)
        if actual != ref.leaf_hash:
            raise _Failed(f"leaf hash is {actual.hex()}, manifest.json says {ref.leaf_hash.hex()}")
        if body["log"] != checkpoint.origin:
            raise _Failed(f"{ref.path} was written for log {body['log']!r}, not this one")
        try:
            verify_inclusion(actual, ref.index, checkpoint.size, ref.proof, checkpoint.root)
        except ProofError as exc:  # the proof is manifest.json's, so name it
            raise _Failed(f"manifest.json's inclusion proof for {ref.path} fails: {exc}") from None
        self.bodies[ref.index], self.leaves[ref.index] = body, actual
        self.facts[ref.index] = dict(body["facts"])
        return (
            f"{body['type']} of {body['time']}, signed by submitter "
            f"{body['submitter']['key'][:16]}; leaf {actual.hex()[:16]} included at index "
            f"{ref.index} of tree size {checkpoint.size}"
        )

    def _check_opening(self, ref: _EntryRef) -> str:
        assert ref.opening is not None
        public = self.bodies[ref.index]["facts"]
        opened = open_commitment(public.get(COMMITMENT), self.members[ref.opening])
        # What the opening reveals is what the entry states, beside its public facts.
        self.facts[ref.index] = {**public, **opened}
        self.opened.add(ref.index)
        return (
            f"opens the commitment of {ref.path} ({public[COMMITMENT][:16]}): "
            f"{', '.join(sorted(opened)) or 'no facts'}"
        )

    def _check_chain(self) -> str:
        manifest = self.manifest
        assert manifest is not None
        previous: _EntryRef | None = None
        for ref in manifest.entries:
            body = self.bodies[ref.index]
            if body["subject"] != manifest.subject:
                raise _Failed(
                    f"{ref.path} is about {body['subject']!r}, manifest.json says "
                    f"{manifest.subject!r}"
                )
            if previous is None:
                if body["prev"] is not None:
                    raise _Failed(
                        f"{ref.path}'s prev is {body['prev']}, not null: an earlier entry about "
                        f"{manifest.subject} is missing"
                    )
            elif body["prev"] != self.leaves[previous.index].hex():
                raise _Failed(
                    f"{ref.path}'s prev is {body['prev']}, not the leaf hash of {previous.path}: "
                    f"an entry about {manifest.subject} is missing between them"
                )
            previous = ref
        indexes = ", ".join(str(ref.index) for ref in manifest.entries)
        return (
            f"{len(manifest.entries)} entries about {manifest.subject} (indexes {indexes}), "
            f"each linked to the one before, the first with prev null"
        )

    def _check_record(self) -> str:
        manifest = self.manifest
        assert manifest is not None
        sources: set[str] = set()
        for key, value in sorted(manifest.record.items()):
            stated = [
                (ref.path, self.facts[ref.index][key])
                for ref in manifest.entries
                if key in self.facts[ref.index]
            ]
            if not stated:
                raise _Failed(f"manifest.json record field {key!r} is stated by no entry")
            source, fact = stated[-1]  # the latest statement wins (a correction, a transfer)
            if fact != value or type(fact) is not type(value):
                raise _Failed(
                    f"manifest.json record field {key!r} is {value!r}, but {source} says {fact!r}"
                )
            sources.add(source)
        if not manifest.record:
            return "no record fields"
        return f"{', '.join(sorted(manifest.record))} as stated by {', '.join(sorted(sources))}"

    # -- files -----------------------------------------------------------------------------

    def _check_file(self, ref: _FileRef) -> str:
        manifest = self.manifest
        assert manifest is not None
        digest, size = self.digests[ref.path]
        if digest != ref.sha256:
            raise _Failed(f"SHA-256 is {digest}, not the one the name says")
        uses = [
            (entry.path, file)
            for entry in manifest.entries
            for file in self.bodies[entry.index]["files"]
            if file["sha256"] == ref.sha256
        ]
        if not uses:
            raise _Failed("referenced by no entry")
        roles = sorted({file["role"] for _, file in uses})
        if ref.role not in roles:
            raise _Failed(
                f"manifest.json gives the role {ref.role!r}; the entries give "
                f"{', '.join(map(repr, roles))}"
            )
        for source, file in uses:
            if file["size"] != size:
                raise _Failed(f"{size} bytes, but {source} says {file['size']}")
        sources = ", ".join(sorted({source for source, _ in uses}))
        return f"SHA-256 matches; {ref.role}, {size} bytes, referenced by {sources}"

    def _check_originals(self) -> str:
        manifest = self.manifest
        assert manifest is not None
        present = {ref.sha256 for ref in manifest.files}
        count = 0
        for entry in manifest.entries:
            for file in self.bodies[entry.index]["files"]:
                if file["role"] != "original":
                    continue
                if file["sha256"] not in present:
                    raise _Failed(f"{entry.path}'s original {file['sha256']} is not in the bundle")
                count += 1
        return f"every original the entries reference is in the bundle ({count})"

    # -- the timestamp ---------------------------------------------------------------------

    def _check_tsa_chain(self) -> str:
        data = self.members[TSA_CHAIN]
        certs = x509.load_pem_x509_certificates(data)
        if b"".join(cert.public_bytes(Encoding.PEM) for cert in certs) != data:
            raise _Failed("not in canonical PEM form (one spelling per chain)")
        for child, parent in itertools.pairwise(certs):
            try:
                child.verify_directly_issued_by(parent)
            except Exception as exc:
                raise _Failed(
                    f"{_subject(child)} is not signed by {_subject(parent)}: {_describe(exc)}"
                ) from None
        root = certs[-1]
        try:
            root.verify_directly_issued_by(root)
        except Exception as exc:
            raise _Failed(
                f"does not end in a self-signed root ({_subject(root)}): {_describe(exc)}"
            ) from None
        self.tsa_chain = certs
        names = " → ".join(_subject(cert) for cert in certs)
        return f"{len(certs)} certificates, each signed by the next: {names}"

    def _check_timestamp(self) -> str:
        chain = self.tsa_chain
        assert chain is not None
        if self.policy is not None and self.policy.timestamp_roots is not None:
            roots, trust = self.policy.timestamp_roots, "the policy's timestamp roots"
        else:
            root = chain[-1]
            roots = root.public_bytes(Encoding.PEM)
            trust = (
                f"the root in tsa-chain.pem, taken from the bundle ({_subject(root)}, SHA-256 "
                f"{root.fingerprint(hashes.SHA256()).hex()}): compare it with the TSA's own"
            )
        token = verify_timestamp(self.members[TIMESTAMP], self.members[CHECKPOINT_TEXT], roots)
        signer = x509.load_pem_x509_certificates(token.chain_pem)[0]
        if signer != chain[0]:
            raise _Failed(
                f"checkpoint.tsr is signed by {_subject(signer)}, but tsa-chain.pem starts "
                f"with {_subject(chain[0])}"
            )
        self.gen_time = token.gen_time
        return (
            f"checkpoint.txt existed at {_utc(token.gen_time)} per {token.tsa_name} "
            f"(serial {token.serial}); verified against {trust}"
        )

    def _check_no_timestamp(self) -> str:
        if self.policy is not None and self.policy.require_timestamp:
            raise _Failed("the policy requires a timestamp, and the bundle has none")
        return "the bundle has no timestamp (none required)"

    # -- witnesses -------------------------------------------------------------------------

    def _check_witnesses(self) -> str:
        note, bundle_keys = self.note, self.bundle_witnesses
        assert note is not None and bundle_keys is not None
        if self.policy is None:
            trusted, required = bundle_keys, 0
        else:
            trusted, required = self.policy.witness_verifiers(), self.policy.witnesses_required
        known = {**bundle_keys, **trusted}
        text = note.text.encode("utf-8")
        cosigned: dict[tuple[str, bytes], int] = {}
        for signature in note.unverified:
            key = (signature.name, bytes(signature.key_id))
            label = f"{signature.name}+{signature.key_id.hex()}"
            verifier = known.get(key)
            if verifier is None:
                raise _Failed(
                    f"checkpoint carries a signature by {label}, a key neither the bundle "
                    f"nor the policy names"
                )
            if not verifier.verify(text, signature.signature):
                raise _Failed(f"checkpoint's cosignature by {label} does not verify")
            cosigned[key] = int.from_bytes(signature.signature[:8], "big")
        for key in sorted(bundle_keys):
            if key not in cosigned:
                raise _Failed(
                    f"keys/witnesses.vkey lists {_label(bundle_keys[key])}, "
                    f"which did not cosign the checkpoint"
                )
        counted = sum(key in trusted for key in cosigned)
        if self.policy is None:
            summary = (
                f"{counted} cosigned, with keys taken from the bundle (no policy given: "
                f"none required)"
            )
        else:
            summary = f"{counted} of the policy's {len(trusted)} cosigned, {required} required"
            if counted < required:
                raise _Failed(summary)
        done = "; ".join(
            f"{_label(known[key])} at {_utc(dt.datetime.fromtimestamp(cosigned[key], dt.UTC))}"
            for key in sorted(cosigned)
        )
        return summary + (f": {done}" if done else "")


# -- helpers ---------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    """One line for an exception: our parsers' ValueErrors speak for themselves."""
    message = " ".join(str(exc).split())
    if isinstance(exc, ValueError) and message:
        return message
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _check_member(info: zipfile.ZipInfo, seen: set[str]) -> int:
    """Refuse unsafe names, duplicates, directories, encryption and bombs; the declared size."""
    name = info.filename
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise _Failed(f"member name {name!r} escapes the bundle")
    if not _SAFE_NAME.fullmatch(name):
        raise _Failed(f"member name {name!r} is not a plain relative path")
    if name in seen:
        raise _Failed(f"member {name} appears twice")
    seen.add(name)
    if info.flag_bits & 0x1:
        raise _Failed(f"member {name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _Failed(f"member {name} uses compression method {info.compress_type}")
    limit = MAX_FILE_BYTES if name.startswith("files/") else MAX_OTHER_BYTES
    if info.file_size > limit:
        raise _Failed(f"member {name} declares {info.file_size} bytes, at most {limit}")
    if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _Failed(f"member {name} expands more than {MAX_RATIO}-fold")
    return info.file_size


def _fields(value: object, what: str, names: Iterable[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Failed(f"manifest.json {what} is not an object")
    if set(value) != set(names):
        raise _Failed(f"manifest.json {what} has fields {sorted(value)}, expected {sorted(names)}")
    return value


def _string(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Failed(f"manifest.json {what} is not a non-empty string")
    return value


def _natural(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Failed(f"manifest.json {what} is not a non-negative integer")
    return value


def _parse_manifest(data: bytes) -> _Manifest:
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise _Failed(f"manifest.json is not UTF-8 JSON: {exc}") from None
    if manifest_bytes(raw) != data:
        raise _Failed("manifest.json is not in its canonical form (sorted keys, 2-space indent)")
    top = _fields(raw, "top level", _MANIFEST_FIELDS)
    if top["format"] != FORMAT:
        raise _Failed(f"manifest.json format is {top['format']!r}, not {FORMAT!r}")
    if not isinstance(top["record"], dict):
        raise _Failed("manifest.json record is not an object")
    checkpoint = _fields(top["checkpoint"], "checkpoint", ("note", "text", "size"))
    if (checkpoint["note"], checkpoint["text"]) != (CHECKPOINT, CHECKPOINT_TEXT):
        raise _Failed("manifest.json checkpoint paths are not checkpoint and checkpoint.txt")
    if top["keys"] != {"log": LOG_KEY, "witnesses": WITNESS_KEYS}:
        raise _Failed("manifest.json keys are not keys/log.vkey and keys/witnesses.vkey")
    timestamp = top["timestamp"]
    if timestamp is not None and timestamp != {
        "token": TIMESTAMP,
        "message": CHECKPOINT_TEXT,
        "chain": TSA_CHAIN,
    }:
        raise _Failed("manifest.json timestamp is neither null nor the fixed paths")
    if not isinstance(top["entries"], list) or not top["entries"]:
        raise _Failed("manifest.json entries is not a non-empty list")
    if not isinstance(top["files"], list):
        raise _Failed("manifest.json files is not a list")
    entries = tuple(_entry_ref(item, i) for i, item in enumerate(top["entries"]))
    if any(a.index >= b.index for a, b in itertools.pairwise(entries)):
        raise _Failed("manifest.json entries are not in increasing index order")
    files = tuple(_file_ref(item, i) for i, item in enumerate(top["files"]))
    if any(a.path >= b.path for a, b in itertools.pairwise(files)):
        raise _Failed("manifest.json files are not in increasing path order")
    if len({f.sha256 for f in files}) != len(files):
        raise _Failed("manifest.json lists a file twice")
    return _Manifest(
        subject=_string(top["subject"], "subject"),
        record=top["record"],
        origin=_string(top["origin"], "origin"),
        size=_natural(checkpoint["size"], "checkpoint size"),
        entries=entries,
        files=files,
        timestamped=timestamp is not None,
    )


def _entry_ref(item: object, i: int) -> _EntryRef:
    what = f"entries[{i}]"
    names = ("index", "path", "leaf_hash", "inclusion_proof")
    sealed = isinstance(item, dict) and "opening" in item
    ref = _fields(item, what, (*names, "opening") if sealed else names)
    index = _natural(ref["index"], f"{what}.index")
    if ref["path"] != entry_path(index):
        raise _Failed(f"manifest.json {what}.path is not {entry_path(index)}")
    if sealed and ref["opening"] != opening_path(index):
        raise _Failed(f"manifest.json {what}.opening is not {opening_path(index)}")
    leaf = ref["leaf_hash"]
    if not isinstance(leaf, str) or not SHA256_HEX.fullmatch(leaf):
        raise _Failed(f"manifest.json {what}.leaf_hash is not 64 lowercase hex digits")
    proof = ref["inclusion_proof"]
    if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
        raise _Failed(f"manifest.json {what}.inclusion_proof is not a list of base64 hashes")
    hashes = tuple(b64decode_canonical(h, f"manifest.json {what} proof hash") for h in proof)
    if any(len(h) != HASH_SIZE for h in hashes):
        raise _Failed(f"manifest.json {what}.inclusion_proof holds a hash not {HASH_SIZE} bytes")
    opening = opening_path(index) if sealed else None
    return _EntryRef(index, entry_path(index), bytes.fromhex(leaf), hashes, opening)


def _file_ref(item: object, i: int) -> _FileRef:
    what = f"files[{i}]"
    ref = _fields(item, what, ("sha256", "path", "role"))
    sha256, path = ref["sha256"], ref["path"]
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise _Failed(f"manifest.json {what}.sha256 is not 64 lowercase hex digits")
    prefix = f"files/{sha256}"
    if not isinstance(path, str) or not path.startswith(prefix):
        raise _Failed(f"manifest.json {what}.path is not files/<sha256><ext>")
    if not EXTENSION.fullmatch(path[len(prefix) :]):
        raise _Failed(f"manifest.json {what}.path has an unusual extension")
    return _FileRef(sha256, path, _string(ref["role"], f"{what}.role"))


def _entry_body(entry: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """The body, with the fields the checks read present and of the right type.

    parse_entry vouches for the signature, not the shape: a submitter could sign anything.
    """
    body = entry["body"]
    kinds = {
        "log": str,
        "type": str,
        "subject": str,
        "time": str,
        "facts": dict,
        "files": list,
        "submitter": dict,
    }
    for key, kind in kinds.items():
        if not isinstance(body.get(key), kind):
            raise _Failed(f"{path} body has no {kind.__name__} {key!r}")
    if "prev" not in body or not (body["prev"] is None or isinstance(body["prev"], str)):
        raise _Failed(f"{path} body's prev is neither null nor a hash")
    if not isinstance(body["submitter"].get("key"), str):
        raise _Failed(f"{path} body has no submitter key")
    for file in body["files"]:
        if (
            not isinstance(file, dict)
            or not isinstance(file.get("role"), str)
            or not isinstance(file.get("sha256"), str)
            or isinstance(file.get("size"), bool)
            or not isinstance(file.get("size"), int)
        ):
            raise _Failed(f"{path} body has a malformed file reference")
    return body


def _key_lines(data: bytes) -> list[str]:
    """A key file: one key a line, each ending in a newline; empty for no keys."""
    text = data.decode("utf-8")
    if not text:
        return []
    if not text.endswith("\n"):
        raise _Failed("does not end with a newline")
    lines = text[:-1].split("\n")
    if not all(lines):
        raise _Failed("has an empty line")
    return lines


def _canonical_key(line: str, canonical: str) -> None:
    # The hex id is read case-insensitively; demand the one spelling so no byte is free.
    if line != canonical:
        raise _Failed(f"key {line!r} is not in canonical form ({canonical!r})")


def _label(key: Verifier | CosignatureVerifier) -> str:
    return f"{key.name}+{bytes(key.key_id).hex()}"


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
