"""The installed `fangdu` script in real processes: error lines, exit codes, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fangdu.config import Settings
from fangdu.registry.services import Registry

FANGDU = Path(sys.executable).with_name("fangdu")


def fangdu(home: Path, *args: object, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(FANGDU), "--home", str(home), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["register", "x.png"], "--title"),
        (["frobnicate"], "frobnicate"),
        (["check", "--top-k", "zero", "x.png"], "--top-k"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(tmp_path, args, needle):
    result = fangdu(tmp_path, *args)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and needle in line
    assert result.stdout == ""


def test_expected_failures_print_no_traceback(tmp_path):
    result = fangdu(tmp_path, "show", "W-1")  # an empty home: nothing to show, nothing made
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: no Fangdu registry at ")


def test_unreachable_database_is_one_line(tmp_path):
    result = fangdu(
        tmp_path,
        "list",
        env={"FANGDU_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere?connect_timeout=2"},
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: database: ")


@pytest.mark.slow
def test_import_killed_mid_way_completes_on_rerun_without_duplicates(tmp_path, write_prints):
    folder = tmp_path / "library"
    write_prints(folder, range(16), size=160)
    home = tmp_path / "home"
    process = subprocess.Popen(
        [str(FANGDU), "--home", str(home), "import", str(folder), "--batch-size", "4"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    database = home / "fangdu.sqlite3"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if database.exists() and _works(database) >= 4:
                break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the import and its decoder workers
        process.wait()
    committed = _works(database)
    assert 4 <= committed <= 16

    rerun = fangdu(home, "import", folder)
    assert rerun.returncode == 0, rerun.stderr
    imported, present = map(int, _summary(rerun.stdout))
    assert imported + present == 16 and present >= committed

    works = [json.loads(line) for line in fangdu(home, "list", "--json").stdout.splitlines()]
    assert len(works) == 16 and len({w["sha256"] for w in works}) == 16
    assert len({w["registration_no"] for w in works}) == 16
    with Registry.open(Settings(home=home)) as registry:
        assert registry.references.last_sync.added == 0 and len(registry.index) == 16
        with registry.unit_of_work() as repo:
            assert registry.index.ref_ids() == repo.searchable_ref_ids()


def _works(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM works").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _summary(stdout: str) -> tuple[str, str]:
    # "imported N, already present M, rejected 0"
    words = stdout.replace(",", "").split()
    return words[words.index("imported") + 1], words[words.index("present") + 1]


def test_demo_of_make_run_judges_every_query_as_expected(tmp_path):
    result = subprocess.run(
        [str(FANGDU), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "7 of 7 judged as expected" in result.stdout
    assert "refused" in result.stdout  # registering the recoloured copy is refused
