"""Fixtures for the trade context: a clean synthetic day and a way to break one field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fangdu.trade.checks import CheckReport, check_lines
from fangdu.trade.models import Line, TradeSettings
from fangdu.trade.reader import read_lines
from fangdu.trade.sample import sample_rows, write_csv

Rows = list[dict[str, str]]


@pytest.fixture(scope="session")
def clean_rows() -> Rows:
    return sample_rows(60, seed=7)


def row_for(rows: Rows, fabric: str) -> dict[str, str]:
    """A copy of the first clean row of this fabric name."""
    return dict(next(r for r in rows if r["品名"] == fabric))


@pytest.fixture
def read_rows(tmp_path: Path) -> Callable[[Rows], list[Line]]:
    def read(rows: Rows) -> list[Line]:
        return read_lines(write_csv(rows, tmp_path / "day.csv"))

    return read


@pytest.fixture
def check_rows(read_rows: Callable[[Rows], list[Line]]) -> Callable[..., CheckReport]:
    def check(rows: Rows, settings: TradeSettings | None = None, **kw: object) -> CheckReport:
        return check_lines(read_rows(rows), settings, **kw)  # type: ignore[arg-type]

    return check
