"""RFC 3161 time-stamps: a third party vouches that a signed checkpoint existed at a time.

The token kept for each checkpoint is the DER **TimeStampResp** exactly as the TSA sent it
(PKIStatusInfo + TimeStampToken), i.e. what `openssl ts -reply` writes and what
`openssl ts -verify -in` reads. A court can check it offline with stock OpenSSL:

    openssl ts -verify -in checkpoint.tsr -data checkpoint.txt -CAfile tsa-root.pem

The TSA certificate is embedded in the token (certReq is always set), so no -untrusted is
needed. Verification here (rfc3161-client, which drives OpenSSL's PKCS7_verify) checks the
same things: SHA-256 imprint, CMS signature, the signer's chain to the given root at genTime,
and the critical timeStamping EKU.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from fangdu.errors import LedgerError

SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
MAX_REPLY_BYTES = 1 << 20  # real replies are a few KiB; do not buffer whatever a server sends
_OPENSSL_ERROR = re.compile(r'reason: "([^"]*)"[^}]*?(?:data: "([^"]*)")?\s*}')


class TimestampError(LedgerError, ValueError):
    """No usable time-stamp: the TSA failed, or a token does not verify. str() is one line."""


@dataclass(frozen=True)
class TimestampToken:
    """A verified or freshly checked time-stamp and the facts read from it.

    token: the DER TimeStampResp as received (feed it to `openssl ts -verify -in`).
    gen_time: the TSA's genTime, aware UTC.
    serial: the TSA's serial number for this token.
    tsa_name: the TSTInfo tsa field, else the signing certificate's subject (RFC 4514).
    message_sha256: the imprint, SHA-256 of the time-stamped message.
    chain_pem: the certificates embedded in the token, signer first, PEM.
    """

    token: bytes
    gen_time: dt.datetime
    serial: int
    tsa_name: str
    message_sha256: bytes
    chain_pem: bytes


class TimestampAuthority(Protocol):
    """Anything that can time-stamp a message (an HTTP TSA, or a stub in tests)."""

    def timestamp(self, message: bytes) -> TimestampToken: ...


@dataclass(frozen=True)
class HttpTimestampAuthority:
    """An RFC 3161 TSA reached over HTTP; with `ca_pem`, every token is verified on receipt."""

    url: str
    ca_pem: bytes | None = None
    timeout: float = 10.0

    def timestamp(self, message: bytes) -> TimestampToken:
        return request_timestamp(message, self.url, timeout=self.timeout, ca_pem=self.ca_pem)


def request_timestamp(
    message: bytes, url: str, *, timeout: float = 10.0, ca_pem: bytes | None = None
) -> TimestampToken:
    """Ask the TSA at `url` to time-stamp SHA-256(message).

    Checks status, nonce and imprint; with `ca_pem` (trusted root(s), PEM) also verifies the
    token fully, as verify_timestamp does. Raises TimestampError on any failure.
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise TimestampError(f"TSA URL must be http or https: {url!r}")
    if not message:
        raise TimestampError("refusing to time-stamp an empty message")
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    body = _post(url, request.as_bytes(), timeout)
    response = _parse(body)
    try:
        if response.status != PKIStatus.GRANTED:
            # Free text from the TSA: fold it onto one line.
            detail = " ".join("; ".join(response.status_string).split()) or "no reason given"
            raise TimestampError(f"TSA refused the request (status {response.status}): {detail}")
        # A nonce echoed back proves this reply answers this request, not a replayed one.
        if response.tst_info.nonce != request.nonce:
            raise TimestampError("TSA reply carries a different nonce than the request")
        _check_imprint(response, message)
        if not response.signed_data.certificates:
            raise TimestampError("TSA did not embed its certificate although certReq was set")
    except TimestampError:
        raise
    except ValueError as exc:  # rfc3161-client parses the inner structures lazily
        raise _malformed(exc) from exc
    if ca_pem is not None:
        return verify_timestamp(body, message, ca_pem)
    return _facts(response, body)


def verify_timestamp(token: bytes, message: bytes, ca_pem: bytes) -> TimestampToken:
    """Verify a DER TimeStampResp over `message` offline against trusted root(s) `ca_pem`.

    Checks: status granted, imprint == SHA-256(message), the CMS signature, the signer's
    chain to a root in `ca_pem` (at genTime), and the signer's critical timeStamping EKU.
    Returns the facts read from the token; raises TimestampError with the reason otherwise.
    """
    try:
        roots = x509.load_pem_x509_certificates(ca_pem)
    except ValueError as exc:
        raise TimestampError(f"trusted root is not PEM certificates: {exc}") from None
    response = _parse(token)
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        if response.status != PKIStatus.GRANTED:
            raise TimestampError(f"token status is {response.status}, not granted")
        _check_imprint(response, message)  # first, so "wrong message" reads as such
        builder.build().verify_message(response, message)
        return _facts(response, token)
    except VerificationError as exc:
        raise TimestampError(f"time-stamp does not verify: {_gist(str(exc))}") from None
    except TimestampError:
        raise
    except ValueError as exc:
        raise _malformed(exc) from exc


# -- helpers ---------------------------------------------------------------------------------


def _post(url: str, query: bytes, timeout: float) -> bytes:
    http_request = urllib.request.Request(
        url,
        data=query,
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as reply:
            body: bytes = reply.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the socket; leaving it to the GC warns
        raise TimestampError(f"TSA {url} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise TimestampError(f"TSA {url} unreachable: {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, broken HTTP
        raise TimestampError(f"TSA {url} failed: {exc!r}") from None
    if len(body) > MAX_REPLY_BYTES:
        raise TimestampError(f"TSA {url} sent more than {MAX_REPLY_BYTES} bytes")
    return body


def _parse(der: bytes) -> TimeStampResponse:
    try:
        return decode_timestamp_response(der)
    except ValueError as exc:
        raise _malformed(exc) from None


def _malformed(exc: ValueError) -> TimestampError:
    return TimestampError(f"not a well-formed RFC 3161 TimeStampResp: {_gist(str(exc))}")


def _gist(text: str) -> str:
    """One line from a library message; OpenSSL error stacks arrive as a Rust Debug dump.

    "Unable to verify pkcs7 signature: ErrorStack([...])" becomes "Unable to verify pkcs7
    signature: certificate verify error (Verify error: unable to get local issuer certificate)":
    the outermost error that says something (ASN.1's "nested asn1 error" frames do not).
    """
    head, _, stack = text.partition("ErrorStack(")
    errors = [e for e in _OPENSSL_ERROR.findall(stack) if e[0] != "nested asn1 error"]
    if not errors:
        return text.splitlines()[0] if text else "no detail"
    reason, data = errors[-1]
    context = head.rstrip(": ").rsplit(": ", 1)[-1]
    return f"{context}: {reason} ({data})" if data else f"{context}: {reason}"


def _check_imprint(response: TimeStampResponse, message: bytes) -> None:
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != SHA256_OID:
        raise TimestampError(f"imprint uses {imprint.hash_algorithm.dotted_string}, not SHA-256")
    if imprint.message != hashlib.sha256(message).digest():
        raise TimestampError("imprint does not match SHA-256 of the message")


def _facts(response: TimeStampResponse, token: bytes) -> TimestampToken:
    info = response.tst_info
    certs = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
    signer = _signer(response, certs)
    if info.name is not None:
        tsa_name = _general_name(info.name)
    else:  # the tsa field is optional; the signer's subject is the next best name
        tsa_name = signer.subject.rfc4514_string()
    return TimestampToken(
        token=token,
        gen_time=info.gen_time.astimezone(dt.UTC),  # aware already: GeneralizedTime ends in Z
        serial=info.serial_number,
        tsa_name=tsa_name,
        message_sha256=info.message_imprint.message,
        chain_pem=b"".join(cert.public_bytes(Encoding.PEM) for cert in _chain(signer, certs)),
    )


def _signer(response: TimeStampResponse, certs: list[x509.Certificate]) -> x509.Certificate:
    infos = list(response.signed_data.signer_infos)
    if len(infos) != 1:
        raise TimestampError(f"token has {len(infos)} signers, expected exactly one")
    for cert in certs:
        if cert.issuer == infos[0].issuer and cert.serial_number == infos[0].serial_number:
            return cert
    raise TimestampError("token does not embed the certificate of its signer")


def _chain(signer: x509.Certificate, certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """Signer, then its issuers as far as embedded, then anything else (sorted, so stable)."""
    chain = [signer]
    rest = [cert for cert in certs if cert != signer]
    while issuer := next((c for c in rest if c.subject == chain[-1].issuer), None):
        chain.append(issuer)
        rest.remove(issuer)
    return chain + sorted(rest, key=lambda cert: cert.public_bytes(Encoding.DER))


def _general_name(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DirectoryName):
        return name.value.rfc4514_string()
    return str(name.value)
