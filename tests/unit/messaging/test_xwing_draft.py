"""Which X-Wing samband follows: draft-connolly-cfrg-xwing-kem-05 and later (docs/envelope.md).

Drafts -03/-04 and -05 and later have the same sizes but expand the 32-byte seed with
SHAKE128 instead of SHAKE256 and put the label first in the combiner instead of last.
The draft's own test vector (spec/test-vectors.json, unchanged from -05 to -10; -04's
differs) pins the bytes: the production key expansion (``messaging.keys``) gives -05's
public key, the production HPKE (``cryptography``) opens what -05's encapsulation makes,
and the -04 construction gives other bytes.  This also checks the derandomized HPKE the
vector generator uses (tests/vectors/envelope/derand.py) against the draft.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from messaging import envelope as E
from messaging import keys
from messaging.envelope import crypto
from messaging.envelope.types import KEMS
from messaging.envelope.wire import parse_view

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "envelope"
sys.path.insert(0, str(VECTORS))
import derand  # noqa: E402

# The first test vector of draft-connolly-cfrg-xwing-kem (the same in -05 ... -10);
# the 1216-byte public key and 1120-byte ciphertext by their SHA-256.
SEED = bytes.fromhex("7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26")
ESEED = bytes.fromhex("3cb1eea988004b93103cfb0aeefd2a686e01fa4a58e8a3639ca8a1e3f9ae57e2"
                      "35b8cc873c23dc62b8d260169afa2f75ab916a58d974918835d25e6a435085b2")
SS = bytes.fromhex("d2df0522128f09dd8e2c92b1e905c793d8f57a54c3da25861f10bf4ca613e384")
PK_SHA256 = "2e816deebcd76c5c80d0cd2d174478871658e8e2ff42bc9d4a6e486372e856bb"
CT_SHA256 = "17cd532d657e44c897ca6583e548a5424fc70bf54f99515a4d2bcf99e3469f33"
# The same seed and eseed in draft -04 (SHAKE128 expansion, label first).
SS_04 = bytes.fromhex("555a071a8b7520ae95f8e635de8a5f87dbddcbef900576aad29ecdda5459c15a")
PK_04_SHA256 = "3433d8c41f5223158a467f988fea3df605ca3394dde9e478950be25a4d9f0ac0"
CT_04_SHA256 = "7aba2099234a3c0037a1fe3f8f900d131c7ed4bdc53325d8d167af622a2bbec3"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_key_expansion_is_shake256_as_in_draft_05():
    assert _sha(keys.xwing_public_bytes(SEED)) == PK_SHA256


def test_derandomized_encapsulation_gives_the_drafts_ciphertext_and_shared_secret():
    ss, ct = derand.xwing_encapsulate_derand(keys.xwing_public_bytes(SEED), ESEED)
    assert (ss, _sha(ct)) == (SS, CT_SHA256)


def test_decapsulating_with_the_production_primitives_gives_the_drafts_shared_secret():
    _, ct = derand.xwing_encapsulate_derand(keys.xwing_public_bytes(SEED), ESEED)
    expanded = hashlib.shake_256(SEED).digest(96)
    ss_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]).decapsulate(ct[:1088])
    sk_x = x25519.X25519PrivateKey.from_private_bytes(expanded[64:])
    ss_x = sk_x.exchange(x25519.X25519PublicKey.from_public_bytes(ct[1088:]))
    pk_x = sk_x.public_key().public_bytes_raw()
    assert hashlib.sha3_256(ss_m + ss_x + ct[1088:] + pk_x + b"\\.//^\\").digest() == SS


def test_production_hpke_opens_a_wrap_sealed_with_the_drafts_encapsulation():
    """cryptography's HPKE X-Wing (kem 0x647A) combines with the label last, as -05."""
    info = b"samband.no/v1/wrap\ntest"
    wrap = derand.seal(E.KEM_XWING, keys.xwing_public_bytes(SEED), info, b"k" * 32, ESEED)
    assert KEMS[E.KEM_XWING].suite.decrypt(wrap, keys.xwing_private_from_seed(SEED), info=info) == b"k" * 32


def test_drafts_03_and_04_expand_and_combine_differently():
    expanded = hashlib.shake_128(SEED).digest(96)  # -03/-04
    pk_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]).public_key().public_bytes_raw()
    pk_x = x25519.X25519PrivateKey.from_private_bytes(expanded[64:]).public_key().public_bytes_raw()
    assert _sha(pk_m + pk_x) == PK_04_SHA256 != PK_SHA256
    ss_m, ct_m = derand.mlkem768_encaps_derand(pk_m, ESEED[:32])
    ek_x = x25519.X25519PrivateKey.from_private_bytes(ESEED[32:])
    ct_x = ek_x.public_key().public_bytes_raw()
    ss_x = ek_x.exchange(x25519.X25519PublicKey.from_public_bytes(pk_x))
    assert _sha(ct_m + ct_x) == CT_04_SHA256
    assert hashlib.sha3_256(derand.XWING_LABEL + ss_m + ss_x + ct_x + pk_x).digest() == SS_04  # label first
    assert derand.xwing_combiner(ss_m, ss_x, ct_x, pk_x) != SS_04  # -05's order gives other bytes


def test_low_order_x25519_wrap_opens_only_if_the_all_zero_check_is_skipped():
    """view_x25519_low_order_second_wrap tests the all-zero check and nothing else: its
    wrap is well formed under the secret a non-checking implementation derives."""
    text = (VECTORS / "view_x25519_low_order_second_wrap.txt").read_text()
    view = parse_view(base64.b64decode(text.partition("\n\n")[2]))
    item = view.items[1]
    enc, ct = item.wrap[:32], item.wrap[32:]
    assert x25519.X25519PublicKey.from_public_bytes(enc)  # a valid encoding, of a point of order 8
    nav_key = hashlib.sha256(b"samband.no envelope test vector: recipient x25519").digest()
    with pytest.raises(ValueError):  # what RFC 9180 7.1.4 requires, and cryptography does
        x25519.X25519PrivateKey.from_private_bytes(nav_key).exchange(x25519.X25519PublicKey.from_public_bytes(enc))
    shared = derand.dhkem_x25519_shared_secret(bytes(32), enc, keys.x25519_public_bytes(nav_key))
    info = crypto.wrap_info(view.header.message_id, 1, view.recipient_id, view.key_id)
    key, nonce = derand.key_schedule(E.KEM_X25519, shared, info)
    content_key = ChaCha20Poly1305(key).decrypt(nonce, ct, b"")
    plaintext = crypto.decrypt_section(content_key, crypto.section_aad(view.header_bytes, 1, item.category),
                                         item.ciphertext)
    assert plaintext == b'{"adaptation": "desk work, flexible start"}'
