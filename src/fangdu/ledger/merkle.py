"""RFC 6962 / RFC 9162 Merkle tree hashing, reference proofs and proof verification.

Leaves are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right),
so a leaf can never be passed off as a node (RFC 9162, section 2.1.1).

The `*_from_leaf_hashes` functions transcribe the RFC's recursive definitions over a full list of
leaf hashes: they are the naive reference that the tile-based code in `tiles` is tested against,
and they serve small trees. The `verify_*` functions implement the verification algorithms of
RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step and raise `ProofError` on every failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fangdu.errors import VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ProofError",
    "consistency_proof_from_leaf_hashes",
    "consistency_proof_size",
    "inclusion_proof_from_leaf_hashes",
    "inclusion_proof_size",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
# MTH({}) = SHA-256() (RFC 9162, section 2.1.1): the root of the empty tree.
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(VerificationError):
    """An inclusion or consistency proof does not prove what it claims; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 hash of one log entry."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than `n` (n >= 2): the RFC's `k`."""
    return 1 << ((n - 1).bit_length() - 1)


# -- the reference definitions (RFC 9162, sections 2.1.1, 2.1.3.1, 2.1.4.1) ------------------


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) computed from the leaf hashes."""
    return _mth(hashes, 0, len(hashes))


def _mth(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[lo]
    k = split_point(n)
    return node_hash(_mth(hashes, lo, lo + k), _mth(hashes, lo + k, hi))


def inclusion_proof_from_leaf_hashes(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index`, ordered from the leaf up."""
    if not 0 <= index < len(hashes):
        raise ValueError(f"leaf index {index} is outside a tree of size {len(hashes)}")
    return _path(index, hashes, 0, len(hashes))


def _path(m: int, hashes: Sequence[bytes], lo: int, hi: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, hashes, lo, lo + k), _mth(hashes, lo + k, hi)]
    return [*_path(m - k, hashes, lo + k, hi), _mth(hashes, lo, lo + k)]


def consistency_proof_from_leaf_hashes(old_size: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) between the first `old_size` leaves and all of `hashes`.

    Empty when there is nothing to prove: old_size is 0 or the whole tree.
    """
    n = len(hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    return _subproof(old_size, hashes, 0, n, True)


def _subproof(m: int, hashes: Sequence[bytes], lo: int, hi: int, complete: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        # The old tree is this whole subtree: the verifier already knows its root only if it is
        # the old tree itself (`complete`), otherwise the proof carries it.
        return [] if complete else [_mth(hashes, lo, hi)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, hashes, lo, lo + k, complete), _mth(hashes, lo + k, hi)]
    return [*_subproof(m - k, hashes, lo + k, hi, False), _mth(hashes, lo, lo + k)]


# -- verification (RFC 9162, sections 2.1.3.2 and 2.1.4.2) -------------------------------------


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {size}")


def _check_proof_hashes(kind: str, proof: Sequence[bytes]) -> None:
    for i, value in enumerate(proof):
        _check_hash(f"{kind} proof hash {i}", value)


def inclusion_proof_size(index: int, size: int) -> int:
    """How many hashes the inclusion proof of leaf `index` in a tree of `size` has."""
    # Below the level where the paths to `index` and to the last leaf part, every level has a
    # sibling; above it, only the levels where `index` is a right child (a set bit) do.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(old_size: int, new_size: int) -> int:
    """How many hashes the consistency proof between two sizes 0 < old < new has."""
    last = old_size - 1
    inner = (last ^ (new_size - 1)).bit_length()
    border = (last >> inner).bit_count()
    # The old tree's rightmost perfect subtree is one node: its lowest levels need no hashes...
    shift = (old_size & -old_size).bit_length() - 1
    # ...and that node is itself the proof's first hash unless the old tree is perfect.
    seed = 0 if old_size & last == 0 else 1
    return seed + inner - shift + border


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that `proof` implies for leaf `index` in a tree of `size` (RFC 9162 2.1.3.2)."""
    _check_hash("leaf hash", leaf_hash)
    _check_proof_hashes("inclusion", proof)
    # 1. leaf_index >= tree_size fails.
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    expected = inclusion_proof_size(index, size)
    if len(proof) != expected:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, expected {expected}")
    # 2.-3.
    fn, sn = index, size - 1
    r = leaf_hash
    # 4.
    for p in proof:
        if sn == 0:  # a.
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:  # b.
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    # 5.
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `proof` proves leaf `index` with `leaf_hash` is in the tree (`size`, `root`)."""
    _check_hash("root", root)
    if root_from_inclusion_proof(leaf_hash, index, size, proof) != root:
        raise ProofError(f"root mismatch: inclusion proof for leaf {index} of {size}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (`new_size`, `new_root`) extends (`old_size`, `old_root`).

    RFC 9162 2.1.4.2 covers 0 < old_size < new_size. The edge cases are explicit: equal sizes
    need equal roots and an empty proof; the empty tree (whose root must be SHA-256 of nothing)
    is a prefix of every tree, again with an empty proof.
    """
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    _check_proof_hashes("consistency", proof)
    if old_size < 0 or new_size < 0:
        raise ProofError(f"tree sizes must not be negative (old {old_size}, new {new_size})")
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0:
        if proof:
            raise ProofError(f"consistency proof from the empty tree has {len(proof)} hashes")
        if old_root != EMPTY_ROOT:
            raise ProofError("old root is not the root of the empty tree")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise ProofError("new root is not the root of the empty tree")
        return
    if old_size == new_size:
        if proof:
            raise ProofError(f"consistency proof between equal sizes has {len(proof)} hashes")
        if old_root != new_root:
            raise ProofError(f"root mismatch: two different roots for tree size {old_size}")
        return

    # 1. An empty path fails.
    if not proof:
        raise ProofError("consistency proof is empty")
    expected = consistency_proof_size(old_size, new_size)
    if len(proof) != expected:
        raise ProofError(f"consistency proof has {len(proof)} hashes, expected {expected}")
    path = list(proof)
    # 2. A perfect old tree is its own first node.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3.
    fn, sn = old_size - 1, new_size - 1
    # 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:  # a.
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:  # b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # c.
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"root mismatch: proof does not lead to the old root of size {old_size}")
    if sr != new_root:
        raise ProofError(f"root mismatch: proof does not lead to the new root of size {new_size}")
