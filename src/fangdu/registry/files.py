"""Reading the files a user points at: folders expand recursively, sizes are capped."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from fangdu.errors import ImageRejected


def expand(paths: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """(label, path) for each file named directly and each file under each folder.

    Folders are walked recursively in sorted order, skipping hidden entries; labels keep the
    path as the user typed it (``./q`` gives ``./q/a.png``). A path that does not exist is
    kept, so the caller reports it like any other unreadable file.
    """
    files: list[tuple[str, Path]] = []
    for given in paths:
        given = str(given)
        if not os.path.isdir(given):
            files.append((given, Path(given)))
            continue
        found = []
        for root, dirs, names in os.walk(given):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(os.path.join(root, name) for name in names if not name.startswith("."))
        files.extend((label, Path(label)) for label in sorted(found))
    return files


def read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or ImageRejected with a one-line reason."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImageRejected(f"file too large: {size} bytes (limit {max_bytes})")
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageRejected("no such file") from None
    except IsADirectoryError:
        raise ImageRejected("is a directory") from None
    except OSError as exc:
        raise ImageRejected(f"cannot read file: {exc.strerror or exc}") from None
