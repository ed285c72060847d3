"""The server's Ed25519 key for signing disclosure-log heads, kept in a PEM file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def load_log_signer(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``; never makes one (``OSError`` when it is missing)."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_or_create_log_signer(path: Path) -> Ed25519PrivateKey:
    path = Path(path)
    if path.exists():
        return load_log_signer(path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if not create_private_file(path, pem):
        return load_or_create_log_signer(path)  # another node made it first: every node signs with one key
    return key


def create_private_file(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, mode 0600, unless it exists.

    Nodes that share a data directory start at the same moment and may all find a key
    missing; each writes its own to a temporary file and links it into place, so exactly
    one wins and no node ever reads a half-written file.

    Returns:
        False when the file existed (or another process created it first): use that one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file 0600: never readable by others, not even briefly.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: exclusive create instead
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return False
            with os.fdopen(out, "wb") as f:
                f.write(data)
        return True
    finally:
        os.unlink(temporary)
