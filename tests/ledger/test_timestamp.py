"""RFC 3161 time-stamps against a local OpenSSL TSA (tests/ledger/tsa.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from tsa import REFUSAL_TEXT, LocalTsa, openssl_binary

from fangdu.ledger.timestamp import (
    HttpTimestampAuthority,
    TimestampAuthority,
    TimestampError,
    TimestampToken,
    request_timestamp,
    verify_timestamp,
)

MESSAGE = b"fangdu.example/log\n42\nq0gZ2Mk2mY4V7sNwnl6JvZ1k3Ew2bW8dI7u2fR0pB1c=\n"
SHORT = 2.0  # seconds; every network failure below must end well within this


@pytest.fixture(scope="module")
def token(local_tsa: LocalTsa) -> TimestampToken:
    return request_timestamp(MESSAGE, local_tsa.url, timeout=SHORT, ca_pem=local_tsa.ca_cert_pem)


def one_line(exc: pytest.ExceptionInfo[TimestampError]) -> str:
    reason = str(exc.value)
    assert reason and "\n" not in reason
    return reason


# -- the happy path ----------------------------------------------------------------------


def test_round_trip_verifies_offline(local_tsa: LocalTsa, token: TimestampToken) -> None:
    now = dt.datetime.now(dt.UTC)
    assert token.gen_time.tzinfo is dt.UTC
    assert abs(now - token.gen_time) < dt.timedelta(minutes=1)
    assert token.message_sha256 == hashlib.sha256(MESSAGE).digest()
    assert token.tsa_name == "CN=Fangdu Test TSA,O=Fangdu test"
    chain = x509.load_pem_x509_certificates(token.chain_pem)
    assert chain == [x509.load_pem_x509_certificate(local_tsa.tsa_cert_pem)]
    # Offline, from the stored bytes alone, a verifier reads the same facts.
    assert verify_timestamp(token.token, MESSAGE, local_tsa.ca_cert_pem) == token


def test_unverified_request_checks_and_parses(local_tsa: LocalTsa) -> None:
    first = request_timestamp(MESSAGE, local_tsa.url, timeout=SHORT)
    second = HttpTimestampAuthority(local_tsa.url, timeout=SHORT).timestamp(MESSAGE)
    assert second.serial != first.serial
    for stamp in (first, second):
        assert verify_timestamp(stamp.token, MESSAGE, local_tsa.ca_cert_pem) == stamp


def test_http_authority_is_a_timestamp_authority(local_tsa: LocalTsa) -> None:
    authority: TimestampAuthority = HttpTimestampAuthority(
        local_tsa.url, ca_pem=local_tsa.ca_cert_pem, timeout=SHORT
    )
    assert (
        authority.timestamp(b"another checkpoint").message_sha256
        == hashlib.sha256(b"another checkpoint").digest()
    )


# -- interop: what a court would run -----------------------------------------------------


def openssl_verify(tmp_path: Path, token: bytes, message: bytes, ca_pem: bytes) -> str:
    """`openssl ts -verify -in TOKEN -data MESSAGE -CAfile CA`; returns stdout+stderr."""
    openssl = openssl_binary()
    assert openssl is not None  # the local_tsa fixture skips without it
    (tmp_path / "checkpoint.tsr").write_bytes(token)
    (tmp_path / "checkpoint.txt").write_bytes(message)
    (tmp_path / "tsa-root.pem").write_bytes(ca_pem)
    done = subprocess.run(
        [openssl, "ts", "-verify", "-in", "checkpoint.tsr", "-data", "checkpoint.txt",
         "-CAfile", "tsa-root.pem"],
        cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return f"rc={done.returncode}\n{done.stdout}{done.stderr}"


def test_openssl_accepts_the_token(
    tmp_path: Path, local_tsa: LocalTsa, token: TimestampToken
) -> None:
    out = openssl_verify(tmp_path, token.token, MESSAGE, local_tsa.ca_cert_pem)
    assert out.startswith("rc=0\n") and "Verification: OK" in out, out


def test_openssl_rejects_another_message(
    tmp_path: Path, local_tsa: LocalTsa, token: TimestampToken
) -> None:
    out = openssl_verify(tmp_path, token.token, MESSAGE + b"x", local_tsa.ca_cert_pem)
    assert not out.startswith("rc=0\n") and "Verification: FAILED" in out, out


# -- rejections --------------------------------------------------------------------------


def test_rejects_a_different_message(local_tsa: LocalTsa, token: TimestampToken) -> None:
    with pytest.raises(TimestampError) as exc:
        verify_timestamp(token.token, MESSAGE.replace(b"42", b"43"), local_tsa.ca_cert_pem)
    assert one_line(exc) == "imprint does not match SHA-256 of the message"


def test_rejects_a_different_root(local_tsa: LocalTsa, token: TimestampToken) -> None:
    with pytest.raises(TimestampError) as exc:
        verify_timestamp(token.token, MESSAGE, local_tsa.other_ca_cert_pem)
    assert "unable to get local issuer certificate" in one_line(exc)


def test_rejects_a_signer_without_the_timestamping_eku(local_tsa: LocalTsa) -> None:
    # Unverified, the reply looks fine: same CA, right nonce and imprint ...
    forged = request_timestamp(MESSAGE, local_tsa.no_eku_url, timeout=SHORT)
    signer = x509.load_pem_x509_certificates(forged.chain_pem)[0]
    assert signer.subject.rfc4514_string() == "CN=Fangdu Test No-EKU Signer,O=Fangdu test"
    # ... but no verifier may accept a certificate that is not a TSA's.
    with pytest.raises(TimestampError) as exc:
        verify_timestamp(forged.token, MESSAGE, local_tsa.ca_cert_pem)
    assert "unsuitable certificate purpose" in one_line(exc)
    with pytest.raises(TimestampError, match="purpose"):
        request_timestamp(
            MESSAGE, local_tsa.no_eku_url, timeout=SHORT, ca_pem=local_tsa.ca_cert_pem
        )


def signed_spans(token: TimestampToken) -> Iterator[range]:
    """Byte ranges of the token that the CMS signature or the chain protects."""
    raw = token.token
    imprint = raw.index(token.message_sha256)
    yield range(imprint - 20, imprint + 60)  # inside the TSTInfo: algorithm, imprint, time
    tsa_cert = x509.load_pem_x509_certificate(token.chain_pem).public_bytes(Encoding.DER)
    start = raw.index(tsa_cert)
    yield range(start, start + len(tsa_cert))
    yield range(len(raw) - 64, len(raw))  # the signature value closes the token


def test_every_single_bit_flip_is_caught(local_tsa: LocalTsa, token: TimestampToken) -> None:
    """Flip one bit in every byte of the token (bit i % 8 of byte i) and verify each copy.

    A few CMS fields lie outside what is signed (SignedData and SignerInfo version numbers,
    the SignerInfo signatureAlgorithm OID that OpenSSL derives from the key anyway);
    OpenSSL's own `ts -verify` ignores them too. Those flips may pass, but only if every
    fact read from the token is unchanged. Everything signed must be rejected.
    """
    facts = dataclasses.replace(token, token=b"")
    passed = []
    for i in range(len(token.token)):
        flipped = bytearray(token.token)
        flipped[i] ^= 1 << (i % 8)
        try:
            verified = verify_timestamp(bytes(flipped), MESSAGE, local_tsa.ca_cert_pem)
        except TimestampError as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        assert dataclasses.replace(verified, token=b"") == facts, f"byte {i} changed a fact"
        passed.append(i)
    assert len(passed) < 20, passed
    for span in signed_spans(token):
        assert not set(passed) & set(span), (passed, span)


@pytest.mark.parametrize(
    ("token_bytes", "reason"),
    [
        (b"", "not a well-formed RFC 3161 TimeStampResp"),
        (b"\x30\x03\x02\x01\x00", "not a well-formed RFC 3161 TimeStampResp"),
        (b"\x30\x05\x30\x03\x02\x01\x02", "not granted"),  # a rejection carries no token
    ],
)
def test_rejects_malformed_tokens(local_tsa: LocalTsa, token_bytes: bytes, reason: str) -> None:
    with pytest.raises(TimestampError) as exc:
        verify_timestamp(token_bytes, MESSAGE, local_tsa.ca_cert_pem)
    assert reason in one_line(exc)


def test_rejects_a_root_that_is_not_pem(token: TimestampToken) -> None:
    with pytest.raises(TimestampError) as exc:
        verify_timestamp(token.token, MESSAGE, b"not a certificate")
    assert one_line(exc).startswith("trusted root is not PEM certificates")


# -- a TSA that misbehaves ----------------------------------------------------------------


def test_rejects_a_replayed_reply(local_tsa: LocalTsa) -> None:
    request_timestamp(MESSAGE, local_tsa.url, timeout=SHORT)  # the reply /replay repeats
    with pytest.raises(TimestampError) as exc:
        request_timestamp(MESSAGE, local_tsa.replay_url, timeout=SHORT)
    assert one_line(exc) == "TSA reply carries a different nonce than the request"


def test_reports_a_refusal(local_tsa: LocalTsa) -> None:
    with pytest.raises(TimestampError) as exc:
        request_timestamp(MESSAGE, local_tsa.refuse_url, timeout=SHORT)
    assert one_line(exc) == f"TSA refused the request (status 2): {REFUSAL_TEXT}"


def test_rejects_garbage(local_tsa: LocalTsa) -> None:
    with pytest.raises(TimestampError) as exc:
        request_timestamp(MESSAGE, local_tsa.garbage_url, timeout=SHORT)
    assert one_line(exc).startswith("not a well-formed RFC 3161 TimeStampResp")


def test_rejects_http_500(local_tsa: LocalTsa) -> None:
    with pytest.raises(TimestampError) as exc:
        request_timestamp(MESSAGE, local_tsa.error_url, timeout=SHORT)
    assert "answered HTTP 500" in one_line(exc)


def test_unreachable_tsa_fails_fast() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TimestampError) as exc:
        request_timestamp(MESSAGE, f"http://127.0.0.1:{port}/", timeout=SHORT)
    assert "unreachable" in one_line(exc)


def test_silent_tsa_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with pytest.raises(TimestampError) as exc:
            request_timestamp(MESSAGE, url, timeout=0.3)
    assert "timed out" in one_line(exc)


@pytest.mark.parametrize(
    ("message", "url", "reason"),
    [
        (MESSAGE, "file:///etc/passwd", "must be http or https"),
        (b"", "http://127.0.0.1:9/", "empty message"),
    ],
    ids=["file-url", "empty-message"],
)
def test_rejects_bad_arguments(message: bytes, url: str, reason: str) -> None:
    with pytest.raises(TimestampError, match=reason):
        request_timestamp(message, url, timeout=SHORT)
