"""Reads write nothing (issue 13, item 2): `check`, `show`, `list`, `ledger status` and
`evidence` change no file of the home folder, and answer from a home nobody may write."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

FANGDU = Path(sys.executable).with_name("fangdu")


def fangdu(home: Path, *args: object, user: int | None = None):
    command = [str(FANGDU), "--home", str(home), *map(str, args)]
    if user is not None:  # root ignores file modes: read as somebody who cannot write
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": "/tmp"},
        cwd="/",
    )


def contents(home: Path) -> dict[str, str]:
    """Every file's SHA-256, leaving out SQLite's shared-memory and (empty) WAL files, which
    a reader of a WAL database may create and which hold no data."""
    found = {}
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith("-shm") or (path.name.endswith("-wal") and not data):
                continue
            found[str(path.relative_to(home))] = hashlib.sha256(data).hexdigest()
    return found


@pytest.fixture
def home(tmp_path, write_prints) -> Path:
    home = tmp_path / "home"
    write_prints(tmp_path / "prints", range(3))
    result = fangdu(home, "import", tmp_path / "prints")
    assert result.returncode == 0, result.stderr
    return home


READS = [
    ("check", "--json", "{print}"),
    ("show", "1"),
    ("list", "--json"),
    ("ledger", "status"),
    ("evidence", "1", "-o", "{out}/bundle.zip"),
]


def test_reading_commands_change_no_file(home, tmp_path):
    before = contents(home)
    print_path = next((tmp_path / "prints").iterdir())
    for args in READS:
        args = [a.format(print=print_path, out=tmp_path) for a in args]
        result = fangdu(home, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert contents(home) == before
    assert (
        not (home / "fangdu.sqlite3-wal").exists() or not (home / "fangdu.sqlite3-wal").read_bytes()
    )


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to read as another user"
)
def test_check_show_list_answer_from_a_home_nobody_may_write(home, tmp_path):
    shared = Path("/tmp") / f"fangdu-ro-{os.getpid()}-{tmp_path.name}"
    shutil.copytree(home, shared)
    prints = shared.with_name(shared.name + "-prints")
    shutil.copytree(tmp_path / "prints", prints)
    try:
        for path in [shared, *shared.rglob("*"), prints, *prints.rglob("*")]:
            if path.name.endswith(".key"):
                continue  # keys stay private: the reading commands need none
            path.chmod(0o555 if path.is_dir() else 0o444)
        nobody = 65534
        query = next(prints.iterdir())
        checked = fangdu(shared, "check", "--json", query, user=nobody)
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["matches"][0]["verdict"] == "copy"
        for args in (("show", "1"), ("list", "--json")):
            result = fangdu(shared, *args, user=nobody)
            assert result.returncode == 0, (args, result.stderr)
    finally:
        for root in (shared, prints):
            for path in [root, *root.rglob("*")]:
                path.chmod(0o700 if path.is_dir() else 0o600)
            shutil.rmtree(root)


def test_a_reader_of_an_older_schema_is_told_what_to_run(home):
    with sqlite3.connect(home / "fangdu.sqlite3") as db:
        db.execute("UPDATE alembic_version SET version_num = '0004'")
    result = fangdu(home, "show", "1")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "0004" in line and "fangdu db upgrade" in line


def test_reading_an_empty_home_says_there_is_nothing(tmp_path):
    result = fangdu(tmp_path / "nothing", "list")
    assert result.returncode == 1 and "no Fangdu registry" in result.stderr
    assert not (tmp_path / "nothing").exists()
