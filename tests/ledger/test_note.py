"""Signed notes, witness cosignatures and checkpoints (C2SP signed-note, tlog-cosignature,
tlog-checkpoint), with Go's sumdb/note test vectors as known answers."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.ledger.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from fangdu.ledger.note import (
    MAX_SIGNATURES,
    CosignatureVerifier,
    Cosigner,
    NoteError,
    Signer,
    Verifier,
    cosign,
    cosigner_signer_key_string,
    cosigner_verifier_key_string,
    generate_cosigner,
    generate_signer,
    open_note,
    parse_cosigner_key,
    parse_cosigner_signer_key,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    signer_key_string,
    verifier_key_string,
    verify_cosignature,
)

# Known answers from golang.org/x/mod/sumdb/note (note_test.go, example_test.go).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox3"
    "3WWd1RvMc+QQ=\n"
)
GO_NOTE = (GO_TEXT + "\n" + PETER_SIG).encode()

# The checkpoint of the C2SP tlog-checkpoint and tlog-cosignature examples.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_COSIGNATURE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3"
    "b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

ORIGIN = "fangdu.example/log"
ROOT = hashlib.sha256(b"root").digest()


def _seeded(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"seed %d" % seed).digest())


# -- Go compatibility ------------------------------------------------------------------------


def test_go_key_strings_round_trip() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id.hex() == "c74f20a3"
    assert signer_key_string(signer) == GO_SKEY
    assert verifier_key_string(signer) == GO_VKEY
    verifier = parse_verifier_key(GO_VKEY)
    assert verifier_key_string(verifier) == GO_VKEY
    assert verifier == signer.verifier()


def test_go_signed_note_known_answer() -> None:
    # Ed25519 is deterministic: our signature is byte for byte Go's.
    assert sign_note(GO_TEXT, [parse_signer_key(GO_SKEY)]) == GO_NOTE
    opened = open_note(GO_NOTE, [parse_verifier_key(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert [s.name for s in opened.signatures] == ["PeterNeumann"]
    assert opened.signatures[0].line == PETER_SIG
    assert opened.unverified == ()


def test_go_doubly_signed_note() -> None:
    message = (GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()
    both = open_note(message, [parse_verifier_key(GO_VKEY), parse_verifier_key(ENOCH_VKEY)])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]
    only_enoch = open_note(message, [parse_verifier_key(ENOCH_VKEY)])
    assert [s.name for s in only_enoch.signatures] == ["EnochRoot"]
    assert [s.line for s in only_enoch.unverified] == [PETER_SIG]


def _manglings(key: str) -> set[str]:
    """Every proper substring and every one-byte increment, as Go's note_test.go tries."""
    raw = key.encode()
    out = {raw[i:j].decode() for i in range(len(raw)) for j in range(i + 1, len(raw) + 1)}
    out |= {(raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :]).decode() for i in range(len(raw))}
    return out - {key}


def test_mangled_verifier_keys_are_refused() -> None:
    for mangled in _manglings(GO_VKEY):
        with pytest.raises(NoteError):
            parse_verifier_key(mangled)
    # Go's own bad keys: a too-long key and an unknown type, each with a matching key id.
    for bad in (
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ):
        with pytest.raises(NoteError):
            parse_verifier_key(bad)


def test_mangled_signer_keys_are_refused() -> None:
    for mangled in _manglings(GO_SKEY):
        with pytest.raises(NoteError):
            parse_signer_key(mangled)


# -- notes -----------------------------------------------------------------------------------


def test_round_trip_with_several_signers_and_an_unknown_one() -> None:
    log, mirror, stranger = (
        Signer(n, _seeded(i)) for i, n in enumerate(("a.example/log", "m", "s"))
    )
    text = "纺都\n\nblank lines are fine inside the text\n"
    message = sign_note(text, [log, mirror, stranger])
    opened = open_note(message, [log.verifier(), mirror.verifier()])
    assert opened.text == text
    assert [s.name for s in opened.signatures] == ["a.example/log", "m"]
    assert [s.name for s in opened.unverified] == ["s"]
    assert all(s.timestamp is None for s in opened.signatures)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(0, len(GO_NOTE) - 1), xor=st.integers(1, 255))
def test_any_tampered_byte_is_rejected(position: int, xor: int) -> None:
    tampered = bytearray(GO_NOTE)
    tampered[position] ^= xor
    with pytest.raises(NoteError):
        open_note(bytes(tampered), [parse_verifier_key(GO_VKEY)])


def test_every_byte_of_a_note_is_covered() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    for position in range(len(GO_NOTE)):
        for xor in (0x01, 0x20, 0x80):
            tampered = bytearray(GO_NOTE)
            tampered[position] ^= xor
            with pytest.raises(NoteError):
                open_note(bytes(tampered), [verifier])


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (GO_TEXT, "no blank line"),
        (GO_TEXT + "\n", "non-empty and end with a newline"),
        (GO_TEXT + "\n" + PETER_SIG[:-1], "end with a newline"),
        ("\x01" + GO_TEXT + "\n" + PETER_SIG, "control character"),
        (GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n", "em dash"),
        (GO_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"), "not valid base64"),
        (GO_TEXT + "\n" + "— PeterNeumann\n", "no signature"),
        (GO_TEXT + "\n" + "— PeterNeumann AAAA\n", "too short"),
        (GO_TEXT + "\n" + PETER_SIG.replace("AM=", "AN="), "not canonical base64"),
        (GO_TEXT + "\n" + PETER_SIG.replace("AM=", "AM"), "not valid base64"),
        (GO_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], "invalid signature for key"),
        (GO_TEXT + "\n" + ENOCH_SIG, "no signature from a known key"),
    ],
)
def test_malformed_or_unverified_notes(message: str, error: str) -> None:
    with pytest.raises(NoteError, match=error):
        open_note(message.encode(), [parse_verifier_key(GO_VKEY)])


def test_invalid_utf8_is_rejected() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff" + GO_NOTE, [parse_verifier_key(GO_VKEY)])


def test_duplicate_signatures_are_each_verified() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    opened = open_note((GO_TEXT + "\n" + PETER_SIG + PETER_SIG).encode(), [verifier])
    assert len(opened.signatures) == 1
    # Go skips a repeated signature by a known key without checking it; we check it.
    forged = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature"):
        open_note((GO_TEXT + "\n" + PETER_SIG + forged).encode(), [verifier])


def test_signature_limit() -> None:
    signer = Signer("log", _seeded(1))
    others = [Signer(f"w{i}", _seeded(100 + i)) for i in range(MAX_SIGNATURES)]
    text = "limit\n"
    full = sign_note(text, [signer, *others[: MAX_SIGNATURES - 1]])
    assert len(open_note(full, [signer.verifier()]).unverified) == MAX_SIGNATURES - 1
    with pytest.raises(NoteError, match="at most 100"):
        open_note(sign_note(text, [signer, *others]), [signer.verifier()])


def test_ambiguous_verifiers_are_refused() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    with pytest.raises(NoteError, match="more than one known key"):
        open_note(GO_NOTE, [verifier, parse_verifier_key(GO_VKEY)])


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0", "ideographic\u3000space", "nl\n"]
)
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(NoteError):
        Signer(name, _seeded(1))


def test_sign_note_refusals() -> None:
    signer = Signer("log", _seeded(1))
    with pytest.raises(NoteError, match="end with a newline"):
        sign_note("no newline", [signer])
    with pytest.raises(NoteError, match="control character"):
        sign_note("bell\a\n", [signer])
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note("text\n", [])
    with pytest.raises(NoteError, match="given twice"):
        sign_note("text\n", [signer, Signer("log", _seeded(1))])
    with pytest.raises(NoteError, match="use cosign"):
        sign_note("text\n", [Cosigner("w", _seeded(2))])  # type: ignore[list-item]


def test_verifier_key_id_must_match() -> None:
    signer = Signer("log", _seeded(1))
    with pytest.raises(NoteError, match="does not match"):
        Verifier("log", b"\x00\x00\x00\x00", signer.public_key)
    with pytest.raises(NoteError, match="does not match"):
        Verifier("other", signer.key_id, signer.public_key)


def test_generated_keys_round_trip_through_strings() -> None:
    signer = generate_signer(ORIGIN)
    again = parse_signer_key(signer_key_string(signer))
    assert again.key_id == signer.key_id
    assert parse_verifier_key(verifier_key_string(signer)) == signer.verifier()
    message = sign_note("x\n", [again])
    assert open_note(message, [signer.verifier()]).text == "x\n"


# -- cosignatures ----------------------------------------------------------------------------


def test_cosignature_known_structure() -> None:
    cosigner = Cosigner("witness.example/w1", _seeded(7))
    raw_public = cosigner.verifier().public_key.public_bytes_raw()
    # The key id and the signed message, computed here straight from the spec.
    expected_id = hashlib.sha256(b"witness.example/w1\n\x04" + raw_public).digest()[:4]
    assert cosigner.key_id == expected_id
    line = cosign(SPEC_CHECKPOINT, cosigner, 1679315147)
    name, encoded = line.removeprefix("— ").removesuffix("\n").split(" ")
    assert name == "witness.example/w1"
    raw = base64.b64decode(encoded)
    assert raw[:4] == expected_id
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + SPEC_CHECKPOINT.encode()
    cosigner.verifier().public_key.verify(raw[12:], message)
    assert len(raw) == 4 + 8 + 64


def test_cosignature_round_trip_in_a_note() -> None:
    log = Signer(ORIGIN, _seeded(1))
    witness = Cosigner("witness.example/w1", _seeded(2))
    text = Checkpoint(ORIGIN, 5, ROOT).to_text()
    message = sign_note(text, [log]) + cosign(text, witness, 1_700_000_000).encode()
    assert verify_cosignature(text, message.decode().splitlines()[-1], witness.verifier()) == (
        1_700_000_000
    )
    opened = open_note(message, [log.verifier(), witness.verifier()])
    assert [(s.name, s.timestamp) for s in opened.signatures] == [
        (ORIGIN, None),
        ("witness.example/w1", 1_700_000_000),
    ]
    # Without the witness's key the cosignature is merely unverified.
    assert [s.name for s in open_note(message, [log.verifier()]).unverified] == [
        "witness.example/w1"
    ]


def test_the_spec_example_cosignature_is_kept_unverified() -> None:
    log = Signer("example.com/behind-the-sofa", _seeded(1))
    message = sign_note(SPEC_CHECKPOINT, [log]) + SPEC_COSIGNATURE.encode()
    opened = open_note(message, [log.verifier()])
    (witness,) = opened.unverified
    assert (witness.name, witness.key_id.hex()) == ("witness.example.com/w1", "8d66cf3f")
    assert witness.line == SPEC_COSIGNATURE
    # Its first 8 signature bytes are the time in the spec's example message.
    assert int.from_bytes(witness.signature[:8], "big") == 1679315147


def test_cosignature_tampering_is_caught() -> None:
    witness = Cosigner("w", _seeded(2))
    text = Checkpoint(ORIGIN, 5, ROOT).to_text()
    line = cosign(text, witness, 1_700_000_000)
    other = Checkpoint(ORIGIN, 6, ROOT).to_text()
    with pytest.raises(NoteError, match="invalid cosignature"):
        verify_cosignature(other, line, witness.verifier())
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[11] ^= 1  # the timestamp's last byte
    moved = f"— w {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="invalid cosignature"):
        verify_cosignature(text, moved, witness.verifier())
    with pytest.raises(NoteError, match="not w"):
        verify_cosignature(text, line, Cosigner("w", _seeded(3)).verifier())


def test_log_and_witness_keys_stay_apart() -> None:
    key = _seeded(9)
    as_log, as_witness = Signer("same", key), Cosigner("same", key)
    assert as_log.key_id != as_witness.key_id
    vkey = cosigner_verifier_key_string(as_witness)
    assert parse_cosigner_key(vkey) == as_witness.verifier()
    with pytest.raises(NoteError, match=r"witness key \(0x04\), expected a log key"):
        parse_verifier_key(vkey)
    with pytest.raises(NoteError, match=r"log key \(0x01\), expected a witness key"):
        parse_cosigner_key(verifier_key_string(as_log))
    skey = cosigner_signer_key_string(as_witness)
    assert parse_cosigner_signer_key(skey).key_id == as_witness.key_id
    with pytest.raises(NoteError, match="witness key"):
        parse_signer_key(skey)
    # A cosignature never counts as the log's signature, even with the same name and key.
    text = "text\n"
    message = text.encode() + b"\n" + cosign(text, as_witness, 1).encode()
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_note(message, [as_log.verifier()])


def test_cosign_refusals() -> None:
    witness = generate_cosigner("w")
    text = Checkpoint(ORIGIN, 1, ROOT).to_text()
    for bad in (-1, 2**63, True):
        with pytest.raises(NoteError, match="timestamp"):
            cosign(text, witness, bad)
    with pytest.raises(NoteError, match="witness Cosigner"):
        cosign(text, Signer("w", _seeded(1)), 1)  # type: ignore[arg-type]
    assert isinstance(witness.verifier(), CosignatureVerifier)


# -- checkpoints -----------------------------------------------------------------------------


def test_spec_checkpoint_parses() -> None:
    checkpoint = Checkpoint.parse(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert (
        base64.b64encode(checkpoint.root).decode() == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    )
    assert checkpoint.extensions == ()
    assert checkpoint.to_text() == SPEC_CHECKPOINT


_line = st.text(st.characters(min_codepoint=0x20, exclude_characters="\x7f"), min_size=1)


@given(_line, st.integers(0, 2**63 - 1), st.binary(min_size=32, max_size=32), st.lists(_line))
def test_checkpoint_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.to_text()) == checkpoint


_ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("o\n1\n" + _ROOT_B64, "end with a newline"),
        ("o\n1\n", "at least 3"),
        ("\n1\n" + _ROOT_B64 + "\n", "line 1 is empty"),
        ("o\n01\n" + _ROOT_B64 + "\n", "leading zeros"),
        ("o\n+1\n" + _ROOT_B64 + "\n", "not a decimal"),
        ("o\n-1\n" + _ROOT_B64 + "\n", "not a decimal"),
        ("o\n 1\n" + _ROOT_B64 + "\n", "not a decimal"),
        ("o\n١\n" + _ROOT_B64 + "\n", "not a decimal"),
        ("o\n1_0\n" + _ROOT_B64 + "\n", "not a decimal"),
        ("o\n9223372036854775808\n" + _ROOT_B64 + "\n", "larger than"),
        ("o\n1\n" + _ROOT_B64[:-2] + "=\n", "not valid base64"),
        ("o\n1\n" + _ROOT_B64[:-2] + "3=\n", "not canonical"),
        ("o\n1\nAAAA\n", "3 bytes, not 32"),
        ("o\n1\n" + _ROOT_B64 + "\n\n", "line 4 is empty"),
        ("o\n1\n" + _ROOT_B64 + "\next\x01\n", "control character"),
    ],
)
def test_strict_checkpoint_parsing(text: str, error: str) -> None:
    with pytest.raises(CheckpointError, match=error):
        Checkpoint.parse(text)


def test_checkpoint_fields_are_checked() -> None:
    with pytest.raises(CheckpointError, match="origin"):
        Checkpoint("", 1, ROOT)
    with pytest.raises(CheckpointError, match="origin"):
        Checkpoint("two\nlines", 1, ROOT)
    with pytest.raises(CheckpointError, match="size"):
        Checkpoint(ORIGIN, -1, ROOT)
    with pytest.raises(CheckpointError, match="size"):
        Checkpoint(ORIGIN, True, ROOT)
    with pytest.raises(CheckpointError, match="root"):
        Checkpoint(ORIGIN, 1, ROOT[:31])
    with pytest.raises(CheckpointError, match="extension"):
        Checkpoint(ORIGIN, 1, ROOT, ("",))


def test_open_checkpoint_wants_the_logs_own_signature() -> None:
    log = Signer(ORIGIN, _seeded(1))
    witness = Cosigner("witness.example/w1", _seeded(2))
    text = Checkpoint(ORIGIN, 5, ROOT, ("ext",)).to_text()
    message = sign_note(text, [log]) + cosign(text, witness, 1).encode()
    checkpoint, opened = open_checkpoint(message, [log.verifier(), witness.verifier()])
    assert checkpoint == Checkpoint(ORIGIN, 5, ROOT, ("ext",))
    assert len(opened.signatures) == 2
    with pytest.raises(CheckpointError, match="not signed by a known key of"):
        open_checkpoint(message, [witness.verifier()])
    misnamed = Signer("another.example/log", _seeded(1))
    with pytest.raises(CheckpointError, match="not signed by a known key of"):
        open_checkpoint(sign_note(text, [misnamed]), [misnamed.verifier()])
