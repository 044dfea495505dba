"""The rules of the rights register and the law they come from, as pure functions.

Statutes cited: 著作权法 (Copyright Law, 2020 revision), 著作权法实施条例 (its Implementing
Regulations), 民法典 (Civil Code), 著作权质权登记办法 (Measures for the Registration of
Copyright Pledges, 2010) and 最高人民法院关于适用民法典有关担保制度的解释 (the Supreme People's
Court's interpretation on security interests, 2020, "担保制度解释").
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fangdu.errors import Conflict, InputError, VerificationError
from fangdu.ledger.note import Signer

WHOLE = 10_000  # owners' shares in basis points
SIGNING_CONTEXT = b"fangdu-rights/v1\n"

# 著作权法 Art 10: the economic rights a licence or transfer names (slugs); "all" is every one.
RIGHTS = (
    "all",
    "reproduction",
    "distribution",
    "rental",
    "exhibition",
    "performance",
    "screening",
    "broadcasting",
    "information_network",
    "cinematography",
    "adaptation",
    "translation",
    "compilation",
)
WORLDWIDE = "worldwide"

# 著作权质权登记办法 Art 6: what a pledge application brings. Conditional ones are asked for
# when their condition holds (co-owned work, licences before the pledge, valuation required).
PLEDGE_DOCUMENTS = ("main_contract", "pledge_contract", "pledgor_id", "pledgee_id")
PLEDGE_CONDITIONAL = ("co_owner_consent", "prior_licences", "valuation_report")
DOCUMENT_ROLES = (
    *PLEDGE_DOCUMENTS,
    *PLEDGE_CONDITIONAL,
    "transfer_contract",
    "licence_contract",
    "national_certificate",
    "consent",
    "release",
    "change_agreement",
    "assignment",
)
PROCEEDS = ("early_repayment", "escrow")  # 民法典 Art 444 para 2


class RuleRefused(Conflict):
    """A record the law (or the register's own rule) does not allow; ``rule`` cites it."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(f"{message} ({rule})")
        self.rule = rule


def protection_ends(
    owner_kind: str, created_on: dt.date | None, published_on: dt.date | None
) -> dt.date | None:
    """The last day of protection of the economic rights, as far as Fangdu's data tells.

    著作权法 Art 23 para 2: a work of a legal person or organisation is protected until 31
    December of the 50th year after first publication, and not at all if unpublished 50 years
    after creation. Para 1: a natural person's work lasts their life plus 50 years; Fangdu does
    not know the author's death, so it gives the floor it can prove (the author was alive at
    creation): 31 December of the 50th year after creation. None when no date is known.
    """
    if owner_kind == "company":
        if published_on is not None and (
            created_on is None or published_on.year - created_on.year <= 50
        ):
            return dt.date(published_on.year + 50, 12, 31)
        if created_on is not None:
            return dt.date(created_on.year + 50, 12, 31)
        return None
    start = created_on or published_on
    return dt.date(start.year + 50, 12, 31) if start is not None else None


def overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def same_scope(right_a: str, territory_a: str, right_b: str, territory_b: str) -> bool:
    """Whether two licences cover some of the same right in some of the same territory."""
    rights = right_a == right_b or "all" in (right_a, right_b)
    places = territory_a == territory_b or WORLDWIDE in (territory_a, territory_b)
    return rights and places


def require_fields(what: str, rule: str, fields: Mapping[str, object]) -> None:
    """Every named contract field present and not blank, else one line listing the missing."""
    missing = [name for name, value in fields.items() if value is None or str(value).strip() == ""]
    if missing:
        raise InputError(f"{what} lacks {', '.join(missing)} ({rule})")


def document_kind(data: bytes) -> str:
    """The media type of a contract document: a PDF or an image, nothing else."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    for magic, media in (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
    ):
        if data.startswith(magic):
            return media
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InputError("a contract document must be a PDF or an image (PNG, JPEG, TIFF, WebP)")


# -- signatures ------------------------------------------------------------------------------


def signed_part(facts: Mapping[str, Any]) -> bytes:
    """What the parties sign: the record's facts without the signatures and the per-work
    changes (the same bytes for every work of a pledged collection)."""
    body = {k: v for k, v in facts.items() if k not in ("signatures", "changes", "work_id")}
    return SIGNING_CONTEXT + rfc8785.dumps(body)


def sign(signer: Signer, party_hash: str, role: str, facts: Mapping[str, Any]) -> dict[str, str]:
    public = signer.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "party": party_hash,
        "role": role,
        "public_key": base64.b64encode(public).decode(),
        "value": base64.b64encode(signer.private_key.sign(signed_part(facts))).decode(),
    }


def verify_signatures(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(party hash, role) of every signature on the record, each checked; raises if any fails."""
    message = signed_part(facts)
    found = []
    for item in facts.get("signatures", []):
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(item["public_key"]))
            key.verify(base64.b64decode(item["value"]), message)
        except (InvalidSignature, KeyError, ValueError, TypeError) as exc:
            raise VerificationError(
                f"record {facts.get('record')}: the {item.get('role')} signature does not verify"
            ) from exc
        found.append((item["party"], item["role"]))
    return found
