"""A local RFC 3161 time-stamp authority for tests, built on `openssl ts -reply`.

`running_tsa(directory)` writes a root CA, a TSA certificate (critical EKU timeStamping,
issued by that CA), an openssl config with a [tsa] section and a serial file into
`directory`, then serves RFC 3161 over HTTP on 127.0.0.1 (ephemeral port) from a thread.

One server, several behaviours chosen by path, so a test session starts it once:

    /          a well-behaved TSA
    /no-eku    the same TSTInfo re-signed by a certificate from the same CA that lacks the
               timeStamping EKU (`openssl ts` itself refuses such a signer, so `openssl cms`
               signs it)
    /replay    the last reply `/` gave, whatever the query (a replayed or foreign reply)
    /refuse    a TimeStampResp with status rejection and a reason, no token
    /garbage   HTTP 200 with bytes that are not a TimeStampResp
    /error     HTTP 500
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TSTINFO_CONTENT_TYPE = "1.2.840.113549.1.9.16.1.4"  # id-ct-TSTInfo
POLICY_OID = "1.3.6.1.4.1.32473.1"  # 32473: the enterprise number IANA reserves for examples


@dataclass(frozen=True)
class LocalTsa:
    url: str
    dir: Path
    ca_cert_pem: bytes
    tsa_cert_pem: bytes
    other_ca_cert_pem: bytes  # an unrelated root, for "wrong trust anchor" tests

    @property
    def no_eku_url(self) -> str:
        return self.url + "no-eku"

    @property
    def replay_url(self) -> str:
        return self.url + "replay"

    @property
    def refuse_url(self) -> str:
        return self.url + "refuse"

    @property
    def garbage_url(self) -> str:
        return self.url + "garbage"

    @property
    def error_url(self) -> str:
        return self.url + "error"


def openssl_binary() -> str | None:
    return shutil.which("openssl")


# -- certificates ----------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fangdu test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    eku: x509.ExtendedKeyUsage | None,
) -> x509.Certificate:
    """A root when `issuer` is None, else a leaf; EC P-256 keeps generation instantaneous."""
    now = dt.datetime.now(dt.UTC)
    is_ca = issuer is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if eku is not None:
        # RFC 3161 §2.3: the TSA certificate's EKU is timeStamping only, and critical.
        builder = builder.add_extension(eku, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_pki(directory: Path) -> None:
    """ca.pem, tsa.pem/.key, noeku.pem/.key, other-ca.pem, tsa.cnf and serial in `directory`."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(_name("Fangdu Test Root CA"), ca_key, None, ca_key, eku=None)
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = _certificate(
        _name("Fangdu Test TSA"),
        tsa_key,
        ca,
        ca_key,
        eku=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
    )
    no_eku_key = ec.generate_private_key(ec.SECP256R1())
    no_eku = _certificate(_name("Fangdu Test No-EKU Signer"), no_eku_key, ca, ca_key, eku=None)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _certificate(_name("Unrelated Root CA"), other_key, None, other_key, eku=None)

    (directory / "ca.pem").write_bytes(_pem(ca))
    (directory / "tsa.pem").write_bytes(_pem(tsa))
    _write_key(directory / "tsa.key", tsa_key)
    (directory / "noeku.pem").write_bytes(_pem(no_eku))
    _write_key(directory / "noeku.key", no_eku_key)
    (directory / "other-ca.pem").write_bytes(_pem(other))
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(
        f"""\
[tsa]
default_tsa = fangdu_test_tsa

[fangdu_test_tsa]
serial = {directory}/serial
crypto_device = builtin
signer_cert = {directory}/tsa.pem
signer_key = {directory}/tsa.key
signer_digest = sha256
default_policy = {POLICY_OID}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )


# -- the authority ---------------------------------------------------------------------------


def _der(tag: int, body: bytes) -> bytes:
    """One DER TLV (definite length, short or long form)."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size), *size]) + body


SEQUENCE, INTEGER, UTF8STRING = 0x30, 0x02, 0x0C
REFUSAL_TEXT = "closed for maintenance"
# TimeStampResp { PKIStatusInfo { status rejection(2), statusString { UTF8String } } }
REFUSAL = _der(
    SEQUENCE,
    _der(
        SEQUENCE,
        _der(INTEGER, b"\x02") + _der(SEQUENCE, _der(UTF8STRING, REFUSAL_TEXT.encode())),
    ),
)


class _Authority:
    def __init__(self, directory: Path, openssl: str) -> None:
        self.dir = directory
        self.openssl = openssl
        self.config = str(directory / "tsa.cnf")
        self.lock = threading.Lock()  # `openssl ts -reply` increments the serial file
        self.last_reply = b""

    def _run(self, work: Path, *args: str) -> None:
        subprocess.run([self.openssl, *args], cwd=work, check=True, capture_output=True, timeout=30)

    def reply(self, query: bytes, *, no_eku: bool) -> bytes:
        with self.lock, tempfile.TemporaryDirectory(dir=self.dir) as scratch:
            work = Path(scratch)
            (work / "query.tsq").write_bytes(query)
            ts_reply = ("ts", "-reply", "-config", self.config, "-queryfile", "query.tsq")
            if not no_eku:
                self._run(work, *ts_reply, "-out", "reply.tsr")
                self.last_reply = (work / "reply.tsr").read_bytes()
                return self.last_reply
            self._run(work, *ts_reply, "-token_out", "-out", "token.der")
            # Take the TSTInfo out of the good token and sign it again with the wrong key.
            self._run(work, "cms", "-verify", "-noverify", "-binary", "-inform", "DER",
                      "-in", "token.der", "-out", "tstinfo.der")  # fmt: skip
            self._run(work, "cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-md", "sha256",
                      "-econtent_type", TSTINFO_CONTENT_TYPE, "-in", "tstinfo.der",
                      "-signer", str(self.dir / "noeku.pem"), "-inkey", str(self.dir / "noeku.key"),
                      "-outform", "DER", "-out", "bad.der")  # fmt: skip
            granted = _der(SEQUENCE, _der(INTEGER, b"\x00"))  # PKIStatusInfo { granted(0) }
            return _der(SEQUENCE, granted + (work / "bad.der").read_bytes())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/error":
            self._send(500, b"internal error", "text/plain")
        elif self.path == "/replay":
            self._send(200, self.server.authority.last_reply, "application/timestamp-reply")
        elif self.path == "/refuse":
            self._send(200, REFUSAL, "application/timestamp-reply")
        elif self.path == "/garbage":
            self._send(200, b"this is not DER", "application/timestamp-reply")
        elif self.path in ("/", "/no-eku"):
            try:
                reply = self.server.authority.reply(query, no_eku=self.path == "/no-eku")
            except subprocess.CalledProcessError as exc:  # e.g. a malformed query
                self._send(500, exc.stderr, "text/plain")
            else:
                self._send(200, reply, "application/timestamp-reply")
        else:
            self._send(404, b"no such path", "text/plain")

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: pytest output is for failures."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    authority: _Authority


@contextmanager
def running_tsa(directory: Path, openssl: str = "openssl") -> Iterator[LocalTsa]:
    """Make the PKI in `directory` and serve the TSA until the block exits."""
    make_pki(directory)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.authority = _Authority(directory, openssl)
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield LocalTsa(
            url=f"http://{host}:{port}/",
            dir=directory,
            ca_cert_pem=(directory / "ca.pem").read_bytes(),
            tsa_cert_pem=(directory / "tsa.pem").read_bytes(),
            other_ca_cert_pem=(directory / "other-ca.pem").read_bytes(),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
