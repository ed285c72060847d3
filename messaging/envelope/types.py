"""Constants, errors and value types of envelope v1 (docs/envelope.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hpke


MAGIC = b"samband.no/envelope/v1\n"
VIEW_MAGIC = b"samband.no/envelope-view/v1\n"
SECTION_KEYS_LABEL = b"samband.no/v1/section-keys\n"
SECTION_AAD_LABEL = b"samband.no/v1/section\n"
WRAP_INFO_LABEL = b"samband.no/v1/wrap\n"
VIEW_SIGNATURE_LABEL = b"samband.no/v1/view-signature\n"
ENVELOPE_SIGNATURE_LABEL = b"samband.no/v1/envelope-signature\n"

KEM_XWING = 0x647A
KEM_X25519 = 0x0020
MAX_SECTIONS = 32
MAX_RECIPIENTS = 512
MIN_CIPHERTEXT = 32 + 16  # key commitment + Poly1305 tag
MAX_CIPHERTEXT = 1 << 20
MAX_PLAINTEXT = MAX_CIPHERTEXT - MIN_CIPHERTEXT
MAX_CREATED_AT = 253402300799999  # 9999-12-31T23:59:59.999Z in ms, the last instant datetime holds
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class Kem:
    """One HPKE KEM; the suite is always (kem, HKDF-SHA256, ChaCha20-Poly1305)."""

    kem_id: int
    suite: hpke.Suite
    enc_len: int

    @property
    def wrap_len(self) -> int:
        return self.enc_len + 32 + 16  # enc || sealed 32-byte content key || tag


def _kem(kem_id: int, kem: hpke.KEM, enc_len: int) -> Kem:
    return Kem(kem_id, hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305), enc_len)


# Keyed by the real HPKE KEM id; int(hpke.KEM.X) is only an enum index.
KEMS = {
    KEM_XWING: _kem(KEM_XWING, hpke.KEM.MLKEM768_X25519, 1120),
    KEM_X25519: _kem(KEM_X25519, hpke.KEM.X25519, 32),
}


class EnvelopeError(Exception):
    """An envelope or view was rejected.  Each subclass has one fixed message: no oracle detail."""

    message = "invalid envelope"

    def __init__(self) -> None:
        super().__init__(self.message)


class MalformedEnvelope(EnvelopeError):
    """Structure, length, non-canonical encoding, unknown KEM, ordering or trailing bytes."""

    message = "malformed envelope"


class NoMatchingKey(EnvelopeError):
    """The envelope or view is not for this recipient key."""

    message = "no matching key"


class HeaderAuthFailed(EnvelopeError):
    """An Ed25519 signature (envelope or view) does not verify."""

    message = "signature verification failed"


class PayloadAuthFailed(EnvelopeError):
    """A hash, HPKE, key-commitment or AEAD check failed."""

    message = "payload authentication failed"


@dataclass(frozen=True)
class Header:
    """What the server reads without keys.  Ids are UUID strings; ``created_at`` is aware (UTC when parsed)."""

    message_id: str
    case_id: str
    thread_id: str
    sender_id: str
    sender_key_id: str
    kind: str
    in_reply_to: str | None
    created_at: datetime


@dataclass(frozen=True)
class SectionInput:
    """A plaintext section to seal, labelled with one information category."""

    category: str
    plaintext: bytes


@dataclass(frozen=True)
class RecipientKey:
    """One recipient key to seal for, and the sections (by index) it may read."""

    recipient_id: str
    key_id: str
    kem_id: int
    public_key: bytes
    section_ids: frozenset[int]


@dataclass(frozen=True)
class Section:
    section_id: int
    category: str
    ciphertext: bytes  # key commitment (32) || ChaCha20-Poly1305 output


@dataclass(frozen=True)
class Wrap:
    section_id: int
    wrap: bytes  # HPKE enc || ct


@dataclass(frozen=True)
class Recipient:
    recipient_id: str
    key_id: str
    kem_id: int
    wraps: tuple[Wrap, ...]
    view_signature: bytes

    @property
    def section_ids(self) -> frozenset[int]:
        return frozenset(w.section_id for w in self.wraps)


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope: everything the server may read, nothing it can open."""

    header: Header
    sections: tuple[Section, ...]
    recipients: tuple[Recipient, ...]
    signature: bytes

    def get_recipient(self, recipient_id: str, key_id: str) -> Recipient | None:
        want = (uuid.UUID(recipient_id), key_id)
        return next((r for r in self.recipients if (uuid.UUID(r.recipient_id), r.key_id) == want), None)


@dataclass(frozen=True)
class OpenedSection:
    section_id: int
    category: str
    plaintext: bytes | None  # None = withheld by the server


@dataclass(frozen=True)
class Opened:
    """An opened view: the verified header and the recipient's sections, in order."""

    header: Header
    recipient_id: str
    key_id: str
    sections: tuple[OpenedSection, ...]


@dataclass(frozen=True)
class ViewItem:
    section_id: int
    category: str
    ct_hash: bytes
    wrap_hash: bytes
    ciphertext: bytes | None  # None = withheld
    wrap: bytes | None


@dataclass(frozen=True)
class View:
    """A parsed view (internal: recipients call ``open_view`` on the bytes)."""

    header: Header
    header_bytes: bytes
    recipient_id: str
    key_id: str
    kem_id: int
    view_signature: bytes
    items: tuple[ViewItem, ...]
