"""Writes vectors.json: the disclosure log v2's test vectors (docs/disclosure-log.md).

Run from the project root: ``.venv/bin/python tests/vectors/disclosure-log/generate.py``.
Deterministic: fixed entries, fixed times, and RFC 8032's first test key (Ed25519
signatures are deterministic), so a rerun writes the same file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from consent import logformat, merkle

SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 §7.1, TEST 1
SUBJECT = "7f387b59-2a6d-4712-9429-fc82494fc116"


def entries(log: str) -> list[dict]:
    base = dict(actor_id="3c0e5c36-4f5e-4b0e-9a51-2f2c7d1e0a01", sender_id=None, recipient_id=None, category=None,
                purpose=None, case_id="c0ffee00-0000-4000-8000-00000000000a", basis_kind=None, basis_ref=None,
                basis_text=None, reason=None, log_id=log)
    rows = [
        dict(tag="case:participant:added", outcome="record", recipient_id="5d1f8c2a-6b7e-4c3d-8e9f-0a1b2c3d4e5f"),
        dict(tag="consent:grant:created", outcome="record", actor_id="7f387b59-2a6d-4712-9429-fc82494fc116",
             recipient_id="5d1f8c2a-6b7e-4c3d-8e9f-0a1b2c3d4e5f", category="functional_ability",
             purpose="workplace_adaptation", basis_ref="6e2a1c4b-0000-4000-8000-000000000001"),
        dict(tag="disclosure:decision:granted", outcome="permit", sender_id="3c0e5c36-4f5e-4b0e-9a51-2f2c7d1e0a01",
             recipient_id="5d1f8c2a-6b7e-4c3d-8e9f-0a1b2c3d4e5f", category="functional_ability",
             purpose="workplace_adaptation", basis_kind="consent", basis_ref="6e2a1c4b-0000-4000-8000-000000000001",
             basis_text="ditt samtykke (æøå, § 8-7)"),
        dict(tag="disclosure:decision:denied", outcome="deny", sender_id="3c0e5c36-4f5e-4b0e-9a51-2f2c7d1e0a01",
             recipient_id="5d1f8c2a-6b7e-4c3d-8e9f-0a1b2c3d4e5f", category="diagnosis", purpose="workplace_adaptation",
             reason="no_basis: ingen har lov til å gi diagnosen videre"),
        dict(tag="consent:grant:revoked", outcome="record", actor_id="7f387b59-2a6d-4712-9429-fc82494fc116",
             basis_ref="6e2a1c4b-0000-4000-8000-000000000001"),
    ]
    out = []
    for i, row in enumerate(rows):
        at = datetime(2026, 12, 3, 9, 15, i, 123456 if i % 2 else 0, tzinfo=UTC)
        out.append({**base, **row, "entry_id": f"00000000-0000-4000-8000-00000000000{i}", "index": i, "occurred_at": at})
    return out


def main() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED))
    log = logformat.log_id(SUBJECT)
    leaves = [logformat.leaf_bytes(e) for e in entries(log)]
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    n = len(hashes)
    head = logformat.sign_head(key, log, n, merkle.root(hashes).hex(), datetime(2026, 12, 3, 9, 16, 0, 500000, tzinfo=UTC))
    vectors = {
        "comment": "docs/disclosure-log.md, 'Test vectors'; written by tests/vectors/disclosure-log/generate.py",
        "subject_id": SUBJECT,
        "log_id": log,
        "leaves": [{"leaf": leaf.decode("utf-8"), "leaf_hash": h.hex()} for leaf, h in zip(leaves, hashes)],
        "roots": {str(size): merkle.root(hashes[:size]).hex() for size in range(0, n + 1)},
        "inclusion": {"index": 2, "tree_size": n, "proof": [p.hex() for p in merkle.inclusion_proof(2, hashes)]},
        "consistency": {"first": 3, "second": n, "proof": [p.hex() for p in merkle.consistency_proof(3, hashes)]},
        "signing_key": {
            "ed25519_seed": SEED,
            "public": key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
            **logformat.public_key_json(key.public_key()),
        },
        "head": head,
        "head_message": logformat.head_message(head["log_id"], head["tree_size"], head["root_hash"], head["signed_at"]).decode(),
    }
    path = Path(__file__).with_name("vectors.json")
    path.write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
