"""What the public log shows: a signed empty tree from the start, nothing private in entries."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from fangdu.config import Settings
from fangdu.db.engine import make_engine, session_factory, upgrade
from fangdu.ledger import merkle, tiles
from fangdu.ledger.bundle import build_bundle
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.entries import Event, FileRef, parse_entry, pseudonym
from fangdu.ledger.fsck import fsck
from fangdu.ledger.models import LogOpening
from fangdu.ledger.note import generate_signer, open_note, parse_verifier_key, verifier_key_string
from fangdu.ledger.store import LogStore
from fangdu.ledger.verify import verify_bundle_bytes
from fangdu.ledger.witness import init_witness_dir, make_server, open_witness, trust_log
from fangdu.registry.evidence import collect_evidence
from fangdu.registry.schemas import RegistrationRequest, WorkInfo
from fangdu.registry.services import Registry

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
        store.append(
            session,
            Event("registration", "work:1", {"n": 1}, (FileRef("original", "ab" * 32, 1),)),
            generate_signer("operator"),
        )
    assert store.integrate().checkpoint.size == 1
    assert [c.checkpoint.size for c in store.checkpoints()] == [0, 1]
    assert store.consistency_proof(0, 1) == []
    report = fsck(store)
    assert report.ok, report.problems
    assert report.checkpoints == 2


def test_witnesses_cosign_the_empty_checkpoint(database_url: str, tmp_path: Path) -> None:
    signer = generate_signer(ORIGIN)
    init_witness_dir(tmp_path / "witness", "court.example/witness")
    trust_log(tmp_path / "witness", verifier_key_string(signer))
    witness = open_witness(tmp_path / "witness")
    server = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        store = LogStore(
            session_factory(engine),
            signer,
            origin=ORIGIN,
            witnesses=[(url, witness.cosigner.verifier())],
        )
        published = store.integrate()
        assert published is not None and published.checkpoint.size == 0
        assert len(published.cosignatures) == 1  # the witness starts from the empty tree
        assert witness.state.get(ORIGIN).size == 0
    finally:
        engine.dispose()
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_fresh_service_serves_the_empty_checkpoint(
    tmp_path: Path, isolated_environment: None
) -> None:
    from fangdu.web import create_app  # the web layer only for this test

    settings = Settings(
        home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/log/checkpoint")
        assert response.status_code == 200, response.text
        text = response.text
        key = client.get("/api/v1/log/checkpoint").json()["log_key"]
    checkpoint = Checkpoint.parse(open_note(text.encode(), [parse_verifier_key(key)]).text)
    assert (checkpoint.size, checkpoint.root) == (0, merkle.EMPTY_ROOT)


# -- finding 10: applications and decisions are sealed; no names, titles or hosts -----------

PENDING = RegistrationRequest(
    title="暗纹牡丹 pending-title",
    owner="Hidden Mill Ltd",
    designers=("Designer Secret-Zhang",),
    created_on=dt.date(2024, 5, 6),
    category="secret-category",
    colourways=("midnight-secret",),
    description="not for the public",
    originality_statement="mine",
    submitted_by="account:21",
)
REJECTED = RegistrationRequest(
    title="回纹 rejected-title", owner="Quiet Studio", submitted_by="account:22"
)
APPROVED = RegistrationRequest(
    title="水波 approved-title", owner="Open Mill", submitted_by="account:23"
)
REJECTION_REASON = "copies a registered work: secret-reason"
# Everything about the pending and rejected applications, and every name, must stay private.
PRIVATE = (
    "pending-title",
    "暗纹牡丹",
    "Hidden Mill",
    "Secret-Zhang",
    "secret-category",
    "midnight-secret",
    "2024-05-06",
    "rejected-title",
    "回纹",
    "Quiet Studio",
    "secret-reason",
    "Open Mill",
    "account:",
)


def _strings(value: object) -> Iterator[str]:
    """Every key and string value in a parsed JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _apply(registry: Registry, png: bytes, request: RegistrationRequest) -> WorkInfo:
    return registry.filing.register(png, request, review_required=True, channel="web").work


def test_exported_entries_show_nothing_private_and_bundles_open_the_commitments(
    settings: Settings, print_png: Callable[..., bytes], tmp_path: Path
) -> None:
    with Registry.open(settings) as registry:
        pending = _apply(registry, print_png(11), PENDING)
        rejected = _apply(registry, print_png(12), REJECTED)
        registry.filing.decide(
            rejected.id, approve=False, reviewer="account:3", reason=REJECTION_REASON
        )
        approved = _apply(registry, print_png(13), APPROVED)
        registry.filing.decide(approved.id, approve=True, reviewer="account:4")
        registry.ledger.export(tmp_path / "log")  # what `fangdu ledger export` writes
        bundles = {
            work.id: build_bundle(collect_evidence(registry, str(work.id)))
            for work in (pending, rejected)
        }
        key = registry.keys.pseudonym_key

    folder = tmp_path / "log" / "tile" / "entries"
    entries = [
        entry
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        for entry in tiles.parse_entry_bundle(path.read_bytes())
    ]
    assert len(entries) == 5
    public = b"\n".join(entries).decode()
    assert "水波 approved-title" in public  # an approved registration publishes its facts
    for secret in PRIVATE:
        assert secret not in public, secret
    host = socket.gethostname()
    for entry in entries:
        body = parse_entry(entry)["body"]
        assert "host" not in body["provenance"] and host not in set(_strings(body)), body
    # A hash of an account id is reversed by trying every number: none may be guessable.
    guesses = {
        hashlib.sha256(f"reviewer\n{who}{n}".encode()).hexdigest()
        for who in ("account:", "reviewer-", "")
        for n in range(1000)
    }
    assert not any(guess in public for guess in guesses)

    # The owner's bundle opens the commitments, and `fangdu verify` checks each opening.
    for work, status, title in (
        (pending, "pending", PENDING.title),
        (rejected, "rejected", REJECTED.title),
    ):
        bundle = bundles[work.id]
        report = verify_bundle_bytes(bundle)
        assert report.ok, report.render()
        assert "record: registration_no, status, title as stated by" in report.render()
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            assert manifest["record"]["status"] == status
            assert manifest["record"]["title"] == title
            openings = {
                name: archive.read(name)
                for name in archive.namelist()
                if name.startswith("openings/")
            }
        assert len(openings) == len(manifest["entries"])  # every entry about it is sealed
        for opening in openings.values():
            assert opening[:32].hex() not in public  # the salts stay private
    opened = json.loads(openings[f"openings/{manifest['entries'][-1]['index']}.bin"][32:])
    assert opened["reason"] == REJECTION_REASON
    assert opened["decided_by"] == pseudonym(key, "reviewer", "account:3")


def test_a_sealed_entry_logs_only_its_commitment_and_fsck_checks_the_opening(
    store: LogStore,
) -> None:
    sealed = {"title": "unpublished", "created_on": "2024-05-06"}
    with store.transaction() as session:
        index = store.append(
            session, Event("application", "work:1", {}, sealed=sealed), generate_signer("operator")
        )
    store.integrate()
    facts = parse_entry(store.entry(index))["body"]["facts"]
    opening = store.openings([index])[index]
    assert facts == {"commitment": hashlib.sha256(opening).hexdigest()}
    assert json.loads(opening[32:]) == sealed
    assert fsck(store).ok

    with store.transaction() as session:
        session.execute(update(LogOpening).values(data=bytes(32) + opening[32:]))
    assert fsck(store).problems == [
        f"entry {index}: opening: SHA-256 of the opening is not the entry's commitment "
        f"{facts['commitment']}"
    ]
    with store.transaction() as session:
        session.execute(delete(LogOpening))
    assert fsck(store).problems == [f"entry {index}: the opening of its commitment is lost"]
