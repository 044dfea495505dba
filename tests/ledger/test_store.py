"""The database-backed log: appends commit with their transaction, integration never forks."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from fangdu.db.engine import make_engine, session_factory, upgrade
from fangdu.ledger import merkle
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.entries import Event, FileRef, parse_entry
from fangdu.ledger.fsck import fsck
from fangdu.ledger.models import LogCheckpoint, LogEntry, LogState, LogTile
from fangdu.ledger.note import (
    generate_signer,
    open_note,
    parse_verifier_key,
    sign_note,
    verifier_key_string,
)
from fangdu.ledger.store import LogConflict, LogStore
from fangdu.ledger.timestamp import HttpTimestampAuthority, verify_timestamp

ORIGIN = "test.fangdu/ledger"


@pytest.fixture
def store(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    yield LogStore(session_factory(engine), generate_signer(ORIGIN), origin=ORIGIN)
    engine.dispose()


def _event(subject: str, n: int) -> Event:
    return Event("registration", subject, {"n": n}, (FileRef("original", f"{n:064x}", n),))


def _append(store: LogStore, events: list[Event], submitter) -> list[int]:
    with store.transaction() as session:
        return [store.append(session, e, submitter) for e in events]


def test_appended_entries_integrate_into_a_signed_checkpoint(store):
    submitter = generate_signer("operator")
    indices = _append(store, [_event(f"work:{i % 3}", i) for i in range(10)], submitter)
    assert indices == list(range(10))
    assert store.size() == 0 and store.pending() == 10
    published = store.integrate()
    assert published is not None and published.checkpoint.size == 10
    assert store.pending() == 0
    leaves = [merkle.leaf_hash(data) for _, data in store.entries()]
    assert published.checkpoint.root == merkle.root_from_leaf_hashes(leaves)
    verifier = parse_verifier_key(verifier_key_string(store.signer))
    opened = open_note(published.note, [verifier])
    assert Checkpoint.parse(opened.text) == published.checkpoint
    assert store.integrate() is None  # nothing new: no new checkpoint


def test_entries_chain_per_subject(store):
    submitter = generate_signer("operator")
    _append(store, [_event("work:1", 1), _event("work:2", 2), _event("work:1", 3)], submitter)
    about = store.entries_about("work:1")
    assert [i for i, _ in about] == [0, 2]
    first, second = (parse_entry(data)["body"] for _, data in about)
    assert first["prev"] is None
    assert second["prev"] == merkle.leaf_hash(about[0][1]).hex()


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap(store):
    submitter = generate_signer("operator")
    with pytest.raises(RuntimeError), store.transaction() as session:
        store.append(session, _event("work:1", 1), submitter)
        raise RuntimeError("the registry change failed")
    assert _append(store, [_event("work:2", 2)], submitter) == [0]
    assert store.integrate().checkpoint.size == 1


def test_proofs_from_the_store_verify_across_many_checkpoints(store):
    submitter = generate_signer("operator")
    roots = {}
    for batch in range(5):
        _append(store, [_event(f"work:{i}", i) for i in range(batch * 7, batch * 7 + 7)], submitter)
        cp = store.integrate().checkpoint
        roots[cp.size] = cp.root
    sizes = sorted(roots)
    entries = dict(store.entries())
    for size in sizes:
        for index in (0, size // 2, size - 1):
            proof = store.inclusion_proof(index, size)
            merkle.verify_inclusion(
                merkle.leaf_hash(entries[index]), index, size, proof, roots[size]
            )
    for old in sizes:
        for new in sizes:
            if old <= new:
                proof = store.consistency_proof(old, new)
                merkle.verify_consistency(old, new, roots[old], roots[new], proof)
    assert [c.checkpoint.size for c in store.checkpoints()] == sizes


def test_integration_moves_the_tree_only_by_compare_and_swap(store, monkeypatch):
    submitter = generate_signer("operator")
    _append(store, [_event("work:1", 1)], submitter)
    # Suppose an integrator skipped the lock and another published while it computed: the
    # backstop must refuse its checkpoint (PostgreSQL: the CAS; SQLite: the stale snapshot).
    monkeypatch.setattr(LogStore, "_lock_state", staticmethod(lambda session: None))
    real_sign = sign_note

    def racing_sign(text, signers):
        with store.transaction() as session:
            session.get(LogState, 1).integrated_size = 1
        return real_sign(text, signers)

    monkeypatch.setattr("fangdu.ledger.store.sign_note", racing_sign)
    expected = (
        LogConflict
        if store._sessions.kw["bind"].dialect.name != "sqlite"
        else (LogConflict, OperationalError)
    )
    with pytest.raises(expected):
        store.integrate()
    with store._sessions() as session:
        assert session.scalars(select(LogCheckpoint)).all() == []


def test_concurrent_writers_get_dense_indices_and_one_tree(store):
    submitter = generate_signer("operator")
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                _append(store, [_event(f"work:{k}", i)], submitter)
                store.integrate()  # each writer integrates, as each registry command does
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [i for i, _ in store.entries()] == list(range(30))
    assert store.size() == 30 and store.pending() == 0
    assert fsck(store).ok


def test_checkpoints_are_timestamped_and_fsck_verifies_the_tokens(database_url, local_tsa):
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        authority = HttpTimestampAuthority(local_tsa.url, ca_pem=local_tsa.ca_cert_pem)
        store = LogStore(
            session_factory(engine), generate_signer(ORIGIN), origin=ORIGIN, timestamper=authority
        )
        _append(store, [_event("work:1", 1), _event("work:2", 2)], generate_signer("op"))
        published = store.integrate()
        assert published.timestamp_token is not None
        token = verify_timestamp(
            published.timestamp_token,
            published.checkpoint.to_text().encode(),
            local_tsa.ca_cert_pem,
        )
        assert (
            token.message_sha256 == hashlib.sha256(published.checkpoint.to_text().encode()).digest()
        )
        report = fsck(store, timestamp_roots=local_tsa.ca_cert_pem)
        assert report.ok and report.timestamps == 1
    finally:
        engine.dispose()


def test_an_unreachable_authority_leaves_the_checkpoint_to_be_stamped_later(store, local_tsa):
    store.timestamper = HttpTimestampAuthority("http://127.0.0.1:9/", timeout=0.5)
    _append(store, [_event("work:1", 1)], generate_signer("op"))
    assert store.integrate().timestamp_token is None  # the log does not stop for the TSA
    store.timestamper = HttpTimestampAuthority(local_tsa.url, ca_pem=local_tsa.ca_cert_pem)
    assert store.timestamp_pending() == 1
    assert store.checkpoint().timestamp_token is not None


@pytest.mark.parametrize("damage", ["entry", "tile", "checkpoint"])
def test_fsck_finds_a_changed_entry_tile_or_checkpoint(store, damage):
    _append(store, [_event(f"work:{i}", i) for i in range(300)], generate_signer("op"))
    store.integrate()
    assert fsck(store).ok
    with store.transaction() as session:
        if damage == "entry":
            row = session.get(LogEntry, 7)
            row.data = row.data.replace(b'"n":7', b'"n":8')
        elif damage == "tile":
            row = session.get(LogTile, (0, 1))
            row.data = bytes([row.data[0] ^ 1]) + row.data[1:]
        else:
            row = session.get(LogCheckpoint, 300)
            row.note = row.note.replace(b"\n300\n", b"\n299\n")
    report = fsck(store)
    assert not report.ok
    expected = {"entry": "entry 7", "tile": "tile 0/1", "checkpoint": "checkpoint 300"}[damage]
    assert any(expected in problem for problem in report.problems), report.problems
