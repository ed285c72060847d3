"""Key pairs for the envelope suite: X-Wing (ML-KEM-768 + X25519), X25519 and Ed25519.

Pure: standard library and ``cryptography`` only; shared by the server's demo loader
and by clients.  An X-Wing private key is its 32-byte seed (draft-connolly-cfrg-xwing-kem-05
and later, not -03/-04: ``SHAKE256(seed, 96)`` gives the ML-KEM-768 ``d||z`` and the X25519
scalar; docs/envelope.md "X-Wing"), the format
the browser's ``@hpke/hybridkem-x-wing`` exports, so one seed opens on both sides.
An X25519 private key is its 32 raw bytes (the classical fallback KEM, HPKE 0x0020).
All key construction lives here because ``cryptography``'s hybrid key API is young.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

XWING_SEED_BYTES = 32
XWING_PUBLIC_BYTES = 1216
X25519_KEY_BYTES = 32


def b64(data: bytes) -> str:
    """Canonical unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _expand(seed: bytes) -> tuple[bytes, bytes]:
    if len(seed) != XWING_SEED_BYTES:
        raise ValueError("an X-Wing private key is a 32-byte seed")
    e = hashlib.shake_256(seed).digest(96)
    return e[:64], e[64:96]


def xwing_private_from_seed(seed: bytes) -> hpke.MLKEM768X25519PrivateKey:
    m, x = _expand(seed)
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(m), x25519.X25519PrivateKey.from_private_bytes(x)
    )


def xwing_public_bytes(seed: bytes) -> bytes:
    m, x = _expand(seed)
    return (
        mlkem.MLKEM768PrivateKey.from_seed_bytes(m).public_key().public_bytes_raw()
        + x25519.X25519PrivateKey.from_private_bytes(x).public_key().public_bytes_raw()
    )


def xwing_public_from_bytes(data: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(data) != XWING_PUBLIC_BYTES:
        raise ValueError("an X-Wing public key is 1216 bytes")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(data[:1184]),
        x25519.X25519PublicKey.from_public_bytes(data[1184:]),
    )


def x25519_private_from_bytes(raw: bytes) -> x25519.X25519PrivateKey:
    if len(raw) != X25519_KEY_BYTES:
        raise ValueError("an X25519 private key is 32 bytes")
    return x25519.X25519PrivateKey.from_private_bytes(raw)


def x25519_public_bytes(raw: bytes) -> bytes:
    return x25519_private_from_bytes(raw).public_key().public_bytes_raw()


def x25519_public_from_bytes(data: bytes) -> x25519.X25519PublicKey:
    if len(data) != X25519_KEY_BYTES:
        raise ValueError("an X25519 public key is 32 bytes")
    return x25519.X25519PublicKey.from_public_bytes(data)


@dataclass(frozen=True)
class Identity:
    """An actor's private keys: the X-Wing seed and the Ed25519 signing key."""

    encryption_seed: bytes
    signing_key: bytes  # raw 32-byte Ed25519 private key
    x25519_private: bytes | None = None  # optional fallback key for the X25519 suite

    @classmethod
    def generate(cls) -> "Identity":
        return cls(os.urandom(XWING_SEED_BYTES), os.urandom(32))

    @property
    def encryption_public(self) -> bytes:
        return xwing_public_bytes(self.encryption_seed)

    @property
    def signing_public(self) -> bytes:
        return ed25519.Ed25519PrivateKey.from_private_bytes(self.signing_key).public_key().public_bytes_raw()

    def to_json(self) -> dict:
        data = {"encryption_seed": b64(self.encryption_seed), "signing_key": b64(self.signing_key)}
        if self.x25519_private is not None:
            data["x25519_private"] = b64(self.x25519_private)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Identity":
        def d(v: str) -> bytes:
            return base64.urlsafe_b64decode(v + "=" * (-len(v) % 4))

        x = data.get("x25519_private")
        return cls(d(data["encryption_seed"]), d(data["signing_key"]), d(x) if x else None)
