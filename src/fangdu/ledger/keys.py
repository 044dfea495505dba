"""Key files: created on first use, readable by their owner only, never overwritten.

A key file holds one line in Go's signed-note private key format
(``PRIVATE+KEY+<name>+<hex id>+<base64>``), so the same file works with Go's tooling.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fangdu.ledger.note import Signer, generate_signer, parse_signer_key, signer_key_string


class KeyFileError(ValueError):
    """A key file is unreadable, malformed, or open to other users."""


def load_or_create_signer(path: Path, name: str) -> Signer:
    """The signer stored at ``path``, generating it (mode 0600) if the file does not exist."""
    path = Path(path)
    if path.exists():
        return load_signer(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = generate_signer(name)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (signer_key_string(signer) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if another process created the key meanwhile: then theirs wins.
        os.link(tmp, path)
    except FileExistsError:
        return load_signer(path)
    finally:
        tmp.unlink(missing_ok=True)
    return signer


def load_signer(path: Path) -> Signer:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: private key readable by others (mode {mode & 0o777:o});"
            " run: chmod 600 " + str(path)
        )
    try:
        return parse_signer_key(path.read_text().strip())
    except ValueError as exc:
        raise KeyFileError(f"{path}: not a signed-note private key ({exc})") from exc
