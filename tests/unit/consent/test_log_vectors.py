"""The disclosure log v2's published test vectors (docs/disclosure-log.md) against the code,
and the code against an independent few lines of RFC 9162 hashing."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consent import logformat, merkle

ROOT = Path(__file__).resolve().parents[3]
VECTORS = json.loads((ROOT / "tests/vectors/disclosure-log/vectors.json").read_text(encoding="utf-8"))
DOC = (ROOT / "docs/disclosure-log.md").read_text(encoding="utf-8")


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written out again here rather than imported."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


def test_log_id_leaves_and_roots():
    assert logformat.log_id(VECTORS["subject_id"]) == VECTORS["log_id"]
    hashes = []
    for i, item in enumerate(VECTORS["leaves"]):
        fields = json.loads(item["leaf"])
        assert fields["index"] == i and fields["log_id"] == VECTORS["log_id"]
        assert tuple(sorted(fields)) == logformat.LEAF_FIELDS
        stamped = {**fields, "occurred_at": datetime.strptime(fields["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)}
        assert logformat.leaf_bytes(stamped) == item["leaf"].encode("utf-8")  # re-encoding gives the same bytes
        expected = hashlib.sha256(b"\x00" + item["leaf"].encode("utf-8")).hexdigest()
        assert merkle.leaf_hash(item["leaf"].encode("utf-8")).hex() == item["leaf_hash"] == expected
        hashes.append(bytes.fromhex(item["leaf_hash"]))
    frontier = merkle.Frontier()
    assert frontier.root().hex() == VECTORS["roots"]["0"]
    for size in range(1, len(hashes) + 1):
        frontier = frontier.append(hashes[size - 1])
        assert merkle.root(hashes[:size]).hex() == frontier.root().hex() == _mth(hashes[:size]).hex() == VECTORS["roots"][str(size)]


def test_inclusion_and_consistency_proofs():
    hashes = [bytes.fromhex(item["leaf_hash"]) for item in VECTORS["leaves"]]
    inc = VECTORS["inclusion"]
    assert [p.hex() for p in merkle.inclusion_proof(inc["index"], hashes[: inc["tree_size"]])] == inc["proof"]
    merkle.verify_inclusion(hashes[inc["index"]], inc["index"], inc["tree_size"], [bytes.fromhex(p) for p in inc["proof"]],
                            bytes.fromhex(VECTORS["roots"][str(inc["tree_size"])]))
    con = VECTORS["consistency"]
    assert [p.hex() for p in merkle.consistency_proof(con["first"], hashes[: con["second"]])] == con["proof"]
    merkle.verify_consistency(con["first"], con["second"], bytes.fromhex(VECTORS["roots"][str(con["first"])]),
                              bytes.fromhex(VECTORS["roots"][str(con["second"])]), [bytes.fromhex(p) for p in con["proof"]])


def test_signed_tree_head():
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTORS["signing_key"]["ed25519_seed"]))
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(VECTORS["signing_key"]["public"]))
    assert logformat.public_key_json(public) == {k: VECTORS["signing_key"][k] for k in ("key_id", "ed25519")}
    head = VECTORS["head"]
    message = logformat.head_message(head["log_id"], head["tree_size"], head["root_hash"], head["signed_at"])
    assert message.decode() == VECTORS["head_message"]
    assert logformat.head_problem(head, public) is None
    signed_at = datetime.strptime(head["signed_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert logformat.sign_head(key, head["log_id"], head["tree_size"], head["root_hash"], signed_at) == head  # deterministic
    assert logformat.head_problem({**head, "tree_size": 4}, public) == "its signature does not verify"


def test_the_document_shows_the_vectors():
    shown = [VECTORS["log_id"], VECTORS["signing_key"]["ed25519_seed"], VECTORS["head"]["signature"],
             *(item["leaf_hash"] for item in VECTORS["leaves"]), *VECTORS["roots"].values(),
             *VECTORS["inclusion"]["proof"], *VECTORS["consistency"]["proof"], VECTORS["leaves"][2]["leaf"]]
    missing = [value for value in shown if value not in DOC]
    assert not missing, f"docs/disclosure-log.md lacks {missing}"
