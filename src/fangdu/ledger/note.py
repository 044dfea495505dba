"""Signed notes (c2sp.org/signed-note) with Ed25519, and tlog-cosignature/v1 witness cosignatures.

Compatible with Go's golang.org/x/mod/sumdb/note: the same key strings
(`PRIVATE+KEY+<name>+<hex id>+<base64>` and `<name>+<hex id>+<base64>`), the same note format:

    <text, ending in a newline>
    <blank line>
    — <key name> base64(4-byte key id || signature)
    ...

Two key types are kept apart, because a signature of one must never count as the other:

* the log's own key, signature type 0x01: `Signer`, `Verifier`; it signs the note text.
* a witness's key, signature type 0x04 (c2sp.org/tlog-cosignature): `Cosigner`,
  `CosignatureVerifier`; it signs "cosignature/v1\\ntime <t>\\n" + the checkpoint text, and its
  signature is the 8-byte big-endian time followed by the Ed25519 signature.

The key id is SHA-256(name || "\\n" || type || public key)[:4], so the same name and key give
different ids for the two types.

Where Go is lenient, `open_note` is strict, so that a note has exactly one accepted spelling:
base64 must be canonical, every signature from a known key is verified (Go skips duplicates),
and duplicates are dropped only after they verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from fangdu.errors import VerificationError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "CosignatureVerifier",
    "Cosigner",
    "NoteError",
    "NoteSignature",
    "OpenedNote",
    "Signer",
    "Verifier",
    "b64decode_canonical",
    "cosign",
    "cosigner_signer_key_string",
    "cosigner_verifier_key_string",
    "generate_cosigner",
    "generate_signer",
    "open_note",
    "parse_cosigner_key",
    "parse_cosigner_signer_key",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "signer_key_string",
    "verifier_key_string",
    "verify_cosignature",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
# Go's note.Open refuses more; the spec asks verifiers to accept at least 16.
MAX_SIGNATURES = 100
_MAX_TIMESTAMP = 2**63 - 1
_SIGNATURE_PREFIX = "— "
_COSIGNATURE_HEADER = "cosignature/v1\n"
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}", re.ASCII)
# Go's unicode.IsSpace; Python's str.isspace() also counts U+001C..U+001F, which Go does not.
_NOT_GO_SPACES = frozenset("\x1c\x1d\x1e\x1f")


class NoteError(VerificationError):
    """A note, signature or key string is malformed, or a signature does not verify."""


# -- helpers ---------------------------------------------------------------------------------


def b64decode_canonical(text: str, what: str) -> bytes:
    """Standard padded base64, refusing any other spelling of the same bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise NoteError(f"{what} is not valid base64") from None
    # The decoder ignores the unused low bits of the last character; re-encoding catches that.
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_name(name: str) -> None:
    """Key names: non-empty UTF-8 with no Unicode space and no '+' (as Go's isValidName).

    Control characters are refused too: they cannot appear in a signed note.
    """
    if not isinstance(name, str) or not name:
        raise NoteError("key name must be a non-empty string")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"key name {name!r} is not valid UTF-8") from None
    for char in name:
        if char == "+" or (char.isspace() and char not in _NOT_GO_SPACES) or char < " ":
            raise NoteError(f"key name {name!r} contains {char!r}")


def _check_text(text: str) -> bytes:
    """A note text: valid UTF-8, ending in a newline, no control characters but newlines."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError("note text is not valid UTF-8") from None
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_controls(text, "note text")
    return raw


def _check_controls(text: str, what: str) -> None:
    for char in text:
        if char < " " and char != "\n":
            raise NoteError(f"{what} contains the control character {char!r}")


def _key_id(name: str, alg: int, public_key: Ed25519PublicKey) -> bytes:
    material = name.encode("utf-8") + b"\n" + bytes([alg]) + _raw_public(public_key)
    return hashlib.sha256(material).digest()[:4]


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _verifies(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _check_key_id(key_id: bytes, name: str, alg: int, public_key: Ed25519PublicKey) -> None:
    if key_id != _key_id(name, alg, public_key):
        raise NoteError(f"key id {bytes(key_id).hex()} does not match the name and key of {name}")


# -- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Signer:
    """The log's Ed25519 key (signature type 0x01), named like the log's origin."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> bytes:
        return _key_id(self.name, ALG_ED25519, self.public_key)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.public_key)


@dataclass(frozen=True)
class Verifier:
    """A trusted log key (signature type 0x01); the key id must match the name and key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_key_id(self.key_id, self.name, ALG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without the key id) signs the note text."""
        return _verifies(self.public_key, signature, text)


@dataclass(frozen=True, eq=False)
class Cosigner:
    """A witness's Ed25519 key for tlog-cosignature/v1 (signature type 0x04)."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> bytes:
        return _key_id(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.key_id, self.public_key)


def _cosigned_message(text: bytes, timestamp: int) -> bytes:
    return f"{_COSIGNATURE_HEADER}time {timestamp}\n".encode("ascii") + text


@dataclass(frozen=True)
class CosignatureVerifier:
    """A trusted witness key (signature type 0x04)."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_key_id(self.key_id, self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (timestamp || Ed25519 signature) cosigns the checkpoint text."""
        if len(signature) != 8 + 64:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            return False
        return _verifies(self.public_key, signature[8:], _cosigned_message(text, timestamp))


def generate_signer(name: str) -> Signer:
    """A new random log key."""
    return Signer(name, Ed25519PrivateKey.generate())


def generate_cosigner(name: str) -> Cosigner:
    """A new random witness key."""
    return Cosigner(name, Ed25519PrivateKey.generate())


def _private_key_string(name: str, key_id: bytes, alg: int, private_key: Ed25519PrivateKey) -> str:
    seed = bytes([alg]) + _raw_private(private_key)
    return f"PRIVATE+KEY+{name}+{key_id.hex()}+{_b64(seed)}"


def _public_key_string(name: str, key_id: bytes, alg: int, public_key: Ed25519PublicKey) -> str:
    return f"{name}+{key_id.hex()}+{_b64(bytes([alg]) + _raw_public(public_key))}"


def signer_key_string(signer: Signer) -> str:
    """`PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, as Go's note.NewSigner reads."""
    return _private_key_string(signer.name, signer.key_id, ALG_ED25519, signer.private_key)


def cosigner_signer_key_string(cosigner: Cosigner) -> str:
    """The witness's private key as `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>`."""
    return _private_key_string(
        cosigner.name, cosigner.key_id, ALG_COSIGNATURE_V1, cosigner.private_key
    )


def verifier_key_string(key: Signer | Verifier) -> str:
    """`<name>+<hex id>+<base64(0x01 || public key)>`, as Go's note.NewVerifier reads."""
    return _public_key_string(key.name, key.key_id, ALG_ED25519, key.public_key)


def cosigner_verifier_key_string(key: Cosigner | CosignatureVerifier) -> str:
    """`<name>+<hex id>+<base64(0x04 || public key)>`: the vkey of a witness."""
    return _public_key_string(key.name, key.key_id, ALG_COSIGNATURE_V1, key.public_key)


def _parse_key_fields(
    name: str, hex_id: str, key64: str, alg: int, what: str
) -> tuple[bytes, bytes]:
    """The key id and the 32 key bytes of a key string, checked for the expected type."""
    _check_name(name)
    if not _HEX_ID.fullmatch(hex_id):
        raise NoteError(f"{what} key id must be 8 hex digits, got {hex_id!r}")
    raw = b64decode_canonical(key64, f"{what} key")
    if len(raw) != 33:
        raise NoteError(f"{what} key must be a type byte and 32 bytes, got {len(raw)} bytes")
    if raw[0] != alg:
        kinds = {ALG_ED25519: "a log key (0x01)", ALG_COSIGNATURE_V1: "a witness key (0x04)"}
        found = kinds.get(raw[0], f"type 0x{raw[0]:02x}")
        raise NoteError(f"{what} key is {found}, expected {kinds[alg]}")
    return bytes.fromhex(hex_id), raw[1:]


def _parse_private(text: str, alg: int, what: str) -> tuple[str, bytes, Ed25519PrivateKey]:
    parts = text.split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError(f"{what} key must look like PRIVATE+KEY+<name>+<hex id>+<base64>")
    name = parts[2]
    key_id, seed = _parse_key_fields(name, parts[3], parts[4], alg, what)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    _check_key_id(key_id, name, alg, private_key.public_key())
    return name, key_id, private_key


def _parse_public(text: str, alg: int, what: str) -> tuple[str, bytes, Ed25519PublicKey]:
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} key must look like <name>+<hex id>+<base64>")
    name = parts[0]
    key_id, raw = _parse_key_fields(name, parts[1], parts[2], alg, what)
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw)


def parse_signer_key(text: str) -> Signer:
    """A log `Signer` from its PRIVATE+KEY string (as Go's note.GenerateKey writes)."""
    name, _, private_key = _parse_private(text, ALG_ED25519, "signer")
    return Signer(name, private_key)


def parse_cosigner_signer_key(text: str) -> Cosigner:
    """A witness `Cosigner` from its PRIVATE+KEY string with type 0x04."""
    name, _, private_key = _parse_private(text, ALG_COSIGNATURE_V1, "cosigner")
    return Cosigner(name, private_key)


def parse_verifier_key(text: str) -> Verifier:
    """A log `Verifier` from its vkey string; a witness (0x04) vkey is refused."""
    return Verifier(*_parse_public(text, ALG_ED25519, "verifier"))


def parse_cosigner_key(text: str) -> CosignatureVerifier:
    """A witness `CosignatureVerifier` from its vkey string; a log (0x01) vkey is refused."""
    return CosignatureVerifier(*_parse_public(text, ALG_COSIGNATURE_V1, "cosigner"))


# -- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id, and the signature bytes after the key id.

    `timestamp` is the cosigning time of a verified witness cosignature, else None.
    """

    name: str
    key_id: bytes
    signature: bytes
    timestamp: int | None = None

    @property
    def line(self) -> str:
        """The signature line as it appears in a note, with its newline."""
        return f"{_SIGNATURE_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures from known keys all verified (at least one did)."""

    text: str
    signatures: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def sign_note(text: str, signers: Sequence[Signer]) -> bytes:
    """The signed note: text, a blank line, and one signature line per signer."""
    raw = _check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signer")
    seen: set[tuple[str, bytes]] = set()
    lines: list[str] = []
    for signer in signers:
        if not isinstance(signer, Signer):
            raise NoteError(f"sign_note takes log Signers; use cosign() for {signer!r}")
        key = (signer.name, signer.key_id)
        if key in seen:
            raise NoteError(f"signer {signer.name}+{signer.key_id.hex()} is given twice")
        seen.add(key)
        signature = signer.private_key.sign(raw)
        lines.append(NoteSignature(signer.name, signer.key_id, signature).line)
    return raw + b"\n" + "".join(lines).encode("utf-8")


def cosign(checkpoint_text: str, cosigner: Cosigner, timestamp: int) -> str:
    """A witness's cosignature line (with its newline) for the checkpoint text.

    The witness must have checked the checkpoint's consistency before calling this; append the
    line to the signed checkpoint to add the cosignature.
    """
    raw = _check_text(checkpoint_text)
    if not isinstance(cosigner, Cosigner):
        raise NoteError(f"cosign takes a witness Cosigner, not {type(cosigner).__name__}")
    if isinstance(timestamp, bool) or not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp must be 0..2**63-1, got {timestamp!r}")
    signature = cosigner.private_key.sign(_cosigned_message(raw, timestamp))
    body = timestamp.to_bytes(8, "big") + signature
    return NoteSignature(cosigner.name, cosigner.key_id, body).line


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError(f"signature line does not start with an em dash and a space: {line!r}")
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space or not encoded:
        raise NoteError(f"signature line has no signature: {line!r}")
    _check_name(name)
    raw = b64decode_canonical(encoded, f"signature of {name}")
    if len(raw) < 5:
        raise NoteError(f"signature of {name} is too short ({len(raw)} bytes)")
    return NoteSignature(name, raw[:4], raw[4:])


Known = Verifier | CosignatureVerifier


def open_note(message: bytes, verifiers: Sequence[Known]) -> OpenedNote:
    """Parse a signed note and verify its signatures from the known keys.

    Signatures from unknown keys are returned unverified. Raises NoteError if the note is
    malformed, if a signature from a known key fails, or if no known key signed it.
    """
    try:
        decoded = bytes(message).decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("note is not valid UTF-8") from None
    _check_controls(decoded, "note")
    # The text ends at the last blank line; signature lines can contain no blank line.
    split = decoded.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("note's signature block must be non-empty and end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, at most {MAX_SIGNATURES} are accepted")

    known: dict[tuple[str, bytes], list[Known]] = {}
    for verifier in verifiers:
        known.setdefault((verifier.name, bytes(verifier.key_id)), []).append(verifier)
    raw_text = text.encode("utf-8")
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    unverified: dict[str, NoteSignature] = {}
    for line in lines:
        signature = _parse_signature_line(line)
        name = signature.name
        key = (name, signature.key_id)
        label = f"{signature.name}+{signature.key_id.hex()}"
        candidates = known.get(key, [])
        if not candidates:
            unverified.setdefault(line, signature)
            continue
        if len(candidates) > 1:
            raise NoteError(f"more than one known key is {label}")
        verifier = candidates[0]
        if not verifier.verify(raw_text, signature.signature):
            raise NoteError(f"invalid signature for key {label}")
        if isinstance(verifier, CosignatureVerifier):
            timestamp = int.from_bytes(signature.signature[:8], "big")
            signature = NoteSignature(
                signature.name, signature.key_id, signature.signature, timestamp
            )
        verified.setdefault(key, signature)
    if not verified:
        names = ", ".join(sorted({s.name for s in unverified.values()})) or "none"
        raise NoteError(f"note has no signature from a known key (signed by: {names})")
    return OpenedNote(text, tuple(verified.values()), tuple(unverified.values()))


def verify_cosignature(
    checkpoint_text: str, signature_line: str, verifier: CosignatureVerifier
) -> int:
    """Check one cosignature line on the checkpoint text; return its timestamp."""
    raw = _check_text(checkpoint_text)
    signature = _parse_signature_line(signature_line.removesuffix("\n"))
    if (signature.name, signature.key_id) != (verifier.name, bytes(verifier.key_id)):
        raise NoteError(
            f"cosignature is by {signature.name}+{signature.key_id.hex()}, "
            f"not {verifier.name}+{bytes(verifier.key_id).hex()}"
        )
    if not verifier.verify(raw, signature.signature):
        raise NoteError(f"invalid cosignature for key {verifier.name}+{verifier.key_id.hex()}")
    return int.from_bytes(signature.signature[:8], "big")
