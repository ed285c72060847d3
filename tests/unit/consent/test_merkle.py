"""consent.merkle against RFC 6962/9162's reference tree, and its proofs both ways.

The eight inputs and their roots are the test vectors of the Certificate Transparency
reference implementation (the tree RFC 9162 §2.1.5 draws): published facts, not code.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(x) for x in INPUTS]


def test_the_reference_tree_has_the_published_roots() -> None:
    assert root([]) == EMPTY_ROOT == Frontier().root()
    frontier = Frontier()
    for n, want in enumerate(ROOTS, start=1):
        frontier = frontier.append(LEAVES[n - 1])
        assert root(LEAVES[:n]).hex() == want
        assert frontier.root().hex() == want
        assert Frontier.unpack(n, frontier.pack()) == frontier


def test_every_leaf_of_every_prefix_is_proven_and_a_wrong_root_is_not() -> None:
    for n in range(1, 9):
        for i in range(n):
            proof = inclusion_proof(i, LEAVES[:n])
            verify_inclusion(LEAVES[i], i, n, proof, root(LEAVES[:n]))
            with pytest.raises(ProofError):
                verify_inclusion(LEAVES[(i + 1) % 8], i, n, proof, root(LEAVES[:n]))
            if proof:
                with pytest.raises(ProofError):
                    verify_inclusion(LEAVES[i], i, n, proof[:-1], root(LEAVES[:n]))


@given(st.integers(1, 80), st.data())
def test_a_prefix_is_consistent_and_a_rewritten_prefix_is_not(n: int, data) -> None:
    leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(n)]
    m = data.draw(st.integers(0, n))
    proof = consistency_proof(m, leaves)
    verify_consistency(m, n, root(leaves[:m]), root(leaves), proof)
    if 0 < m < n:
        changed = data.draw(st.integers(0, m - 1))
        rewritten = list(leaves)
        rewritten[changed] = leaf_hash(b"rewritten")
        with pytest.raises(ProofError):
            verify_consistency(m, n, root(rewritten[:m]), root(leaves), proof)
        with pytest.raises(ProofError):  # a cut: the newer head is the older one's prefix
            verify_consistency(n, m, root(leaves), root(leaves[:m]), [])


def test_a_frontier_refuses_peaks_that_do_not_fit_its_size() -> None:
    with pytest.raises(ValueError):
        Frontier.unpack(3, LEAVES[0])
