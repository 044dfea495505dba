"""Go's own sumdb/note and tlog packages verify a log written by Fangdu's ledger code.

Needs `go` and the golang.org/x/mod sources (Debian: golang-go, golang-golang-x-mod-dev); the
build is offline (GOPATH mode). Skipped with a message when they are missing, except under
CI=true, where a missing toolchain fails the test.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.merkle import leaf_hash
from fangdu.ledger.note import (
    Signer,
    generate_signer,
    open_note,
    sign_note,
    signer_key_string,
    verifier_key_string,
)
from fangdu.ledger.tiles import (
    TILE_WIDTH,
    entries_path,
    entry_bundle,
    integrate,
    parse_entry_bundle,
    tile_path,
)

SOURCE = Path(__file__).parent / "tlogverify"
GOPATH = Path("/usr/share/gocode")
X_MOD = GOPATH / "src/golang.org/x/mod/sumdb"
ORIGIN = "fangdu.example/interop-log"


def _missing(reason: str) -> None:
    hint = "install golang-go and golang-golang-x-mod-dev"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} ({hint}); CI must run the Go interop test")
    pytest.skip(f"{reason}: {hint} to run the Go interop test")


@pytest.fixture(scope="module")
def tlogverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        _missing("`go` is not on PATH")
    if not X_MOD.is_dir():
        _missing(f"{X_MOD} is missing")
    build = tmp_path_factory.mktemp("tlogverify")
    binary = build / "tlogverify"
    env = {
        **os.environ,
        # GOPATH mode: the x/mod sources come from the Debian package, nothing is downloaded.
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOPROXY": "off",
        "GOCACHE": str(build / "cache"),
    }
    result = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"go build failed:\n{result.stderr}"
    return binary


def _run(binary: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(binary), *args], input=stdin, capture_output=True, timeout=120, check=False
    )


@dataclass
class StaticLog:
    """A tiny log: an in-memory dict of tiles, published as C2SP static files in `root`."""

    root: Path
    signer: Signer
    tiles: dict[tuple[int, int], bytes] = field(default_factory=dict)
    entries: list[bytes] = field(default_factory=list)
    checkpoints: list[Path] = field(default_factory=list)

    def _write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def append(self, batch: Sequence[bytes]) -> None:
        old = len(self.entries)
        changed, root = integrate(old, [leaf_hash(e) for e in batch], self._read)
        self.tiles.update(changed)
        self.entries += batch
        # Like a real log, write the tiles and bundles of this size and keep the older partials.
        for (level, index), data in changed.items():
            self._write(tile_path(level, index, len(data) // 32), data)
        for index in range(old // TILE_WIDTH, (len(self.entries) - 1) // TILE_WIDTH + 1):
            bundle = self.entries[index * TILE_WIDTH : (index + 1) * TILE_WIDTH]
            self._write(entries_path(index, len(bundle)), entry_bundle(bundle))
        text = Checkpoint(ORIGIN, len(self.entries), root).to_text()
        note = sign_note(text, [self.signer])
        self._write("checkpoint", note)
        kept = self.root.parent / f"checkpoint.{len(self.entries)}"
        kept.write_bytes(note)
        self.checkpoints.append(kept)

    def _read(self, level: int, index: int) -> bytes:
        return self.tiles[(level, index)]


@pytest.fixture
def log(tmp_path: Path) -> StaticLog:
    rng = random.Random(6962)
    log = StaticLog(tmp_path / "log", generate_signer(ORIGIN))
    entries = [b""] + [rng.randbytes(rng.randrange(0, 300)) for _ in range(700)]
    position = 0
    for size in (1, 2, 253, 44, 100, 300):  # crosses tile edges; the last batch is partial
        log.append(entries[position : position + size])
        position += size
    return log


def _verify(binary: Path, log: StaticLog, *old: Path) -> subprocess.CompletedProcess[bytes]:
    vkey = verifier_key_string(log.signer)
    return _run(binary, "verify", "-dir", str(log.root), "-vkey", vkey, *map(str, old))


def test_go_verifies_the_python_log(tlogverify: Path, log: StaticLog) -> None:
    result = _verify(tlogverify, log, *log.checkpoints[:-1])
    assert result.returncode == 0, result.stderr.decode()
    summary = result.stdout.decode()
    assert summary.startswith(f"OK {ORIGIN} size=700 ")
    assert "entries=700 inclusion=700 consistency=9" in summary


@pytest.mark.parametrize(
    "target",
    ["tile/0/000", "tile/0/002.p/188", "tile/1/000.p/2", "tile/entries/001", "checkpoint"],
)
def test_go_rejects_a_flipped_byte(tlogverify: Path, log: StaticLog, target: str) -> None:
    path = log.root / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = _verify(tlogverify, log)
    assert result.returncode != 0, result.stdout.decode()
    assert result.stderr.startswith(b"FAIL: ")


def test_go_rejects_a_rewritten_entry(tlogverify: Path, log: StaticLog) -> None:
    # Someone who can write the files but cannot sign replaces an entry and its leaf hash.
    bundle = log.root / "tile/entries/000"
    entries = parse_entry_bundle(bundle.read_bytes())
    entries[128] = b"another history"
    bundle.write_bytes(entry_bundle(entries))
    tile = log.root / "tile/0/000"
    data = bytearray(tile.read_bytes())
    data[128 * 32 : 129 * 32] = leaf_hash(b"another history")
    tile.write_bytes(bytes(data))
    result = _verify(tlogverify, log)
    assert result.returncode != 0, result.stdout.decode()
    assert result.stderr.startswith(b"FAIL: ")


def test_go_rejects_the_wrong_key(tlogverify: Path, log: StaticLog) -> None:
    other = verifier_key_string(generate_signer(ORIGIN))
    result = _run(tlogverify, "verify", "-dir", str(log.root), "-vkey", other)
    assert result.returncode != 0
    assert b"note has no verifiable signatures" in result.stderr


def test_go_rejects_an_inconsistent_old_checkpoint(tlogverify: Path, log: StaticLog) -> None:
    forged = Checkpoint(ORIGIN, 300, leaf_hash(b"another history")).to_text()
    path = log.root.parent / "forged"
    path.write_bytes(sign_note(forged, [log.signer]))
    result = _verify(tlogverify, log, path)
    assert result.returncode != 0
    assert b"check tree 300 -> 700" in result.stderr


def test_notes_cross_between_go_and_python(tlogverify: Path) -> None:
    signer = generate_signer("fangdu.example/keys")
    text = "纺都 checkpoint\n42\n\nlast line\n"
    # Go signs with our private key string; we open it, and Ed25519 being deterministic, the
    # bytes are exactly ours.
    signed = _run(tlogverify, "sign", "-skey", signer_key_string(signer), stdin=text.encode())
    assert signed.returncode == 0, signed.stderr.decode()
    assert signed.stdout == sign_note(text, [signer])
    assert open_note(signed.stdout, [signer.verifier()]).text == text
    # Go's note.NewVerifier takes our verifier key string and opens our note.
    vkey = verifier_key_string(signer)
    opened = _run(tlogverify, "open", "-vkey", vkey, stdin=sign_note(text, [signer]))
    assert opened.returncode == 0, opened.stderr.decode()
    assert opened.stdout.decode() == text


def test_go_verifies_the_log_that_fangdu_exports(
    tlogverify: Path, tmp_path: Path, write_prints
) -> None:
    # The real thing: entries written by imports, exported by the command line, key as printed.
    fangdu = Path(sys.executable).with_name("fangdu")
    home = tmp_path / "home"

    def run(*args: object) -> str:
        done = subprocess.run(
            [str(fangdu), "--home", str(home), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("import", write_prints(tmp_path / "a", range(3), size=96)[0].parent)
    run(
        "import",
        "--prior-art",
        "--source",
        "market catalogue",
        write_prints(tmp_path / "b", range(3, 5), size=96)[0].parent,
    )
    run("ledger", "export", tmp_path / "old")
    run("import", write_prints(tmp_path / "c", range(5, 8), size=96)[0].parent)
    run("ledger", "export", tmp_path / "log")
    vkey = run("ledger", "key").strip().splitlines()[-1]
    result = _run(
        tlogverify,
        "verify",
        "-dir",
        str(tmp_path / "log"),
        "-vkey",
        vkey,
        str(tmp_path / "old" / "checkpoint"),
    )
    assert result.returncode == 0, result.stderr.decode()
    assert " size=8 " in result.stdout.decode()
    assert "entries=8 inclusion=8" in result.stdout.decode()
