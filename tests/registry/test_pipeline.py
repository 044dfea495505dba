"""Decode + fingerprint pipeline: order, refusals passed through, crashed workers."""

from __future__ import annotations

import os

import pytest

from fangdu.errors import FangduError, ImageRejected
from fangdu.registry.pipeline import POOL_MIN_ITEMS, map_ordered


def _length(data: bytes) -> int:
    if data == b"bad":
        raise ImageRejected("bad bytes")
    return len(data)


def _die(data: bytes) -> int:
    os._exit(3)  # a decoder segfault or the OOM killer, as the pool sees it


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_input_order_with_refusals(jobs):
    items = [b"a" * n for n in range(1, POOL_MIN_ITEMS + 3)] + [b"bad"]
    unreadable = ImageRejected("no such file")
    items.insert(3, b"")

    def data_of(item: bytes) -> bytes | ImageRejected:
        return unreadable if item == b"" else item

    results = list(map_ordered(_length, items, data_of, jobs=jobs, expected=len(items)))
    assert [item for item, _ in results] == items
    values = [r.reason if isinstance(r, ImageRejected) else r for _, r in results]
    assert values[3] == "no such file" and values[-1] == "bad bytes"
    assert values[:3] == [1, 2, 3]


def test_a_dead_worker_stops_the_run_with_one_clear_error():
    items = [b"x"] * POOL_MIN_ITEMS
    with pytest.raises(FangduError, match="worker process died"):
        list(map_ordered(_die, items, lambda item: item, jobs=2, expected=len(items)))
