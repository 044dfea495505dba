"""Evidence-log benchmark: signed appends per second on SQLite, proofs at a million entries.

Appends are real: each entry is built, canonicalised and Ed25519-signed by its submitter,
appended in the caller's transaction (batches of ``batch`` events, as an import commits), and
integrated into tiles with a signed checkpoint after each batch. The million-entry tree is
filled with random 300-byte entries inserted in bulk (signing a million entries would measure
Ed25519, not the log); proofs are then generated from the stored tiles and verified.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from fangdu.db.engine import make_engine, session_factory, upgrade
from fangdu.ledger import merkle
from fangdu.ledger.entries import Event, FileRef
from fangdu.ledger.models import LogEntry, LogState
from fangdu.ledger.note import generate_signer
from fangdu.ledger.store import LogStore

ORIGIN = "bench.fangdu/ledger"


def _store(folder: Path) -> LogStore:
    engine = make_engine(f"sqlite:///{folder / 'log.sqlite3'}")
    upgrade(engine)
    return LogStore(session_factory(engine), generate_signer(ORIGIN), origin=ORIGIN)


def append_benchmark(n_events: int = 20_000, batch: int = 1_000) -> dict[str, float]:
    """Signed events per second, append + integrate + checkpoint, on SQLite."""
    submitter = generate_signer("operator")
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp))
        started = time.perf_counter()
        for first in range(0, n_events, batch):
            events = [
                Event(
                    "registration",
                    f"work:{i}",
                    {
                        "work_id": i,
                        "title": f"print {i}",
                        "status": "registered",
                        "registration_no": f"FD-2026-{i:07d}",
                    },
                    (FileRef("original", os.urandom(32).hex(), 123_456),),
                )
                for i in range(first, min(n_events, first + batch))
            ]
            with store.transaction() as session:
                store.append_many(session, events, submitter)
            store.integrate()
        elapsed = time.perf_counter() - started
    return {"events": n_events, "batch": batch, "appends_per_s": round(n_events / elapsed, 0)}


def proof_benchmark(size: int = 1_000_000, samples: int = 1_000, seed: int = 0) -> dict[str, float]:
    """Inclusion and consistency proofs from the stored tiles of a ``size``-entry log."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(Path(tmp))
        started = time.perf_counter()
        chunk = 50_000
        for first in range(0, size, chunk):
            rows = []
            for i in range(first, min(size, first + chunk)):
                data = rng.bytes(300)
                rows.append(
                    {"idx": i, "data": data, "leaf_hash": merkle.leaf_hash(data), "subject": None}
                )
            with store.transaction() as session:
                session.execute(insert(LogEntry), rows)
                state = session.get(LogState, 1)
                state.next_index = first + len(rows)
            store.integrate()
        fill_s = time.perf_counter() - started
        root = store.checkpoint().checkpoint.root
        indices = rng.integers(0, size, samples)
        leaves = {int(i): merkle.leaf_hash(store.entry(int(i))) for i in indices}
        prove, verify = [], []
        for index in indices:
            t0 = time.perf_counter()
            proof = store.inclusion_proof(int(index), size)
            t1 = time.perf_counter()
            merkle.verify_inclusion(leaves[int(index)], int(index), size, proof, root)
            t2 = time.perf_counter()
            prove.append((t1 - t0) * 1000)
            verify.append((t2 - t1) * 1000)
        consistency = []
        old_sizes = rng.integers(1, size, 200)
        for old in old_sizes:
            t0 = time.perf_counter()
            store.consistency_proof(int(old), size)
            consistency.append((time.perf_counter() - t0) * 1000)
        db_mib = (Path(tmp) / "log.sqlite3").stat().st_size / 2**20
    return {
        "size": size,
        "fill_s": round(fill_s, 1),
        "db_mib": round(db_mib, 0),
        "inclusion_proof_p50_ms": round(statistics.median(prove), 3),
        "consistency_proof_p50_ms": round(statistics.median(consistency), 3),
        "verify_inclusion_p50_ms": round(statistics.median(verify), 4),
        "proof_hashes": len(proof),
    }


def render_markdown(appends: dict[str, float], proofs: dict[str, float]) -> str:
    return "\n".join(
        [
            "# Evidence log benchmark",
            "",
            "| figure | value | goal |",
            "|---|---|---|",
            f"| signed appends on SQLite, batches of {appends['batch']} (append + integrate + "
            f"checkpoint) | {appends['appends_per_s']:,.0f} /s | ≥ 1,000 /s |",
            f"| fill a {proofs['size']:,}-entry log (bulk insert + integrate) "
            f"| {proofs['fill_s']} s | |",
            f"| database size at {proofs['size']:,} entries of 300 bytes "
            f"| {proofs['db_mib']} MiB | |",
            f"| inclusion proof from stored tiles, p50 | {proofs['inclusion_proof_p50_ms']} ms | |",
            f"| consistency proof, p50 | {proofs['consistency_proof_p50_ms']} ms | |",
            f"| verify an inclusion proof ({proofs['proof_hashes']} hashes), p50 "
            f"| {proofs['verify_inclusion_p50_ms']} ms | |",
            "",
        ]
    )
