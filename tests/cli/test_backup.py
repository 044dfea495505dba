"""Backup and restore (issue 13, item 7): a home backed up, lost and restored answers the same
checks, keeps its log, and proves its evidence; a damaged backup is refused."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fangdu.cli.app import app


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(home, *args):
        return runner.invoke(app, ["--home", str(home), *map(str, args)])

    return invoke


def test_a_restored_home_answers_as_the_lost_one(run, library, tmp_path):
    home, backup, restored = tmp_path / "home", tmp_path / "backup", tmp_path / "restored"
    assert run(home, "import", library, "--owner", "Keqiao Prints Co.").exit_code == 0
    query = library / "print-002.png"
    before = json.loads(run(home, "check", "--json", query).stdout)
    done = run(home, "backup", backup)
    assert done.exit_code == 0, done.output
    assert (backup / "log" / "checkpoint").is_file() and not (backup / "index").exists()
    assert oct((backup / "keys" / "log.key").stat().st_mode & 0o777) == "0o600"

    result = run(restored, "restore", backup)
    assert result.exit_code == 0, result.output
    assert "matches the backup; fsck ok" in result.stdout
    after = json.loads(run(restored, "check", "--json", query).stdout)
    assert after["matches"][0] == before["matches"][0]
    assert run(restored, "ledger", "key").stdout == run(home, "ledger", "key").stdout
    bundle = tmp_path / "w1.zip"
    assert run(restored, "evidence", "1", "-o", bundle).exit_code == 0
    assert run(restored, "verify", bundle).exit_code == 0


def test_a_damaged_backup_or_a_used_home_is_refused(run, library, tmp_path):
    home, backup = tmp_path / "home", tmp_path / "backup"
    assert run(home, "import", library).exit_code == 0
    assert run(home, "backup", backup).exit_code == 0
    assert run(home, "restore", backup).exit_code == 1  # the home holds a registry
    blob = next(p for p in (backup / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes()[:-1])
    result = run(tmp_path / "new", "restore", backup)
    assert result.exit_code == 2 and "missing or damaged" in result.stderr
    assert not (tmp_path / "new" / "fangdu.sqlite3").exists()
