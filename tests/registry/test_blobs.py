"""The blob store contract, for the local and the in-memory implementation."""

from __future__ import annotations

import hashlib

import pytest

from fangdu.errors import NotFound
from fangdu.registry.blobs import LocalBlobStore, MemoryBlobStore


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    return LocalBlobStore(tmp_path / "blobs") if request.param == "local" else MemoryBlobStore()


def test_put_returns_the_sha256_and_get_returns_the_exact_bytes(store):
    data = b"\x89PNG original bytes \x00\xff"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.exists(sha)
    assert store.get(sha) == data


def test_same_bytes_twice_are_stored_once(store):
    assert store.put(b"abc") == store.put(b"abc")


def test_missing_blob_is_not_found(store):
    sha = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(sha)
    with pytest.raises(NotFound):
        store.get(sha)


def test_local_layout_is_content_addressed_and_leaves_no_temp_files(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs")
    sha = store.put(b"pattern")
    assert store.path(sha) == tmp_path / "blobs" / sha[:2] / sha[2:4] / sha
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [sha]


def test_local_store_refuses_paths_that_are_not_digests(tmp_path):
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).path("../../etc/passwd")


def test_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch):
    store = LocalBlobStore(tmp_path / "blobs")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("fangdu.durable.os.replace", crash)
    with pytest.raises(OSError):
        store.put(b"half written")
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
