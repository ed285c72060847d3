"""Write the envelope v1 test vectors: ``python tests/vectors/envelope/generate.py``.

One small function per vector.  Success vectors come from ``_seal_from_parts`` (content
keys fixed) and ``view_for``; failure vectors take them apart and re-encode them with the
small permissive writer below, re-signing wherever a signature can be made valid, so each
vector has exactly one defect.  HPKE ephemeral keys cannot be injected, so running this
again changes every wrap: the files are generated once, committed and reviewed like code.
The tests only open and parse them, which any other implementation can do too.

File format (STYLE.md section 7): ``key: value`` lines, a blank line, then the standard
base64 (76 columns) of a view (``type: view``) or an envelope (``type: envelope``).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from messaging import envelope as E  # noqa: E402
from messaging import keys  # noqa: E402
from messaging.envelope.types import ENVELOPE_SIGNATURE_LABEL, VIEW_SIGNATURE_LABEL  # noqa: E402

HERE = Path(__file__).resolve().parent


def _det(label: str) -> bytes:
    return hashlib.sha256(b"samband.no envelope test vector: " + label.encode()).digest()


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"  # obviously synthetic


SIGNER = Ed25519PrivateKey.from_private_bytes(_det("signer"))
SENDER_PUBLIC = SIGNER.public_key().public_bytes_raw()
XWING_SEED = _det("recipient x-wing")
XWING_SEED_2 = _det("recipient x-wing 2")
X25519_KEY = _det("recipient x25519")
OTHER_SEED = _det("someone else x-wing")

SENDER, MANAGER, NAV, GP = _uuid(0x5E), _uuid(0xA1), _uuid(0xA2), _uuid(0xA3)
HEADER = E.Header(
    message_id=_uuid(0x1001), case_id=_uuid(0xC), thread_id=_uuid(0x7), sender_id=SENDER,
    sender_key_id="sender-signing-key-1", kind="dialogue_meeting.v1", in_reply_to=None,
    created_at=datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=timezone.utc),
)
SECTIONS = [
    E.SectionInput("functional_ability", b'{"can_work_hours_per_day": 4, "restrictions": ["no lifting"]}'),
    E.SectionInput("work_tasks", b'{"adaptation": "desk work, flexible start"}'),
    E.SectionInput("diagnosis", b'{"icd10": "Z00.0", "note": "synthetic test data"}'),
]
CONTENT_KEYS = [_det(f"content key {i}") for i in range(len(SECTIONS))]


def _manager(sections: frozenset[int] = frozenset({0, 1})) -> E.RecipientKey:
    return E.RecipientKey(MANAGER, "manager-xwing-key", E.KEM_XWING, keys.xwing_public_bytes(XWING_SEED), sections)


def _nav() -> E.RecipientKey:
    return E.RecipientKey(NAV, "nav-x25519-key", E.KEM_X25519, keys.x25519_public_bytes(X25519_KEY), frozenset({0}))


def _gp() -> E.RecipientKey:
    pk = keys.xwing_public_bytes(XWING_SEED_2)
    return E.RecipientKey(GP, "gp-xwing-key", E.KEM_XWING, pk, frozenset({0, 1, 2}))


def _seal(sections=SECTIONS, recipients=None, header=HEADER, content_keys=None) -> bytes:
    recipients = recipients or [_manager(), _nav(), _gp()]
    content_keys = content_keys or CONTENT_KEYS[: len(sections)]
    return E._seal_from_parts(header=header, sections=list(sections), recipients=recipients, signer=SIGNER,
                              content_keys=content_keys)


# --- a permissive writer: encodes whatever it is given, and signs it ---------------------


def _s8(raw: bytes) -> bytes:
    return bytes([len(raw)]) + raw


def _b32(raw: bytes) -> bytes:
    return struct.pack(">I", len(raw)) + raw


def _h(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def _header_len(h: E.Header) -> int:
    return 16 * 4 + 2 + len(h.sender_key_id) + len(h.kind) + 16 + 8


def _view_sig(header_raw: bytes, rid: bytes, kid: bytes, kem: int,
              items: list[tuple[int, bytes, bytes, bytes]]) -> bytes:
    """items: (section_id, category raw, ciphertext, wrap)."""
    signed = VIEW_SIGNATURE_LABEL + header_raw + rid + _s8(kid) + struct.pack(">H", kem)
    signed += b"".join(bytes([sid]) + _s8(cat) + _h(ct) + _h(w) for sid, cat, ct, w in items)
    return SIGNER.sign(signed)


def write_envelope(header_raw: bytes, sections: list[tuple[int, bytes, bytes]],
                   recipients: list[tuple[bytes, bytes, int, list[tuple[int, bytes]]]], *,
                   magic: bytes = E.MAGIC, view_sigs: dict[int, bytes] | None = None) -> bytes:
    """sections: (section_id, category raw, ciphertext); recipients: (rid, kid raw, kem, wraps)."""
    by_id = {sid: (cat, ct) for sid, cat, ct in sections}
    out = magic + header_raw + bytes([len(sections)])
    out += b"".join(bytes([sid]) + _s8(cat) + _b32(ct) for sid, cat, ct in sections)
    out += struct.pack(">H", len(recipients))
    for n, (rid, kid, kem, wraps) in enumerate(recipients):
        items = [(sid, *by_id.get(sid, (b"none", b"")), w) for sid, w in wraps]
        sig = (view_sigs or {}).get(n) or _view_sig(header_raw, rid, kid, kem, items)
        out += rid + _s8(kid) + struct.pack(">HB", kem, len(wraps))
        out += b"".join(bytes([sid]) + _b32(w) for sid, w in wraps) + sig
    return out + SIGNER.sign(ENVELOPE_SIGNATURE_LABEL + out)


def _parts(data: bytes):
    env = E.parse(data)
    header_raw = data[len(E.MAGIC): len(E.MAGIC) + _header_len(env.header)]
    sections = [(s.section_id, s.category.encode(), s.ciphertext) for s in env.sections]
    recipients = [(uuid.UUID(r.recipient_id).bytes, r.key_id.encode(), r.kem_id,
                   [(w.section_id, w.wrap) for w in r.wraps]) for r in env.recipients]
    return header_raw, sections, recipients


def write_view(header_raw: bytes, rid: bytes, kid: bytes, kem: int,
               items: list[tuple[int, bytes, bytes, bytes, int]], *, signature: bytes | None = None) -> bytes:
    """items: (section_id, category raw, ciphertext, wrap, present)."""
    sig = signature or _view_sig(header_raw, rid, kid, kem, [(s, c, ct, w) for s, c, ct, w, _ in items])
    out = E.VIEW_MAGIC + header_raw + rid + _s8(kid) + struct.pack(">H", kem) + sig + bytes([len(items)])
    for sid, cat, ct, w, present in items:
        out += bytes([sid]) + _s8(cat) + _h(ct) + _h(w) + bytes([present])
        out += _b32(ct) + _b32(w) if present == 1 else b""
    return out


def _view_parts(data: bytes, recipient: int):
    header_raw, sections, recipients = _parts(data)
    rid, kid, kem, wraps = recipients[recipient]
    by_id = {sid: (cat, ct) for sid, cat, ct in sections}
    return header_raw, rid, kid, kem, [(sid, *by_id[sid], w, 1) for sid, w in wraps]


# --- the vectors ---------------------------------------------------------------------


def _sha(n: int) -> str:
    return hashlib.sha256(SECTIONS[n].plaintext).hexdigest()


def _view_vector(expect: str, view: bytes, comment: str, *, kem: int = E.KEM_XWING, identity: bytes = XWING_SEED,
                 payload: list[str] = ()) -> tuple[dict, bytes]:
    meta = {"expect": expect, "type": "view", "kem": f"0x{kem:04x}", "identity": keys.b64(identity),
            "sender_public_key": keys.b64(SENDER_PUBLIC), "payload": list(payload), "comment": comment}
    return meta, view


def _envelope_vector(expect: str, data: bytes, comment: str) -> tuple[dict, bytes]:
    return {"expect": expect, "type": "envelope", "sender_public_key": keys.b64(SENDER_PUBLIC), "payload": [],
            "comment": comment}, data


BASE = _seal()
MANAGER_VIEW = E.view_for(BASE, MANAGER, "manager-xwing-key")  # recipients sort as MANAGER, NAV, GP


def view_xwing_success():
    return _view_vector("success", MANAGER_VIEW, "X-Wing recipient reads the two sections it was given",
                        payload=[_sha(0), _sha(1)])


def view_x25519_success():
    view = E.view_for(BASE, NAV, "nav-x25519-key")
    return _view_vector("success", view, "X25519 recipient reads its one section", kem=E.KEM_X25519,
                        identity=X25519_KEY, payload=[_sha(0)])


def view_withheld_section():
    view = E.view_for(BASE, MANAGER, "manager-xwing-key", withhold={1})
    return _view_vector("success", view, "the server withheld section 1 (consent withdrawn): hashes only, "
                        "still verifies", payload=[_sha(0), "withheld"])


def view_all_withheld():
    view = E.view_for(BASE, MANAGER, "manager-xwing-key", withhold={0, 1})
    return _view_vector("success", view, "every section withheld: verifies, nothing to decrypt",
                        payload=["withheld", "withheld"])


def view_wrong_key():
    return _view_vector("no match", MANAGER_VIEW, "opened with an X-Wing seed the view was not made for",
                        identity=OTHER_SEED)


def view_tampered_ciphertext():
    ct = E.parse(BASE).sections[0].ciphertext
    at = MANAGER_VIEW.index(ct) + 40  # a byte of the ChaCha20-Poly1305 output, past the commitment
    view = MANAGER_VIEW[:at] + bytes([MANAGER_VIEW[at] ^ 1]) + MANAGER_VIEW[at + 1:]
    return _view_vector("payload failure", view, "one bit of a present ciphertext flipped: its hash no longer "
                        "matches the signed ct_hash")


def view_tampered_signature():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    good = E.parse(BASE).recipients[0].view_signature
    view = write_view(header_raw, rid, kid, kem, items, signature=good[:10] + bytes([good[10] ^ 1]) + good[11:])
    return _view_vector("header auth failure", view, "one bit of the view signature flipped")


def view_wrong_sender_key():
    meta, view = _view_vector("header auth failure", MANAGER_VIEW, "verified with another sender's key")
    someone_else = Ed25519PrivateKey.from_private_bytes(_det("someone else signing"))
    meta["sender_public_key"] = keys.b64(someone_else.public_key().public_bytes_raw())
    return meta, view


def view_truncated():
    return _view_vector("header failure", MANAGER_VIEW[:-1], "the last byte is missing")


def view_trailing_byte():
    return _view_vector("header failure", MANAGER_VIEW + b"\x00", "one byte after the last item")


def view_bad_magic():
    view = b"samband.no/envelope-view/v2\n" + MANAGER_VIEW[len(E.VIEW_MAGIC):]
    return _view_vector("header failure", view, "a view of a version this implementation does not know")


def view_unknown_kem():
    header_raw, rid, kid, _, items = _view_parts(BASE, 0)
    view = write_view(header_raw, rid, kid, 0x0041, items)
    return _view_vector("header failure", view, "KEM 0x0041 (ML-KEM-768 alone) is not in v1; signed")


def view_unsorted_items():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    view = write_view(header_raw, rid, kid, kem, [items[1], items[0]])
    return _view_vector("header failure", view, "items in descending section order; the signature covers that "
                        "order, so only the ordering is wrong")


def view_invalid_present_flag():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    sid, cat, ct, w, _ = items[1]
    view = write_view(header_raw, rid, kid, kem, [items[0], (sid, cat, ct, w, 2)])
    return _view_vector("header failure", view, "present = 2 (only 0 and 1 are defined)")


def view_empty_category():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    sid, _, ct, w, p = items[0]
    view = write_view(header_raw, rid, kid, kem, [(sid, b"", ct, w, p), items[1]])
    return _view_vector("header failure", view, "a zero-length category string; signed")


def view_wrap_moved_between_sections():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    (s0, c0, ct0, w0, _), (s1, c1, ct1, _, _) = items
    view = write_view(header_raw, rid, kid, kem, [(s0, c0, ct0, w0, 1), (s1, c1, ct1, w0, 1)])
    return _view_vector("payload failure", view, "a dishonest sender signed section 0's wrap as section 1's: the "
                        "first wrap opens, the second does not (the HPKE info binds the section id)")


def view_uncommitted_content_key():
    other_keys = [_det(f"other content key {i}") for i in range(len(SECTIONS))]
    _, _, other = _parts(_seal(content_keys=other_keys))
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    other_wraps = dict(other[0][3])
    view = write_view(header_raw, rid, kid, kem, [(s, c, ct, other_wraps[s], p) for s, c, ct, _, p in items])
    return _view_vector("payload failure", view, "a dishonest sender wrapped a different content key than the one "
                        "the section ciphertext commits to; signed, so only the key commitment catches it")


ENVELOPE_SMALL = _seal(sections=SECTIONS[:2], recipients=[_manager(), _nav()])


def envelope_success():
    return _envelope_vector("success", BASE, "three sections; manager (X-Wing) reads 0-1, NAV (X25519) reads 0, "
                            "GP (X-Wing) reads 0-2")


def envelope_in_reply_to():
    header = replace(HEADER, message_id=_uuid(0x1002), in_reply_to=HEADER.message_id)
    return _envelope_vector("success", _seal(header=header, sections=SECTIONS[:1], recipients=[_nav()]),
                            "a reply with one section for one X25519 key")


def envelope_truncated():
    return _envelope_vector("header failure", ENVELOPE_SMALL[:-1], "the last byte is missing")


def envelope_trailing_byte():
    return _envelope_vector("header failure", ENVELOPE_SMALL + b"\x00", "one byte after the signature")


def envelope_bad_magic():
    data = b"samband.no/envelope/v0\n" + ENVELOPE_SMALL[len(E.MAGIC):]
    return _envelope_vector("header failure", data, "an unknown version in the magic")


def envelope_unknown_kem():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, _, wraps = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, 0x0021, wraps)])
    return _envelope_vector("header failure", data, "kem_id 0x0021 (DHKEM X448) is not in v1; signed")


def envelope_unsorted_wraps():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, wraps = recipients[0]
    data = write_envelope(header_raw, sections, [(rid, kid, kem, wraps[::-1]), recipients[1]])
    return _envelope_vector("header failure", data, "the manager's wraps in descending section order; signed")


def envelope_unsorted_recipients():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    data = write_envelope(header_raw, sections, recipients[::-1])
    return _envelope_vector("header failure", data, "recipients in descending (recipient_id, key_id) order; signed")


def envelope_duplicate_recipient():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    data = write_envelope(header_raw, sections, [recipients[0], recipients[0], recipients[1]])
    return _envelope_vector("header failure", data, "the same (recipient_id, key_id) twice; signed")


def envelope_bad_wrap_length():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, wraps = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, kem, [(0, wraps[0][1] + b"\x00")])])
    return _envelope_vector("header failure", data, "an X25519 wrap of 81 bytes (must be 80); signed")


def envelope_section_without_wrap():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, wraps = recipients[0]
    data = write_envelope(header_raw, sections, [(rid, kid, kem, wraps[:1]), recipients[1]])
    return _envelope_vector("header failure", data, "section 1 is wrapped for nobody; signed")


def envelope_bad_section_id():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    (_, c0, ct0), (_, c1, ct1) = sections
    data = write_envelope(header_raw, [(1, c0, ct0), (0, c1, ct1)], recipients)
    return _envelope_vector("header failure", data, "section ids 1, 0 (each must equal its index); signed")


def envelope_short_ciphertext():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    sid, cat, ct = sections[1]
    data = write_envelope(header_raw, [sections[0], (sid, cat, ct[:47])], recipients)
    return _envelope_vector("header failure", data, "a 47-byte section ciphertext (minimum 48); signed")


def envelope_nil_message_id():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    data = write_envelope(bytes(16) + header_raw[16:], sections, recipients)
    return _envelope_vector("header failure", data, "an all-zero message_id; signed")


def envelope_created_at_out_of_range():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    data = write_envelope(header_raw[:-8] + struct.pack(">Q", 253402300800000), sections, recipients)
    return _envelope_vector("header failure", data, "created_at one millisecond after 9999-12-31T23:59:59.999Z; "
                            "signed")


def envelope_bad_category_character():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    sid, cat, ct = sections[0]
    data = write_envelope(header_raw, [(sid, cat.replace(b"_", b" "), ct), sections[1]], recipients)
    return _envelope_vector("header failure", data, "a space in a category; signed")


def envelope_tampered_signature():
    data = ENVELOPE_SMALL[:-1] + bytes([ENVELOPE_SMALL[-1] ^ 1])
    return _envelope_vector("header auth failure", data, "one bit of the envelope signature flipped")


def envelope_tampered_view_signature():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    good = E.parse(ENVELOPE_SMALL).recipients[1].view_signature
    data = write_envelope(header_raw, sections, recipients, view_sigs={1: good[:-1] + bytes([good[-1] ^ 1])})
    return _envelope_vector("header auth failure", data, "NAV's view signature is wrong but the envelope signature "
                            "over it is valid: verify must check every view signature")


VECTORS = [
    view_xwing_success, view_x25519_success, view_withheld_section, view_all_withheld, view_wrong_key,
    view_tampered_ciphertext, view_tampered_signature, view_wrong_sender_key, view_truncated, view_trailing_byte,
    view_bad_magic, view_unknown_kem, view_unsorted_items, view_invalid_present_flag, view_empty_category,
    view_wrap_moved_between_sections, view_uncommitted_content_key,
    envelope_success, envelope_in_reply_to, envelope_truncated, envelope_trailing_byte, envelope_bad_magic,
    envelope_unknown_kem, envelope_unsorted_wraps, envelope_unsorted_recipients, envelope_duplicate_recipient,
    envelope_bad_wrap_length, envelope_section_without_wrap, envelope_bad_section_id, envelope_short_ciphertext,
    envelope_nil_message_id, envelope_created_at_out_of_range, envelope_bad_category_character,
    envelope_tampered_signature, envelope_tampered_view_signature,
]


def render(meta: dict, data: bytes) -> str:
    lines = []
    for key in ("expect", "type", "kem", "identity", "sender_public_key"):
        if key in meta:
            lines.append(f"{key}: {meta[key]}")
    lines += [f"payload: {p}" for p in meta["payload"]]
    lines.append(f"comment: {meta['comment']}")
    return "\n".join(lines) + "\n\n" + base64.encodebytes(data).decode()


def main() -> None:
    # The permissive writer must reproduce the module's own bytes, or the failure
    # vectors would test the writer instead of the parser.
    assert write_envelope(*_parts(BASE)) == BASE
    assert write_view(*_view_parts(BASE, 0)) == MANAGER_VIEW
    for old in HERE.glob("*.txt"):
        old.unlink()
    for vector in VECTORS:
        meta, data = vector()
        (HERE / f"{vector.__name__}.txt").write_text(render(meta, data))
    print(f"wrote {len(VECTORS)} vectors to {HERE}")


if __name__ == "__main__":
    main()
