"""The sender's ``seal`` and the server's ``verify``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ed25519

from messaging.envelope import crypto
from messaging.envelope.types import (
    ENVELOPE_SIGNATURE_LABEL, KEMS, MAX_PLAINTEXT, MAX_RECIPIENTS, MAX_SECTIONS, Envelope, Header,
    Recipient, RecipientKey, Section, SectionInput, Wrap,
)
from messaging.envelope.wire import (
    header_bytes, parse, signed_items, str8, unsigned_bytes, uuid_bytes, view_signed_input,
)


def seal(*, header: Header, sections: list[SectionInput], recipients: list[RecipientKey],
         signer: ed25519.Ed25519PrivateKey) -> bytes:
    """Encrypt, wrap and sign a message.

    Args:
        header: the routing metadata; ``created_at`` is kept to the millisecond (floor).
        sections: the plaintext sections in order; a section's id is its index.
        recipients: the recipient keys and, for each, the sections it may read.  Every
            section must be readable by at least one; the order does not matter.
        signer: the sender's Ed25519 key, the one named by ``header.sender_key_id``.

    Returns:
        The envelope bytes.

    Raises:
        ValueError: the input cannot be represented (docs/envelope.md): a bad UUID or
            string, too many sections or recipients, a section nobody may read, a
            duplicate recipient key, a public key of the wrong length or unknown KEM.
    """
    content_keys = [os.urandom(32) for _ in sections]
    return _seal_from_parts(header=header, sections=sections, recipients=recipients, signer=signer,
                            content_keys=content_keys)


def _check(sections: list[SectionInput], recipients: list[RecipientKey], content_keys: list[bytes]) -> None:
    if not 1 <= len(sections) <= MAX_SECTIONS:
        raise ValueError(f"a message has 1 to {MAX_SECTIONS} sections")
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValueError(f"a message has 1 to {MAX_RECIPIENTS} recipient keys")
    if len(content_keys) != len(sections) or any(len(k) != 32 for k in content_keys):
        raise ValueError("one 32-byte content key per section")
    if any(len(s.plaintext) > MAX_PLAINTEXT for s in sections):
        raise ValueError(f"a section's plaintext is at most {MAX_PLAINTEXT} bytes")
    if len({(uuid_bytes(r.recipient_id), r.key_id) for r in recipients}) != len(recipients):
        raise ValueError("a recipient key is listed twice")
    everything = set(range(len(sections)))
    if any(not r.section_ids or not set(r.section_ids) <= everything for r in recipients):
        raise ValueError("each recipient key reads at least one existing section")
    if set().union(*(r.section_ids for r in recipients)) != everything:
        raise ValueError("every section must be wrapped for at least one recipient key")


def _seal_from_parts(*, header: Header, sections: list[SectionInput], recipients: list[RecipientKey],
                     signer: ed25519.Ed25519PrivateKey, content_keys: list[bytes],
                     seal_wrap: Callable[[int, bytes, bytes, bytes], bytes] | None = None) -> bytes:
    """``seal`` with the content keys given: the only deterministic seam (the vector generator).

    ``seal_wrap(kem_id, public_key, info, content_key) -> enc || ct`` replaces HPKE
    ``SealBase`` when given: HPKE's ephemeral keys cannot be injected in ``cryptography``
    50, so the generator seals wraps with its own derandomized HPKE
    (tests/vectors/envelope/derand.py) to make the same bytes every time.
    """
    _check(sections, recipients, content_keys)
    header_raw = header_bytes(header)
    sealed = tuple(
        Section(i, s.category, crypto.encrypt_section(content_keys[i], crypto.section_aad(header_raw, i, s.category),
                                                      s.plaintext))
        for i, s in enumerate(sections)
    )
    unsigned = Envelope(header, sealed, (), b"")
    entries = []
    for rk in sorted(recipients, key=lambda r: (uuid_bytes(r.recipient_id), str8(r.key_id)[1:])):
        public = crypto.public_key(rk.kem_id, rk.public_key)
        suite = KEMS[rk.kem_id].suite
        infos = {sid: crypto.wrap_info(header.message_id, sid, rk.recipient_id, rk.key_id) for sid in rk.section_ids}
        wraps = tuple(
            Wrap(sid, seal_wrap(rk.kem_id, rk.public_key, infos[sid], content_keys[sid]) if seal_wrap is not None
                 else suite.encrypt(content_keys[sid], public, info=infos[sid]))
            for sid in sorted(rk.section_ids)
        )
        rec = Recipient(str(uuid.UUID(rk.recipient_id)), rk.key_id, rk.kem_id, wraps, b"")
        signed = view_signed_input(header_raw, rec.recipient_id, rec.key_id, rec.kem_id, signed_items(unsigned, rec))
        entries.append(Recipient(rec.recipient_id, rec.key_id, rec.kem_id, wraps, signer.sign(signed)))
    body = unsigned_bytes(Envelope(header, sealed, tuple(entries), b""))
    return body + signer.sign(ENVELOPE_SIGNATURE_LABEL + body)


def verify(envelope: Envelope | bytes, sender_public_key: bytes) -> Envelope:
    """Check the envelope signature and every view signature: what the server does on arrival.

    Args:
        envelope: the parsed envelope, or its bytes.
        sender_public_key: the raw 32-byte Ed25519 key that the directory lists for the
            header's ``sender_id`` and ``sender_key_id``.

    Returns:
        The parsed envelope.

    Raises:
        MalformedEnvelope: ``envelope`` is bytes that do not parse.
        HeaderAuthFailed: a signature does not verify.
        ValueError: ``sender_public_key`` is not 32 bytes.
    """
    env = parse(envelope) if isinstance(envelope, (bytes, bytearray, memoryview)) else envelope
    public = ed25519.Ed25519PublicKey.from_public_bytes(sender_public_key)
    crypto.verify_signature(public, env.signature, ENVELOPE_SIGNATURE_LABEL + unsigned_bytes(env))
    header_raw = header_bytes(env.header)
    for rec in env.recipients:
        signed = view_signed_input(header_raw, rec.recipient_id, rec.key_id, rec.kem_id, signed_items(env, rec))
        crypto.verify_signature(public, rec.view_signature, signed)
    return env
