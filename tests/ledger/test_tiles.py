"""C2SP tlog-tiles: paths, entry bundles, and the tiled tree against the naive reference."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof_from_leaf_hashes,
    inclusion_proof_from_leaf_hashes,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from fangdu.ledger.tiles import (
    TILE_WIDTH,
    TileError,
    TileReader,
    consistency_proof,
    entries_path,
    entry_bundle,
    inclusion_proof,
    integrate,
    node_hash_at,
    parse_entry_bundle,
    parse_tile_path,
    tile_path,
    tiles_for_size,
    tree_root,
)

Store = dict[tuple[int, int], bytes]


def _leaves(start: int, count: int) -> list[bytes]:
    return [leaf_hash(b"entry %d" % i) for i in range(start, start + count)]


def _naive_tiles(hashes: Sequence[bytes]) -> Store:
    """Every tile of the tree, straight from the spec's definition."""
    tiles: Store = {}
    level, row = 0, list(hashes)
    while row:
        for start in range(0, len(row), TILE_WIDTH):
            tiles[(level, start // TILE_WIDTH)] = b"".join(row[start : start + TILE_WIDTH])
        full = len(row) // TILE_WIDTH * TILE_WIDTH
        row = [root_from_leaf_hashes(row[i : i + TILE_WIDTH]) for i in range(0, full, TILE_WIDTH)]
        level += 1
    return tiles


def _reader(tiles: Store) -> TileReader:
    return lambda level, index: tiles[(level, index)]


class CountingStore:
    """A dict of tiles that counts how often each tile is read."""

    def __init__(self) -> None:
        self.tiles: Store = {}
        self.reads: Counter[tuple[int, int]] = Counter()

    def read(self, level: int, index: int) -> bytes:
        self.reads[(level, index)] += 1
        return self.tiles[(level, index)]

    def append(self, size: int, new: Sequence[bytes]) -> bytes:
        self.reads.clear()
        changed, root = integrate(size, new, self.read)
        assert max(self.reads.values(), default=0) <= 1, self.reads
        self.tiles.update(changed)
        return root


# -- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ((0, 1234067, 256), "tile/0/x001/x234/067"),
        ((0, 1234067, 5), "tile/0/x001/x234/067.p/5"),
        ((0, 0, 256), "tile/0/000"),
        ((2, 999, 255), "tile/2/999.p/255"),
        ((3, 1000, 1), "tile/3/x001/000.p/1"),
        ((63, 1_000_000, 256), "tile/63/x001/x000/000"),
    ],
)
def test_tile_paths(args: tuple[int, int, int], path: str) -> None:
    assert tile_path(*args) == path
    assert parse_tile_path(path) == args


def test_entries_paths() -> None:
    assert entries_path(1234067, 256) == "tile/entries/x001/x234/067"
    assert entries_path(0, 17) == "tile/entries/000.p/17"
    assert parse_tile_path("tile/entries/x001/x234/067.p/3") == (None, 1234067, 3)


@pytest.mark.parametrize("args", [(0, 0, 0), (0, 0, 257), (64, 0, 256), (-1, 0, 256), (0, -1, 256)])
def test_tile_path_refuses_out_of_range(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        tile_path(*args)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/00/000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/05",
        "tile/64/000",
        "tile/8/0/000",
        "tile/data/000",
        "/tile/0/000",
        "tile/0/000/",
        "tile/0/٠٠٠",
    ],
)
def test_parse_tile_path_refuses_non_canonical(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


@given(st.integers(0, 63), st.integers(0, 10**12), st.integers(1, 256))
def test_tile_path_round_trip(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width)
    assert parse_tile_path(entries_path(index, width)) == (None, index, width)


def test_tiles_for_size_follows_the_spec_examples() -> None:
    assert tiles_for_size(0) == []
    assert tiles_for_size(1) == [(0, 0, 1)]
    assert tiles_for_size(256) == [(0, 0, 256), (1, 0, 1)]
    tiles = tiles_for_size(70_000)
    assert [t for t in tiles if t[0] == 0 and t[2] == 256] == [(0, i, 256) for i in range(273)]
    assert [t for t in tiles if t[2] != 256 or t[0] > 0] == [
        (0, 273, 112),
        (1, 0, 256),
        (1, 1, 17),
        (2, 0, 1),
    ]


# -- entry bundles -------------------------------------------------------------------------------


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=TILE_WIDTH))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    assert parse_entry_bundle(entry_bundle(entries)) == entries


def test_entry_bundle_layout() -> None:
    assert entry_bundle([b"", b"ab"]) == b"\x00\x00\x00\x02ab"
    assert len(entry_bundle([b"x" * 65535])) == 65537


def test_entry_bundle_refusals() -> None:
    with pytest.raises(ValueError, match="65536 bytes; entry bundles hold at most 65535"):
        entry_bundle([b"ok", b"x" * 65536])
    with pytest.raises(ValueError, match=r"1\.\.256 entries"):
        entry_bundle([])
    with pytest.raises(ValueError, match=r"1\.\.256 entries"):
        entry_bundle([b""] * 257)
    with pytest.raises(TileError, match="truncated in entry 1"):
        parse_entry_bundle(b"\x00\x01a\x00\x05abc")
    with pytest.raises(TileError, match="truncated in the length"):
        parse_entry_bundle(b"\x00\x01a\x00")
    with pytest.raises(TileError, match="empty"):
        parse_entry_bundle(b"")
    with pytest.raises(TileError, match="after its 256th entry"):
        parse_entry_bundle(b"\x00\x00" * 257)


# -- the tiled tree ------------------------------------------------------------------------------


def test_integrate_from_empty() -> None:
    store = CountingStore()
    assert store.append(0, []) == EMPTY_ROOT
    assert store.tiles == {}
    assert tree_root(0, store.read) == EMPTY_ROOT
    hashes = _leaves(0, 1)
    assert store.append(0, hashes) == hashes[0]
    assert store.tiles == {(0, 0): hashes[0]}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 600), min_size=1, max_size=5), st.data())
def test_tiled_tree_matches_the_reference(batches: list[int], data: st.DataObject) -> None:
    store = CountingStore()
    hashes: list[bytes] = []
    sizes = [0]
    for count in batches:
        new = _leaves(len(hashes), count)
        root = store.append(len(hashes), new)
        hashes += new
        assert root == root_from_leaf_hashes(hashes)
        sizes.append(len(hashes))
    size = len(hashes)
    # The store keeps the newest version of each tile, exactly the spec's tiles for this size.
    assert store.tiles == _naive_tiles(hashes)
    assert {(level, index) for level, index, _ in tiles_for_size(size)} == set(store.tiles)

    # Older sizes are served from the newest (possibly wider) tiles.
    for old in sizes:
        store.reads.clear()
        old_root = tree_root(old, store.read)
        assert old_root == root_from_leaf_hashes(hashes[:old])
        proof = consistency_proof(old, size, store.read)
        assert proof == consistency_proof_from_leaf_hashes(old, hashes)
        verify_consistency(old, size, old_root, root_from_leaf_hashes(hashes), proof)
        assert max(store.reads.values(), default=0) <= 2  # once for the root, once for the proof

    if size:
        indexes = data.draw(st.lists(st.integers(0, size - 1), max_size=6))
        older = data.draw(st.sampled_from(sizes[1:]))
        for index in indexes:
            store.reads.clear()
            proof = inclusion_proof(index, size, store.read)
            assert max(store.reads.values()) <= 1
            assert proof == inclusion_proof_from_leaf_hashes(index, hashes)
            verify_inclusion(hashes[index], index, size, proof, root_from_leaf_hashes(hashes))
            if index < older:
                old_proof = inclusion_proof(index, older, store.read)
                assert old_proof == inclusion_proof_from_leaf_hashes(index, hashes[:older])


def test_a_large_batch_is_integrated_in_one_pass() -> None:
    store = CountingStore()
    hashes: list[bytes] = []
    for count in (1, 255, 1, 3000, 66_000 - 3257):
        new = _leaves(len(hashes), count)
        root = store.append(len(hashes), new)
        hashes += new
    assert root == root_from_leaf_hashes(hashes)
    assert (2, 0) in store.tiles  # 65536 leaves made the first level 2 hash
    assert store.tiles == _naive_tiles(hashes)


def test_integrate_again_after_a_saved_failure_gives_the_same_tiles() -> None:
    store = CountingStore()
    store.append(0, _leaves(0, 300))
    new = _leaves(300, 50)
    first = integrate(300, new, store.read)
    store.tiles.update(first[0])
    # The caller failed after saving the tiles and retries from the old size: the stored tiles
    # are now wider than size 300, and only their prefix is used.
    assert integrate(300, new, store.read) == first


def test_node_hash_at_matches_the_reference() -> None:
    store = CountingStore()
    hashes = _leaves(0, 700)
    store.append(0, hashes)
    for level in range(10):
        for index in range(len(hashes) >> level):
            span = hashes[index << level : (index + 1) << level]
            assert node_hash_at(level, index, len(hashes), store.read) == root_from_leaf_hashes(
                span
            )
    with pytest.raises(ValueError, match="not a complete subtree"):
        node_hash_at(2, 175, 700, store.read)
    with pytest.raises(ValueError, match="not a complete subtree"):
        node_hash_at(10, 0, 700, store.read)


def test_narrow_or_malformed_tiles_are_reported() -> None:
    hashes = _leaves(0, 5)
    narrow = _reader({(0, 0): b"".join(hashes[:3])})
    with pytest.raises(TileError, match="tile 0/0 has 3 hashes, 4 are needed"):
        tree_root(5, narrow)
    with pytest.raises(TileError, match="has 3 hashes, 4 are needed"):
        integrate(4, hashes[4:], narrow)
    with pytest.raises(TileError, match="not a whole number of hashes"):
        tree_root(5, _reader({(0, 0): b"".join(hashes)[:-1]}))


def test_argument_checks() -> None:
    store = CountingStore()
    store.append(0, _leaves(0, 10))
    with pytest.raises(ValueError, match="outside a tree of size 10"):
        inclusion_proof(10, 10, store.read)
    with pytest.raises(ValueError, match=r"outside 0\.\.10"):
        consistency_proof(11, 10, store.read)
    with pytest.raises(ValueError, match="not 32"):
        integrate(10, [b"short"], store.read)
    assert consistency_proof(0, 10, store.read) == []
    assert consistency_proof(10, 10, store.read) == []
