"""Collateral watch: the signed body a pledgee's webhook receives, and how it checks one.

The body is the event's RFC 8785 canonical JSON; ``Fangdu-Signature`` is Ed25519 by the
registry's operator key over ``WATCH_CONTEXT`` + body, ``Fangdu-Key`` the key in signed-note
verifier format (as ``fangdu ledger key`` prints keys), so the bank checks each post offline.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature

from fangdu.errors import VerificationError
from fangdu.ledger.note import Signer, parse_verifier_key, verifier_key_string

WATCH_CONTEXT = b"fangdu-watch/v1\n"


def signed_post(event: Mapping[str, Any], signer: Signer) -> tuple[bytes, dict[str, str]]:
    body = rfc8785.dumps(dict(event))
    signature = signer.private_key.sign(WATCH_CONTEXT + body)
    return body, {
        "Content-Type": "application/json",
        "Fangdu-Signature": base64.b64encode(signature).decode(),
        "Fangdu-Key": verifier_key_string(signer),
    }


def verify_post(body: bytes, signature: str, key: str) -> None:
    """Raise unless ``signature`` (the header's base64) signs ``body`` under ``key``."""
    try:
        parse_verifier_key(key).public_key.verify(base64.b64decode(signature), WATCH_CONTEXT + body)
    except (InvalidSignature, ValueError) as exc:
        raise VerificationError("the watch event's signature does not verify") from exc


def http_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST and return the status (0 when the server could not be reached)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(
            request, timeout=10
        ) as response:  # set_webhook allows http(s) only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0
