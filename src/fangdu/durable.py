"""Files that must never be seen half-written: blobs, keys, witness state, exported tiles.

Shared by the bounded contexts, like ``storage.py``: each writes aside, then links or renames
into place, so a crash leaves the old file or the new one, never a mix or an empty file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _write_aside(path: Path, data: bytes, flags: int, mode: int, durable: bool) -> Path:
    """Write ``data`` to a temporary sibling of ``path`` (fsynced when ``durable``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
