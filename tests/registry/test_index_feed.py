"""The index follows the evidence log: registrations, approvals and imports become searchable
by catching up from the index's position; a second process sees them without a rewrite; checks
run from many threads at once while a registration goes on (issue 13, item 5)."""

from __future__ import annotations

import threading

import pytest

from fangdu.registry.schemas import RegistrationRequest
from fangdu.registry.services import Registry
from fangdu.similarity.index import FaissIndex


@pytest.fixture
def registry(settings):
    with Registry.open(settings) as opened:
        yield opened


def request(title: str, **kwargs) -> RegistrationRequest:
    return RegistrationRequest(title=title, owner="柯桥花样工作室", **kwargs)


def test_the_index_position_is_the_log_size(registry, print_png):
    registry.filing.register(print_png(1), request("one"))
    registry.filing.register(print_png(2), request("two"))
    _, size = registry.ledger.subjects_since(0)
    assert registry.index.position == size and len(registry.index) == 2


def test_an_approval_is_found_by_catching_up(registry, print_png):
    work = registry.filing.register(print_png(3), request("pending"), review_required=True).work
    assert len(registry.index) == 0  # an application is not searchable
    registry.filing.decide(work.id, approve=True, reviewer="account:99")
    assert registry.checking.check_bytes(print_png(3))[0].target_id == work.id


def test_another_process_catches_up_from_the_log_without_reloading(settings, print_png):
    with Registry.open(settings) as writer, Registry.open(settings, sync=False) as reader:
        assert reader.checking.check_bytes(print_png(4)) == []
        writer.filing.register(print_png(4), request("new"))
        assert reader.checking.check_bytes(print_png(4))[0].verdict == "copy"  # caught up in memory
        assert reader.index.position == writer.index.position


def test_a_registration_appends_to_the_journal_and_leaves_the_snapshot(
    registry, print_png, settings
):
    registry.filing.register(print_png(5), request("first"))
    snapshot = settings.index_path / FaissIndex.FILE_NAME
    before = snapshot.stat()
    registry.filing.register(print_png(6), request("second"))
    after = snapshot.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with Registry.open(settings) as reopened:
        assert reopened.references.last_sync.added == 0 and len(reopened.index) == 2


def test_checks_run_in_parallel_with_a_registration(registry, print_png):
    for seed in range(4):
        registry.filing.register(print_png(10 + seed), request(f"w{seed}"))
    queries = {seed: print_png(10 + seed) for seed in range(4)}
    failures: list[BaseException] = []
    found: list[int] = []

    def check(seed: int) -> None:
        try:
            for _ in range(3):
                best = registry.checking.check_bytes(queries[seed])[0]
                assert best.verdict == "copy" and best.title == f"w{seed}"
                found.append(seed)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=check, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    registry.filing.register(print_png(20), request("during"))
    for thread in threads:
        thread.join()
    assert not failures and len(found) == 12
    assert registry.checking.check_bytes(print_png(20))[0].title == "during"


def test_the_verification_pool_is_a_setting(settings):
    with Registry.open(settings.model_copy(update={"verify_threads": 5})) as opened:
        assert opened.references.searcher.workers == 5


def test_the_registry_runs_on_milvus_lite(settings, print_png, tmp_path):
    on_milvus = settings.model_copy(update={"index_url": str(tmp_path / "milvus" / "refs.db")})
    with Registry.open(on_milvus) as registry:
        work = registry.filing.register(print_png(30), request("on milvus")).work
        assert registry.checking.check_bytes(print_png(30))[0].target_id == work.id
    with Registry.open(on_milvus) as reopened:
        assert reopened.references.last_sync.added == 0 and len(reopened.index) == 1
        assert reopened.references.rebuild_index() == 1
        assert reopened.checking.check_bytes(print_png(30))[0].verdict == "copy"
    assert not (settings.index_path / FaissIndex.FILE_NAME).exists()


def test_the_word_index_follows_the_vector_index(settings, print_png):
    with Registry.open(settings) as registry:
        registry.filing.register(print_png(7), request("seven"))
        registry.filing.register(print_png(8), request("eight"))
        references = registry.references
        assert references.words.ref_ids() == references.index.ref_ids()
        assert references.words.position == references.index.position
    with Registry.open(settings, sync=False) as reader:
        assert reader.references.words.ref_ids() == reader.references.index.ref_ids()


def test_a_home_without_word_files_heals_them_when_opened(settings, print_png):
    with Registry.open(settings) as registry:
        work = registry.filing.register(print_png(9), request("nine")).work
    for lost in settings.index_path.glob("words*"):  # a home from before the words, lost files
        lost.unlink()
    with Registry.open(settings, sync=False) as reader:  # a reader heals them in memory
        assert reader.references.words.ref_ids() == reader.references.index.ref_ids()
        assert len(reader.references.words) == 1
        assert reader.checking.check_bytes(print_png(9))[0].target_id == work.id
    assert not list(settings.index_path.glob("words*"))  # the reader wrote nothing
    with Registry.open(settings) as owner:
        assert len(owner.references.words) == 1
    assert (settings.index_path / "words.json").exists()
