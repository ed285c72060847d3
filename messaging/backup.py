"""Passphrase-protected backups of an identity's private keys: the browser's format.

Pure: standard library, ``cryptography`` and ``messaging.keys`` only.  The browser
(``web/frontend/src/backup.js``) writes and reads the same JSON, so a backup made on one
side opens on the other (``tests/unit/messaging/test_backup.py`` checks both directions)::

    {"v": 1, "kdf": "scrypt", "params": {"n": 131072, "r": 8, "p": 1},
     "salt": b64url(16 random bytes), "nonce": b64url(12 random bytes),
     "ciphertext": b64url(ChaCha20-Poly1305(key, nonce, aad, plaintext))}

    key       = scrypt(NFC(passphrase) as UTF-8, salt, n, r, p, 32 bytes)
                (or "kdf": "pbkdf2-sha256", "params": {"iterations": >= 600000}, HMAC-SHA256)
    aad       = b"samband.no/key-backup/v1\\n"
    plaintext = UTF-8 JSON of ``Identity.to_json()``

scrypt with N=2^17, r=8, p=1 is the default because it is memory-hard (128 MiB per
guess); the browser measured 0.8 s for it (0.35 s here), acceptable once per backup or
restore.  PBKDF2-SHA256 at 600 000 iterations is read too, for devices that cannot spare
the memory.  Each backup has a fresh salt, hence a fresh key, so a random nonce is safe.

Errors: ``WrongPassphrase`` when the tag does not verify (nothing is lost: try again);
``MalformedBackup`` for anything that is not such a backup.  Both are ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from messaging.keys import Identity, b64

AAD = b"samband.no/key-backup/v1\n"
SCRYPT_DEFAULT = {"n": 2**17, "r": 8, "p": 1}
PBKDF2_DEFAULT = {"iterations": 600_000}
PBKDF2_MIN_ITERATIONS = 600_000
SALT_BYTES = 16
NONCE_BYTES = 12


class WrongPassphrase(ValueError):
    """The passphrase does not open this backup (AEAD authentication failed)."""

    def __init__(self) -> None:
        super().__init__("wrong passphrase")


class MalformedBackup(ValueError):
    """The input is not a samband key backup (v1)."""

    def __init__(self, message: str = "not a samband key backup") -> None:
        super().__init__(message)


def _int(value: Any, lo: int, hi: int) -> bool:
    return type(value) is int and lo <= value <= hi


def _check_params(kdf: Any, params: Any) -> dict:
    """The KDF parameters ``unwrap`` accepts: bounded, so a crafted file cannot exhaust memory or time."""
    if not isinstance(params, dict):
        raise MalformedBackup("bad KDF parameters")
    if kdf == "scrypt":
        n, r, p = params.get("n"), params.get("r"), params.get("p")
        if (sorted(params) != ["n", "p", "r"] or not _int(n, 2**14, 2**20) or n & (n - 1) or not _int(r, 1, 16)
                or not _int(p, 1, 4) or 128 * n * r > 256 * 1024 * 1024):
            raise MalformedBackup("bad scrypt parameters")
        return {"n": n, "r": r, "p": p}
    if kdf == "pbkdf2-sha256":
        if list(params) != ["iterations"] or not _int(params["iterations"], 100_000, 10_000_000):
            raise MalformedBackup("bad PBKDF2 parameters")
        return {"iterations": params["iterations"]}
    raise MalformedBackup("unknown KDF")


def _passphrase(passphrase: str) -> bytes:
    if not isinstance(passphrase, str) or not passphrase:
        raise TypeError("the passphrase must be a non-empty string")
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(kdf: str, params: dict, passphrase: str, salt: bytes) -> bytes:
    secret = _passphrase(passphrase)
    if kdf == "scrypt":
        return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(secret)
    return PBKDF2HMAC(hashes.SHA256(), 32, salt, params["iterations"]).derive(secret)


def _unb64(data: dict, name: str) -> bytes:
    value = data.get(name)
    if not isinstance(value, str) or not all(c.isalnum() or c in "-_=" for c in value) or not value.isascii():
        raise MalformedBackup(f"bad {name}")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise MalformedBackup(f"bad {name}") from None


def wrap(identity: Identity, passphrase: str, *, kdf: str = "scrypt", params: dict | None = None) -> dict:
    """Encrypt ``identity``'s private keys under ``passphrase``.

    Returns:
        The backup as a JSON-ready dict (``json.dumps`` it to store or send).
    """
    default = SCRYPT_DEFAULT if kdf == "scrypt" else PBKDF2_DEFAULT
    chosen = _check_params(kdf, params if params is not None else default)
    if kdf == "pbkdf2-sha256" and chosen["iterations"] < PBKDF2_MIN_ITERATIONS:
        raise ValueError(f"PBKDF2 needs at least {PBKDF2_MIN_ITERATIONS} iterations")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    key = _derive(kdf, chosen, passphrase, salt)
    plaintext = json.dumps(identity.to_json(), sort_keys=True, separators=(",", ":")).encode()
    ciphertext = ChaCha20Poly1305(key).encrypt(nonce, plaintext, AAD)
    return {"v": 1, "kdf": kdf, "params": chosen, "salt": b64(salt), "nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def unwrap(backup: dict | str | bytes, passphrase: str) -> Identity:
    """Decrypt a backup made by ``wrap`` or by the browser.

    Raises:
        WrongPassphrase: the passphrase does not open it.
        MalformedBackup: not a v1 samband key backup.
    """
    data: Any = backup
    if isinstance(backup, (str, bytes)):
        try:
            data = json.loads(backup)
        except (UnicodeDecodeError, ValueError):
            raise MalformedBackup("not JSON") from None
    if not isinstance(data, dict) or data.get("v") != 1 or type(data.get("v")) is not int:
        raise MalformedBackup("not a v1 samband key backup")
    params = _check_params(data.get("kdf"), data.get("params"))
    salt, nonce, ciphertext = _unb64(data, "salt"), _unb64(data, "nonce"), _unb64(data, "ciphertext")
    if not 16 <= len(salt) <= 64 or len(nonce) != NONCE_BYTES or len(ciphertext) < 16:
        raise MalformedBackup("bad salt, nonce or ciphertext")
    key = _derive(data["kdf"], params, passphrase, salt)
    try:
        plaintext = ChaCha20Poly1305(key).decrypt(nonce, ciphertext, AAD)
    except InvalidTag:
        raise WrongPassphrase() from None
    try:
        identity = Identity.from_json(json.loads(plaintext))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise MalformedBackup("the decrypted backup holds no identity") from None
    if len(identity.encryption_seed) != 32 or len(identity.signing_key) != 32 or (
            identity.x25519_private is not None and len(identity.x25519_private) != 32):
        raise MalformedBackup("the decrypted backup holds no identity")
    return identity
