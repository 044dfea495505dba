"""Files that must never be seen half-written: blobs, keys, witness state, exported tiles.

Shared by the bounded contexts, like ``storage.py``: each writes aside, then links or renames
into place, so a crash leaves the old file or the new one, never a mix or an empty file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents owner-only (``Path.mkdir(parents=True)`` would
    give the parents 0755); an existing one of ours that others can read is tightened."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    _tighten(path, PRIVATE_DIR)  # not its existing parents: those are not ours to decide


def make_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists; tighten it if it is ours."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    _tighten(path, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    # Only what this user owns: chmod on someone else's folder would fail anyway.
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        path.chmod(mode)


def _write_aside(path: Path, data: bytes, flags: int, mode: int, durable: bool) -> Path:
    """Write ``data`` to a temporary sibling of ``path`` (fsynced when ``durable``)."""
    if mode & 0o077:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:  # folders made for a private file are private too
        make_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | flags, mode)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _fsync_dir(directory: Path) -> None:
    """A rename or link is durable only once its directory is."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusively(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Create ``path`` with ``data`` unless it exists; whether this call created it."""
    if path.exists():
        return False
    tmp = _write_aside(path, data, os.O_EXCL, mode, durable=True)
    try:
        # link() fails if another process created the file meanwhile: then theirs wins.
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def write_atomically(path: Path, data: bytes, mode: int = 0o644, *, durable: bool = True) -> None:
    """Replace ``path``; ``durable=False`` skips the fsyncs, for copies that can be redone."""
    tmp = _write_aside(path, data, os.O_TRUNC, mode, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)
