"""Merkle trees as RFC 9162 (Certificate Transparency 2.0) §2.1 defines them, SHA-256.

A leaf's hash is ``SHA-256(0x00 || leaf)``, an interior node's ``SHA-256(0x01 || left ||
right)``; a tree of ``n > 1`` leaves splits at ``k``, the largest power of two below
``n``.  The empty tree's root is ``SHA-256("")``.  Inclusion and consistency proofs are
the RFC's ``PATH`` and ``SUBPROOF``; their checks follow §2.1.3.2 and §2.1.4.2.

``Frontier`` keeps the roots of a tree's perfect subtrees, left to right (at most one
per bit of the size), so appending a leaf and computing the new root cost O(log n)
without reading older leaves.

Pure functions on bytes; hashes are 32-byte ``bytes``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify (or its sizes do not make sense)."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with ``leaf_hash``)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the audit path of leaf ``index`` in the tree of ``leaf_hashes``."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_proof(index, leaf_hashes[:k]) + [root(leaf_hashes[k:])]
    return inclusion_proof(index - k, leaf_hashes[k:]) + [root(leaf_hashes[:k])]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[n]): that the tree of the first ``first`` leaves is a prefix."""
    n = len(leaf_hashes)
    if not 0 <= first <= n:
        raise ValueError(f"a tree of {n} has no prefix of {first}")
    if first in (0, n):
        return []
    return _subproof(first, leaf_hashes, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> None:
    """RFC 9162 §2.1.3.2 for an already hashed ``leaf``; raises ``ProofError``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != expected_root:
        raise ProofError("the inclusion proof does not lead to the signed root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2; raises ``ProofError`` unless tree ``second`` extends tree ``first``."""
    if not 0 <= first <= second:
        raise ProofError(f"a tree of {second} cannot extend one of {first}")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("two heads of the same size have different roots")
        return
    if first == 0:
        if proof:
            raise ProofError("an empty tree needs no consistency proof")
        return
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is the path's start
        path.insert(0, first_root)
    if not path:
        raise ProofError("the consistency proof is empty")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProofError("the newer head does not extend the older one: the log was rewritten or cut")


@dataclass(frozen=True)
class Frontier:
    """A tree's size and the roots of its perfect subtrees, largest (leftmost) first."""

    size: int = 0
    peaks: tuple[bytes, ...] = ()

    def append(self, leaf: bytes) -> Frontier:
        """The frontier after appending an already hashed ``leaf``."""
        peaks, carry, size = list(self.peaks), leaf, self.size
        while size & 1:  # merge equal-sized subtrees, as a binary counter carries
            carry = node_hash(peaks.pop(), carry)
            size >>= 1
        return Frontier(self.size + 1, (*peaks, carry))

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        r = self.peaks[-1]
        for p in reversed(self.peaks[:-1]):
            r = node_hash(p, r)
        return r

    def pack(self) -> bytes:
        return b"".join(self.peaks)

    @classmethod
    def unpack(cls, size: int, packed: bytes) -> Frontier:
        peaks = tuple(packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE))
        if len(peaks) != size.bit_count() or len(packed) % HASH_SIZE:
            raise ValueError(f"a frontier of a tree of {size} has {size.bit_count()} peaks, not {len(peaks)}")
        return cls(size, peaks)
