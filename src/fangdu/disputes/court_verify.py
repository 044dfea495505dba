"""Offline verification of a court package (a BagIt bag): no database, no network.

1. The bag is complete and every payload file matches its SHA-256 manifest (BagIt, RFC 8493).
2. Every evidence bundle in it verifies (``fangdu.ledger.verify``): entries signed, chained,
   included in one signed checkpoint of the log by RFC 6962 proofs, files matching hashes.
3. All bundles prove against the same checkpoint of the same log.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import bagit

from fangdu.ledger.verify import Policy, verify_bundle

BUNDLES = ("case.zip", "sightings", "work.zip")


@dataclass(frozen=True)
class CourtReport:
    lines: tuple[tuple[bool, str], ...]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(ok for ok, _ in self.lines)

    def render(self) -> str:
        failed = next((text for ok, text in self.lines if not ok), None)
        head = "VERIFIED court package" if self.ok else f"REJECTED: {failed}"
        return head + "\n" + "".join(f"  {'ok' if ok else 'FAIL'} {t}\n" for ok, t in self.lines)


def is_court_package(path: Path) -> bool:
    return path.is_dir() and (path / "bagit.txt").is_file()


def verify_court_package(path: Path, policy: Policy | None = None) -> CourtReport:
    lines: list[tuple[bool, str]] = []
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1)
        lines.append((True, f"bag: {len(bag.payload_entries())} payload files match SHA-256"))
    except (bagit.BagError, bagit.BagValidationError) as exc:
        return CourtReport(((False, f"bag: {str(exc).splitlines()[0]}"),))
    bundles = sorted((path / "data" / "evidence").rglob("*.zip"))
    if not bundles:
        lines.append((False, "no evidence bundles in data/evidence"))
    checkpoints = set()
    for bundle in bundles:
        name = bundle.relative_to(path / "data").as_posix()
        report = verify_bundle(bundle, policy)
        lines.append((report.ok, f"{name}: {'verified' if report.ok else report.reason}"))
        with zipfile.ZipFile(bundle) as archive:
            checkpoints.add(archive.read("checkpoint"))
    if len(checkpoints) > 1:
        lines.append((False, f"the bundles prove against {len(checkpoints)} checkpoints, not one"))
    elif checkpoints:
        size = next(iter(checkpoints)).decode().splitlines()[1]
        lines.append((True, f"one checkpoint for every bundle: tree size {size}"))
    return CourtReport(tuple(lines))
