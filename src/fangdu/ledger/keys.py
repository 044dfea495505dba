"""Key files: created on first use, readable by their owner only, never overwritten.

A signing key file holds one line in Go's signed-note private key format
(``PRIVATE+KEY+<name>+<hex id>+<base64>``), so the same file works with Go's tooling. A secret
key file (for HMAC) holds one line of 64 hex digits.
"""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

from fangdu.durable import create_exclusively
from fangdu.errors import LedgerError
from fangdu.ledger.note import Signer, generate_signer, parse_signer_key, signer_key_string


class KeyFileError(LedgerError, ValueError):
    """A key file is unreadable, malformed, or open to other users."""


def load_or_create_signer(path: Path, name: str) -> Signer:
    """The signer stored at ``path``, generating it (mode 0600) if the file does not exist."""
    path = Path(path)
    if path.exists():
        return load_signer(path)
    signer = generate_signer(name)
    # Created aside and linked into place: if another process made the key meanwhile, theirs
    # wins and is the one returned.
    if not create_exclusively(path, (signer_key_string(signer) + "\n").encode(), 0o600):
        return load_signer(path)
    return signer


def load_signer(path: Path) -> Signer:
    try:
        return parse_signer_key(_read_private(path))
    except ValueError as exc:
        raise KeyFileError(f"{path}: not a signed-note private key ({exc})") from exc


def load_or_create_secret(path: Path) -> bytes:
    """The 32-byte secret stored at ``path``, generating it (mode 0600) if it does not exist."""
    path = Path(path)
    if not path.exists():
        create_exclusively(path, (secrets.token_hex(32) + "\n").encode(), 0o600)
    text = _read_private(path)
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != 32:
        raise KeyFileError(f"{path}: not a secret key (one line of 64 hex digits)")
    return secret


def _read_private(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: private key readable by others (mode {mode & 0o777:o});"
            " run: chmod 600 " + str(path)
        )
    return path.read_text().strip()
