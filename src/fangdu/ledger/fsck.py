"""fsck: re-derive the whole log from its entries and check everything stored against it.

Every entry is parsed (canonical JSON, submitter signature) and re-hashed; each sealed entry's
private opening must open its commitment (or its owner could not prove the facts); the tree
is rebuilt in memory from those hashes alone; each stored checkpoint must carry the log's
signature over the root of exactly that prefix; each timestamp must verify over its
checkpoint; each cosignature must verify with a trusted witness key; and the stored tiles must
equal the re-derived ones. Nothing is repaired: fsck reports, a person decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fangdu.ledger import tiles
from fangdu.ledger.checkpoint import Checkpoint
from fangdu.ledger.entries import COMMITMENT, EntryError, open_commitment, parse_entry
from fangdu.ledger.merkle import EMPTY_ROOT, leaf_hash
from fangdu.ledger.note import CosignatureVerifier, NoteError, open_note, verify_cosignature
from fangdu.ledger.store import LogStore
from fangdu.ledger.timestamp import TimestampError, verify_timestamp

Progress = Callable[[int, int], None]


@dataclass
class FsckReport:
    entries: int = 0
    checkpoints: int = 0
    timestamps: int = 0
    cosignatures: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def fsck(
    store: LogStore,
    *,
    timestamp_roots: bytes | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    progress: Progress | None = None,
) -> FsckReport:
    """Check the log in ``store``; ``timestamp_roots`` (PEM) are the trusted TSA roots."""
    report = FsckReport()
    verifier = store.signer.verifier()
    checkpoints = {c.checkpoint.size: c for c in store.checkpoints()}
    derived: dict[tuple[int, int], bytes] = {}
    size = 0
    expected_prev: dict[str, str] = {}
    total = max(checkpoints, default=0) + store.pending()
    batch: list[bytes] = []
    sealed: dict[int, object] = {}  # index -> commitment, checked a chunk at a time

    def check_openings() -> None:
        openings = store.openings(list(sealed))
        for index, commitment in sealed.items():
            if index not in openings:
                report.problems.append(f"entry {index}: the opening of its commitment is lost")
                continue
            try:
                open_commitment(commitment, openings[index])
            except EntryError as exc:
                report.problems.append(f"entry {index}: opening: {exc}")
        sealed.clear()

    def read(level: int, index: int) -> bytes:
        return derived[(level, index)]

    def fold() -> None:
        nonlocal size
        changed, _ = tiles.integrate(size, batch, read)
        derived.update(changed)
        size += len(batch)
        batch.clear()

    if 0 in checkpoints:  # the empty tree a new log publishes before its first entry
        _check_checkpoint(
            store, checkpoints[0], derived, verifier, timestamp_roots, witnesses, report
        )
    for index, data in store.entries():
        if index != report.entries:
            report.problems.append(f"entry {report.entries} is missing (next stored: {index})")
            break
        report.entries += 1
        try:
            body = parse_entry(data)["body"]
        except EntryError as exc:
            report.problems.append(f"entry {index}: {exc}")
            body = None
        if body is not None:
            facts = body.get("facts")
            if isinstance(facts, dict) and COMMITMENT in facts:
                sealed[index] = facts[COMMITMENT]
                if len(sealed) >= 5_000:
                    check_openings()
            subject = body.get("subject")
            if body.get("prev") != expected_prev.get(subject):
                report.problems.append(
                    f"entry {index}: prev does not name the last entry about {subject}"
                )
        batch.append(leaf_hash(data))
        if body is not None:
            expected_prev[body.get("subject")] = batch[-1].hex()
        if size + len(batch) in checkpoints or len(batch) >= 10_000:
            fold()
            if size in checkpoints:
                _check_checkpoint(
                    store, checkpoints[size], derived, verifier, timestamp_roots, witnesses, report
                )
        if progress is not None:
            progress(report.entries, total)
    if batch:
        fold()
    check_openings()
    for missing in sorted(s for s in checkpoints if s > size):
        report.problems.append(f"checkpoint {missing} is beyond the {size} stored entries")
    latest = max(checkpoints, default=0)
    if latest:
        for level, index, width in tiles.tiles_for_size(latest):
            try:
                stored = store.tile(level, index)
            except KeyError:
                report.problems.append(f"tile {level}/{index} is missing")
                continue
            want = derived[(level, index)][: len(stored)]
            if stored[: len(want)] != want or len(stored) < width * 32:
                report.problems.append(f"tile {level}/{index} differs from the entries")
    if size > latest:
        report.warnings.append(f"{size - latest} entries wait for integration")
    return report


def _check_checkpoint(store, signed, derived, verifier, roots, witnesses, report) -> None:
    report.checkpoints += 1
    size = signed.checkpoint.size
    try:
        opened = open_note(signed.note, [verifier])
        checkpoint = Checkpoint.parse(opened.text)
    except (NoteError, ValueError) as exc:
        report.problems.append(f"checkpoint {size}: {exc}")
        return
    root = (
        tiles.tree_root(size, lambda level, index: derived[(level, index)])
        if size
        else (EMPTY_ROOT)
    )
    if checkpoint.size != size or checkpoint.root != root or checkpoint.origin != store.origin:
        report.problems.append(f"checkpoint {size}: does not commit to the stored entries")
        return
    if signed.timestamp_token is not None:
        anchor = roots or _last_certificate(signed.timestamp_chain)
        try:
            verify_timestamp(signed.timestamp_token, checkpoint.to_text().encode(), anchor)
            report.timestamps += 1
        except TimestampError as exc:
            report.problems.append(f"checkpoint {size}: timestamp: {exc}")
        if roots is None:
            report.warnings.append(
                f"checkpoint {size}: timestamp checked against the chain it "
                "came with; configure timestamp_ca to pin the authority"
            )
    by_name = {w.name: w for w in witnesses}
    for line in signed.cosignatures:
        name = line.removeprefix("— ").split(" ", 1)[0]
        witness = by_name.get(name)
        if witness is None:
            report.warnings.append(f"checkpoint {size}: cosignature by unknown witness {name}")
            continue
        try:
            verify_cosignature(checkpoint.to_text(), line, witness)
            report.cosignatures += 1
        except NoteError as exc:
            report.problems.append(f"checkpoint {size}: cosignature: {exc}")


def _last_certificate(chain_pem: bytes | None) -> bytes:
    if not chain_pem:
        return b""
    marker = b"-----BEGIN CERTIFICATE-----"
    return marker + chain_pem.rsplit(marker, 1)[-1]
