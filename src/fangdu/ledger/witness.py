"""A transparency-log witness (c2sp.org/tlog-witness) and the log's client for it.

A witness is run by an institution independent of the log (a court, a bank, a notary). For each
log it trusts it remembers the last checkpoint it cosigned, and it cosigns a new checkpoint only
if the log signed it and a consistency proof shows that it extends that last one. Logs that
show two different histories to two audiences therefore cannot get both cosigned by the same
witness, and a checkpoint cosigned by enough witnesses is the one history everybody sees.

The protocol, ``POST <prefix>/add-checkpoint`` with the body::

    old <size the client believes the witness last cosigned>
    <consistency proof hashes, base64, one per line>
    <empty line>
    <the signed checkpoint note>

answers 200 with the cosignature line(s) (c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``),
409 with a ``text/x.tlog.size`` body when ``old`` is not the witness's size (the client retries
from that size), 409 with a plain body for a second root at an already cosigned size (a fork),
404 for an unknown origin, 403 without a valid signature by the log's key, 422 for a bad
consistency proof and 400 for a malformed request.

The witness directory (`init_witness_dir`, `open_witness`)::

    witness.key   the cosigner's private key, mode 0600, in Go's note format (type 0x04)
    logs.txt      the trusted logs' verifier keys, one per line; the key name is the origin
    state.json    per origin: the size, root and log-signed note of the last cosigned checkpoint
    state.lock    flock(2) target, so that two processes cannot both advance the state
    evidence/     log-signed requests that were refused as a fork or with a bad proof

Losing ``state.json`` would let the witness cosign a fork, so a witness refuses to start without
it; a witness that lost its state must get a new key, not a fresh state.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from fangdu.durable import create_exclusively, write_atomically
from fangdu.errors import LedgerError
from fangdu.ledger.checkpoint import MAX_TREE_SIZE, Checkpoint, CheckpointError
from fangdu.ledger.keys import KeyFileError
from fangdu.ledger.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from fangdu.ledger.note import (
    MAX_SIGNATURES,
    CosignatureVerifier,
    Cosigner,
    NoteError,
    Verifier,
    b64decode_canonical,
    cosign,
    cosigner_signer_key_string,
    generate_cosigner,
    open_note,
    parse_cosigner_signer_key,
    parse_verifier_key,
    verify_cosignature,
)

__all__ = [
    "ADD_CHECKPOINT_PATH",
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "LogRecord",
    "Reply",
    "Witness",
    "WitnessConflict",
    "WitnessError",
    "WitnessState",
    "WitnessStateError",
    "count_valid_cosignatures",
    "format_add_checkpoint",
    "init_witness_dir",
    "load_cosigner",
    "load_logs",
    "load_or_create_cosigner",
    "make_server",
    "obtain_cosignature",
    "open_witness",
    "parse_add_checkpoint",
    "request_cosignature",
    "trust_log",
]

log = logging.getLogger(__name__)

ADD_CHECKPOINT_PATH = "/add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
# The spec caps proofs at 63 hashes: enough for any tree of up to 2**63 leaves.
MAX_PROOF_LINES = 63
# A request is a few KiB; the cap keeps one client from holding much memory per thread.
MAX_REQUEST_BYTES = 1 << 20
_MAX_RESPONSE_BYTES = 1 << 16
_TEXT = "text/plain; charset=utf-8"
_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_SIGNATURE_PREFIX = "— "
_STATE_FORMAT = "fangdu-witness-state/1"

KEY_FILE = "witness.key"
LOGS_FILE = "logs.txt"
STATE_FILE = "state.json"
EVIDENCE_DIR = "evidence"


class WitnessError(LedgerError, RuntimeError):
    """A witness refused a checkpoint or could not be reached; the message says why."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WitnessConflict(WitnessError):
    """The witness last cosigned another size: retry with a consistency proof from `size`."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message, 409)
        self.size = size


class WitnessStateError(LedgerError, RuntimeError):
    """The witness's state file is missing or damaged; the witness must not run on guesses."""


# -- the request format ----------------------------------------------------------------------


@dataclass(frozen=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body: the client's idea of the witness's size, proof, note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: bytes


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """The add-checkpoint request body."""
    if isinstance(old_size, bool) or not 0 <= old_size <= MAX_TREE_SIZE:
        raise ValueError(f"old size must be 0..2**63-1, got {old_size!r}")
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"consistency proof has {len(proof)} hashes, at most 63 are allowed")
    for value in proof:
        if len(value) != HASH_SIZE:
            raise ValueError(f"consistency proof hashes must be {HASH_SIZE} bytes")
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("\n".join(lines) + "\n\n").encode("ascii") + bytes(note)


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse a request body strictly; ValueError says what is malformed.

    The note is only split off here; its signatures are checked by the witness.
    """
    # The old line and proof lines are never empty, so the first blank line ends them.
    head, blank, note = bytes(body).partition(b"\n\n")
    if not blank:
        raise ValueError("request has no empty line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise ValueError("old size and proof lines must be ASCII") from None
    old_text = lines[0].removeprefix("old ")
    if old_text == lines[0] or not _SIZE.fullmatch(old_text):
        raise ValueError("first line must be 'old <size>' in decimal without leading zeros")
    old_size = int(old_text)
    if old_size > MAX_TREE_SIZE:
        raise ValueError(f"old size {old_size} is larger than 2**63-1")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"{len(lines) - 1} proof lines, at most {MAX_PROOF_LINES} are allowed")
    proof = []
    for number, line in enumerate(lines[1:], start=1):
        try:
            value = b64decode_canonical(line, f"proof line {number}")
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        if len(value) != HASH_SIZE:
            raise ValueError(f"proof line {number} is {len(value)} bytes, not {HASH_SIZE}")
        proof.append(value)
    if not note:
        raise ValueError("request has no checkpoint after the empty line")
    return AddCheckpointRequest(old_size, tuple(proof), note)


def _check_note_form(note: bytes) -> None:
    """Refuse (ValueError) a note that is malformed before any signature is checked.

    `open_note` raises the same NoteError for a malformed note (400) and for a bad or missing
    signature (403); checking the form first keeps the two apart.
    """
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("checkpoint note is not valid UTF-8") from None
    if any(char < " " and char != "\n" for char in text):
        raise ValueError("checkpoint note contains a control character")
    split = text.rfind("\n\n")
    if split < 0:
        raise ValueError("checkpoint note has no signatures")
    block = text[split + 2 :]
    if not block.endswith("\n"):
        raise ValueError("checkpoint note's signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"checkpoint note has more than {MAX_SIGNATURES} signatures")
    for line in lines:
        name, space, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
        if line == name or not space or not name:
            raise ValueError(f"malformed signature line {line[:80]!r}")
        try:
            raw = b64decode_canonical(encoded, "signature")
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        if len(raw) < 5:
            raise ValueError(f"signature of {name} is too short")


# -- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRecord:
    """The last checkpoint a witness cosigned for one log, with the log-signed note as proof."""

    size: int
    root: bytes
    note: str


class WitnessState:
    """Per-origin last cosigned checkpoint, in a JSON file replaced atomically under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WitnessStateError(
                f"{self.path}: witness state is missing; a witness that lost its state could "
                "cosign a fork, so it must not start afresh (create it once with `init`)"
            )
        self._lock_path = self.path.with_suffix(".lock")
        # flock serialises processes; the thread lock spares threads an fd and a syscall each.
        self._thread_lock = threading.Lock()

    @classmethod
    def create(cls, path: Path) -> WitnessState:
        """Create an empty state file if there is none (an existing one is kept)."""
        path = Path(path)
        create_exclusively(path, _encode_state({}))
        return cls(path)

    def get(self, origin: str) -> LogRecord | None:
        """The last cosigned checkpoint of `origin`, if any."""
        return self.records().get(origin)

    def records(self) -> dict[str, LogRecord]:
        """All logs' records; the file is only ever replaced whole, so no lock is needed."""
        return _decode_state(self.path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[dict[str, LogRecord]]:
        """Read, let the caller change, and write back the records, excluding all other writers.

        Nothing is written if the block raises or leaves the records unchanged.
        """
        with self._thread_lock:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                records = _decode_state(self.path)
                before = dict(records)
                yield records
                if records != before:
                    write_atomically(self.path, _encode_state(records))
            finally:
                os.close(fd)  # closing releases the flock


def _encode_state(records: Mapping[str, LogRecord]) -> bytes:
    logs = {
        origin: {
            "size": record.size,
            "root": base64.b64encode(record.root).decode("ascii"),
            "note": record.note,
        }
        for origin, record in sorted(records.items())
    }
    data = {"format": _STATE_FORMAT, "logs": logs}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _decode_state(path: Path) -> dict[str, LogRecord]:
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != _STATE_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {_STATE_FORMAT!r}")
        records = {}
        for origin, item in data["logs"].items():
            size, note = item["size"], item["note"]
            root = base64.b64decode(item["root"], validate=True)
            if type(size) is not int or not 0 <= size <= MAX_TREE_SIZE:
                raise ValueError(f"bad size for {origin}")
            if len(root) != HASH_SIZE or not isinstance(note, str):
                raise ValueError(f"bad root or note for {origin}")
            records[origin] = LogRecord(size, root, note)
    except FileNotFoundError:
        raise WitnessStateError(f"{path}: witness state is missing") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise WitnessStateError(f"{path}: witness state is damaged ({exc})") from None
    return records


# -- the witness -----------------------------------------------------------------------------


class Reply(NamedTuple):
    """An HTTP answer, independent of any server."""

    status: int
    content_type: str
    body: bytes


class _Refused(Exception):
    def __init__(self, status: int, message: str, evidence: bool = False) -> None:
        super().__init__(message)
        self.reply = Reply(status, _TEXT, (message + "\n").encode("utf-8"))
        self.evidence = evidence


def _unix_time() -> int:
    return int(time.time())


class Witness:
    """The add-checkpoint logic of c2sp.org/tlog-witness, without HTTP."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, Verifier],
        state: WitnessState,
        clock: Callable[[], int] = _unix_time,
        evidence_dir: Path | None = None,
    ) -> None:
        for origin, verifier in logs.items():
            if not isinstance(verifier, Verifier):
                raise TypeError(f"log {origin}: expected a log Verifier (type 0x01)")
        self.cosigner = cosigner
        self.logs = dict(logs)
        self.state = state
        self.clock = clock
        self.evidence_dir = evidence_dir

    def add_checkpoint(self, body: bytes) -> Reply:
        """Answer one add-checkpoint request body (status, content type, body)."""
        try:
            return self._add_checkpoint(bytes(body))
        except _Refused as refused:
            log.info("refused (%d): %s", refused.reply.status, refused)
            if refused.evidence:
                self._keep_evidence(bytes(body))
            return refused.reply

    def _add_checkpoint(self, body: bytes) -> Reply:
        try:
            request = parse_add_checkpoint(body)
        except ValueError as exc:
            raise _Refused(400, f"malformed request: {exc}") from None
        origin = request.note.split(b"\n", 1)[0].decode("utf-8", "replace")
        verifier = self.logs.get(origin)
        if verifier is None:
            raise _Refused(404, f"unknown log {origin[:200]!r}")
        try:
            _check_note_form(request.note)
        except ValueError as exc:
            raise _Refused(400, f"malformed checkpoint note: {exc}") from None
        try:
            opened = open_note(request.note, [verifier])
        except NoteError as exc:
            raise _Refused(403, f"not signed by the key of {origin}: {exc}") from None
        try:
            checkpoint = Checkpoint.parse(opened.text)
        except CheckpointError as exc:
            raise _Refused(400, f"malformed checkpoint: {exc}") from None
        if request.old_size > checkpoint.size:
            raise _Refused(400, f"old size {request.old_size} exceeds size {checkpoint.size}")

        # Checking against the state and persisting the new head happen under one lock, or two
        # concurrent requests could roll the witness back (the race the spec describes).
        with self.state.transaction() as records:
            known = records.get(origin)
            known_size = known.size if known else 0
            if request.old_size != known_size:
                return Reply(409, SIZE_CONTENT_TYPE, f"{known_size}\n".encode("ascii"))
            if known and checkpoint.size == known.size and checkpoint.root != known.root:
                raise _Refused(
                    409, f"fork: a different root for size {known.size}, which was cosigned", True
                )
            try:
                verify_consistency(
                    known_size,
                    checkpoint.size,
                    known.root if known else EMPTY_ROOT,
                    checkpoint.root,
                    request.proof,
                )
            except ProofError as exc:
                raise _Refused(422, f"consistency proof does not verify: {exc}", True) from None
            timestamp = self.clock()
            # The spec forbids a zero timestamp; a broken clock must not produce one.
            if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp <= 0:
                raise RuntimeError(f"witness clock returned {timestamp!r}")
            # Cosign the checkpoint as parsed: if it differed from the note's text, the
            # cosignature would not verify on the note, which fails safe.
            line = cosign(checkpoint.to_text(), self.cosigner, timestamp)
            if known is None or checkpoint.size > known.size:
                note_text = request.note.decode("utf-8")
                records[origin] = LogRecord(checkpoint.size, checkpoint.root, note_text)
        log.info("cosigned %s at size %d", origin, checkpoint.size)
        return Reply(200, _TEXT, line.encode("utf-8"))

    def _keep_evidence(self, body: bytes) -> None:
        """Keep a log-signed request that was refused: it may prove the log misbehaved."""
        if self.evidence_dir is None:
            return
        name = f"{self.clock()}-{hashlib.sha256(body).hexdigest()[:16]}.txt"
        try:
            self.evidence_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(self.evidence_dir / name, body)
        except OSError:
            # The refusal stands either way; only the copy is lost.
            log.exception("could not keep evidence %s", name)


# -- HTTP server -----------------------------------------------------------------------------


class _WitnessServer(ThreadingHTTPServer):
    daemon_threads = True
    witness: Witness


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the spec asks witnesses to support
    server_version = "fangdu-witness"
    timeout = 30  # a silent client cannot hold a thread forever
    server: _WitnessServer

    def do_POST(self) -> None:
        if urlsplit(self.path).path != ADD_CHECKPOINT_PATH:
            self._send(Reply(404, _TEXT, b"not found\n"))
            return
        if self.headers.get("Transfer-Encoding"):
            self._refuse_unread(Reply(411, _TEXT, b"send a Content-Length\n"))
            return
        length_text = self.headers.get("Content-Length", "")
        if not length_text.isdigit():
            self._refuse_unread(Reply(411, _TEXT, b"send a Content-Length\n"))
            return
        length = int(length_text)
        if length > MAX_REQUEST_BYTES:
            self._refuse_unread(Reply(413, _TEXT, b"request too large\n"))
            return
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            return
        try:
            reply = self.server.witness.add_checkpoint(body)
        except Exception:
            log.exception("add-checkpoint failed")
            reply = Reply(500, _TEXT, b"internal error\n")
        self._send(reply)

    def _not_allowed(self) -> None:
        if urlsplit(self.path).path == ADD_CHECKPOINT_PATH:
            self._refuse_unread(Reply(405, _TEXT, b"use POST\n"), {"Allow": "POST"})
        else:
            self._refuse_unread(Reply(404, _TEXT, b"not found\n"))

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _refuse_unread(self, reply: Reply, headers: Mapping[str, str] | None = None) -> None:
        # The body was not read, so the connection cannot carry another request.
        self.close_connection = True
        self._send(reply, {"Connection": "close", **(headers or {})})

    def _send(self, reply: Reply, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 8700) -> ThreadingHTTPServer:
    """An HTTP server for `witness` (not yet serving: call serve_forever, then server_close)."""
    server = _WitnessServer((host, port), _Handler)
    server.witness = witness
    return server


# -- client side, for the log ----------------------------------------------------------------


def _excerpt(body: bytes) -> str:
    """A short, printable excerpt of a witness's answer for an error message."""
    text = body.decode("utf-8", "replace").strip().splitlines()
    return repr(text[0][:200]) if text else "no explanation"


def request_cosignature(
    url: str, old_size: int, proof: Sequence[bytes], note: bytes, timeout: float = 10
) -> list[str]:
    """Ask the witness at submission prefix `url` to cosign `note`; its signature lines.

    `proof` proves consistency from `old_size`, the size the witness last cosigned. Raises
    WitnessConflict (with the witness's size) if that is not the witness's size, and
    WitnessError for any other refusal or failure. The lines are not verified here: keep only
    those that verify with the witness's key (`obtain_cosignature` does both).
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"witness URL must be http(s), got {url!r}")
    body = format_add_checkpoint(old_size, proof, note)
    request = urllib.request.Request(
        url.rstrip("/") + ADD_CHECKPOINT_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": _TEXT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
            payload = response.read(_MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        status, content_type = exc.code, exc.headers.get_content_type()
        with exc:
            payload = exc.read(_MAX_RESPONSE_BYTES + 1)
        raise _http_error(url, old_size, status, content_type, payload) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WitnessError(f"witness {url} could not be reached: {reason}") from None
    if status != 200:
        raise WitnessError(f"witness {url} answered {status}: {_excerpt(payload)}", status)
    if len(payload) > _MAX_RESPONSE_BYTES:
        raise WitnessError(f"witness {url} sent an oversized answer", status)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessError(f"witness {url} sent an answer that is not UTF-8", status) from None
    lines = text.splitlines(keepends=True)
    if not lines or any(
        not line.startswith(_SIGNATURE_PREFIX) or not line.endswith("\n") for line in lines
    ):
        raise WitnessError(f"witness {url} sent no signature lines: {_excerpt(payload)}", status)
    return lines


def _http_error(
    url: str, old_size: int, status: int, content_type: str, payload: bytes
) -> WitnessError:
    if status == 409 and content_type == SIZE_CONTENT_TYPE:
        match = re.fullmatch(rb"(0|[1-9][0-9]{0,18})\n", payload)
        if match is None:
            return WitnessError(f"witness {url} sent a malformed size: {_excerpt(payload)}", 409)
        size = int(match.group(1))
        # Some witnesses answer a fork with their size too; it is then the size that was sent.
        if size != old_size:
            return WitnessConflict(f"witness {url} last cosigned size {size}, not {old_size}", size)
    reasons = {
        400: "says the request is malformed",
        403: "does not accept the log's signature (is the log key trusted there?)",
        404: "does not know this log (origin)",
        409: "refuses a checkpoint that conflicts with one it cosigned (a fork?)",
        413: "says the request is too large",
        422: "refuses the consistency proof",
    }
    reason = reasons.get(status, f"answered {status}")
    return WitnessError(f"witness {url} {reason}: {_excerpt(payload)}", status)


def obtain_cosignature(
    url: str,
    verifier: CosignatureVerifier,
    note: bytes,
    proof_from: Callable[[int], Sequence[bytes]],
    old_size: int = 0,
    timeout: float = 10,
) -> list[str]:
    """The verified cosignature lines of the witness (`url`, `verifier`) on the signed `note`.

    `old_size` is the size this witness is believed to have cosigned last (0 if unknown) and
    `proof_from(m)` gives the consistency proof from size m to the note's checkpoint. On a 409
    the request is retried once from the size the witness reports. After success, the witness's
    size is the checkpoint's.
    """
    split = note.rfind(b"\n\n")
    try:
        checkpoint = Checkpoint.parse(note[: split + 1].decode("utf-8"))
    except (CheckpointError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a signed checkpoint: {exc}") from None
    try:
        lines = request_cosignature(url, old_size, proof_from(old_size), note, timeout)
    except WitnessConflict as conflict:
        if conflict.size > checkpoint.size:
            raise WitnessError(
                f"witness {url} already cosigned size {conflict.size}, larger than this "
                f"checkpoint's {checkpoint.size}: it has seen a different or newer tree",
                409,
            ) from None
        lines = request_cosignature(url, conflict.size, proof_from(conflict.size), note, timeout)
    try:
        # As the spec suggests: append the answer to the note and open it with the witness key.
        opened = open_note(bytes(note) + "".join(lines).encode("utf-8"), [verifier])
    except NoteError as exc:
        raise WitnessError(f"witness {url} sent an invalid cosignature: {exc}") from None
    return [signature.line for signature in opened.signatures]


def count_valid_cosignatures(
    checkpoint_text: str, lines: Sequence[str], verifiers: Sequence[CosignatureVerifier]
) -> list[str]:
    """Names of the witnesses among `verifiers` with a valid cosignature among `lines`.

    Lines from unknown keys and invalid lines are ignored, so that a quorum policy can count
    the result; each witness counts once, in the order of `verifiers`.
    """
    names = []
    for verifier in verifiers:
        for line in lines:
            try:
                verify_cosignature(checkpoint_text, line, verifier)
            except NoteError:
                continue
            names.append(verifier.name)
            break
    return names


# -- the witness directory -------------------------------------------------------------------


def load_or_create_cosigner(path: Path, name: str) -> Cosigner:
    """The witness key at `path`, generated (mode 0600) if there is none.

    An existing key under another name is refused, so that `init` never silently changes
    which witness this is.
    """
    path = Path(path)
    cosigner = generate_cosigner(name)
    key = (cosigner_signer_key_string(cosigner) + "\n").encode("utf-8")
    if create_exclusively(path, key, 0o600):
        return cosigner
    cosigner = load_cosigner(path)
    if cosigner.name != name:
        raise KeyFileError(f"{path}: the witness key is named {cosigner.name!r}, not {name!r}")
    return cosigner


def load_cosigner(path: Path) -> Cosigner:
    """The witness key stored at `path` (which must be readable by its owner only)."""
    path = Path(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: private key readable by others (mode {mode & 0o777:o}); run: chmod 600 {path}"
        )
    try:
        return parse_cosigner_signer_key(path.read_text().strip())
    except ValueError as exc:
        raise KeyFileError(f"{path}: not a witness private key ({exc})") from exc


def init_witness_dir(directory: Path, name: str) -> Cosigner:
    """Create (or reopen) a witness directory: its key, an empty log list, an empty state."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cosigner = load_or_create_cosigner(directory / KEY_FILE, name)
    create_exclusively(directory / LOGS_FILE, b"")
    WitnessState.create(directory / STATE_FILE)
    return cosigner


def load_logs(directory: Path) -> dict[str, Verifier]:
    """The trusted logs of a witness directory, by origin (blank lines and # comments skipped)."""
    path = Path(directory) / LOGS_FILE
    logs: dict[str, Verifier] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            verifier = parse_verifier_key(line)
        except NoteError as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
        if verifier.name in logs and logs[verifier.name] != verifier:
            raise ValueError(f"{path}:{number}: a second key for log {verifier.name}")
        logs[verifier.name] = verifier
    return logs


def trust_log(directory: Path, vkey: str) -> tuple[Verifier, bool]:
    """Add a log's verifier key to the witness directory; (verifier, whether it was new).

    A different key for an origin already trusted is refused: replacing a log's key is a
    decision to take by editing logs.txt, not a side effect of a typo.
    """
    verifier = parse_verifier_key(vkey.strip())
    path = Path(directory) / LOGS_FILE
    logs = load_logs(directory)
    known = logs.get(verifier.name)
    if known is not None:
        if known != verifier:
            raise ValueError(f"log {verifier.name} is already trusted with another key")
        return verifier, False
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    write_atomically(path, (text + vkey.strip() + "\n").encode("utf-8"))
    return verifier, True


def open_witness(directory: Path, clock: Callable[[], int] = _unix_time) -> Witness:
    """The witness kept in `directory` (see the module docstring for its files)."""
    directory = Path(directory)
    return Witness(
        load_cosigner(directory / KEY_FILE),
        load_logs(directory),
        WitnessState(directory / STATE_FILE),
        clock=clock,
        evidence_dir=directory / EVIDENCE_DIR,
    )
