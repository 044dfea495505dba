"""Offline verification of a court package (a BagIt bag): no database, no network.

1. The bag is complete and every payload file matches its SHA-256 manifest (BagIt, RFC 8493).
2. Every evidence bundle in it verifies (``fangdu.ledger.verify``): entries signed, chained,
   included in one signed checkpoint of the log by RFC 6962 proofs, files matching hashes.
3. All bundles prove against the same checkpoint of the same log.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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
    """A bag folder, or a zip of one (its folder at the top, as the web hands it out)."""
    if path.is_dir():
        return (path / "bagit.txt").is_file()
    return path.is_file() and zipfile.is_zipfile(path) and _zipped_bag(path) is not None


def _zipped_bag(path: Path) -> str | None:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and f"{next(iter(tops))}/bagit.txt" in names:
        return next(iter(tops))
    return None


def verify_court_package(path: Path, policy: Policy | None = None) -> CourtReport:
    if path.is_dir():
        return _verify_bag(path, policy)
    top = _zipped_bag(path)
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename).parts
            if PurePosixPath(info.filename).is_absolute() or ".." in parts:
                return CourtReport(((False, f"zip: unsafe member name {info.filename!r}"),))
        archive.extractall(tmp)
        return _verify_bag(Path(tmp) / str(top), policy)


def _verify_bag(path: Path, policy: Policy | None) -> CourtReport:
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
