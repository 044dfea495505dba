"""Shared fixtures: databases (SQLite and PostgreSQL), settings, and small generated prints."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from fangdu.config import Settings
from fangdu.synth import make_print

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PRINT_SIZE = 256


@pytest.fixture
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own FANGDU_* settings must not leak into tests."""
    for name in ("FANGDU_HOME", "FANGDU_DATABASE_URL", "FANGDU_BLOB_DIR", "FANGDU_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)


# -- fingerprint cache ---------------------------------------------------------------------

_FINGERPRINTS: dict[str, object] = {}


@pytest.fixture
def cached_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    """extract() is pure and costs ~0.2 s; tests import the same prints again and again.

    Only in-process fingerprinting is cached; subprocess tests run the real thing.
    """
    from fangdu.registry import pipeline

    real = pipeline.extract

    def cached(rgb: np.ndarray):
        key = hashlib.sha256(np.ascontiguousarray(rgb).tobytes()).hexdigest() + str(rgb.shape)
        if key not in _FINGERPRINTS:
            _FINGERPRINTS[key] = real(rgb)
        return _FINGERPRINTS[key]

    monkeypatch.setattr(pipeline, "extract", cached)


# -- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        pytest.skip(f"no PostgreSQL answers at 127.0.0.1:5432 (user postgres, db test): {exc}")
    return PG_SERVER


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty schema per test, selected through search_path and dropped afterwards."""
    schema = f"fangdu_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


# -- images --------------------------------------------------------------------------------


def print_rgb(seed: int, size: int = PRINT_SIZE) -> np.ndarray:
    """A small procedural textile print (same pixels on every machine)."""
    return make_print(seed, size=size, real_art=False).rgb


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


def _write_prints(folder: Path, seeds: Iterable[int], size: int = PRINT_SIZE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        path = folder / f"print-{seed:03d}.png"
        path.write_bytes(png_bytes(print_rgb(seed, size)))
        paths.append(path)
    return paths


@pytest.fixture
def print_png() -> Callable[..., bytes]:
    """``print_png(seed, size=256)``: PNG bytes of a generated print."""
    return lambda seed, size=PRINT_SIZE: png_bytes(print_rgb(seed, size))


@pytest.fixture
def write_prints() -> Callable[..., list[Path]]:
    """``write_prints(folder, seeds, size=256)``: PNG files named print-<seed>.png."""
    return _write_prints


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Six prints in a folder, one of them in a subfolder (imports are recursive)."""
    folder = tmp_path / "library"
    _write_prints(folder, range(5))
    _write_prints(folder / "more", [5])
    return folder
