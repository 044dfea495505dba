"""What the public log shows: a signed empty tree from the start, nothing private in entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fangdu.config import Settings
from fangdu.ledger import merkle
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.entries import Event, FileRef
from fangdu.ledger.fsck import fsck
from fangdu.ledger.note import generate_signer, open_note, parse_verifier_key, verifier_key_string
from fangdu.ledger.store import LogStore
from fangdu.registry.db import make_engine, session_factory, upgrade

ORIGIN = "test.fangdu/ledger"


@pytest.fixture
def store(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    yield LogStore(session_factory(engine), generate_signer(ORIGIN), origin=ORIGIN)
    engine.dispose()


# -- finding 11: a new log publishes a signed size-0 checkpoint ------------------------------


def test_a_new_log_publishes_a_signed_empty_checkpoint_once(store: LogStore) -> None:
    published = store.integrate()
    assert published is not None
    assert published.checkpoint == Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)
    verifier = parse_verifier_key(verifier_key_string(store.signer))
    assert Checkpoint.parse(open_note(published.note, [verifier]).text) == published.checkpoint
    assert store.checkpoint() == published
    assert store.integrate() is None  # published once, not at every open

    # The first entry's checkpoint extends the empty one (a witness's trivial proof from 0).
    with store.transaction() as session:
        store.append(session, Event("registration", "work:1", {"n": 1},
                                    (FileRef("original", "ab" * 32, 1),)),
                     generate_signer("operator"))
    assert store.integrate().checkpoint.size == 1
    assert [c.checkpoint.size for c in store.checkpoints()] == [0, 1]
    assert store.consistency_proof(0, 1) == []
    report = fsck(store)
    assert report.ok, report.problems
    assert report.checkpoints == 2


def test_a_fresh_service_serves_the_empty_checkpoint(tmp_path: Path,
                                                     isolated_environment: None) -> None:
    from fangdu.web import create_app  # the web layer only for this test

    settings = Settings(home=tmp_path / "home",
                        database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/log/checkpoint")
        assert response.status_code == 200, response.text
        text = response.text
        key = client.get("/api/v1/log/checkpoint").json()["log_key"]
    checkpoint = Checkpoint.parse(open_note(text.encode(), [parse_verifier_key(key)]).text)
    assert (checkpoint.size, checkpoint.root) == (0, merkle.EMPTY_ROOT)
