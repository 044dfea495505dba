"""The Merkle tree stored as C2SP tlog-tiles (c2sp.org/tlog-tiles): tiles of height 8.

Tile (L, N) holds the hashes at tree level 8*L with indices N*256 .. N*256+255: at level 0 the
leaf hashes, above that the roots of full tiles one level down. A tile is partial (fewer than
256 hashes) at the right edge of the tree. Hashes at a level never change once written, so a
store may keep only the newest version of each tile: every function here takes the prefix it
needs from a tile that may be wider than an older tree size requires.

`integrate` appends leaves and returns the tiles that changed; `tree_root`, `node_hash_at`,
`inclusion_proof` and `consistency_proof` read the tiles through a `TileReader` and return the
same hashes as the reference definitions in `merkle`, reading each tile at most once per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from fangdu.errors import VerificationError
from fangdu.ledger.merkle import EMPTY_ROOT, HASH_SIZE, node_hash, split_point

__all__ = [
    "MAX_ENTRY_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileError",
    "TileReader",
    "consistency_proof",
    "entries_path",
    "entry_bundle",
    "inclusion_proof",
    "integrate",
    "node_hash_at",
    "parse_entry_bundle",
    "parse_tile_path",
    "tile_path",
    "tiles_for_size",
    "tree_root",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_TILE_BYTES = TILE_WIDTH * HASH_SIZE
# The spec allows tile levels 0..63; 2**63 leaves is far beyond any real log.
_MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF

TileReader = Callable[[int, int], bytes]
"""(tile level, tile index) -> the stored bytes of that tile, possibly wider than needed."""


class TileError(VerificationError):
    """A tile or entry bundle is malformed, or narrower than the tree size needs."""


# -- paths ---------------------------------------------------------------------------------------


def _index_path(index: int) -> str:
    if index < 0:
        raise ValueError(f"tile index must not be negative, got {index}")
    # Zero-padded 3-digit elements, all but the last prefixed with "x": 1234067 ->
    # x001/x234/067, so no file name is also a directory name.
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def _width_suffix(width: int) -> str:
    if width == TILE_WIDTH:
        return ""
    if 1 <= width < TILE_WIDTH:
        return f".p/{width}"
    raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")


def tile_path(level: int, index: int, width: int) -> str:
    """`tile/<L>/<N>[.p/<W>]`, e.g. tile_path(0, 1234067, 5) == "tile/0/x001/x234/067.p/5"."""
    if not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f"tile level must be 0..{_MAX_LEVEL}, got {level}")
    return f"tile/{level}/{_index_path(index)}{_width_suffix(width)}"


def entries_path(index: int, width: int) -> str:
    """`tile/entries/<N>[.p/<W>]`: the entry bundle with the entries of level 0 tile N."""
    return f"tile/entries/{_index_path(index)}{_width_suffix(width)}"


_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?",
    re.ASCII,
)


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level, index, width) of a tile path; level None for an entry bundle.

    Only the canonical spelling is accepted (no leading zeros, no x001 for index 1), so each
    resource has one path.
    """
    match = _PATH.fullmatch(path)
    if match is None:
        raise TileError(f"not a tile path: {path!r}")
    level = None if match["level"] == "entries" else int(match["level"])
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(match["width"]) if match["width"] else TILE_WIDTH
    try:
        canonical = entries_path(index, width) if level is None else tile_path(level, index, width)
    except ValueError as exc:
        raise TileError(f"not a tile path: {path!r} ({exc})") from None
    if canonical != path:
        raise TileError(f"not a canonical tile path: {path!r} (expected {canonical!r})")
    return level, index, width


def tiles_for_size(size: int) -> list[tuple[int, int, int]]:
    """Every (level, index, width) tile of a tree of `size` leaves, full and partial.

    Level L has size >> 8L hashes: that many // 256 full tiles, then one partial tile of the
    remainder if any. A tree of 256 leaves is one full level 0 tile and a level 1 tile of width 1.
    """
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    tiles: list[tuple[int, int, int]] = []
    level, count = 0, size
    while count:
        full, partial = divmod(count, TILE_WIDTH)
        tiles.extend((level, index, TILE_WIDTH) for index in range(full))
        if partial:
            tiles.append((level, full, partial))
        level += 1
        count >>= TILE_HEIGHT
    return tiles


# -- building ------------------------------------------------------------------------------------


def _perfect_root(data: bytes) -> bytes:
    """The root of the perfect subtree whose bottom row is `data` (a power of two of hashes)."""
    row = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


def _prefix(data: bytes, count: int, level: int, index: int) -> bytes:
    """The first `count` hashes of tile (level, index)."""
    if len(data) % HASH_SIZE or len(data) > _TILE_BYTES:
        raise TileError(f"tile {level}/{index} is {len(data)} bytes, not a whole number of hashes")
    if len(data) < count * HASH_SIZE:
        raise TileError(
            f"tile {level}/{index} has {len(data) // HASH_SIZE} hashes, {count} are needed"
        )
    return data[: count * HASH_SIZE]


def integrate(
    old_size: int, new_leaf_hashes: Sequence[bytes], read: TileReader
) -> tuple[dict[tuple[int, int], bytes], bytes]:
    """Append leaves to the tree of `old_size` whose tiles `read` returns.

    Returns the tiles that changed, (level, index) -> the tile's new bytes (partial or full),
    and the new root. Only the partially filled tile at the right edge of each level is read,
    once; hashes are computed only for the new leaves' tiles. Integrating the same leaves onto
    the same old size again gives the same tiles, so a retry after a failed save is harmless.
    """
    if old_size < 0:
        raise ValueError(f"tree size must not be negative, got {old_size}")
    for i, value in enumerate(new_leaf_hashes):
        if len(value) != HASH_SIZE:
            raise ValueError(f"new leaf hash {i} is {len(value)} bytes, not {HASH_SIZE}")
    changed: dict[tuple[int, int], bytes] = {}
    level, old_count, added = 0, old_size, list(new_leaf_hashes)
    while added:
        first, used = divmod(old_count, TILE_WIDTH)
        kept = _prefix(read(level, first), used, level, first) if used else b""
        row = kept + b"".join(added)
        for offset in range(0, len(row), _TILE_BYTES):
            changed[(level, first + offset // _TILE_BYTES)] = row[offset : offset + _TILE_BYTES]
        # Each tile that became full contributes its root as a new hash one tile level up.
        filled = (old_count + len(added)) // TILE_WIDTH - first
        added = [_perfect_root(row[i * _TILE_BYTES : (i + 1) * _TILE_BYTES]) for i in range(filled)]
        level, old_count = level + 1, old_count // TILE_WIDTH

    def overlay(tile_level: int, tile_index: int) -> bytes:
        data = changed.get((tile_level, tile_index))
        return read(tile_level, tile_index) if data is None else data

    return changed, tree_root(old_size + len(new_leaf_hashes), overlay)


# -- reading -------------------------------------------------------------------------------------


class _TiledTree:
    """The hashes of one tree size, read through tiles cached for the length of one call."""

    def __init__(self, size: int, read: TileReader) -> None:
        if size < 0:
            raise ValueError(f"tree size must not be negative, got {size}")
        self.size = size
        self._read = read
        self._tiles: dict[tuple[int, int], bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        data = self._tiles.get((level, index))
        if data is None:
            data = self._tiles[(level, index)] = self._read(level, index)
        return data

    def node(self, level: int, index: int) -> bytes:
        """The root of the perfect subtree of height `level` over leaves index*2**level.."""
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise ValueError(
                f"node {index} at level {level} is not a complete subtree of a tree of {self.size}"
            )
        tile_level, height = divmod(level, TILE_HEIGHT)
        # The node is the root over 2**height consecutive hashes of one tile at tile_level.
        tile_index, offset = divmod(index << height, TILE_WIDTH)
        data = _prefix(
            self._tile(tile_level, tile_index), offset + (1 << height), tile_level, tile_index
        )
        return _perfect_root(data[offset * HASH_SIZE :])

    def range_hash(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range of the shape the RFC's recursion produces.

        `lo` is a multiple of the smallest power of two >= hi - lo, so the range splits into
        perfect subtrees, largest first, and its hash folds them from the right.
        """
        nodes: list[bytes] = []
        position, count = lo, hi - lo
        for level in reversed(range(count.bit_length())):
            if count >> level & 1:
                if position % (1 << level):
                    raise ValueError(f"range {lo}..{hi} is not aligned to the tree")
                nodes.append(self.node(level, position >> level))
                position += 1 << level
        if not nodes:
            return EMPTY_ROOT
        result = nodes[-1]
        for left in reversed(nodes[:-1]):
            result = node_hash(left, result)
        return result


def node_hash_at(level: int, index: int, size: int, read: TileReader) -> bytes:
    """Hash of the complete subtree at tree level `level` (not tile level) over the leaves
    [index * 2**level, (index + 1) * 2**level) of a tree of `size` (level 0: a leaf hash)."""
    return _TiledTree(size, read).node(level, index)


def tree_root(size: int, read: TileReader) -> bytes:
    """MTH of the first `size` leaves."""
    return _TiledTree(size, read).range_hash(0, size)


def inclusion_proof(index: int, size: int, read: TileReader) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf `index` in the tree of `size`, from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    tree = _TiledTree(size, read)
    # PATH(m, D[lo:hi]) walked from the root down; each step adds the sibling subtree.
    siblings: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            siblings.append(tree.range_hash(lo + k, hi))
            hi = lo + k
        else:
            siblings.append(tree.range_hash(lo, lo + k))
            lo += k
    return siblings[::-1]


def consistency_proof(old_size: int, new_size: int, read: TileReader) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of `old_size` to the tree of `new_size`."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} is outside 0..{new_size}")
    if old_size in (0, new_size):
        return []
    tree = _TiledTree(new_size, read)
    # SUBPROOF(m, D[lo:hi], complete) walked from the root down.
    hashes: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            hashes.append(tree.range_hash(lo + k, hi))
            hi = lo + k
        else:
            hashes.append(tree.range_hash(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        hashes.append(tree.range_hash(lo, hi))
    return hashes[::-1]


# -- entry bundles -------------------------------------------------------------------------------


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """The entry bundle of up to 256 entries: each a big-endian uint16 length and the bytes."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise ValueError(f"an entry bundle holds 1..{TILE_WIDTH} entries, got {len(entries)}")
    parts: list[bytes] = []
    for i, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(
                f"entry {i} is {len(entry)} bytes; entry bundles hold at most "
                f"{MAX_ENTRY_SIZE} bytes per entry"
            )
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(bytes(entry))
    return b"".join(parts)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; raises TileError if it is truncated or too long."""
    entries: list[bytes] = []
    position = 0
    while position < len(data):
        if len(entries) == TILE_WIDTH:
            raise TileError(f"entry bundle has bytes after its {TILE_WIDTH}th entry")
        if position + 2 > len(data):
            raise TileError(f"entry bundle is truncated in the length of entry {len(entries)}")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise TileError(
                f"entry bundle is truncated in entry {len(entries)} "
                f"({len(data) - position} of {length} bytes)"
            )
        entries.append(bytes(data[position : position + length]))
        position += length
    if not entries:
        raise TileError("entry bundle is empty")
    return entries
