"""RFC 6962/9162 hashing, reference proofs and verification against published vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangdu.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof_from_leaf_hashes,
    consistency_proof_size,
    inclusion_proof_from_leaf_hashes,
    inclusion_proof_size,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"
RFC6962 = json.loads((VECTORS / "rfc6962.json").read_text())
LEAF_HASHES = [leaf_hash(bytes.fromhex(data)) for data in RFC6962["leaves_hex"]]
ROOTS = [bytes.fromhex(root) for root in RFC6962["roots_by_size"]]
BROKEN = sorted((VECTORS / "broken").glob("*.json"))


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_hash_primitives() -> None:
    assert EMPTY_ROOT.hex() == RFC6962["roots_by_size"][0]
    assert leaf_hash(b"") == ROOTS[1]
    assert node_hash(LEAF_HASHES[0], LEAF_HASHES[1]) == ROOTS[2]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_rfc6962_vectors(size: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize("case", RFC6962["inclusion"], ids=lambda c: f"{c['index']}of{c['size']}")
def test_inclusion_vectors(case: dict) -> None:
    index, size, proof = case["index"], case["size"], _hashes(case["proof"])
    hashes = LEAF_HASHES[:size]
    assert inclusion_proof_from_leaf_hashes(index, hashes) == proof
    assert inclusion_proof_size(index, size) == len(proof)
    assert root_from_inclusion_proof(hashes[index], index, size, proof) == ROOTS[size]
    verify_inclusion(hashes[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(
    "case", RFC6962["consistency"], ids=lambda c: f"{c['old_size']}to{c['new_size']}"
)
def test_consistency_vectors(case: dict) -> None:
    old, new, proof = case["old_size"], case["new_size"], _hashes(case["proof"])
    assert consistency_proof_from_leaf_hashes(old, LEAF_HASHES[:new]) == proof
    if old < new:
        assert consistency_proof_size(old, new) == len(proof)
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_proof_vectors_are_rejected(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = _hashes(case["proof"])
    with pytest.raises(ProofError, match=case["error"]):
        if case["kind"] == "inclusion":
            verify_inclusion(
                bytes.fromhex(case["leaf_hash"]),
                case["index"],
                case["size"],
                proof,
                bytes.fromhex(case["root"]),
            )
        else:
            verify_consistency(
                case["old_size"],
                case["new_size"],
                bytes.fromhex(case["old_root"]),
                bytes.fromhex(case["new_root"]),
                proof,
            )


def test_every_way_to_break_a_proof_has_a_vector() -> None:
    names = {path.stem for path in BROKEN}
    for kind in ("inclusion", "consistency"):
        for way in ("flipped-hash", "proof-too-long", "proof-too-short", "wrong-root"):
            assert any(name.startswith(kind) and way in name for name in names), (kind, way)
    assert {"inclusion-wrong-leaf", "inclusion-wrong-index", "inclusion-index-equals-size"} <= names
    assert {"consistency-old-greater-than-new", "consistency-swapped-sizes"} <= names
    assert {"inclusion-empty-tree", "consistency-empty-old-tree-with-proof"} <= names


def test_trivial_consistency_cases_verify() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 8, EMPTY_ROOT, ROOTS[8], [])
    verify_consistency(8, 8, ROOTS[8], ROOTS[8], [])


def test_reference_refuses_out_of_range_arguments() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof_from_leaf_hashes(3, LEAF_HASHES[:3])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof_from_leaf_hashes(4, LEAF_HASHES[:3])


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_reference_inclusion_proof_verifies(size_index: tuple[int, int]) -> None:
    size, index = size_index
    hashes = _leaves(size)
    root = root_from_leaf_hashes(hashes)
    proof = inclusion_proof_from_leaf_hashes(index, hashes)
    verify_inclusion(hashes[index], index, size, proof, root)
    # Any other index of the same tree, with the same proof, is refused.
    if size > 1:
        other = (index + 1) % size
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], other, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_every_reference_consistency_proof_verifies(sizes: tuple[int, int]) -> None:
    old, new = sizes
    hashes = _leaves(new)
    old_root = root_from_leaf_hashes(hashes[:old])
    new_root = root_from_leaf_hashes(hashes)
    proof = consistency_proof_from_leaf_hashes(old, hashes)
    verify_consistency(old, new, old_root, new_root, proof)
    if 0 < old < new:
        assert len(proof) == consistency_proof_size(old, new)
        # A tree that differs in any old leaf is not an extension of this old root.
        forged = [leaf_hash(b"forged"), *hashes[1:]]
        with pytest.raises(ProofError):
            verify_consistency(
                old,
                new,
                old_root,
                root_from_leaf_hashes(forged),
                consistency_proof_from_leaf_hashes(old, forged),
            )


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 64).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
    st.data(),
)
def test_any_single_bit_flip_in_an_inclusion_proof_is_caught(
    size_index: tuple[int, int], data: st.DataObject
) -> None:
    size, index = size_index
    hashes = _leaves(size)
    proof = inclusion_proof_from_leaf_hashes(index, hashes)
    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[position])
    flipped[bit // 8] ^= 1 << (bit % 8)
    proof[position] = bytes(flipped)
    with pytest.raises(ProofError, match="root mismatch"):
        verify_inclusion(hashes[index], index, size, proof, root_from_leaf_hashes(hashes))
