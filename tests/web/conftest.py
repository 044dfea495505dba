"""The web service under FastAPI's test client, on a fresh SQLite registry per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webtools import CHEAP_HASHER, Site

from fangdu.config import Settings
from fangdu.registry.schemas import PriorArtSource
from fangdu.web import create_app
from fangdu.web.config import WebSettings


@pytest.fixture(autouse=True)
def _hermetic(isolated_environment: None, cached_extract: None) -> None:
    """No FANGDU_* settings from the developer's shell; each print fingerprinted once."""


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}")


@pytest.fixture
def make_site(web_settings: Settings) -> Iterator[Callable[..., Site]]:
    """``make_site(web=WebSettings(...), **settings_overrides)``: a started app."""
    clients: list[TestClient] = []

    def make(web: WebSettings | None = None, demo: bool = False, **overrides: object) -> Site:
        settings = web_settings.model_copy(update=overrides)
        app = create_app(
            settings,
            demo=demo,
            web=web or WebSettings(check_per_minute=1000),
            password_hasher=CHEAP_HASHER,
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Site(client, settings)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()


@pytest.fixture
def library_site(site: Site, write_prints, tmp_path: Path) -> Site:
    """Prints 0-3 registered, print 9 known as prior art first seen in 2025."""
    return _with_library(site, write_prints, tmp_path)


@pytest.fixture
def any_db_library_site(
    make_site: Callable[..., Site], database_url: str, write_prints, tmp_path: Path
) -> Site:
    """As ``library_site``, on SQLite and on PostgreSQL (when one answers)."""
    return _with_library(make_site(database_url=database_url), write_prints, tmp_path)


def _with_library(site: Site, write_prints, tmp_path: Path) -> Site:
    site.import_prints(write_prints(tmp_path / "library", range(4)), owner="Keqiao Prints Co.")
    site.import_prints(
        write_prints(tmp_path / "seen", [9]),
        prior_art=PriorArtSource("2025 market", dt.date(2025, 9, 1)),
    )
    return site
