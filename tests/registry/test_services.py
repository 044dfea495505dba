"""Registry services on SQLite and PostgreSQL: import, check, register, show, index, crashes."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from fangdu.config import Settings
from fangdu.errors import Conflict, InputError, NotFound
from fangdu.registry.files import expand
from fangdu.registry.filing import RegistrationRefused
from fangdu.registry.indexing import CURRENT_VERSION
from fangdu.registry.models import SearchRef, Work
from fangdu.registry.repository import Repository
from fangdu.registry.schemas import ImportStatus, PriorArtSource, RegistrationRequest
from fangdu.registry.services import Registry
from fangdu.similarity.index import FaissIndex

NUMBER = re.compile(r"FD-\d{4}-\d{7}")


@pytest.fixture
def registry(settings):
    with Registry.open(settings) as opened:
        yield opened


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, "PNG")
    return buffer.getvalue()


def files_under(folder):
    return [path for _, path in expand([folder])]


def import_folder(registry, folder, **kwargs):
    items = []
    summary = registry.filing.import_files(
        files_under(folder), jobs=1, on_item=items.append, **kwargs
    )
    return summary, items


def count(registry, model) -> int:
    with registry.unit_of_work() as repo:
        return repo.session.scalar(select(func.count()).select_from(model))


def blob_files(settings) -> list[str]:
    return [p.name for p in settings.blobs_path.rglob("*") if p.is_file()]


def reopen(registry):
    registry.close()
    return Registry.open(registry.settings)


# -- import --------------------------------------------------------------------------------


def test_import_registers_every_image_recursively(registry, library, settings):
    summary, _ = import_folder(registry, library, owner="Keqiao Prints Co.")
    assert (summary.imported, summary.present, summary.rejected) == (6, 0, 0)
    works = list(registry.queries.list_works())
    assert sorted(w.title for w in works) == [f"print-{i:03d}" for i in range(6)]
    assert all(w.status == "registered" and NUMBER.fullmatch(w.registration_no) for w in works)
    assert len({w.registration_no for w in works}) == 6
    assert {w.owner for w in works} == {"Keqiao Prints Co."}
    assert len(blob_files(settings)) == 6
    assert len(registry.index) == 6


def test_registration_numbers_are_dense_per_year(registry, library):
    import_folder(registry, library)
    year = dt.datetime.now(dt.UTC).year
    numbers = sorted(w.registration_no for w in registry.queries.list_works())
    assert numbers == [f"FD-{year}-{n:07d}" for n in range(1, 7)]


def test_import_is_idempotent(registry, library, settings):
    import_folder(registry, library)
    summary, items = import_folder(registry, library)
    assert (summary.imported, summary.present, summary.rejected) == (0, 6, 0)
    assert {item.status for item in items} == {ImportStatus.PRESENT}
    assert count(registry, Work) == 6 and count(registry, SearchRef) == 6
    assert len(registry.index) == 6 and len(blob_files(settings)) == 6


def test_same_bytes_under_two_names_make_one_work(registry, tmp_path, print_png):
    folder = tmp_path / "dupes"
    folder.mkdir()
    (folder / "a.png").write_bytes(print_png(1))
    (folder / "b.png").write_bytes(print_png(1))
    summary, _ = import_folder(registry, folder)
    assert (summary.imported, summary.present) == (1, 1)
    assert count(registry, Work) == 1


def test_bad_files_are_reported_and_skipped(registry, tmp_path, print_png):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.png").write_bytes(print_png(1))
    (folder / "notes.txt").write_text("not an image")
    (folder / "empty.png").write_bytes(b"")
    (folder / "truncated.png").write_bytes(print_png(2)[:300])
    (folder / "also-good.png").write_bytes(print_png(3))
    summary, items = import_folder(registry, folder)
    assert (summary.imported, summary.rejected) == (2, 3)
    reasons = {i.path.name: i.reason for i in items if i.status is ImportStatus.REJECTED}
    assert set(reasons) == {"notes.txt", "empty.png", "truncated.png"}
    assert reasons["empty.png"] == "empty file"
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert sorted(w.title for w in registry.queries.list_works()) == ["also-good", "good"]


def test_prior_art_is_recorded_and_found_by_check(registry, library, tmp_path, print_png):
    import_folder(registry, library)
    market = tmp_path / "market"
    market.mkdir()
    (market / "stall-photo.png").write_bytes(print_png(41))
    origin = PriorArtSource("Keqiao market catalogue 2019", dt.date(2019, 5, 1))
    summary, items = import_folder(registry, market, prior_art=origin)
    assert summary.imported == 1 and items[0].registration_no is None
    [record] = registry.queries.list_prior_art()
    assert (record.title, record.source, record.first_seen) == (
        "stall-photo",
        "Keqiao market catalogue 2019",
        dt.date(2019, 5, 1),
    )
    best = registry.checking.check_bytes(print_png(41))[0]
    assert (best.kind, best.target_id, best.registration_no) == ("prior_art", record.id, None)
    assert best.verdict == "copy"
    assert count(registry, Work) == 6  # prior art is not a work


# -- check ---------------------------------------------------------------------------------


def test_check_ranks_the_copied_work_first_with_boxes(registry, library, print_png):
    import_folder(registry, library)
    crop = pixels(library / "print-002.png")[40:240, 30:230]
    matches = registry.checking.check_bytes(png(crop), top_k=3)
    best = matches[0]
    assert best.title == "print-002" and best.verdict == "copy" and 0.0 <= best.score <= 1.0
    x0, y0, x1, y1 = best.query_box
    assert 0 <= x0 < x1 <= 200 and 0 <= y0 < y1 <= 200
    mx0, my0, mx1, my1 = best.match_box
    assert 0 <= mx0 < mx1 <= 256 and 0 <= my0 < my1 <= 256
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_check_of_an_empty_registry_finds_nothing(registry, print_png):
    assert registry.checking.check_bytes(print_png(1)) == []


def test_check_refuses_unreadable_queries(registry):
    with pytest.raises(InputError, match="not a supported raster image"):
        registry.checking.check_bytes(b"plain text, not a picture" * 4)


# -- register ------------------------------------------------------------------------------


def request(**overrides) -> RegistrationRequest:
    fields = {"title": "Peonies", "owner": "Lin Textiles", "owner_kind": "company"}
    return RegistrationRequest(**(fields | overrides))


def test_register_a_new_design(registry, library, print_png, settings):
    import_folder(registry, library)
    outcome = registry.filing.register(
        print_png(77), request(designers=("Wang Fang", "Li Na"), created_on=dt.date(2025, 3, 1))
    )
    work = outcome.work
    assert work.status == "registered" and NUMBER.fullmatch(work.registration_no)
    assert (work.owner, work.designers, work.created_on) == (
        "Lin Textiles",
        ("Wang Fang", "Li Na"),
        dt.date(2025, 3, 1),
    )
    assert outcome.blocking == []
    assert registry.queries.show(work.registration_no) == registry.queries.show(str(work.id))
    assert registry.checking.check_bytes(print_png(77))[0].target_id == work.id
    assert len(blob_files(settings)) == 7


def test_register_refuses_a_copy_of_a_work_and_writes_nothing(registry, library, settings):
    import_folder(registry, library)
    copy = (library / "print-003.png").read_bytes()
    with pytest.raises(RegistrationRefused) as refused:
        registry.filing.register(copy, request())
    assert [m.title for m in refused.value.blocking] == ["print-003"]
    assert refused.value.blocking[0].verdict == "copy"
    assert count(registry, Work) == 6 and len(blob_files(settings)) == 6


def test_submit_for_review_files_a_pending_work_with_matches(registry, library, print_png):
    import_folder(registry, library)
    mirrored = png(pixels(library / "print-003.png")[:, ::-1])
    outcome = registry.filing.register(mirrored, request(title="Mirrored"), submit_for_review=True)
    work = outcome.work
    assert work.status == "pending" and work.registration_no is None
    assert [m.title for m in outcome.blocking] == ["print-003"]
    shown = registry.queries.show(f"W-{work.id}")
    assert [m.title for m in shown.review_matches][:1] == ["print-003"]
    assert shown.review_matches[0].verdict == "copy"
    # Pending works are not searchable: a check still finds only the registered original.
    assert all(m.target_id != work.id for m in registry.checking.check_bytes(print_png(3)))
    assert [w.id for w in registry.queries.list_works("pending")] == [work.id]


def test_the_same_bytes_cannot_be_filed_twice(registry, print_png):
    registry.filing.register(print_png(50), request(), submit_for_review=True)
    with pytest.raises(RegistrationRefused):
        registry.filing.register(print_png(50), request())
    pending = print_png(51)
    registry.filing.register(pending, request(title="a"))
    with pytest.raises((Conflict, RegistrationRefused)):
        registry.filing.register(pending, request(title="b"), submit_for_review=True)


def test_prior_art_blocks_only_claims_dated_after_it_was_seen(registry, tmp_path, print_png):
    market = tmp_path / "market"
    market.mkdir()
    (market / "stall.png").write_bytes(print_png(60))
    import_folder(registry, market, prior_art=PriorArtSource("stall photo", dt.date(2024, 1, 1)))
    design = print_png(60)
    with pytest.raises(RegistrationRefused):  # no creation date claimed
        registry.filing.register(design, request())
    with pytest.raises(RegistrationRefused):  # claimed after the stall photo
        registry.filing.register(design, request(created_on=dt.date(2024, 6, 1)))
    outcome = registry.filing.register(design, request(created_on=dt.date(2023, 6, 1)))
    assert outcome.work.status == "registered"
    assert [m.kind for m in outcome.matches] == ["prior_art"]  # shown, but not blocking


def test_register_requires_title_and_owner(registry, print_png):
    with pytest.raises(InputError):
        registry.filing.register(print_png(1), request(title="  "))


# -- show ----------------------------------------------------------------------------------


def test_show_accepts_ids_numbers_and_prior_art_ids(registry, library, tmp_path, print_png):
    import_folder(registry, library)
    work, *_ = registry.queries.list_works()
    assert registry.queries.show(str(work.id)).id == work.id
    assert registry.queries.show(f"w-{work.id}").id == work.id
    assert registry.queries.show(work.registration_no.lower()).id == work.id
    market = tmp_path / "market"
    market.mkdir()
    (market / "catalogue.png").write_bytes(print_png(90))
    import_folder(registry, market, prior_art=PriorArtSource())
    [prior_art] = registry.queries.list_prior_art()
    assert registry.queries.show(f"P-{prior_art.id}").title == "catalogue"
    with pytest.raises(NotFound):
        registry.queries.show("W-999")
    with pytest.raises(NotFound):
        registry.queries.show("P-999")
    with pytest.raises(InputError):
        registry.queries.show("peonies")


# -- the index and crashes -----------------------------------------------------------------


def ranking(registry, query: bytes) -> list[tuple[int, float]]:
    return [(m.ref_id, round(m.score, 6)) for m in registry.checking.check_bytes(query, top_k=5)]


def test_lost_index_is_rebuilt_from_the_database_on_open(registry, library, print_png):
    import_folder(registry, library)
    before = ranking(registry, print_png(4))
    (registry.settings.index_path / FaissIndex.FILE_NAME).unlink()
    registry = reopen(registry)
    try:
        assert registry.references.last_sync.added == 6
        assert ranking(registry, print_png(4)) == before
    finally:
        registry.close()


def test_unknown_ids_in_the_index_are_dropped_on_open(registry, library):
    import_folder(registry, library)
    stray = np.random.default_rng(0).standard_normal((2, registry.index.dim)).astype(np.float32)
    registry.index.add(np.asarray([999]), [stray / np.linalg.norm(stray, axis=1, keepdims=True)])
    registry.index.save()
    registry = reopen(registry)
    try:
        assert registry.references.last_sync.removed == 1 and 999 not in registry.index.ref_ids()
    finally:
        registry.close()


def test_rebuild_gives_the_same_results(registry, library, print_png):
    import_folder(registry, library)
    before = ranking(registry, print_png(2))
    assert registry.references.rebuild_index() == 6
    assert ranking(registry, print_png(2)) == before
    registry = reopen(registry)
    try:
        assert registry.references.last_sync == type(registry.references.last_sync)(0, 0, 0)
        assert ranking(registry, print_png(2)) == before
    finally:
        registry.close()


def test_crash_after_blob_write_before_commit_leaves_no_rows(
    registry, library, settings, monkeypatch
):
    written = []
    real_put = registry.blobs.put

    def put_then_crash(data: bytes) -> str:
        sha = real_put(data)
        written.append(sha)
        if len(written) == 3:
            raise RuntimeError("power cut")
        return sha

    monkeypatch.setattr(registry.blobs, "put", put_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        import_folder(registry, library)
    assert count(registry, Work) == 0 and count(registry, SearchRef) == 0
    assert len(registry.index) == 0
    assert len(blob_files(settings)) == 3  # orphans: harmless, content-addressed
    monkeypatch.undo()
    summary, _ = import_folder(registry, library)
    assert summary.imported == 6
    assert count(registry, Work) == 6 and len(blob_files(settings)) == 6


def test_failure_inside_a_batch_rolls_back_only_that_batch(registry, library, monkeypatch):
    registry.filing.batch_size = 4
    real_allocate = Repository.allocate_registration_numbers
    batches = []

    def fail_second_batch(self, year, n):
        batches.append(n)
        if len(batches) == 2:
            raise RuntimeError("database went away")
        return real_allocate(self, year, n)

    monkeypatch.setattr(Repository, "allocate_registration_numbers", fail_second_batch)
    with pytest.raises(RuntimeError):
        import_folder(registry, library)
    monkeypatch.undo()
    assert count(registry, Work) == 4 and len(registry.index) == 4
    summary, _ = import_folder(registry, library)
    assert (summary.imported, summary.present) == (2, 4)
    numbers = sorted(w.registration_no for w in registry.queries.list_works())
    assert [n[-7:] for n in numbers] == [f"{i:07d}" for i in range(1, 7)]  # no gap, no reuse


def test_crash_after_commit_before_index_save_is_healed(registry, library, monkeypatch):
    def crash(self, position=None):
        raise RuntimeError("killed while saving the index")

    monkeypatch.setattr(FaissIndex, "save", crash)
    with pytest.raises(RuntimeError):
        import_folder(registry, library)
    monkeypatch.undo()
    assert count(registry, Work) == 6  # the commit is the point of truth
    registry = reopen(registry)
    try:
        assert registry.references.last_sync.added == 6 and len(registry.index) == 6
        summary, _ = import_folder(registry, library)
        assert (summary.imported, summary.present) == (0, 6)
        assert (
            registry.checking.check_bytes((library / "print-001.png").read_bytes())[0].verdict
            == "copy"
        )
    finally:
        registry.close()


def test_boxes_of_a_huge_jpeg_query_are_in_its_full_resolution_pixels(registry, library):
    import_folder(registry, library)
    original = pixels(library / "print-001.png")
    huge = np.kron(original, np.ones((10, 10, 1), np.uint8))  # 2560 px a side
    buffer = io.BytesIO()
    Image.fromarray(huge).save(buffer, "JPEG", quality=90)
    best = registry.checking.check_bytes(buffer.getvalue())[0]
    assert best.title == "print-001" and best.verdict == "copy"
    x0, y0, x1, y1 = best.query_box  # decoded at 1280 px (draft mode), reported at 2560
    assert 0 <= x0 < x1 <= 2560 and 0 <= y0 < y1 <= 2560
    assert x1 - x0 > 1500 and y1 - y0 > 1500


def test_worker_processes_give_the_same_results_as_in_process(tmp_path, write_prints):
    """Import and check through the process pool (12+ images), then compare in-process.

    The pool is database-agnostic, so this runs on SQLite only to keep the suite short.
    """
    paths = write_prints(tmp_path / "many", range(100, 112), size=160)
    with Registry.open(Settings(home=tmp_path / "home")) as registry:
        pooled, serial = _pooled_and_serial(registry, paths, tmp_path / "missing.png")
    assert [r.to_json() for r in pooled] == [r.to_json() for r in serial]
    assert [r.query for r in pooled] == [str(p) for p in paths] + [str(tmp_path / "missing.png")]
    assert pooled[-1].error == "no such file"


def _pooled_and_serial(registry, paths, missing):
    summary = registry.filing.import_files(paths, jobs=2)
    assert summary.imported == 12
    queries = [(str(p), p) for p in [*paths, missing]]
    pooled = list(registry.checking.check_files(queries, top_k=3, jobs=2, expected=len(queries)))
    serial = list(registry.checking.check_files(queries, top_k=3, jobs=1, expected=len(queries)))
    return pooled, serial


def test_references_from_an_older_engine_are_refingerprinted_by_rebuild(registry, library):
    import_folder(registry, library)
    with registry.unit_of_work() as repo:
        ref = repo.session.scalars(select(SearchRef).order_by(SearchRef.id)).first()
        ref.fingerprint_version, ref.fingerprint = "0", b"from an older engine"
        stale_id = ref.id
    registry = reopen(registry)
    try:
        assert registry.references.last_sync.stale == 1 and stale_id not in registry.index.ref_ids()
        assert registry.references.rebuild_index() == 6
        assert stale_id in registry.index.ref_ids()
        with registry.unit_of_work() as repo:
            assert repo.ref(stale_id).fingerprint_version == CURRENT_VERSION
    finally:
        registry.close()
