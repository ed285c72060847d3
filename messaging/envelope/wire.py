"""Bytes and structures: parse and serialize envelopes, build and parse views.

No cryptography beyond SHA-256 here; signatures and encryption live in ``crypto``.
Encoders write what they are given; parsers enforce every MUST-reject rule of
docs/envelope.md "Parsing" and raise ``MalformedEnvelope``.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
from datetime import datetime, timedelta, timezone

from messaging.envelope.types import (
    KEMS, MAGIC, MAX_CIPHERTEXT, MAX_CREATED_AT, MAX_RECIPIENTS, MAX_SECTIONS, MIN_CIPHERTEXT,
    SIGNATURE_BYTES, VIEW_MAGIC, VIEW_SIGNATURE_LABEL, Envelope, Header, MalformedEnvelope,
    NoMatchingKey, Recipient, Section, View, ViewItem, Wrap,
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NIL = bytes(16)
_STR8 = re.compile(rb"[A-Za-z0-9._-]{1,64}")

# (section_id, category, SHA-256(ciphertext), SHA-256(wrap)): one signed line of a view
SignedItem = tuple[int, str, bytes, bytes]


# --- encoding (ValueError on values that cannot be represented) ----------------------


def uuid_bytes(value: str | None) -> bytes:
    return _NIL if value is None else uuid.UUID(value).bytes


def _id(value: str, field: str) -> bytes:
    raw = uuid_bytes(value)
    if raw == _NIL:
        raise ValueError(f"{field} must not be the nil UUID")
    return raw


def str8(value: str) -> bytes:
    raw = value.encode("ascii")  # UnicodeEncodeError is a ValueError
    if not _STR8.fullmatch(raw):
        raise ValueError(f"{value!r} is not 1 to 64 characters of A-Z a-z 0-9 . _ -")
    return bytes([len(raw)]) + raw


def _bytes32(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    ms = (at - EPOCH) // timedelta(milliseconds=1)  # floor: sub-millisecond precision is dropped
    if not 0 <= ms <= MAX_CREATED_AT:
        raise ValueError("created_at is out of range")
    return ms


def header_bytes(h: Header) -> bytes:
    """The ``header`` production: what the section aad and the view signature cover."""
    if h.in_reply_to is not None and uuid_bytes(h.in_reply_to) == _NIL:
        raise ValueError("in_reply_to: use None, not the nil UUID")
    return b"".join([
        _id(h.message_id, "message_id"), _id(h.case_id, "case_id"), _id(h.thread_id, "thread_id"),
        _id(h.sender_id, "sender_id"), str8(h.sender_key_id), str8(h.kind), uuid_bytes(h.in_reply_to),
        struct.pack(">Q", _ms(h.created_at)),
    ])


def unsigned_bytes(env: Envelope) -> bytes:
    """Everything the envelope signature covers, written as given (no ordering checks)."""
    out = [MAGIC, header_bytes(env.header), bytes([len(env.sections)])]
    for s in env.sections:
        out += [bytes([s.section_id]), str8(s.category), _bytes32(s.ciphertext)]
    out.append(struct.pack(">H", len(env.recipients)))
    for r in env.recipients:
        out += [_id(r.recipient_id, "recipient_id"), str8(r.key_id), struct.pack(">HB", r.kem_id, len(r.wraps))]
        out += [bytes([w.section_id]) + _bytes32(w.wrap) for w in r.wraps]
        out.append(r.view_signature)
    return b"".join(out)


def serialize(env: Envelope) -> bytes:
    """The envelope's bytes; ``serialize(parse(data)) == data`` for every valid ``data``."""
    return unsigned_bytes(env) + env.signature


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def signed_items(env: Envelope, rec: Recipient) -> list[SignedItem]:
    return [
        (w.section_id, env.sections[w.section_id].category, _sha256(env.sections[w.section_id].ciphertext),
         _sha256(w.wrap))
        for w in rec.wraps
    ]


def view_signed_input(header: bytes, recipient_id: str, key_id: str, kem_id: int, items: list[SignedItem]) -> bytes:
    out = [VIEW_SIGNATURE_LABEL, header, uuid_bytes(recipient_id), str8(key_id), struct.pack(">H", kem_id)]
    out += [bytes([sid]) + str8(category) + ct_hash + wrap_hash for sid, category, ct_hash, wrap_hash in items]
    return b"".join(out)


def view_for(envelope: Envelope | bytes, recipient_id: str, key_id: str, *,
             withhold: frozenset[int] | set[int] = frozenset()) -> bytes:
    """Build what the server sends one recipient key (docs/envelope.md "Views").

    Args:
        envelope: a verified envelope, or its bytes.
        recipient_id: the recipient (actor id).
        key_id: the recipient's key.
        withhold: section ids to send as hashes only (e.g. consent withdrawn since
            sending).  Ids the recipient has no wrap for are ignored.

    Returns:
        The view bytes.

    Raises:
        MalformedEnvelope: ``envelope`` is bytes that do not parse.
        NoMatchingKey: the envelope has no entry for this recipient key.
        ValueError: ``withhold`` names a section the envelope does not have.
    """
    env = parse(envelope) if isinstance(envelope, (bytes, bytearray, memoryview)) else envelope
    if any(not 0 <= sid < len(env.sections) for sid in withhold):
        raise ValueError("withhold names a section the envelope does not have")
    rec = env.get_recipient(recipient_id, key_id)
    if rec is None:
        raise NoMatchingKey()
    out = [VIEW_MAGIC, header_bytes(env.header), uuid_bytes(rec.recipient_id), str8(rec.key_id),
           struct.pack(">H", rec.kem_id), rec.view_signature, bytes([len(rec.wraps)])]
    for (sid, category, ct_hash, wrap_hash), w in zip(signed_items(env, rec), rec.wraps):
        out += [bytes([sid]), str8(category), ct_hash, wrap_hash]
        out.append(b"\x00" if sid in withhold else b"\x01" + _bytes32(env.sections[sid].ciphertext) + _bytes32(w.wrap))
    return b"".join(out)


# --- decoding (MalformedEnvelope on anything non-canonical) ---------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = bytes(data), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise MalformedEnvelope()
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def magic(self, expected: bytes) -> None:
        if self.take(len(expected)) != expected:
            raise MalformedEnvelope()

    def uint(self, size: int, lo: int = 0, hi: int | None = None) -> int:
        value = int.from_bytes(self.take(size), "big")
        if value < lo or (hi is not None and value > hi):
            raise MalformedEnvelope()
        return value

    def id(self) -> str:
        """Any 16 bytes except all zero: no RFC 9562 version or variant check (docs/envelope.md)."""
        raw = self.take(16)
        if raw == _NIL:
            raise MalformedEnvelope()
        return str(uuid.UUID(bytes=raw))

    def str8(self) -> str:
        raw = self.take(self.uint(1))
        if not _STR8.fullmatch(raw):
            raise MalformedEnvelope()
        return raw.decode("ascii")

    def bytes32(self, lo: int, hi: int) -> bytes:
        return self.take(self.uint(4, lo, hi))

    def kem(self) -> int:
        kem_id = self.uint(2)
        if kem_id not in KEMS:
            raise MalformedEnvelope()
        return kem_id

    def end(self) -> None:
        if self.pos != len(self.data):
            raise MalformedEnvelope()


def _read_header(r: _Reader) -> Header:
    message_id, case_id, thread_id, sender_id = r.id(), r.id(), r.id(), r.id()
    sender_key_id, kind, reply = r.str8(), r.str8(), r.take(16)
    created_at = EPOCH + timedelta(milliseconds=r.uint(8, 0, MAX_CREATED_AT))
    in_reply_to = None if reply == _NIL else str(uuid.UUID(bytes=reply))
    return Header(message_id, case_id, thread_id, sender_id, sender_key_id, kind, in_reply_to, created_at)


def parse(data: bytes) -> Envelope:
    """Strict structural parse of an envelope: no cryptography, no key needed.

    This is what the server uses to route a message and check consent; call
    ``verify`` before trusting any of it.

    Raises:
        MalformedEnvelope: any rule of docs/envelope.md "Parsing" is broken.
    """
    r = _Reader(data)
    r.magic(MAGIC)
    header = _read_header(r)
    sections = []
    for index in range(r.uint(1, 1, MAX_SECTIONS)):
        r.uint(1, index, index)  # section_id MUST equal its index
        sections.append(Section(index, r.str8(), r.bytes32(MIN_CIPHERTEXT, MAX_CIPHERTEXT)))
    recipients: list[Recipient] = []
    previous: tuple[bytes, bytes] = (b"", b"")
    for _ in range(r.uint(2, 1, MAX_RECIPIENTS)):
        recipient_id, key_id, kem_id = r.id(), r.str8(), r.kem()
        order = (uuid.UUID(recipient_id).bytes, key_id.encode())
        if order <= previous:
            raise MalformedEnvelope()
        previous, wrap_len, last = order, KEMS[kem_id].wrap_len, -1
        wraps = []
        for _ in range(r.uint(1, 1, len(sections))):
            last = r.uint(1, last + 1, len(sections) - 1)  # strictly ascending, existing section
            wraps.append(Wrap(last, r.bytes32(wrap_len, wrap_len)))
        recipients.append(Recipient(recipient_id, key_id, kem_id, tuple(wraps), r.take(SIGNATURE_BYTES)))
    signature = r.take(SIGNATURE_BYTES)
    r.end()
    if set().union(*(rec.section_ids for rec in recipients)) != set(range(len(sections))):
        raise MalformedEnvelope()  # a section nobody can open
    return Envelope(header, tuple(sections), tuple(recipients), signature)


def parse_view(data: bytes) -> View:
    """Strict structural parse of a view.  Raises ``MalformedEnvelope``."""
    r = _Reader(data)
    r.magic(VIEW_MAGIC)
    start = r.pos
    header = _read_header(r)
    raw_header = r.data[start : r.pos]
    recipient_id, key_id, kem_id, signature = r.id(), r.str8(), r.kem(), r.take(SIGNATURE_BYTES)
    wrap_len, items, last = KEMS[kem_id].wrap_len, [], -1
    for _ in range(r.uint(1, 1, MAX_SECTIONS)):
        last = r.uint(1, last + 1, MAX_SECTIONS - 1)
        category, ct_hash, wrap_hash = r.str8(), r.take(32), r.take(32)
        ciphertext = wrap = None
        if r.uint(1, 0, 1):
            ciphertext, wrap = r.bytes32(MIN_CIPHERTEXT, MAX_CIPHERTEXT), r.bytes32(wrap_len, wrap_len)
        items.append(ViewItem(last, category, ct_hash, wrap_hash, ciphertext, wrap))
    r.end()
    return View(header, raw_header, recipient_id, key_id, kem_id, signature, tuple(items))
