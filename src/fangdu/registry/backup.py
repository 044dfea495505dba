"""Backup and restore of a home: the database, the original images, the keys, and the evidence
log exported as C2SP tiles (readable without Fangdu).

A backup is a folder::

    manifest.json      what is in it, every file's SHA-256, the log's size and root
    fangdu.sqlite3     a consistent copy (SQLite's online backup API; PostgreSQL: pg_dump,
                       see docs/DEPLOY.md)
    blobs/             the content-addressed originals, as stored
    keys/              the signing keys and secrets (0600: keep the backup private)
    log/               `ledger export`: checkpoint and tiles, for anyone to verify

The vector index is not backed up: it is derived, and a restore rebuilds it. Restoring checks
every file against the manifest first and refuses a home that already holds a registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from fangdu.config import Settings
from fangdu.db.engine import normalise_url
from fangdu.durable import make_private_dir
from fangdu.errors import Conflict, InputError
from fangdu.ledger.store import SignedCheckpoint

MANIFEST = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class BackupSummary:
    files: int
    blobs: int
    log_size: int


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(normalise_url(settings.db_url))
    if url.get_backend_name() != "sqlite" or not url.database:
        raise InputError(
            "fangdu backup copies SQLite databases; for PostgreSQL use pg_dump "
            "and --no-database (docs/DEPLOY.md)"
        )
    return Path(url.database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(
    settings: Settings,
    target: Path,
    *,
    ledger_export: Callable[[Path], SignedCheckpoint],
    include_database: bool = True,
) -> BackupSummary:
    """Write a backup of ``settings``' home to the new folder ``target``.

    ``ledger_export(directory)`` writes the log's static files and returns its checkpoint.
    """
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"{target} is not empty: back up into a new folder")
    make_private_dir(target)
    files: dict[str, str] = {}
    if include_database:
        source = sqlite3.connect(f"file:{_sqlite_path(settings)}?mode=ro", uri=True)
        copy = sqlite3.connect(target / "fangdu.sqlite3")
        try:
            source.backup(copy)  # a consistent copy while writers go on
        finally:
            copy.close()
            source.close()
        os.chmod(target / "fangdu.sqlite3", 0o600)
    blobs = 0
    for folder, name in ((settings.blobs_path, "blobs"), (settings.keys_path, "keys")):
        if folder.is_dir():
            shutil.copytree(folder, target / name)
            if name == "blobs":
                blobs = sum(1 for p in (target / name).rglob("*") if p.is_file())
    published = ledger_export(target / "log")
    for path in sorted(target.rglob("*")):
        if path.is_file():
            files[path.relative_to(target).as_posix()] = _sha256(path)
    manifest = {
        "format": FORMAT,
        "database": "fangdu.sqlite3" if include_database else None,
        "log": {"size": published.checkpoint.size, "root": published.checkpoint.root.hex()},
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return BackupSummary(len(files), blobs, published.checkpoint.size)


def read_manifest(source: Path) -> dict:
    """The manifest, after checking that every file it names is there, unchanged."""
    try:
        manifest = json.loads((Path(source) / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{source}: not a Fangdu backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"{source}: backup format {manifest.get('format')}, expected {FORMAT}")
    for name, digest in manifest["files"].items():
        path = Path(source) / name
        if not path.is_file() or _sha256(path) != digest:
            raise InputError(f"{source}: {name} is missing or damaged")
    return manifest


def restore(source: Path, settings: Settings) -> dict:
    """Put a backup's database, blobs and keys in place for ``settings``; the caller then
    opens the registry (rebuilding the index) and checks the log. Returns the manifest."""
    manifest = read_manifest(source)
    source = Path(source)
    database = _sqlite_path(settings) if manifest["database"] else None
    if database is not None and database.exists():
        raise Conflict(f"{database} exists: restore into a new home")
    if settings.keys_path.is_dir() and any(settings.keys_path.iterdir()):
        raise Conflict(f"{settings.keys_path} holds keys: restore into a new home")
    settings.ensure_home()
    if database is not None:
        shutil.copyfile(source / manifest["database"], database)
        os.chmod(database, 0o600)
    for name, folder in (("blobs", settings.blobs_path), ("keys", settings.keys_path)):
        if (source / name).is_dir():
            shutil.copytree(source / name, folder, dirs_exist_ok=True)
            make_private_dir(folder)
    return manifest
