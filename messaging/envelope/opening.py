"""The recipient's ``open_view``, in the order of docs/envelope.md "Opening a view"."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519

from messaging.envelope import crypto
from messaging.envelope.types import (
    KEMS, NoMatchingKey, Opened, OpenedSection, PayloadAuthFailed, View, ViewItem,
)
from messaging.envelope.wire import parse_view, view_signed_input


def open_view(view: bytes, *, identity_encryption_private: bytes, sender_public_key: bytes,
              recipient_id: str | None = None, key_id: str | None = None) -> Opened:
    """Verify and decrypt a view.  Nothing is returned unless every present section opens.

    Args:
        view: the bytes the server sent (``view_for``).
        identity_encryption_private: the recipient's private key for the view's KEM: the
            32-byte X-Wing seed, or the 32 raw bytes of an X25519 key.
        sender_public_key: the raw 32-byte Ed25519 key that the directory lists for the
            header's ``sender_id`` and ``sender_key_id``.
        recipient_id: if given, the view must be addressed to this recipient.
        key_id: if given, the view must be addressed to this key.

    Returns:
        The verified header and the recipient's sections in order; a section the server
        withheld has ``plaintext=None``.

    Raises:
        MalformedEnvelope: the view does not parse.
        NoMatchingKey: the view is for another recipient key, or this key does not open it.
        HeaderAuthFailed: the sender's view signature does not verify.
        PayloadAuthFailed: a hash, HPKE, key-commitment or AEAD check failed.
        ValueError: a key argument has the wrong length.
    """
    v = parse_view(view)
    if (recipient_id is not None and uuid.UUID(recipient_id) != uuid.UUID(v.recipient_id)) or (
        key_id is not None and key_id != v.key_id
    ):
        raise NoMatchingKey()
    public = ed25519.Ed25519PublicKey.from_public_bytes(sender_public_key)
    signed_items = [(i.section_id, i.category, i.ct_hash, i.wrap_hash) for i in v.items]
    crypto.verify_signature(
        public, v.view_signature, view_signed_input(v.header_bytes, v.recipient_id, v.key_id, v.kem_id, signed_items)
    )
    present = [i for i in v.items if i.ciphertext is not None]
    for i in present:
        ct_ok = hmac.compare_digest(hashlib.sha256(i.ciphertext).digest(), i.ct_hash)
        wrap_ok = hmac.compare_digest(hashlib.sha256(i.wrap).digest(), i.wrap_hash)
        if not (ct_ok and wrap_ok):
            raise PayloadAuthFailed()
    private = crypto.private_key(v.kem_id, identity_encryption_private) if present else None
    plaintexts = {i.section_id: _open_item(v, i, private, first=n == 0) for n, i in enumerate(present)}
    return Opened(v.header, v.recipient_id, v.key_id, tuple(
        OpenedSection(i.section_id, i.category, plaintexts.get(i.section_id)) for i in v.items
    ))


def _open_item(v: View, item: ViewItem, private: object, *, first: bool) -> bytes:
    info = crypto.wrap_info(v.header.message_id, item.section_id, v.recipient_id, v.key_id)
    try:
        content_key = KEMS[v.kem_id].suite.decrypt(item.wrap, private, info=info)
    except (InvalidTag, ValueError):
        # The wrap is exactly what the sender signed.  If the first one does not open,
        # this private key is not the one the view was made for; if a later one fails
        # after the first opened, the sender misbehaved.
        raise (NoMatchingKey() if first else PayloadAuthFailed()) from None
    if len(content_key) != 32:
        raise PayloadAuthFailed()
    return crypto.decrypt_section(content_key, crypto.section_aad(v.header_bytes, item.section_id, item.category),
                                  item.ciphertext)
