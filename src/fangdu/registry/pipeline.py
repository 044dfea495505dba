"""Decode + fingerprint many images, in worker processes when it pays, results in order.

Decoding and feature extraction are the whole cost of an import or a batch check; they hold
the GIL, so they run in a small process pool while the main process does the I/O, the
database and the index. Each image is decoded exactly once.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from fangdu.errors import ImageRejected
from fangdu.imaging import decode_image
from fangdu.similarity import FINGERPRINT_VERSION, Fingerprint, extract

T = TypeVar("T")

# Below this many images the pool's start-up (a second or so) costs more than it saves.
POOL_MIN_ITEMS = 12


@dataclass(frozen=True)
class Prepared:
    """A decoded, fingerprinted image, small enough to send between processes."""

    fingerprint: bytes
    vectors: np.ndarray  # global vectors for the index, (views, DESCRIPTOR_DIM) float32
    width: int  # full-resolution upright size of the original
    height: int
    format: str
    scale: float  # original pixels per fingerprint pixel

    @property
    def version(self) -> str:
        return str(FINGERPRINT_VERSION)

    def fingerprint_object(self) -> Fingerprint:
        return Fingerprint.from_bytes(self.fingerprint)


def prepare(data: bytes, max_pixels: int) -> Prepared:
    """Decode and fingerprint one image; ImageRejected with a one-line reason if it cannot."""
    decoded = decode_image(data, max_pixels=max_pixels)
    try:
        fingerprint = extract(decoded.rgb)
    except ImageRejected:
        raise
    except Exception as exc:
        # One pathological image must not abort a batch of thousands: refuse it instead.
        raise ImageRejected(f"cannot fingerprint image: {exc}".splitlines()[0]) from exc
    return Prepared(
        fingerprint=fingerprint.to_bytes(),
        vectors=np.asarray(fingerprint.global_vectors, np.float32),
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        scale=decoded.scale,
    )


def _prepare_or_reason(data: bytes | ImageRejected, max_pixels: int) -> Prepared | ImageRejected:
    # Returned rather than raised: a refusal is an expected result, not a worker failure.
    if isinstance(data, ImageRejected):
        return data  # the file could not even be read
    try:
        return prepare(data, max_pixels)
    except ImageRejected as exc:
        return exc


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one core per worker; the pool provides the parallelism


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def prepare_all(
    items: Iterable[T],
    data_of: Callable[[T], bytes | ImageRejected],
    *,
    max_pixels: int,
    jobs: int,
    expected: int,
) -> Iterator[tuple[T, Prepared | ImageRejected]]:
    """Prepare each item's bytes; yield (item, result) in input order.

    ``data_of`` may give an ImageRejected (an unreadable file): it is passed through as the result.

    ``items`` is consumed lazily, at most a few batches ahead of the consumer, so memory stays
    bounded however many files there are.
    """
    if jobs <= 1 or expected < POOL_MIN_ITEMS:
        for item in items:
            yield item, _prepare_or_reason(data_of(item), max_pixels)
        return
    # spawn, not fork: the parent may hold FAISS/OpenMP threads, which fork cannot copy safely.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker)
    window: deque[tuple[T, Future[Prepared | ImageRejected]]] = deque()
    try:
        for item in items:
            data = data_of(item)
            if isinstance(data, ImageRejected):
                future: Future[Prepared | ImageRejected] = Future()
                future.set_result(data)
            else:
                future = pool.submit(_prepare_or_reason, data, max_pixels)
            window.append((item, future))
            if len(window) >= 8 * jobs:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
