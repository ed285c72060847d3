"""The disclosure log v2's bytes: log ids, leaves and signed tree heads.

One place for every byte that is hashed or signed, shared by the server
(``consent.audit``), ``samband verify-log`` and the witness (``consent.witness``), so
there is one format, not one per reader.  No database here: the witness imports this
with nothing but ``cryptography``.  The format is written down, with test vectors, in
``docs/disclosure-log.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

LOG_ID_LABEL = b"samband.no/v2/log-id\n"
HEAD_LABEL = b"samband.no/v2/tree-head\n"

# The leaf's keys, every one always present (null where empty).  ``subject_id`` is not
# among them: the log id binds it.
LEAF_FIELDS = (
    "actor_id", "basis_kind", "basis_ref", "basis_text", "case_id", "category", "entry_id", "index",
    "log_id", "occurred_at", "outcome", "purpose", "reason", "recipient_id", "sender_id", "tag",
)  # fmt: skip


def timestamp(value: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def log_id(subject_id: str) -> str:
    """hex SHA-256("samband.no/v2/log-id\\n" || subject_id): opaque to a witness."""
    return hashlib.sha256(LOG_ID_LABEL + subject_id.encode()).hexdigest()


def leaf_bytes(fields: Mapping) -> bytes:
    """The canonical JSON of one entry (``fields`` holds at least ``LEAF_FIELDS``)."""
    body = {}
    for name in LEAF_FIELDS:
        value = fields[name]
        body[name] = timestamp(value) if isinstance(value, datetime) else value
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def head_message(log: str, tree_size: int, root_hash: str, signed_at: str) -> bytes:
    """What the server signs: label, log id, size, root (hex), signing time, one a line."""
    return HEAD_LABEL + f"{log}\n{tree_size}\n{root_hash}\n{signed_at}".encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return b64url(hashlib.sha256(raw).digest()[:12])


def public_key_json(public_key: Ed25519PublicKey) -> dict:
    return {"key_id": key_id(public_key), "ed25519": b64url(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))}


def sign_head(signer: Ed25519PrivateKey, log: str, tree_size: int, root_hash: str, signed_at: datetime,
              *, kid: str | None = None) -> dict:
    """A signed tree head in its JSON form (``kid``: the signer's key id, when the caller has it)."""
    when = timestamp(signed_at)
    return {
        "log_id": log, "tree_size": tree_size, "root_hash": root_hash, "signed_at": when,
        "key_id": kid or key_id(signer.public_key()), "signature": b64url(signer.sign(head_message(log, tree_size, root_hash, when))),
    }


def head_problem(head: Mapping, public_key: Ed25519PublicKey) -> str | None:
    """Why ``head`` (JSON form) is not a head this key signed, or None when it is."""
    try:
        if head["key_id"] != key_id(public_key):
            return f"it is signed by key {head['key_id']}, not {key_id(public_key)}"
        message = head_message(head["log_id"], int(head["tree_size"]), head["root_hash"], head["signed_at"])
        public_key.verify(unb64url(head["signature"]), message)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return "its signature does not verify"
    return None


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """A PEM public key (``samband export-public-key``), or the raw key as base64url
    (the ``ed25519`` the log API shows).  Raises ``ValueError`` for anything else."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in text:
            raise ValueError("this is a private key; give the public key (samband export-public-key)")
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    try:
        raw = unb64url(text.decode("ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("neither a PEM public key nor a base64url Ed25519 key") from exc
    if len(raw) != 32:
        raise ValueError("neither a PEM public key nor a base64url Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
