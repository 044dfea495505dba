"""What a registration certificate states: plain frozen data, checked before anything is drawn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from fangdu.errors import InputError

# Only the software's name: the institution that runs a registry names itself (FANGDU_ISSUER);
# no default may pass for a real registration centre.
DEFAULT_ISSUER = "纺都花样登记系统 Fangdu"

# Keeps the printed QR code at version 9 or less: modules of 0.6 mm or more in its 37 mm box.
MAX_URL_LENGTH = 160
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate. Same data in, same PDF bytes out."""

    registration_no: str  # "FD-2026-0000123"
    title: str  # may be Chinese
    owner: str  # person or company name, may be Chinese
    designers: tuple[str, ...]
    created_on: date | None  # claimed creation date
    published_on: date | None
    registered_at: datetime  # aware; printed in UTC and Beijing time
    category: str | None
    sha256: str  # of the original image file
    log_index: int  # index of the registration entry in the evidence log
    log_origin: str  # e.g. "fangdu.local/ledger"
    checkpoint_size: int | None  # tree size of a checkpoint that includes it (latest is fine)
    verify_url: str  # the public verification page; the QR code encodes exactly this
    image: bytes  # the original image file bytes (any format Pillow reads)
    issuer: str = DEFAULT_ISSUER
    demo: bool = False  # from a demo installation: marked 演示 DEMO across the page

    @property
    def included_in(self) -> int | None:
        """The checkpoint size to print: a tree of size n holds entries 0..n-1, so a smaller
        checkpoint (the latest one, taken before this entry) does not include it yet."""
        size = self.checkpoint_size
        return size if size is not None and size > self.log_index else None


def check(data: CertificateData) -> None:
    """Refuse, in one line, data that would make the certificate state something false."""
    if not data.registration_no.strip() or not data.title.strip() or not data.owner.strip():
        raise InputError("certificate needs a registration number, a title and an owner")
    if not data.issuer.strip():
        raise InputError("certificate needs an issuer")
    if data.registered_at.utcoffset() is None:
        raise InputError("registered_at must be timezone-aware")
    if not _SHA256.fullmatch(data.sha256):
        raise InputError("sha256 must be 64 lowercase hex digits")
    if data.log_index < 0:
        raise InputError(f"log_index must not be negative: {data.log_index}")
    # The QR code must carry exactly this string, so nothing is cleaned up silently; ASCII
    # because it is also printed in Courier (an IRI must be percent-encoded first).
    url = data.verify_url
    if not url or not url.isascii() or url != "".join(url.split()):
        raise InputError("verify_url must be a non-empty ASCII URL without whitespace")
    if len(url) > MAX_URL_LENGTH:
        raise InputError(
            f"verify_url too long for a printed QR code: {len(url)} characters "
            f"(at most {MAX_URL_LENGTH})"
        )
