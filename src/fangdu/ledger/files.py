"""Files that must never be seen half-written: keys, witness state, evidence of forks."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def create_exclusively(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Create `path` with `data` unless it exists; whether this call created it.

    The file appears complete or not at all (written aside, then linked into place), so a
    crash never leaves an empty key or state file behind.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if another process created the file meanwhile: then theirs wins.
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` so that a crash leaves the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # The rename itself is durable only once the directory is.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


