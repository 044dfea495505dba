"""Checking (AI自助查重), read-only: an image's ranked matches among registered works and
prior art, many images at once in worker processes, and the picture that explains a match."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fangdu.config import Settings
from fangdu.errors import ImageRejected, InputError, NotFound
from fangdu.imaging import decode_image
from fangdu.registry.blobs import BlobStore
from fangdu.registry.files import read_file
from fangdu.registry.indexing import ReferenceIndex
from fangdu.registry.pipeline import (
    Prepared,
    default_jobs,
    init_worker,
    map_ordered,
    pooled,
    prepare,
)
from fangdu.registry.repository import UnitOfWork
from fangdu.registry.schemas import CheckResult, MatchInfo
from fangdu.similarity import draw_explanation
from fangdu.similarity.types import Box

if TYPE_CHECKING:
    from fangdu.registry.services import Registry


class CheckService:
    """Reads only: works the same on a read-only home."""

    def __init__(
        self,
        settings: Settings,
        units: UnitOfWork,
        blobs: BlobStore,
        references: ReferenceIndex,
    ) -> None:
        self.settings = settings
        self.units = units
        self.blobs = blobs
        self.references = references

    def check_bytes(self, data: bytes, *, top_k: int = 10) -> list[MatchInfo]:
        """Ranked matches of one image among registered works and prior art."""
        prepared = prepare(data, self.settings.max_image_pixels)
        return self.search(prepared, top_k)

    def check_files(
        self,
        queries: Iterable[tuple[str, Path]],
        *,
        top_k: int = 10,
        jobs: int | None = None,
        expected: int = 0,
    ) -> Iterator[CheckResult]:
        """Check each (label, path); unreadable ones give a result with ``error`` set.

        Many queries are checked in worker processes, each with its own read-only view of
        the registry: the verification of the shortlist is most of a check's time.
        """

        def load(item: tuple[str, Path]) -> bytes | ImageRejected:
            try:
                return read_file(item[1], self.settings.max_image_bytes)
            except ImageRejected as exc:
                return exc

        jobs = default_jobs() if jobs is None else jobs
        results = map_ordered(
            functools.partial(_check_in_worker, top_k=top_k)
            if pooled(jobs, expected)
            else functools.partial(self.check_bytes, top_k=top_k),
            queries,
            load,
            jobs=jobs,
            expected=expected,
            initializer=_open_worker_registry,
            initargs=(self.settings,),
        )
        for (label, _), result in results:
            if isinstance(result, ImageRejected):
                yield CheckResult(label, [], error=result.reason)
            else:
                yield CheckResult(label, result)

    def explain(self, query: bytes, match: MatchInfo, *, caption: bool = True) -> np.ndarray:
        """Side-by-side RGB picture of the query and a match, the shared region marked
        (``caption=False``: without the English caption band)."""
        if match.match is None:
            raise InputError("this match carries no correspondences to draw")
        max_pixels = self.settings.max_image_pixels
        query_rgb = decode_image(query, max_pixels=max_pixels).rgb
        with self.units() as repo:
            target = repo.ref_targets([match.ref_id]).get(match.ref_id)
        if target is None:
            raise NotFound(f"reference {match.ref_id} no longer exists")
        reference_rgb = decode_image(self.blobs.get(target.sha256), max_pixels=max_pixels).rgb
        return draw_explanation(query_rgb, reference_rgb, match.match, caption=caption)

    def search(self, prepared: Prepared, top_k: int) -> list[MatchInfo]:
        """Ranked matches of a prepared image (the filing service checks with it too)."""
        results = self.references.search(prepared.fingerprint_object(), top_k)
        with self.units() as repo:
            targets = repo.ref_targets([ref_id for ref_id, _ in results])
        matches = []
        for ref_id, match in results:
            target = targets.get(ref_id)
            if target is None:  # deleted since the index was loaded
                continue
            matches.append(
                MatchInfo(
                    ref_id=ref_id,
                    kind=target.kind,
                    target_id=target.target_id,
                    registration_no=target.registration_no,
                    title=target.title,
                    score=float(match.score),
                    verdict=match.verdict.value,
                    query_box=_scaled(match.query_box, prepared.scale),
                    match_box=_scaled(match.match_box, target.scale),
                    first_seen=target.first_seen,
                    match=match,
                )
            )
        return matches


# -- check workers: one read-only Registry per process ---------------------------------------

_WORKER_REGISTRY: Registry | None = None


def _open_worker_registry(settings: Settings) -> None:
    global _WORKER_REGISTRY
    init_worker()
    from fangdu.registry.services import Registry  # the worker's own read-only registry

    _WORKER_REGISTRY = Registry.open(settings, sync=False)
    # The pool already keeps every core busy: verify each shortlist in the worker's own thread.
    _WORKER_REGISTRY.references.searcher.workers = 1


def _check_in_worker(data: bytes, top_k: int) -> list[MatchInfo]:
    assert _WORKER_REGISTRY is not None, "initializer did not run"
    return _WORKER_REGISTRY.checking.check_bytes(data, top_k=top_k)


def _scaled(box: Box | None, scale: float) -> list[int] | None:
    if box is None:
        return None
    return Box(box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale).as_list()
