"""The cryptographic steps shared by sealing and opening (docs/envelope.md)."""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from messaging import keys
from messaging.envelope.types import (
    KEM_X25519, KEM_XWING, SECTION_AAD_LABEL, SECTION_KEYS_LABEL, WRAP_INFO_LABEL, HeaderAuthFailed,
    PayloadAuthFailed,
)
from messaging.envelope.wire import str8, uuid_bytes

_ZERO_NONCE = bytes(12)


def section_keys(content_key: bytes) -> tuple[bytes, bytes]:
    """(payload_key, commitment) from a section's content key.

    ChaCha20-Poly1305 is not key-committing; the commitment, stored in front of the
    ciphertext and covered by the signatures, makes every recipient of a section use
    the same key and so read the same plaintext.
    """
    okm = HKDF(hashes.SHA256(), 64, salt=b"", info=SECTION_KEYS_LABEL).derive(content_key)
    return okm[:32], okm[32:]


def section_aad(header: bytes, section_id: int, category: str) -> bytes:
    return SECTION_AAD_LABEL + header + bytes([section_id]) + str8(category)


def wrap_info(message_id: str, section_id: int, recipient_id: str, key_id: str) -> bytes:
    """HPKE info: binds a wrap to its message, section and recipient key."""
    return WRAP_INFO_LABEL + uuid_bytes(message_id) + bytes([section_id]) + uuid_bytes(recipient_id) + str8(key_id)


def encrypt_section(content_key: bytes, aad: bytes, plaintext: bytes) -> bytes:
    payload_key, commitment = section_keys(content_key)
    # The all-zero nonce is safe: each content key, hence each payload key, is fresh and
    # random and encrypts exactly one plaintext (one section of one message), never more.
    return commitment + ChaCha20Poly1305(payload_key).encrypt(_ZERO_NONCE, plaintext, aad)


def decrypt_section(content_key: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    """Raises ``PayloadAuthFailed`` on a commitment mismatch or AEAD failure."""
    payload_key, commitment = section_keys(content_key)
    if not hmac.compare_digest(commitment, ciphertext[:32]):
        raise PayloadAuthFailed()
    try:
        return ChaCha20Poly1305(payload_key).decrypt(_ZERO_NONCE, ciphertext[32:], aad)
    except InvalidTag:
        raise PayloadAuthFailed() from None


def public_key(kem_id: int, raw: bytes) -> object:
    """An HPKE recipient public key.  Raises ``ValueError`` on a bad key or KEM id."""
    if kem_id == KEM_XWING:
        return keys.xwing_public_from_bytes(raw)
    if kem_id == KEM_X25519:
        return keys.x25519_public_from_bytes(raw)
    raise ValueError(f"unknown KEM id {kem_id:#06x}")


def private_key(kem_id: int, raw: bytes) -> object:
    """The recipient's HPKE private key from its stored form: X-Wing seed or raw X25519."""
    if kem_id == KEM_XWING:
        return keys.xwing_private_from_seed(raw)
    if kem_id == KEM_X25519:
        return keys.x25519_private_from_bytes(raw)
    raise ValueError(f"unknown KEM id {kem_id:#06x}")


def verify_signature(public: ed25519.Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        raise HeaderAuthFailed() from None


