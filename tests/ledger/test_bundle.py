"""Evidence bundles: written deterministically, verified offline, and every tampered bit caught.

A small log is built in memory (merkle's reference functions give the root and the proofs),
signed, cosigned by two witnesses, and timestamped by the local OpenSSL TSA (tests/ledger/tsa.py).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tsa import LocalTsa

from fangdu.ledger import merkle
from fangdu.ledger.bundle import BundleContents, BundleError, build_bundle, write_bundle
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.entries import Event, FileRef, build_entry, seal
from fangdu.ledger.note import (
    Cosigner,
    Signer,
    cosign,
    cosigner_verifier_key_string,
    generate_cosigner,
    generate_signer,
    sign_note,
    verifier_key_string,
)
from fangdu.ledger.timestamp import request_timestamp
from fangdu.ledger.verify import (
    Check,
    Policy,
    PolicyError,
    Report,
    load_policy,
    verify_bundle,
    verify_bundle_bytes,
)

ORIGIN = "fangdu.test/log"
SUBJECT = "work:7"
WHEN = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
ORIGINAL = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # stands in for the registered image
AGREEMENT = b"%PDF-1.7\n licence agreement \n%%EOF\n"
OTHER = b"\x89PNG\r\n\x1a\n a different pattern"
TITLE = "缠枝牡丹"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True)
class World:
    """One log, its keys, and the BundleContents for SUBJECT at the latest checkpoint."""

    signer: Signer
    witnesses: tuple[Cosigner, Cosigner]
    entries: dict[int, bytes]
    leaves: list[bytes]
    checkpoint: Checkpoint
    contents: BundleContents
    tsa: LocalTsa
    opening: bytes  # of entry 1, the sealed application

    def proof(self, index: int) -> list[bytes]:
        return merkle.inclusion_proof_from_leaf_hashes(index, self.leaves)

    def note(self, signer: Signer, cosigners: tuple[Cosigner, ...]) -> bytes:
        return signed_note(self.checkpoint, signer, cosigners)

    def policy(self, **changes: object) -> Policy:
        fields: dict[str, object] = {
            "log_key": verifier_key_string(self.signer),
            "witness_keys": tuple(cosigner_verifier_key_string(w) for w in self.witnesses),
            "witnesses_required": 2,
            "timestamp_roots": self.tsa.ca_cert_pem,
            "require_timestamp": True,
        }
        return Policy(**{**fields, **changes})  # type: ignore[arg-type]

    def bundle(self, **changes: object) -> bytes:
        return build_bundle(dataclasses.replace(self.contents, **changes))  # type: ignore[arg-type]


def signed_note(checkpoint: Checkpoint, signer: Signer, cosigners: tuple[Cosigner, ...]) -> bytes:
    """The checkpoint signed by `signer`, with a cosignature line per witness appended."""
    text = checkpoint.to_text()
    lines = "".join(cosign(text, w, 1_740_000_000 + i) for i, w in enumerate(cosigners))
    return sign_note(text, [signer]) + lines.encode()


@pytest.fixture(scope="module")
def world(local_tsa: LocalTsa) -> World:
    signer = generate_signer(ORIGIN)
    submitter = generate_signer("registry-operator")
    witnesses = (generate_cosigner("witness-a.test"), generate_cosigner("witness-b.test"))
    original = FileRef("original", sha(ORIGINAL), len(ORIGINAL))
    agreement = FileRef("agreement", sha(AGREEMENT), len(AGREEMENT))
    # Entries about SUBJECT at 1, 4 and 6, other subjects between them, so the proofs differ.
    # The application (1) is sealed: the log shows a commitment, the bundle its opening.
    plan: list[tuple[str, str, dict[str, object], tuple[FileRef, ...]]] = [
        ("registration", "work:3", {"title": "回纹"}, ()),
        ("application", SUBJECT, {}, (original,)),
        ("prior_art", "prior_art:1", {"title": "old"}, ()),
        ("registration", "work:5", {"title": "水波"}, ()),
        (
            "status_change",
            SUBJECT,
            {"status": "registered", "registration_no": "ZJ-2025-0007"},
            (),
        ),
        ("registration", "work:9", {"title": "云纹"}, ()),
        ("licence", SUBJECT, {"licensee": "ab" * 32}, (agreement,)),
    ]
    entries: dict[int, bytes] = {}
    prev: dict[str, bytes] = {}
    openings: dict[int, bytes] = {}
    for index, (kind, subject, facts, files) in enumerate(plan):
        sealed = {"title": TITLE, "registration_no": None} if index == 1 else None
        event, opening = seal(
            Event(kind, subject, facts, files, time=WHEN + dt.timedelta(days=index), sealed=sealed)
        )
        if opening is not None:
            openings[index] = opening
        data = build_entry(event, origin=ORIGIN, prev=prev.get(subject), submitter=submitter)
        entries[index] = data
        prev[subject] = merkle.leaf_hash(data)
    leaves = [merkle.leaf_hash(entries[i]) for i in range(len(entries))]
    checkpoint = Checkpoint(ORIGIN, len(leaves), merkle.root_from_leaf_hashes(leaves))
    token = request_timestamp(
        checkpoint.to_text().encode(), local_tsa.url, ca_pem=local_tsa.ca_cert_pem
    )
    contents = BundleContents(
        subject=SUBJECT,
        record={"title": TITLE, "registration_no": "ZJ-2025-0007"},
        origin=ORIGIN,
        log_vkey=verifier_key_string(signer),
        checkpoint_note=signed_note(checkpoint, signer, witnesses),
        checkpoint_text=checkpoint.to_text(),
        entries=[
            (i, entries[i], merkle.inclusion_proof_from_leaf_hashes(i, leaves)) for i in (1, 4, 6)
        ],
        files=[
            (sha(ORIGINAL), "original", ORIGINAL, ".png"),
            (sha(AGREEMENT), "agreement", AGREEMENT, ".pdf"),
        ],
        timestamp_token=token.token,
        tsa_chain_pem=token.chain_pem + local_tsa.ca_cert_pem,
        witness_vkeys=[cosigner_verifier_key_string(w) for w in witnesses],
        openings=openings,
    )
    return World(signer, witnesses, entries, leaves, checkpoint, contents, local_tsa, openings[1])


@pytest.fixture(scope="module")
def good(world: World) -> bytes:
    return world.bundle()


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(bundle: bytes, name: str, data: bytes) -> bytes:
    """The same archive with member `name` holding `data` (a fresh CRC, so only content differs)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, data if info.filename == name else source.read(info))
    return out.getvalue()


def rejected(report: Report, check: str, *words: str) -> str:
    """Assert the first failure is `check` and its detail holds `words`; the reason."""
    assert not report.ok, report.render()
    first = next(c for c in report.checks if not c.ok)
    assert first.name == check, report.render()
    for word in words:
        assert word in first.detail, report.render()
    assert report.render().startswith(f"REJECTED: {check}: "), report.render()
    return first.detail


# -- a good bundle ---------------------------------------------------------------------------


def test_good_bundle_verifies_without_a_policy(world: World, good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    write_bundle(path, world.contents)
    assert path.read_bytes() == good
    report = verify_bundle(path)
    text = report.render()
    assert report.ok and text.startswith("VERIFIED\n"), text
    assert report.gen_time is not None and report.gen_time.tzinfo is dt.UTC
    # Without a policy the report says whose keys it used, with the ids to compare.
    assert "taken from the bundle (no policy given)" in text
    assert world.signer.key_id.hex() in text
    assert "the root in tsa-chain.pem, taken from the bundle" in text
    assert "2 cosigned, with keys taken from the bundle (no policy given" in text
    names = [check.name for check in report.checks]
    assert names == [
        "zip", "manifest.json", "keys/log.vkey", "keys/witnesses.vkey", "checkpoint",
        "checkpoint.txt", "entries/1.json", "entries/4.json", "entries/6.json",
        "openings/1.bin", "chain",
        "record", f"files/{sha(AGREEMENT)}.pdf", f"files/{sha(ORIGINAL)}.png", "originals",
        "tsa-chain.pem", "checkpoint.tsr", "witnesses", "README.txt",
    ]  # fmt: skip
    assert verify_bundle(path).render() == text  # nothing in it depends on the clock


def test_good_bundle_verifies_with_a_policy_file(world: World, good: bytes, tmp_path: Path) -> None:
    (tmp_path / "tsa-root.pem").write_bytes(world.tsa.ca_cert_pem)
    witness_keys = json.dumps([cosigner_verifier_key_string(w) for w in world.witnesses])
    (tmp_path / "policy.toml").write_text(
        f'log_key = "{verifier_key_string(world.signer)}"\n'
        f"witness_keys = {witness_keys}\n"
        "witnesses_required = 2\n"
        'timestamp_roots = "tsa-root.pem"\n'
        "require_timestamp = true\n"
    )
    policy = load_policy(tmp_path / "policy.toml")
    assert policy == world.policy()
    report = verify_bundle_bytes(good, policy)
    text = report.render()
    assert report.ok, text
    assert "from the policy; the bundle's keys/log.vkey is the same key" in text
    assert "against the policy's timestamp roots" in text
    assert "2 of the policy's 2 cosigned, 2 required" in text


@pytest.mark.parametrize(("required", "ok"), [(1, True), (2, False)])
def test_witnesses_k_of_n(world: World, required: int, ok: bool) -> None:
    # Only witness a cosigned; the policy trusts a and b.
    bundle = world.bundle(
        checkpoint_note=world.note(world.signer, world.witnesses[:1]),
        witness_vkeys=[cosigner_verifier_key_string(world.witnesses[0])],
    )
    report = verify_bundle_bytes(bundle, world.policy(witnesses_required=required))
    if ok:
        assert report.ok, report.render()
        assert "1 of the policy's 2 cosigned, 1 required" in report.render()
    else:
        rejected(report, "witnesses", "1 of the policy's 2 cosigned, 2 required")


def test_bundle_bytes_are_deterministic(world: World, good: bytes) -> None:
    assert world.bundle() == good
    # Order of the caller's lists does not matter either.
    shuffled = dataclasses.replace(
        world.contents,
        entries=list(reversed(world.contents.entries)),
        files=list(reversed(world.contents.files)),
    )
    assert build_bundle(shuffled) == good
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {(i.date_time, i.compress_type, i.external_attr >> 16) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), zipfile.ZIP_STORED, 0o100644)
    }


def test_manifest_layout(world: World, good: bytes) -> None:
    files = members(good)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "fangdu-evidence/v1"
    assert manifest["subject"] == SUBJECT
    assert manifest["record"] == {"title": TITLE, "registration_no": "ZJ-2025-0007"}
    assert manifest["origin"] == ORIGIN
    assert manifest["checkpoint"] == {"note": "checkpoint", "text": "checkpoint.txt", "size": 7}
    assert manifest["keys"] == {"log": "keys/log.vkey", "witnesses": "keys/witnesses.vkey"}
    assert manifest["timestamp"] == {
        "token": "checkpoint.tsr",
        "message": "checkpoint.txt",
        "chain": "tsa-chain.pem",
    }
    assert [e["index"] for e in manifest["entries"]] == [1, 4, 6]
    first = manifest["entries"][0]
    assert first["path"] == "entries/1.json"
    assert first["opening"] == "openings/1.bin"
    assert "opening" not in manifest["entries"][1]  # a public entry has none
    assert files["openings/1.bin"] == world.opening
    # What README.txt tells a judge to run: printf '\x00' | cat - entries/1.json | sha256sum
    assert first["leaf_hash"] == sha(b"\x00" + files["entries/1.json"])
    assert len(first["inclusion_proof"]) == 3
    assert manifest["files"][1] == {
        "sha256": sha(ORIGINAL),
        "path": f"files/{sha(ORIGINAL)}.png",
        "role": "original",
    }
    assert files["checkpoint.txt"] == world.checkpoint.to_text().encode()
    assert files["keys/witnesses.vkey"].count(b"\n") == 2
    readme = files["README.txt"].decode()
    assert readme.index("方度") < readme.index("Fangdu textile")
    assert (
        "openssl ts -verify -in checkpoint.tsr -data checkpoint.txt -CAfile tsa-root.pem" in readme
    )
    assert "printf '\\x00' | cat - entries/N.json | sha256sum" in readme
    assert "fangdu verify bundle.zip" in readme


def test_readme_steps_work_by_hand(world: World, good: bytes, tmp_path: Path) -> None:
    """What README.txt tells a judge to do, done with the tools it names."""
    if shutil.which("bash") is None or shutil.which("sha256sum") is None:
        pytest.skip("needs bash and sha256sum")
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        archive.extractall(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())

    def run(command: str) -> str:
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()

    for line in run("sha256sum files/*").splitlines():
        digest, name = line.split()
        assert name.startswith(f"files/{digest}")
    root = base64.b64decode((tmp_path / "checkpoint.txt").read_text().splitlines()[2])
    for entry in manifest["entries"]:
        leaf = run(f"printf '\\x00' | cat - {entry['path']} | sha256sum").split()[0]
        assert leaf == entry["leaf_hash"]
        # Step 3 of the README, word for word.
        r, fn, sn = bytes.fromhex(leaf), entry["index"], manifest["checkpoint"]["size"] - 1
        for p in map(base64.b64decode, entry["inclusion_proof"]):
            if fn % 2 == 1 or fn == sn:
                r = hashlib.sha256(b"\x01" + p + r).digest()
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
            else:
                r = hashlib.sha256(b"\x01" + r + p).digest()
            fn, sn = fn >> 1, sn >> 1
        assert sn == 0 and r == root
    # Step 7: the opening hashes to the entry's commitment and shows the facts.
    commitment = json.loads((tmp_path / "entries/1.json").read_text())["body"]["facts"]
    assert run("sha256sum openings/1.bin").split()[0] == commitment["commitment"]
    assert json.loads(run("tail -c +33 openings/1.bin"))["title"] == TITLE
    (tmp_path / "tsa-root.pem").write_bytes(world.tsa.ca_cert_pem)
    command = "openssl ts -verify -in checkpoint.tsr -data checkpoint.txt -CAfile tsa-root.pem"
    assert command in (tmp_path / "README.txt").read_text()
    assert "Verification: OK" in run(command + " 2>&1")


def test_bundle_refuses_inconsistent_contents(world: World) -> None:
    with pytest.raises(BundleError, match="SHA-256"):
        world.bundle(files=[(sha(OTHER), "original", ORIGINAL, ".png")])
    with pytest.raises(BundleError, match="extension"):
        world.bundle(files=[(sha(ORIGINAL), "original", ORIGINAL, "/../x")])
    with pytest.raises(BundleError, match="twice"):
        world.bundle(files=[(sha(ORIGINAL), "original", ORIGINAL, ".png")] * 2)
    with pytest.raises(BundleError, match="chain"):
        world.bundle(tsa_chain_pem=None)
    with pytest.raises(BundleError, match="opening of entry 1: SHA-256"):
        world.bundle(openings={1: bytes(32) + b'{"title":"forged"}'})
    with pytest.raises(BundleError, match="opening of entry 4: the entry's facts hold no"):
        world.bundle(openings={1: world.opening, 4: world.opening})
    with pytest.raises(BundleError, match="entry 5, which the bundle lacks"):
        world.bundle(openings={1: world.opening, 5: world.opening})


# -- flip a bit anywhere ---------------------------------------------------------------------


def flips(name: str, size: int) -> Iterator[tuple[int, int]]:
    """A few (byte position, bit) pairs per member: both ends, the middle, seeded others."""
    rng = random.Random(name)
    positions = {0, size - 1, size // 2, *rng.sample(range(size), min(size, 6))}
    for position in sorted(positions):
        yield position, rng.randrange(8)


def test_flipping_a_bit_in_any_member_is_caught(good: bytes) -> None:
    for name, data in members(good).items():
        for position, bit in flips(name, len(data)):
            changed = bytearray(data)
            changed[position] ^= 1 << bit
            report = verify_bundle_bytes(rezip(good, name, bytes(changed)))
            where = f"{name} byte {position} bit {bit}\n{report.render()}"
            if name == "README.txt":
                # Explanation for people, not evidence: the verifier never reads it.
                assert report.ok, where
                assert report.checks[-1].detail == "not evidence, not checked", where
                continue
            assert not report.ok, where
            first = next(c for c in report.checks if not c.ok)
            if name == "manifest.json":
                assert first.name == name or name in first.detail, where
            elif name == "checkpoint":
                # The log's signature, or a witness's cosignature line, of the checkpoint.
                assert first.name in ("checkpoint", "witnesses"), where
                assert first.name == name or "checkpoint" in first.detail, where
            else:
                assert first.name == name, where


def test_readme_is_not_evidence(world: World, good: bytes) -> None:
    replaced = verify_bundle_bytes(rezip(good, "README.txt", b"anything at all"))
    assert replaced.ok
    assert replaced.checks[-1] == Check("README.txt", True, "not evidence, not checked")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "README.txt":
                target.writestr(info, source.read(info))
    absent = verify_bundle_bytes(out.getvalue())
    assert absent.ok and absent.checks[-1].detail == "absent (not evidence)"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_bit_flips_in_the_zip_never_crash_or_pass_altered_members(
    good: bytes, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(good) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    corrupted = bytearray(good)
    corrupted[position] ^= 1 << bit
    report = verify_bundle_bytes(bytes(corrupted))
    assert report.render().startswith("VERIFIED\n" if report.ok else "REJECTED: ")
    if report.ok:  # only a flip the zip format ignores (a date, an attribute) may pass
        assert members(bytes(corrupted)) == members(good)


# -- each kind of tampering, rejected with its reason ----------------------------------------


def test_missing_entry_in_the_chain(world: World) -> None:
    middle_gone = world.bundle(entries=[(i, world.entries[i], world.proof(i)) for i in (1, 6)])
    rejected(verify_bundle_bytes(middle_gone), "chain", "entries/6.json", "missing between")
    first_gone = world.bundle(
        entries=[(i, world.entries[i], world.proof(i)) for i in (4, 6)],
        files=[(sha(AGREEMENT), "agreement", AGREEMENT, ".pdf")],
        openings={},
    )
    rejected(verify_bundle_bytes(first_gone), "chain", "entries/4.json", "not null")


def test_entry_about_another_subject(world: World) -> None:
    stranger = world.bundle(entries=[(i, world.entries[i], world.proof(i)) for i in (1, 3, 4)])
    rejected(verify_bundle_bytes(stranger), "chain", "entries/3.json is about 'work:5'")


def test_swapped_file(world: World, good: bytes) -> None:
    swapped = world.bundle(files=[(sha(OTHER), "original", OTHER, ".png"), world.contents.files[1]])
    rejected(verify_bundle_bytes(swapped), f"files/{sha(OTHER)}.png", "referenced by no entry")
    # The right name over other bytes.
    name = f"files/{sha(ORIGINAL)}.png"
    rejected(verify_bundle_bytes(rezip(good, name, OTHER)), name, f"SHA-256 is {sha(OTHER)}")
    # An original left out.
    dropped = world.bundle(files=[world.contents.files[1]])
    rejected(verify_bundle_bytes(dropped), "originals", f"original {sha(ORIGINAL)}")


def test_proof_for_another_index(world: World) -> None:
    wrong = world.bundle(
        entries=[(1, world.entries[1], world.proof(2)), *world.contents.entries[1:]]
    )
    rejected(verify_bundle_bytes(wrong), "entries/1.json", "manifest.json's inclusion proof")


def test_checkpoint_signed_by_another_key(world: World, good: bytes) -> None:
    impostor = generate_signer(ORIGIN)  # same name, other key
    forged = world.note(impostor, world.witnesses)
    with pytest.raises(BundleError, match="not signed by a known key"):
        world.bundle(checkpoint_note=forged)
    # The bundle's own key file does not open it, and what rests on it is not checked...
    report = verify_bundle_bytes(rezip(good, "checkpoint", forged))
    rejected(report, "checkpoint", "no signature from a known key")
    assert "  skip entries/1.json: not checked: checkpoint did not verify\n" in report.render()
    # ...and a bundle consistent with the impostor's key fails the policy...
    consistent = world.bundle(checkpoint_note=forged, log_vkey=verifier_key_string(impostor))
    rejected(
        verify_bundle_bytes(consistent, world.policy()),
        "keys/log.vkey",
        "not the policy's log key",
    )
    # ...while without a policy it names the key id the court must compare.
    report = verify_bundle_bytes(consistent)
    assert report.ok
    assert impostor.key_id.hex() in report.render()
    assert world.signer.key_id.hex() not in report.render()


def test_timestamp_over_another_message(world: World) -> None:
    other = request_timestamp(b"another checkpoint\n", world.tsa.url)
    bundle = world.bundle(timestamp_token=other.token)
    rejected(verify_bundle_bytes(bundle), "checkpoint.tsr", "imprint does not match")


def test_timestamp_against_the_wrong_root(world: World, good: bytes) -> None:
    policy = world.policy(timestamp_roots=world.tsa.other_ca_cert_pem)
    rejected(verify_bundle_bytes(good, policy), "checkpoint.tsr", "does not verify")


def test_tsa_chain_is_put_in_order_and_needs_its_root(world: World, good: bytes) -> None:
    chain = world.contents.tsa_chain_pem
    assert chain is not None
    signer_only = chain[: -len(world.tsa.ca_cert_pem)]
    # Extra and repeated certificates are dropped, the order is signer, then root.
    noisy = signer_only + world.tsa.other_ca_cert_pem + world.tsa.ca_cert_pem * 2
    assert world.bundle(tsa_chain_pem=noisy) == good
    with pytest.raises(BundleError, match="add the TSA's root"):
        world.bundle(tsa_chain_pem=signer_only)
    rejected(
        verify_bundle_bytes(rezip(good, "tsa-chain.pem", signer_only)),
        "tsa-chain.pem",
        "self-signed root",
    )
    reordered = world.tsa.ca_cert_pem + signer_only
    rejected(verify_bundle_bytes(rezip(good, "tsa-chain.pem", reordered)), "tsa-chain.pem")


def test_timestamp_required_by_policy(world: World) -> None:
    bundle = world.bundle(timestamp_token=None, tsa_chain_pem=None)
    assert verify_bundle_bytes(bundle).ok
    rejected(verify_bundle_bytes(bundle, world.policy()), "checkpoint.tsr", "requires")


def test_bundle_keeps_only_cosignatures_the_court_can_check(world: World, good: bytes) -> None:
    stranger = generate_cosigner("witness-c.test")
    # A configured witness that did not cosign is not listed...
    listed = [*world.contents.witness_vkeys, cosigner_verifier_key_string(stranger)]
    assert world.bundle(witness_vkeys=listed) == good
    # ...and a cosignature by a witness whose key is not given is left out.
    extra = world.note(world.signer, (*world.witnesses, stranger))
    assert world.bundle(checkpoint_note=extra) == good


def test_witness_listed_but_absent_and_unknown_signatures(world: World, good: bytes) -> None:
    only_a = world.note(world.signer, world.witnesses[:1])
    rejected(verify_bundle_bytes(rezip(good, "checkpoint", only_a)), "witnesses", "did not")
    stranger = generate_cosigner("witness-c.test")
    extra = world.note(world.signer, (*world.witnesses, stranger))
    rejected(verify_bundle_bytes(rezip(good, "checkpoint", extra)), "witnesses", "neither")


def test_a_forged_or_withheld_opening(world: World, good: bytes) -> None:
    forged = world.opening[:32] + world.opening[32:].replace(TITLE.encode(), "伪造".encode())
    rejected(
        verify_bundle_bytes(rezip(good, "openings/1.bin", forged)),
        "openings/1.bin",
        "not the entry's commitment",
    )
    # Without the opening the title is stated by no entry: the record cannot stand.
    withheld = world.bundle(openings={})
    rejected(verify_bundle_bytes(withheld), "record", "'title' is stated by no entry")
    assert not any(name.startswith("openings/") for name in members(withheld))


def test_record_must_be_what_the_entries_state(world: World) -> None:
    stale = world.bundle(record={"registration_no": None})  # superseded by entry 4
    rejected(verify_bundle_bytes(stale), "record", "entries/4.json says 'ZJ-2025-0007'")
    invented = world.bundle(record={"owner": "someone"})
    rejected(verify_bundle_bytes(invented), "record", "stated by no entry")


# -- the container ---------------------------------------------------------------------------


def raw_zip(*entries: tuple[str, bytes], compress: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compress)
    return out.getvalue()


@pytest.mark.parametrize(
    ("bundle", "words"),
    [
        (b"not a zip", "not a readable zip archive"),
        (raw_zip(("../manifest.json", b"{}")), "escapes the bundle"),
        (raw_zip(("/etc/passwd", b"")), "escapes the bundle"),
        (raw_zip(("a\\b", b"")), "escapes the bundle"),
        (raw_zip(("dir/", b"")), "not a plain relative path"),
        (raw_zip(("files/x", b"x" * (2 << 20)), compress=zipfile.ZIP_DEFLATED), "100-fold"),
        (raw_zip(("manifest.json", b" " * (17 << 20)), compress=zipfile.ZIP_DEFLATED), "declares"),
    ],
)
def test_unsafe_archives_are_refused(bundle: bytes, words: str) -> None:
    rejected(verify_bundle_bytes(bundle), "zip", words)


def test_duplicate_and_extra_members(good: bytes) -> None:
    out = io.BytesIO(good)
    with zipfile.ZipFile(out, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("checkpoint", b"a second checkpoint")
    rejected(verify_bundle_bytes(out.getvalue()), "zip", "appears twice")
    out = io.BytesIO(good)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("notes.txt", b"smuggled")
    rejected(verify_bundle_bytes(out.getvalue()), "manifest.json", "notes.txt")


def test_missing_path(tmp_path: Path) -> None:
    rejected(verify_bundle(tmp_path / "absent.zip"), "zip", "cannot read")


# -- policies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('log_key = "x"\nwitness_required = 1\n', "unknown setting(s) witness_required"),
        ("witnesses_required = 0\n", "log_key"),
        ('log_key = "not a key"\n', "verifier key"),
        ("log_key = [\n", "Invalid value"),
    ],
)
def test_bad_policy_files(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "policy.toml").write_text(text)
    with pytest.raises(PolicyError, match=re.escape(words)):
        load_policy(tmp_path / "policy.toml")


def test_inconsistent_policies(world: World) -> None:
    with pytest.raises(PolicyError, match="witnesses_required is 3"):
        world.policy(witnesses_required=3)
    with pytest.raises(PolicyError, match="require_timestamp needs timestamp_roots"):
        world.policy(timestamp_roots=None)
    with pytest.raises(PolicyError, match="twice"):
        world.policy(witness_keys=(cosigner_verifier_key_string(world.witnesses[0]),) * 2)


def test_verifier_needs_no_database() -> None:
    code = (
        "import sys, fangdu.ledger.verify; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'sqlalchemy' "
        "or m.startswith('fangdu.registry')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
