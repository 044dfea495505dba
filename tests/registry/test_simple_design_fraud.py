"""Issue 14's fraud: a simple repeat seen on the market as prior art, then a mirrored grey
copy of it filed as a new design with a later creation date, must be refused."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image

from fangdu.registry.files import expand
from fangdu.registry.filing import RegistrationRefused
from fangdu.registry.schemas import PriorArtSource, RegistrationRequest
from fangdu.registry.services import Registry
from fangdu.synth import simple_lookalike, simple_print

SIZE = 384


@pytest.fixture
def registry(settings):
    with Registry.open(settings) as opened:
        yield opened


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, "PNG")
    return buffer.getvalue()


def mirrored_grey(rgb: np.ndarray) -> np.ndarray:
    grey = np.asarray(Image.fromarray(np.ascontiguousarray(rgb[:, ::-1])).convert("L"))
    return np.repeat(grey[..., None], 3, 2)


def request(created_on: dt.date) -> RegistrationRequest:
    return RegistrationRequest(title="几何方块", owner="Keqiao Newco", created_on=created_on)


def test_simple_prior_art_blocks_a_later_mirrored_grey_copy(registry, tmp_path) -> None:
    design = simple_print(11, SIZE).rgb  # one plain square on a half-drop lattice
    market = tmp_path / "market"
    market.mkdir()
    (market / "stall.png").write_bytes(png(design))
    registry.filing.import_files(
        [p for _, p in expand([market])],
        jobs=1,
        prior_art=PriorArtSource("Keqiao market", dt.date(2025, 9, 1)),
    )

    [own] = [m for m in registry.checking.check_bytes(png(design)) if m.kind == "prior_art"]
    assert own.verdict == "copy" and own.same_design  # it was 0.0 against its own file

    with pytest.raises(RegistrationRefused) as refused:
        registry.filing.register(png(mirrored_grey(design)), request(dt.date(2026, 1, 10)))
    [blocking] = refused.value.blocking
    assert blocking.kind == "prior_art" and blocking.same_design
    assert blocking.to_json()["same_design"] is True

    # Another simple design on the market's lattice is not this one.
    other = simple_lookalike(simple_print(11, SIZE), "other_size", np.random.default_rng(2))
    outcome = registry.filing.register(png(other), request(dt.date(2026, 1, 11)))
    assert outcome.work.status == "registered"
    assert not any(m.same_design for m in outcome.matches)


def test_a_registered_simple_work_blocks_its_copy(registry) -> None:
    design = simple_print(6, SIZE).rgb
    first = registry.filing.register(png(design), request(dt.date(2025, 3, 1)))
    assert first.work.status == "registered"
    with pytest.raises(RegistrationRefused) as refused:
        registry.filing.register(png(mirrored_grey(design)), request(dt.date(2026, 1, 10)))
    assert [m.target_id for m in refused.value.blocking] == [first.work.id]
    assert "same_design" not in registry.checking.check_bytes(png(other_design()))[0].to_json()


def other_design() -> np.ndarray:
    return simple_lookalike(simple_print(6, SIZE), "other_spacing", np.random.default_rng(1))


def test_the_reviewer_is_told_it_is_the_same_design(registry) -> None:
    design = simple_print(11, SIZE).rgb
    first = registry.filing.register(png(design), request(dt.date(2025, 3, 1)))
    filed = registry.filing.register(
        png(mirrored_grey(design)), request(dt.date(2026, 1, 10)), review_required=True
    )
    stored = registry.queries.show(
        str(filed.work.id)
    )  # the application as the review desk reads it
    [match] = [m for m in stored.review_matches if m.target_id == first.work.id]
    assert match.verdict == "copy" and match.same_design
