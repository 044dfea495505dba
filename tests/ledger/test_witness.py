"""The witness (c2sp.org/tlog-witness): protocol rules, persistence, HTTP, client, CLI."""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fangdu.cli.witness import witness_app
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.keys import KeyFileError
from fangdu.ledger.merkle import (
    consistency_proof_from_leaf_hashes,
    leaf_hash,
    root_from_leaf_hashes,
)
from fangdu.ledger.note import (
    CosignatureVerifier,
    Signer,
    cosign,
    cosigner_verifier_key_string,
    generate_cosigner,
    generate_signer,
    parse_cosigner_key,
    sign_note,
    verifier_key_string,
    verify_cosignature,
)
from fangdu.ledger.witness import (
    SIZE_CONTENT_TYPE,
    Witness,
    WitnessConflict,
    WitnessError,
    WitnessState,
    WitnessStateError,
    count_valid_cosignatures,
    format_add_checkpoint,
    init_witness_dir,
    load_cosigner,
    make_server,
    obtain_cosignature,
    open_witness,
    request_cosignature,
    trust_log,
)

ORIGIN = "fangdu.example/log"
WITNESS_NAME = "witness.court.example/w1"
T0 = 1_760_000_000


class Clock:
    """An injectable witness clock that tests move by hand."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class Log:
    """A growing RFC 6962 tree and its signed checkpoints."""

    def __init__(self, signer: Signer, tag: bytes = b"entry") -> None:
        self.signer = signer
        self.tag = tag
        self.leaves: list[bytes] = []

    def grow(self, size: int) -> Log:
        while len(self.leaves) < size:
            self.leaves.append(leaf_hash(self.tag + b" %d" % len(self.leaves)))
        return self

    def text(self, size: int) -> str:
        root = root_from_leaf_hashes(self.leaves[:size])
        return Checkpoint(self.signer.name, size, root).to_text()

    def note(self, size: int, signers: list[Signer] | None = None) -> bytes:
        return sign_note(self.text(size), signers or [self.signer])

    def proof(self, old: int, new: int) -> list[bytes]:
        return consistency_proof_from_leaf_hashes(old, self.leaves[:new])


@pytest.fixture
def log() -> Log:
    return Log(generate_signer(ORIGIN)).grow(16)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def witness_dir(tmp_path: Path, log: Log) -> Path:
    directory = tmp_path / "witness"
    init_witness_dir(directory, WITNESS_NAME)
    trust_log(directory, verifier_key_string(log.signer))
    return directory


@pytest.fixture
def witness(witness_dir: Path, clock: Clock) -> Witness:
    return open_witness(witness_dir, clock=clock)


@pytest.fixture
def vkey(witness: Witness) -> CosignatureVerifier:
    return witness.cosigner.verifier()


@pytest.fixture
def url(witness: Witness) -> Iterator[str]:
    server = make_server(witness, "127.0.0.1", 0)
    # A short poll keeps shutdown() (which waits for the next poll) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def submit(witness: Witness, old: int, proof: list[bytes], note: bytes) -> tuple[int, str, bytes]:
    return witness.add_checkpoint(format_add_checkpoint(old, proof, note))


def size_of(witness: Witness) -> int | None:
    record = witness.state.get(ORIGIN)
    return None if record is None else record.size


# -- the protocol over HTTP ------------------------------------------------------------------


def test_first_checkpoint_then_growth(
    url: str, witness: Witness, vkey: CosignatureVerifier, log: Log, clock: Clock
) -> None:
    lines = request_cosignature(url, 0, [], log.note(3))
    assert len(lines) == 1 and lines[0].startswith(f"— {WITNESS_NAME} ")
    assert verify_cosignature(log.text(3), lines[0], vkey) == T0
    assert size_of(witness) == 3

    clock.now = T0 + 60
    lines = request_cosignature(url, 3, log.proof(3, 7), log.note(7))
    assert verify_cosignature(log.text(7), lines[0], vkey) == T0 + 60
    record = witness.state.get(ORIGIN)
    assert record is not None
    assert (record.size, record.root) == (7, root_from_leaf_hashes(log.leaves[:7]))
    assert record.note == log.note(7).decode()  # the log-signed checkpoint, kept as evidence
    # The witness's line appended to the note is a cosigned checkpoint.
    assert count_valid_cosignatures(log.text(7), lines, [vkey]) == [WITNESS_NAME]


def test_stale_old_size_gets_the_witness_size_and_the_client_retries(
    url: str, witness: Witness, vkey: CosignatureVerifier, log: Log
) -> None:
    request_cosignature(url, 0, [], log.note(5))
    with pytest.raises(WitnessConflict) as conflict:
        request_cosignature(url, 0, [], log.note(9))
    assert conflict.value.size == 5 and conflict.value.status == 409
    lines = request_cosignature(url, conflict.value.size, log.proof(5, 9), log.note(9))
    verify_cosignature(log.text(9), lines[0], vkey)

    asked: list[int] = []

    def proof_from(old: int) -> list[bytes]:
        asked.append(old)
        return log.proof(old, 12)

    lines = obtain_cosignature(url, vkey, log.note(12), proof_from, old_size=0)
    assert asked == [0, 9]
    assert count_valid_cosignatures(log.text(12), lines, [vkey]) == [WITNESS_NAME]
    assert size_of(witness) == 12


def test_conflict_body_is_the_size(witness: Witness, log: Log) -> None:
    submit(witness, 0, [], log.note(4))
    assert submit(witness, 2, log.proof(2, 6), log.note(6)) == (409, SIZE_CONTENT_TYPE, b"4\n")


def test_fork_at_the_same_size_is_refused_and_kept(
    url: str, witness: Witness, witness_dir: Path, log: Log
) -> None:
    request_cosignature(url, 0, [], log.note(4))
    fork = Log(log.signer, tag=b"other").grow(4)
    status, _, body = submit(witness, 4, [], fork.note(4))
    assert status == 409 and b"fork" in body
    with pytest.raises(WitnessError) as refused:
        request_cosignature(url, 4, [], fork.note(4))
    assert not isinstance(refused.value, WitnessConflict) and refused.value.status == 409
    assert size_of(witness) == 4
    assert witness.state.get(ORIGIN).root == root_from_leaf_hashes(log.leaves[:4])
    evidence = sorted((witness_dir / "evidence").iterdir())
    assert evidence and all(path.read_bytes().endswith(fork.note(4)) for path in evidence)


def test_inconsistent_growth_is_refused(url: str, witness: Witness, log: Log) -> None:
    request_cosignature(url, 0, [], log.note(4))
    # A history that rewrote leaf 2: its proof from 4 cannot lead to the cosigned root.
    fork = Log(log.signer).grow(6)
    fork.leaves[2] = leaf_hash(b"rewritten")
    with pytest.raises(WitnessError) as refused:
        request_cosignature(url, 4, fork.proof(4, 6), fork.note(6))
    assert refused.value.status == 422
    bad = log.proof(4, 6)
    bad[0] = bytes(32)
    assert submit(witness, 4, bad, log.note(6))[0] == 422
    assert submit(witness, 4, [], log.note(6))[0] == 422
    assert size_of(witness) == 4
    # The genuine growth still goes through.
    assert submit(witness, 4, log.proof(4, 6), log.note(6))[0] == 200


def test_rollback_is_refused(witness: Witness, log: Log) -> None:
    submit(witness, 0, [], log.note(8))
    assert submit(witness, 8, [], log.note(5))[0] == 400  # old size above the checkpoint's
    assert submit(witness, 5, [], log.note(5)) == (409, SIZE_CONTENT_TYPE, b"8\n")
    assert submit(witness, 0, [], log.note(5))[0] == 409
    assert size_of(witness) == 8


def test_same_checkpoint_again_is_cosigned_anew(
    witness: Witness, vkey: CosignatureVerifier, log: Log, clock: Clock
) -> None:
    submit(witness, 0, [], log.note(6))
    clock.now += 5
    status, _, body = submit(witness, 6, [], log.note(6))
    assert status == 200
    assert verify_cosignature(log.text(6), body.decode(), vkey) == T0 + 5
    assert size_of(witness) == 6


def test_empty_tree(witness: Witness, log: Log) -> None:
    assert submit(witness, 0, [], log.note(0))[0] == 200
    assert submit(witness, 0, [], log.note(3))[0] == 200


def test_signatures_from_other_keys(url: str, witness: Witness, log: Log) -> None:
    impostor = Log(generate_signer(ORIGIN)).grow(3)
    with pytest.raises(WitnessError) as refused:
        request_cosignature(url, 0, [], impostor.note(3))
    assert refused.value.status == 403
    # A signature line with the log's key id that does not verify: 403 as well.
    genuine = log.note(3)
    tampered = genuine.replace(b"\n3\n", b"\n4\n", 1)
    assert submit(witness, 0, [], tampered)[0] == 403
    assert size_of(witness) is None
    # Signatures from unknown keys are ignored next to the log's own.
    stranger = generate_signer("someone.example/else")
    assert submit(witness, 0, [], log.note(3, [stranger, log.signer]))[0] == 200


def test_unknown_origin(url: str, witness: Witness) -> None:
    other = Log(generate_signer("other.example/log")).grow(2)
    with pytest.raises(WitnessError) as refused:
        request_cosignature(url, 0, [], other.note(2))
    assert refused.value.status == 404
    assert witness.state.records() == {}


def _note_with_text(log: Log, text: str) -> bytes:
    return sign_note(text, [log.signer])


@pytest.mark.parametrize(
    "make_body",
    [
        lambda log: log.note(3),  # no old line
        lambda log: b"old 0\n" + log.note(3),  # no empty line before the note
        lambda log: b"old 00\n\n" + log.note(3),
        lambda log: b"old -1\n\n" + log.note(3),
        lambda log: b"old  0\n\n" + log.note(3),
        lambda log: b"size 0\n\n" + log.note(3),
        lambda log: b"old 9223372036854775808\n\n" + log.note(3),
        lambda log: b"old 0\nnot base64!\n\n" + log.note(3),
        lambda log: b"old 0\n" + b"AAAA\n" + b"\n" + log.note(3),  # not 32 bytes
        lambda log: b"old 0\n" + b"A" * 42 + b"B=\n\n" + log.note(3),  # non-canonical base64
        lambda log: b"old 0\n" + (b"A" * 43 + b"=\n") * 64 + b"\n" + log.note(3),
        lambda log: "old 0\n\u00e9\n\n".encode() + log.note(3),
        lambda log: b"old 0\n\n",  # no checkpoint
        lambda log: b"old 0\n\n" + log.text(3).encode(),  # unsigned
        lambda log: b"old 0\n\n" + log.note(3) + b"\xff",
        lambda log: b"old 0\n\n" + log.note(3).replace("—".encode(), b"-"),
        lambda log: b"old 0\n\n" + log.note(3).replace(b"\n3\n", b"\n3\x01\n"),
        lambda log: b"old 0\n\n" + _note_with_text(log, f"{ORIGIN}\n03\nAAAA\n"),
        lambda log: b"old 4\n\n" + log.note(3),  # old size above the checkpoint's
    ],
)
def test_malformed_requests(witness: Witness, log: Log, make_body) -> None:
    status, content_type, body = witness.add_checkpoint(make_body(log))
    assert status == 400, body
    assert content_type.startswith("text/plain")
    assert witness.state.records() == {}


def test_state_survives_a_restart(witness_dir: Path, log: Log, clock: Clock) -> None:
    first = open_witness(witness_dir, clock=clock)
    submit(first, 0, [], log.note(5))
    again = open_witness(witness_dir, clock=clock)
    assert submit(again, 0, [], log.note(8)) == (409, SIZE_CONTENT_TYPE, b"5\n")
    fork = Log(log.signer, tag=b"other").grow(5)
    assert submit(again, 5, [], fork.note(5))[0] == 409
    assert submit(again, 5, log.proof(5, 8), log.note(8))[0] == 200
    state = json.loads((witness_dir / "state.json").read_text())
    assert state["logs"][ORIGIN]["size"] == 8


def test_a_witness_without_its_state_does_not_start(witness_dir: Path) -> None:
    (witness_dir / "state.json").unlink()
    with pytest.raises(WitnessStateError, match="missing"):
        open_witness(witness_dir)


def test_a_damaged_state_is_refused(witness: Witness, witness_dir: Path, log: Log) -> None:
    (witness_dir / "state.json").write_text('{"format": "fangdu-witness-state/1", "logs": {')
    with pytest.raises(WitnessStateError, match="damaged"):
        submit(witness, 0, [], log.note(2))


def test_racing_requests_advance_the_state_once(witness: Witness, log: Log) -> None:
    submit(witness, 0, [], log.note(2))
    statuses: dict[int, int] = {}

    def send(size: int) -> None:
        statuses[size] = submit(witness, 2, log.proof(2, size), log.note(size))[0]

    threads = [threading.Thread(target=send, args=(size,)) for size in range(3, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [size for size, status in statuses.items() if status == 200]
    assert len(winners) == 1 and set(statuses.values()) == {200, 409}
    assert size_of(witness) == winners[0]


def test_the_state_lock_excludes_other_processes(witness: Witness, witness_dir: Path) -> None:
    # flock locks of separate open files conflict even within one process, as between two.
    fd = os.open(witness_dir / "state.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    entered = threading.Event()

    def transact() -> None:
        with witness.state.transaction():
            entered.set()

    thread = threading.Thread(target=transact)
    thread.start()
    try:
        assert not entered.wait(0.2)
    finally:
        os.close(fd)
    thread.join(5)
    assert entered.is_set()


def test_state_file_is_replaced_atomically(witness: Witness, witness_dir: Path, log: Log) -> None:
    before = os.stat(witness_dir / "state.json").st_ino
    submit(witness, 0, [], log.note(2))
    assert os.stat(witness_dir / "state.json").st_ino != before
    assert not [p for p in witness_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_clock_cosigns_nothing(witness: Witness, log: Log, clock: Clock) -> None:
    clock.now = 0
    with pytest.raises(RuntimeError, match="clock"):
        submit(witness, 0, [], log.note(2))
    assert size_of(witness) is None


# -- HTTP details ----------------------------------------------------------------------------


def _http(url: str, method: str, path: str, body: bytes = b"", headers=None):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Allow"), response.read()
    finally:
        connection.close()


def test_http_routes_and_limits(url: str, log: Log) -> None:
    assert _http(url, "GET", "/add-checkpoint")[:2] == (405, "POST")
    assert _http(url, "POST", "/other", b"old 0\n\n")[0] == 404
    assert _http(url, "GET", "/")[0] == 404
    too_big = {"Content-Length": str(2 << 20)}
    assert _http(url, "POST", "/add-checkpoint", headers=too_big)[0] == 413
    body = format_add_checkpoint(0, [], log.note(1))
    assert _http(url, "POST", "/add-checkpoint", body)[0] == 200


def test_keep_alive(url: str, log: Log) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        for size, old in ((2, 0), (3, 2)):
            body = format_add_checkpoint(old, log.proof(old, size), log.note(size))
            connection.request("POST", "/add-checkpoint", body=body)
            response = connection.getresponse()
            assert response.status == 200, response.read()
            response.read()
    finally:
        connection.close()


def test_unreachable_witness() -> None:
    with pytest.raises(WitnessError, match="could not be reached"):
        request_cosignature("http://127.0.0.1:9", 0, [], b"x\n", timeout=2)
    with pytest.raises(ValueError, match="http"):
        request_cosignature("file:///etc/passwd", 0, [], b"x\n")


def test_a_witness_ahead_of_the_log(url: str, vkey: CosignatureVerifier, log: Log) -> None:
    request_cosignature(url, 0, [], log.note(9))
    with pytest.raises(WitnessError, match="larger than"):
        obtain_cosignature(url, vkey, log.note(6), lambda old: log.proof(old, 6))


def test_a_cosignature_from_the_wrong_key_is_rejected(url: str, log: Log) -> None:
    stranger = generate_cosigner(WITNESS_NAME).verifier()
    with pytest.raises(WitnessError, match="invalid cosignature"):
        obtain_cosignature(url, stranger, log.note(2), lambda old: log.proof(old, 2))


# -- cosignature counting --------------------------------------------------------------------


def test_count_valid_cosignatures(log: Log) -> None:
    text = log.text(4)
    court, bank, notary = (generate_cosigner(f"{n}.example/w") for n in ("court", "bank", "nt"))
    lines = [
        cosign(text, court, T0),
        cosign(log.text(3), bank, T0),  # another checkpoint
        "— garbage AAAA\n",
        cosign(text, court, T0 + 1),  # counted once
        cosign(text, notary, T0),
    ]
    verifiers = [court.verifier(), bank.verifier(), notary.verifier()]
    assert count_valid_cosignatures(text, lines, verifiers) == ["court.example/w", "nt.example/w"]
    assert count_valid_cosignatures(text, [], verifiers) == []


# -- keys and the witness directory ----------------------------------------------------------


def test_witness_key_file(witness_dir: Path) -> None:
    path = witness_dir / "witness.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_cosigner(path).name == WITNESS_NAME
    path.chmod(0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_cosigner(path)


def test_init_keeps_an_existing_witness(witness_dir: Path, log: Log) -> None:
    before = (witness_dir / "witness.key").read_bytes()
    state = (witness_dir / "state.json").read_bytes()
    init_witness_dir(witness_dir, WITNESS_NAME)
    assert (witness_dir / "witness.key").read_bytes() == before
    assert (witness_dir / "state.json").read_bytes() == state
    with pytest.raises(KeyFileError, match="named"):
        init_witness_dir(witness_dir, "another.example/w")


def test_trust_log(witness_dir: Path, log: Log) -> None:
    assert trust_log(witness_dir, verifier_key_string(log.signer))[1] is False
    with pytest.raises(ValueError, match="another key"):
        trust_log(witness_dir, verifier_key_string(generate_signer(ORIGIN)))
    with pytest.raises(ValueError, match="witness key"):
        trust_log(witness_dir, cosigner_verifier_key_string(generate_cosigner("x.example/w")))


def test_state_create_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    WitnessState.create(path)
    assert WitnessState(path).records() == {}
    assert WitnessState.create(path).records() == {}


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_init_add_log_key(runner: CliRunner, tmp_path: Path, log: Log) -> None:
    directory = tmp_path / "w"
    result = runner.invoke(witness_app, ["init", "--dir", str(directory), "--name", WITNESS_NAME])
    assert result.exit_code == 0, result.output
    vkey = result.stdout.strip().splitlines()[-1]
    assert parse_cosigner_key(vkey).name == WITNESS_NAME
    assert (directory / "witness.key").stat().st_mode & 0o777 == 0o600

    result = runner.invoke(witness_app, ["key", "--dir", str(directory)])
    assert result.exit_code == 0 and result.stdout.strip() == vkey

    log_vkey = verifier_key_string(log.signer)
    result = runner.invoke(witness_app, ["add-log", "--dir", str(directory), log_vkey])
    assert result.exit_code == 0 and "now trusted" in result.stdout
    result = runner.invoke(witness_app, ["add-log", "--dir", str(directory), log_vkey])
    assert result.exit_code == 0 and "already trusted" in result.stdout
    assert open_witness(directory).logs[ORIGIN] == log.signer.verifier()

    # A witness key where a log key belongs, and a second key for the same origin: refused.
    for bad in (vkey, verifier_key_string(generate_signer(ORIGIN))):
        result = runner.invoke(witness_app, ["add-log", "--dir", str(directory), bad])
        assert result.exit_code == 2 and "error:" in result.stderr


def test_cli_errors(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(witness_app, ["key", "--dir", str(missing)])
    assert result.exit_code == 1 and "witness init" in result.stderr
    result = runner.invoke(witness_app, ["init", "--dir", str(missing), "--name", "bad name"])
    assert result.exit_code == 2 and "error:" in result.stderr
    runner.invoke(witness_app, ["init", "--dir", str(missing), "--name", WITNESS_NAME])
    result = runner.invoke(witness_app, ["init", "--dir", str(missing), "--name", "x.example/w"])
    assert result.exit_code == 1 and "named" in result.stderr


def test_cli_serve(
    runner: CliRunner, witness_dir: Path, monkeypatch: pytest.MonkeyPatch, log: Log
) -> None:
    import fangdu.cli.witness as cli

    def make_stopping_server(witness: Witness, host: str, port: int):
        server = make_server(witness, host, 0)

        def serve_once() -> None:
            # One real request through the served witness, then the operator's Ctrl-C.
            host, port = server.server_address[:2]
            thread = threading.Thread(target=server.handle_request)
            thread.start()
            lines = request_cosignature(f"http://{host}:{port}", 0, [], log.note(2))
            thread.join()
            assert lines
            raise KeyboardInterrupt

        server.serve_forever = serve_once
        return server

    monkeypatch.setattr(cli, "make_server", make_stopping_server)
    started = time.monotonic()
    result = runner.invoke(witness_app, ["serve", "--dir", str(witness_dir)])
    assert result.exit_code == 0, result.output
    assert f"witness {WITNESS_NAME} on http://127.0.0.1:" in result.stdout
    assert ORIGIN in result.stdout and "stopped" in result.stdout
    assert time.monotonic() - started < 10
    assert WitnessState(witness_dir / "state.json").get(ORIGIN).size == 2
