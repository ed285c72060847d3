"""Encrypted attachments, the client's part: type check, chunked sealing and opening.

Pure (the standard library and ``cryptography``): the Python client imports it without
loading the server.  See ``messaging.attachments`` for the construction (AES-256-GCM in
the STREAM construction) and for the server's part; that module re-exports these names.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


DOMAIN = b"samband-attachment-v1"
TAG_BYTES = 16
CHUNK_SIZE = 64 * 1024  # what the clients use
MIN_CHUNK, MAX_CHUNK = 4 * 1024, 1024 * 1024  # what the server accepts
MAX_BYTES = 25 * 1024 * 1024

# Allowed media types and how each file begins (checked by the client before encrypting:
# the server cannot look inside).
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


class AttachmentError(ValueError):
    """A file that may not be attached, or ciphertext that does not open."""



def media_type_of(head: bytes) -> str:
    """The allowed media type ``head`` (the file's first bytes) begins like.

    Raises:
        AttachmentError: not a PDF, PNG or JPEG.
    """
    for media_type, magics in MAGIC.items():
        if any(head.startswith(m) for m in magics):
            return media_type
    raise AttachmentError("only PDF, PNG and JPEG files can be attached; this file is none of them")


def check_size(size: int, max_bytes: int = MAX_BYTES) -> None:
    if size > max_bytes:
        raise AttachmentError(f"the file is {size / 1048576:.1f} MB; an attachment may be at most "
                              f"{max_bytes // 1048576} MB")


def chunk_count(size: int, chunk_size: int) -> int:
    return max(1, -(-size // chunk_size))


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _ad(attachment_id: str, index: int, final: bool) -> bytes:
    return DOMAIN + attachment_id.encode("ascii") + struct.pack(">I", index) + (b"\x01" if final else b"\x00")


@dataclass(frozen=True)
class Reference:
    """What a reader needs to fetch and open an attachment; sealed inside the section."""

    id: str
    key: bytes
    nonce_prefix: bytes
    chunk_size: int
    size: int
    sha256: str
    filename: str
    media_type: str

    def to_json(self) -> dict:
        return {"id": self.id, "key": _b64(self.key), "nonce_prefix": _b64(self.nonce_prefix),
                "chunk_size": self.chunk_size, "size": self.size, "sha256": self.sha256,
                "filename": self.filename, "media_type": self.media_type}

    @classmethod
    def from_json(cls, obj: dict) -> Reference:
        try:
            ref = cls(id=str(uuid.UUID(obj["id"])), key=_unb64(obj["key"]), nonce_prefix=_unb64(obj["nonce_prefix"]),
                      chunk_size=int(obj["chunk_size"]), size=int(obj["size"]), sha256=str(obj["sha256"]),
                      filename=str(obj["filename"]), media_type=str(obj["media_type"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise AttachmentError(f"a malformed attachment reference: {exc}") from None
        if len(ref.key) != 32 or len(ref.nonce_prefix) != 8 or not MIN_CHUNK <= ref.chunk_size <= MAX_CHUNK:
            raise AttachmentError("a malformed attachment reference: key, nonce prefix or chunk size")
        return ref


class Sealer:
    """Seals one file's chunks in order: ``seal(i, plaintext)`` for i = 0 .. n-1."""

    def __init__(self, attachment_id: str, size: int, chunk_size: int = CHUNK_SIZE):
        self.id, self.size, self.chunk_size = attachment_id, size, chunk_size
        self.count = chunk_count(size, chunk_size)
        self.key = AESGCM.generate_key(bit_length=256)
        self.nonce_prefix = os.urandom(8)
        self._aead = AESGCM(self.key)
        self._hash = hashlib.sha256()

    def seal(self, index: int, plaintext: bytes) -> bytes:
        final = index == self.count - 1
        expected = self.size - index * self.chunk_size if final else self.chunk_size
        if len(plaintext) != expected:
            raise AttachmentError(f"chunk {index} has {len(plaintext)} bytes, not {expected}: the file changed")
        self._hash.update(plaintext)
        return self._aead.encrypt(_nonce(self.nonce_prefix, index), plaintext, _ad(self.id, index, final))

    def reference(self, filename: str, media_type: str) -> Reference:
        return Reference(self.id, self.key, self.nonce_prefix, self.chunk_size, self.size, self._hash.hexdigest(),
                         filename, media_type)


def open_chunks(ref: Reference, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, from ciphertext chunks in order.  Checks every tag,
    that the last chunk is the one marked final, and the whole file's SHA-256.

    Raises:
        AttachmentError: a chunk altered, moved, missing or added.
    """
    aead, digest = AESGCM(ref.key), hashlib.sha256()
    count = chunk_count(ref.size, ref.chunk_size)
    index = -1
    for index, chunk in enumerate(chunks):
        if index >= count:
            raise AttachmentError("the attachment has more chunks than its reference says: extended")
        try:
            plain = aead.decrypt(_nonce(ref.nonce_prefix, index), bytes(chunk), _ad(ref.id, index, index == count - 1))
        except InvalidTag:
            raise AttachmentError(f"chunk {index} does not open: the attachment was altered, reordered or cut") from None
        digest.update(plain)
        yield plain
    if index != count - 1:
        raise AttachmentError("the attachment ends early: truncated")
    if digest.hexdigest() != ref.sha256:
        raise AttachmentError("the attachment's SHA-256 does not match its reference")


def split_stream(stream: Iterable[bytes], ref: Reference) -> Iterator[bytes]:
    """Ciphertext chunks (each ``chunk_size + 16`` bytes, the last shorter) from a byte
    stream cut anywhere."""
    step, buffer = ref.chunk_size + TAG_BYTES, bytearray()
    for piece in stream:
        buffer += piece
        while len(buffer) > step:  # keep the tail: the last chunk may be exactly ``step``
            yield bytes(buffer[:step])
            del buffer[:step]
    if buffer:
        yield bytes(buffer)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
