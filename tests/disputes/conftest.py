"""A registry home with registered works, a licence on record, and market captures."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fangdu.app import Fangdu
from fangdu.config import Settings
from fangdu.registry.schemas import RegistrationRequest
from fangdu.rights.services import Document

OWNER = "柯桥花样工作室"
LICENSEE = "绍兴印染厂"  # holds a licence on record
STALL = "某布行 (二楼 2088)"  # does not


def pdf(text: str = "document") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def copy_of(png: bytes) -> bytes:
    """A market copy of a print: mirrored and recoloured (channels swapped), as JPEG."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[:, ::-1, ::-1])).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


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
    def make(seed: int, created_on: dt.date = dt.date(2025, 1, 10)) -> int:
        outcome = core.filing.register(
            print_png(seed),
            RegistrationRequest(
                title=f"花样 {seed}",
                owner=OWNER,
                owner_kind="company",
                created_on=created_on,
            ),
        )
        assert outcome.work.status == "registered"
        return outcome.work.id

    return make


def license_to(core: Fangdu, work_id: int, licensee: str = LICENSEE) -> None:
    core.rights.license(
        f"W-{work_id}",
        licensee=licensee,
        exclusive=False,
        right="reproduction",
        territory="CN",
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2030, 2, 28),
        fee="2000 yuan a year",
        liability="double the fee",
        documents=[Document("licence_contract", pdf("licence"))],
        signed_by=[OWNER, licensee],
    )
