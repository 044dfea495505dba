"""SIGKILL the writer at random points of a bulk import: after a restart the database, blob
store, vector index and evidence log agree, and fsck passes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fangdu.config import Settings
from fangdu.ledger.entries import parse_entry
from fangdu.ledger.fsck import fsck
from fangdu.registry.services import Registry

FANGDU = Path(sys.executable).with_name("fangdu")


@pytest.mark.slow
def test_random_sigkills_during_import_leave_everything_consistent(tmp_path, write_prints):
    folder = tmp_path / "library"
    write_prints(folder, range(24), size=160)
    home = tmp_path / "home"
    command = [str(FANGDU), "--home", str(home), "import", str(folder), "--batch-size", "3"]
    rng = random.Random(20261123)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        # A random point: once a random number of works is committed (0: during start-up,
        # migrations, key creation), plus a random fraction of a batch.
        target = rng.randrange(0, 24)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if _works(home / "fangdu.sqlite3") >= target:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 1
    final = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr

    with Registry.open(Settings(home=home)) as registry:
        works = list(registry.queries.list_works())
        assert len(works) == 24 and len({w.sha256 for w in works}) == 24
        # One registration entry per work, every original in the blob store.
        entries = [parse_entry(data)["body"] for _, data in registry.ledger.entries()]
        subjects = [e["subject"] for e in entries if e["type"] == "registration"]
        assert sorted(subjects) == sorted(f"work:{w.id}" for w in works)
        for entry in entries:
            for ref in entry["files"]:
                assert registry.blobs.get(ref["sha256"])
        assert registry.ledger.pending() == 0
        assert registry.ledger.size() == len(entries)
        with registry.unit_of_work() as repo:
            assert registry.index.ref_ids() == repo.searchable_ref_ids()
        report = fsck(registry.ledger)
        assert report.ok, report.problems
        assert report.entries == 24 and report.checkpoints >= 1
    listed = subprocess.run(
        [str(FANGDU), "--home", str(home), "ledger", "fsck"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0 and listed.stdout.strip().splitlines()[-1].startswith("ok:")
    assert (
        json.loads(
            subprocess.run(
                [str(FANGDU), "--home", str(home), "ledger", "status", "--json"],
                capture_output=True,
                text=True,
                timeout=300,
            ).stdout
        )["size"]
        == 24
    )


def _works(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM works").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0
