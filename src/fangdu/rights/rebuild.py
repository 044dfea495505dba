"""The rights register rebuilt from an exported evidence log alone: no database, no registry.

Reads a static export (``fangdu ledger export``: checkpoint, entry bundles), checks the log's
signature on the checkpoint when its key is given, that the entries hash to the checkpoint's
root, every entry's submitter signature and every party signature of every rights record, then
folds the entries about each work into its holdings. ``standing`` on the result is what
``fangdu rights show --as-of`` answers from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fangdu.errors import VerificationError
from fangdu.ledger import tiles
from fangdu.ledger.checkpoint import Checkpoint, open_checkpoint
from fangdu.ledger.entries import parse_entry
from fangdu.ledger.merkle import leaf_hash, root_from_leaf_hashes
from fangdu.ledger.note import parse_verifier_key
from fangdu.rights.history import Holding, Standing, apply_change, standing
from fangdu.rights.law import WHOLE, verify_signatures

RIGHTS_TYPES = ("transfer", "licence", "pledge", "pledge_release")


def read_export(directory: Path, log_key: str | None = None) -> list[bytes]:
    """The entries of an exported log, checked against its checkpoint."""
    directory = Path(directory)
    note = (directory / "checkpoint").read_bytes()
    if log_key is not None:
        checkpoint, _ = open_checkpoint(note, [parse_verifier_key(log_key)])
    else:  # the text only: the caller trusts the export's origin
        checkpoint = Checkpoint.parse(note.decode().split("\n\n", 1)[0] + "\n")
    entries: list[bytes] = []
    for first in range(0, checkpoint.size, tiles.TILE_WIDTH):
        width = min(tiles.TILE_WIDTH, checkpoint.size - first)
        path = directory / tiles.entries_path(first // tiles.TILE_WIDTH, width)
        entries += tiles.parse_entry_bundle(path.read_bytes())
    if len(entries) != checkpoint.size:
        raise VerificationError(f"the export holds {len(entries)} entries, not {checkpoint.size}")
    if root_from_leaf_hashes([leaf_hash(e) for e in entries]) != checkpoint.root:
        raise VerificationError("the exported entries do not hash to the checkpoint's root")
    return entries


def fold(entries: Iterable[bytes]) -> dict[int, list[Holding]]:
    """Every work's holdings, from the registration entry and the rights entries about it."""
    works: dict[int, dict[tuple, Holding]] = {}
    for data in entries:
        body = parse_entry(data)["body"]
        subject = body.get("subject") or ""
        if not subject.startswith("work:"):
            continue
        work_id = int(subject.split(":", 1)[1])
        facts: dict[str, Any] = body["facts"]
        held = works.setdefault(work_id, {})
        if _registers_title(body):
            if facts.get("owner"):
                starts = facts.get("created_on") or body["time"][:10]
                title = Holding(
                    "owner",
                    facts["owner"],
                    None,
                    share=WHOLE,
                    starts_on=dt.date.fromisoformat(starts),
                )
                held[title.key] = title
            continue
        if body["type"] not in RIGHTS_TYPES or "action" not in facts:
            continue
        verify_signatures(facts)
        for change in facts["changes"]:
            apply_change(held, change)
    return {work_id: list(held.values()) for work_id, held in works.items()}


def standing_from_export(
    directory: Path, work_id: int, day: dt.date, log_key: str | None = None
) -> Standing:
    holdings = fold(read_export(directory, log_key))
    return standing(work_id, day, holdings.get(work_id, []))


def _registers_title(body: dict[str, Any]) -> bool:
    """A registration, or the approval that made an application a registration."""
    facts = body["facts"]
    if body["type"] == "registration":
        return True
    return body["type"] == "status_change" and facts.get("status") == "registered"
