"""Content-addressed storage of original image bytes.

Contract: ``put`` returns only after the bytes are durable under their SHA-256; a blob is
never modified; writing the same bytes twice is a no-op. Orphans (blobs no row refers to,
left by a failed transaction) are harmless and may be garbage-collected.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from fangdu.durable import PRIVATE_FILE, write_atomically
from fangdu.errors import NotFound

_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def path(self, sha256: str) -> Path | None: ...


class LocalBlobStore:
    """Blobs as files ``<root>/ab/cd/<sha256>``, written by temp file + fsync + rename."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        target = self.path(sha256)
        if target.is_file():
            return sha256
        # Readers see the whole blob or none; only the owner, since originals of unpublished
        # works are secrets (the folders made for it are owner-only too).
        write_atomically(target, data, PRIVATE_FILE)
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is missing from the store") from None


class MemoryBlobStore:
    """In-memory store for tests and throwaway runs."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        sha256 = sha256_hex(data)
        self._blobs.setdefault(sha256, bytes(data))
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            return self._blobs[sha256]
        except KeyError:
            raise NotFound(f"blob {sha256} is missing from the store") from None

    def exists(self, sha256: str) -> bool:
        return sha256 in self._blobs

    def path(self, sha256: str) -> Path | None:
        return None
