"""A registry home with a few registered works for the rights register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fangdu.app import Fangdu
from fangdu.config import Settings
from fangdu.registry.schemas import RegistrationRequest

from .helpers import OWNER


@pytest.fixture(autouse=True)
def _hermetic(isolated_environment: None, cached_extract: None) -> None:
    """No FANGDU_* settings from the developer's shell; each print fingerprinted once."""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """SQLite, and the local PostgreSQL where one answers (marked ``postgres``)."""
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def core(settings: Settings) -> Iterator[Fangdu]:
    with Fangdu.build(settings) as built:
        yield built


@pytest.fixture
def register(core: Fangdu, print_png: Callable[..., bytes]) -> Callable[..., int]:
    """``register(seed, created_on, owner=OWNER, kind="company", published_on=None)``: the
    registered work's id."""

    def make(
        seed: int,
        created_on: dt.date,
        owner: str = OWNER,
        kind: str = "company",
        published_on: dt.date | None = None,
    ) -> int:
        outcome = core.registry.filing.register(
            print_png(seed),
            RegistrationRequest(
                title=f"花样 {seed}",
                owner=owner,
                owner_kind=kind,
                created_on=created_on,
                published_on=published_on,
            ),
        )
        assert outcome.work.status == "registered"
        return outcome.work.id

    return make
