"""Issue 12 #9: the home folder, its database, keys, blobs and index are owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fangdu.config import Settings
from fangdu.registry.services import Registry


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common default, under which files used to come out world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_home_is_private(
    tmp_path: Path, usual_umask: None, isolated_environment: None, cached_extract: None
):
    home = tmp_path / "deep" / "home"
    settings = Settings(home=home)  # the default SQLite database inside home
    with Registry.open(settings) as registry:
        sha256 = registry.blobs.put(b"an original nobody else may read")
    blob = settings.blobs_path / sha256[:2] / sha256[2:4] / sha256
    assert mode(home) == mode(home.parent) == 0o700
    for folder in (
        settings.blobs_path,
        blob.parent,
        blob.parent.parent,
        settings.index_path,
        settings.keys_path,
    ):
        assert mode(folder) == 0o700, folder
    database = home / "fangdu.sqlite3"
    assert database.stat().st_size > 0  # SQLite wrote into the file made for it
    for file in (database, blob, *settings.keys_path.glob("*.key")):
        assert mode(file) == 0o600, file
    assert list(settings.keys_path.glob("*.key"))


def test_an_existing_open_home_is_tightened(
    tmp_path: Path, usual_umask: None, isolated_environment: None
):
    (tmp_path / "srv").mkdir(mode=0o755)
    home = tmp_path / "srv" / "home"
    (home / "blobs").mkdir(parents=True, mode=0o755)
    (home / "fangdu.sqlite3").write_bytes(b"")
    os.chmod(home / "fangdu.sqlite3", 0o644)
    Settings(home=home).ensure_dirs()
    assert mode(home) == mode(home / "blobs") == 0o700
    assert mode(home / "fangdu.sqlite3") == 0o600
    assert mode(tmp_path / "srv") == 0o755  # an existing parent is not Fangdu's to decide
