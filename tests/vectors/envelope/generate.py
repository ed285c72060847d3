"""Write the envelope v1 test vectors: ``python tests/vectors/envelope/generate.py``.

One small function per vector.  Success vectors come from ``_seal_from_parts`` and
``view_for``; failure vectors take them apart and re-encode them with the small permissive
writer below, re-signing wherever a signature can be made valid, so each vector has
exactly one defect (where a rule allows that: 33 items in a view cannot all have ids
below 32).  Every input is fixed: the keys, ids and content keys come from ``_det``, and
each wrap's encapsulation randomness from ``_wrap_randomness`` (its KEM, key, HPKE info
and content key), sealed by the derandomized HPKE in ``derand.py``, because the
production HPKE cannot be given its randomness.  Running this again writes the same
bytes; ``tests/unit/messaging/test_envelope.py`` checks that it does, so no vector can
be edited by hand.

File format (docs/envelope.md, "Vectors"): ``key: value`` lines, a blank line, then the
standard base64 (76 columns) of a view (``type: view``) or an envelope
(``type: envelope``).  Envelope vectors may list ``recipient`` lines with private keys:
each such key opens its view of the envelope, and every section it reads must hash to
that section's ``payload`` line.
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
from messaging.envelope.crypto import wrap_info  # noqa: E402
from messaging.envelope.types import ENVELOPE_SIGNATURE_LABEL, VIEW_SIGNATURE_LABEL  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import derand  # noqa: E402

HERE = Path(__file__).resolve().parent
ED25519_L = 2**252 + 27742317777372353535851937790883648493  # the order of the Ed25519 base point
# A point of order 8 on Curve25519: X25519 with any (clamped) scalar gives 32 zero bytes.
LOW_ORDER_POINT = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")


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


def _nav(sections: frozenset[int] = frozenset({0})) -> E.RecipientKey:
    return E.RecipientKey(NAV, "nav-x25519-key", E.KEM_X25519, keys.x25519_public_bytes(X25519_KEY), sections)


def _gp() -> E.RecipientKey:
    pk = keys.xwing_public_bytes(XWING_SEED_2)
    return E.RecipientKey(GP, "gp-xwing-key", E.KEM_XWING, pk, frozenset({0, 1, 2}))


def _wrap_randomness(kem_id: int, public_key: bytes, info: bytes, content_key: bytes) -> bytes:
    """Fixed encapsulation randomness for one wrap: the X-Wing ``eseed`` or the X25519 ephemeral key."""
    seed = b"samband.no envelope test vector: wrap randomness" + struct.pack(">H", kem_id) + public_key + info
    return hashlib.shake_256(seed + content_key).digest(64 if kem_id == E.KEM_XWING else 32)


def _seal_wrap(kem_id: int, public_key: bytes, info: bytes, content_key: bytes) -> bytes:
    return derand.seal(kem_id, public_key, info, content_key, _wrap_randomness(kem_id, public_key, info, content_key))


def _seal(sections=SECTIONS, recipients=None, header=HEADER, content_keys=None) -> bytes:
    recipients = recipients or [_manager(), _nav(), _gp()]
    content_keys = content_keys or CONTENT_KEYS[: len(sections)]
    return E._seal_from_parts(header=header, sections=list(sections), recipients=recipients, signer=SIGNER,
                              content_keys=content_keys, seal_wrap=_seal_wrap)


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


# Everyone whose private key a decryptable envelope vector lists.
IDENTITIES = {
    "manager-xwing-key": (E.KEM_XWING, XWING_SEED),
    "nav-x25519-key": (E.KEM_X25519, X25519_KEY),
    "gp-xwing-key": (E.KEM_XWING, XWING_SEED_2),
}


def _envelope_vector(expect: str, data: bytes, comment: str, *, plaintexts: list[bytes] = ()) -> tuple[dict, bytes]:
    """``plaintexts`` (one per section) makes the vector decryptable: every listed
    recipient key is given with its private key, and each section's plaintext hash."""
    meta = {"expect": expect, "type": "envelope", "sender_public_key": keys.b64(SENDER_PUBLIC),
            "payload": [hashlib.sha256(p).hexdigest() for p in plaintexts], "recipient": [], "comment": comment}
    if plaintexts:
        env = E.parse(data)
        for r in env.recipients:
            kem, private = IDENTITIES[r.key_id]
            meta["recipient"].append(f"{r.recipient_id} {r.key_id} 0x{kem:04x} {keys.b64(private)}")
        assert len(plaintexts) == len(env.sections)
    return meta, data


def _resign(signature: bytes) -> bytes:
    """The same Ed25519 signature with a non-canonical S (S + L): it passes a verifier
    that skips RFC 8032's S < L check (ZIP 215, some libraries), and no other."""
    s = int.from_bytes(signature[32:], "little") + ED25519_L
    return signature[:32] + s.to_bytes(32, "little")


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
                            "GP (X-Wing) reads 0-2; every recipient's private key is listed",
                            plaintexts=[s.plaintext for s in SECTIONS])


def envelope_in_reply_to():
    header = replace(HEADER, message_id=_uuid(0x1002), in_reply_to=HEADER.message_id)
    return _envelope_vector("success", _seal(header=header, sections=SECTIONS[:1], recipients=[_nav()]),
                            "a reply with one section for one X25519 key", plaintexts=[SECTIONS[0].plaintext])


def envelope_ids_any_16_bytes():
    header = replace(HEADER, message_id="ffffffff-ffff-ffff-ffff-ffffffffffff", case_id="00000000-0000-0000-0000-000000000001",
                     thread_id="0123456789abcdef0123456789abcdef", sender_id="80000000-0000-0000-0000-000000000000")
    manager = replace(_manager(frozenset({0})), recipient_id="fedcba98-7654-3210-fedc-ba9876543210")
    sections = [E.SectionInput("functional_ability", b""), SECTIONS[1]]
    data = _seal(header=header, sections=sections, recipients=[manager, _nav(frozenset({0, 1}))])
    return _envelope_vector("success", data, "ids are any 16 bytes except all zero: none of these is an RFC 9562 "
                            "UUID (version and variant bits are not checked); section 0 has an empty plaintext",
                            plaintexts=[s.plaintext for s in sections])


def envelope_aead_tag_failure():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    sid, cat, ct = sections[0]
    data = write_envelope(header_raw, [(sid, cat, ct[:-1] + bytes([ct[-1] ^ 1])), sections[1]], recipients)
    meta, data = _envelope_vector("payload failure", data, "a dishonest sender signed a section whose Poly1305 tag "
                                  "is wrong (last byte flipped): the envelope verifies, the commitment matches, "
                                  "every recipient that opens section 0 fails", plaintexts=[s.plaintext for s in SECTIONS[:2]])
    return meta, data


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


# --- counts out of range, wraps and items naming what is not there, duplicates -------------


def _filler_sections(n: int) -> list[tuple[int, bytes, bytes]]:
    """``n`` well-formed sections (48-byte ciphertexts: an empty plaintext's size)."""
    return [(i, b"work_tasks", _det(f"filler commitment {i}") + _det(f"filler tag {i}")[:16]) for i in range(n)]


def _nav_wraps(section_ids) -> list[tuple[int, bytes]]:
    """Well-formed X25519 wraps for NAV's key (of a random content key each)."""
    pk = keys.x25519_public_bytes(X25519_KEY)
    return [(sid, _seal_wrap(E.KEM_X25519, pk, wrap_info(HEADER.message_id, sid, NAV, "nav-x25519-key"),
                             _det(f"filler content key {sid}"))) for sid in section_ids]


def envelope_section_count_zero():
    header_raw, _, recipients = _parts(ENVELOPE_SMALL)
    data = write_envelope(header_raw, [], recipients)
    return _envelope_vector("header failure", data, "section_count 0 (1..32); the wraps then name sections that are "
                            "not there, but the count is read first; signed")


def envelope_section_count_33():
    header_raw, _, _ = _parts(ENVELOPE_SMALL)
    nav = (uuid.UUID(NAV).bytes, b"nav-x25519-key", E.KEM_X25519, _nav_wraps(range(32)))
    gp_pk = keys.x25519_public_bytes(X25519_KEY)
    last = (uuid.UUID(GP).bytes, b"gp-x25519-key", E.KEM_X25519,
            [(32, _seal_wrap(E.KEM_X25519, gp_pk, b"filler", _det("filler content key 32")))])
    data = write_envelope(header_raw, _filler_sections(33), [nav, last])
    return _envelope_vector("header failure", data, "33 sections (at most 32), each wrapped for someone; signed")


def envelope_recipient_count_zero():
    header_raw, sections, _ = _parts(ENVELOPE_SMALL)
    data = write_envelope(header_raw, sections, [])
    return _envelope_vector("header failure", data, "recipient_count 0 (1..512); signed")


def envelope_recipient_count_513():
    header_raw, _, _ = _parts(ENVELOPE_SMALL)
    (sid, wrap), = _nav_wraps([0])
    recipients = [(uuid.UUID(_uuid(0xB000 + n)).bytes, b"k", E.KEM_X25519, [(sid, wrap)]) for n in range(513)]
    data = write_envelope(header_raw, _filler_sections(1), recipients)
    return _envelope_vector("header failure", data, "513 recipient keys (at most 512), strictly ascending; signed")


def envelope_wrap_count_zero():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, _ = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, kem, [])])
    return _envelope_vector("header failure", data, "NAV's entry has wrap_count 0 (1..section_count); every section "
                            "is still wrapped for the manager; signed")


def envelope_wrap_count_above_section_count():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, _ = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, kem, _nav_wraps([0, 1, 2]))])
    return _envelope_vector("header failure", data, "NAV's entry has 3 wraps in an envelope of 2 sections; signed")


def envelope_wrap_names_missing_section():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, _ = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, kem, _nav_wraps([0, 2]))])
    return _envelope_vector("header failure", data, "a wrap for section 2 in an envelope of sections 0 and 1; "
                            "signed")


def envelope_duplicate_wrap():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    rid, kid, kem, wraps = recipients[1]
    data = write_envelope(header_raw, sections, [recipients[0], (rid, kid, kem, [wraps[0], wraps[0]])])
    return _envelope_vector("header failure", data, "NAV's wrap for section 0 twice (2 wraps, 2 sections, but not "
                            "strictly ascending); signed")


def view_item_count_zero():
    header_raw, rid, kid, kem, _ = _view_parts(BASE, 0)
    return _view_vector("header failure", write_view(header_raw, rid, kid, kem, []), "item_count 0 (1..32); signed")


def view_item_count_33():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    _, cat, ct, w, _ = items[0]
    view = write_view(header_raw, rid, kid, kem, [(sid, cat, ct, w, 0) for sid in range(33)])
    return _view_vector("header failure", view, "33 items (at most 32; the last then has section_id 32), all "
                        "withheld; signed")


def view_section_id_above_31():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    _, cat, ct, w, p = items[1]
    view = write_view(header_raw, rid, kid, kem, [items[0], (32, cat, ct, w, p)])
    return _view_vector("header failure", view, "an item for section 32: a view does not know the section count, "
                        "but no envelope has a section above 31; signed")


def view_duplicate_item():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    view = write_view(header_raw, rid, kid, kem, [items[0], items[0]])
    return _view_vector("header failure", view, "the item for section 0 twice; signed")


# --- cryptographic failures that only a full check catches ----------------------------------


def view_aead_tag_failure():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    sid, cat, ct, w, p = items[1]
    view = write_view(header_raw, rid, kid, kem, [items[0], (sid, cat, ct[:-1] + bytes([ct[-1] ^ 1]), w, p)])
    return _view_vector("payload failure", view, "a dishonest sender signed section 1 with its Poly1305 tag wrong "
                        "(last byte flipped): hashes, wrap and key commitment all check, only the AEAD fails")


def view_non_canonical_signature():
    header_raw, rid, kid, kem, items = _view_parts(BASE, 0)
    good = E.parse(BASE).recipients[0].view_signature
    view = write_view(header_raw, rid, kid, kem, items, signature=_resign(good))
    return _view_vector("header auth failure", view, "the valid view signature with S + L for S (non-canonical): "
                        "RFC 8032 verification rejects S >= L")


def envelope_non_canonical_signature():
    data = ENVELOPE_SMALL[:-32] + _resign(ENVELOPE_SMALL[-64:])[32:]
    return _envelope_vector("header auth failure", data, "the valid envelope signature with S + L for S "
                            "(non-canonical): RFC 8032 verification rejects S >= L")


def envelope_non_canonical_view_signature():
    header_raw, sections, recipients = _parts(ENVELOPE_SMALL)
    good = E.parse(ENVELOPE_SMALL).recipients[1].view_signature
    data = write_envelope(header_raw, sections, recipients, view_sigs={1: _resign(good)})
    return _envelope_vector("header auth failure", data, "NAV's view signature with S + L for S (non-canonical), "
                            "under a valid envelope signature")


X25519_TWO = _seal(sections=SECTIONS[:2], recipients=[_manager(), _nav(frozenset({0, 1}))])


def _low_order_view(section_id: int) -> bytes:
    """NAV's view of X25519_TWO with the wrap of ``section_id`` replaced by one whose
    ``enc`` is a low-order point, sealed under the all-zero DH output; signed."""
    header_raw, rid, kid, kem, items = _view_parts(X25519_TWO, 1)
    assert kem == E.KEM_X25519
    info = wrap_info(HEADER.message_id, section_id, NAV, "nav-x25519-key")
    bad = derand.seal_x25519_all_zero(keys.x25519_public_bytes(X25519_KEY), LOW_ORDER_POINT, info,
                                      CONTENT_KEYS[section_id])
    return write_view(header_raw, rid, kid, kem, [(s, c, ct, bad if s == section_id else w, p)
                                                  for s, c, ct, w, p in items])


def view_x25519_low_order_first_wrap():
    return _view_vector("no match", _low_order_view(0), "the first wrap's enc is a point of order 8, so X25519 "
                        "gives all zeros and MUST be refused (RFC 9180 7.1.4); the wrap is sealed under that "
                        "secret and opens if the check is skipped. A first wrap that does not open: no match",
                        kem=E.KEM_X25519, identity=X25519_KEY)


def view_x25519_low_order_second_wrap():
    return _view_vector("payload failure", _low_order_view(1), "the second wrap's enc is a point of order 8 "
                        "(all-zero X25519 output, MUST be refused); the first wrap opened, so the sender misbehaved",
                        kem=E.KEM_X25519, identity=X25519_KEY)


VECTORS = [
    view_xwing_success, view_x25519_success, view_withheld_section, view_all_withheld, view_wrong_key,
    view_tampered_ciphertext, view_tampered_signature, view_wrong_sender_key, view_truncated, view_trailing_byte,
    view_bad_magic, view_unknown_kem, view_unsorted_items, view_invalid_present_flag, view_empty_category,
    view_wrap_moved_between_sections, view_uncommitted_content_key,
    view_item_count_zero, view_item_count_33, view_section_id_above_31, view_duplicate_item, view_aead_tag_failure,
    view_non_canonical_signature, view_x25519_low_order_first_wrap, view_x25519_low_order_second_wrap,
    envelope_success, envelope_in_reply_to, envelope_ids_any_16_bytes, envelope_truncated, envelope_trailing_byte,
    envelope_bad_magic, envelope_unknown_kem, envelope_unsorted_wraps, envelope_unsorted_recipients,
    envelope_duplicate_recipient, envelope_bad_wrap_length, envelope_section_without_wrap, envelope_bad_section_id,
    envelope_short_ciphertext, envelope_nil_message_id, envelope_created_at_out_of_range,
    envelope_bad_category_character, envelope_tampered_signature, envelope_tampered_view_signature,
    envelope_section_count_zero, envelope_section_count_33, envelope_recipient_count_zero,
    envelope_recipient_count_513, envelope_wrap_count_zero, envelope_wrap_count_above_section_count,
    envelope_wrap_names_missing_section, envelope_duplicate_wrap, envelope_aead_tag_failure,
    envelope_non_canonical_signature, envelope_non_canonical_view_signature,
]


def render(meta: dict, data: bytes) -> str:
    lines = []
    for key in ("expect", "type", "kem", "identity", "sender_public_key"):
        if key in meta:
            lines.append(f"{key}: {meta[key]}")
    lines += [f"recipient: {r}" for r in meta.get("recipient", [])]
    lines += [f"payload: {p}" for p in meta["payload"]]
    lines.append(f"comment: {meta['comment']}")
    return "\n".join(lines) + "\n\n" + base64.encodebytes(data).decode()


def render_all() -> dict[str, str]:
    """Every vector file's name and text."""
    # The permissive writer must reproduce the module's own bytes, or the failure
    # vectors would test the writer instead of the parser.
    assert write_envelope(*_parts(BASE)) == BASE
    assert write_view(*_view_parts(BASE, 0)) == MANAGER_VIEW
    return {f"{vector.__name__}.txt": render(*vector()) for vector in VECTORS}


def main() -> None:
    files = render_all()
    for old in HERE.glob("*.txt"):
        old.unlink()
    for name, text in files.items():
        (HERE / name).write_text(text)
    print(f"wrote {len(files)} vectors to {HERE}")


if __name__ == "__main__":
    main()
