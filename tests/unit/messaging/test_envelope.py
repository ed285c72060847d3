"""Envelope v1 (messaging.envelope): the committed vectors, round trips, tamper resistance."""

from __future__ import annotations

import base64
import hashlib
import string
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging import envelope as E
from messaging import keys
from messaging.envelope.crypto import wrap_info
from messaging.envelope.types import KEMS

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "envelope"
EXPECT = {
    "header failure": E.MalformedEnvelope,
    "no match": E.NoMatchingKey,
    "header auth failure": E.HeaderAuthFailed,
    "payload failure": E.PayloadAuthFailed,
}


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def load_vector(path: Path) -> tuple[dict, bytes]:
    head, _, body = path.read_text().partition("\n\n")
    meta: dict = {"payload": [], "recipient": []}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        if key in ("payload", "recipient"):
            meta[key].append(value)
        else:
            meta[key] = value
    return meta, base64.b64decode(body)


VECTOR_FILES = sorted(VECTORS.glob("*.txt"))

# Every rule family of docs/envelope.md and the vectors that test it; each has at least one.
RULE_FAMILIES = {
    "parse 1: magic": ["view_bad_magic", "envelope_bad_magic"],
    "parse 2: truncated or trailing": ["view_truncated", "view_trailing_byte", "envelope_truncated",
                                       "envelope_trailing_byte"],
    "parse 3: str8": ["view_empty_category", "envelope_bad_category_character"],
    "parse 4: nil id": ["envelope_nil_message_id"],
    "parse 4: any other 16 bytes are an id": ["envelope_ids_any_16_bytes"],
    "parse 5: counts out of range": ["envelope_section_count_zero", "envelope_section_count_33",
                                     "envelope_recipient_count_zero", "envelope_recipient_count_513",
                                     "envelope_wrap_count_zero", "envelope_wrap_count_above_section_count",
                                     "view_item_count_zero", "view_item_count_33"],
    "parse 6: section id is its index": ["envelope_bad_section_id"],
    "parse 7: wraps and items ascending, naming a section": [
        "envelope_unsorted_wraps", "envelope_duplicate_wrap", "envelope_wrap_names_missing_section",
        "view_unsorted_items", "view_duplicate_item", "view_section_id_above_31"],
    "parse 8: recipients ascending": ["envelope_unsorted_recipients", "envelope_duplicate_recipient"],
    "parse 9: KEM": ["view_unknown_kem", "envelope_unknown_kem"],
    "parse 10: lengths": ["envelope_short_ciphertext", "envelope_bad_wrap_length"],
    "parse 11: every section wrapped": ["envelope_section_without_wrap"],
    "parse 12: present flag": ["view_invalid_present_flag"],
    "parse 13: created_at": ["envelope_created_at_out_of_range"],
    "verify: signatures": ["envelope_tampered_signature", "envelope_tampered_view_signature", "view_tampered_signature",
                           "view_wrong_sender_key"],
    "verify: non-canonical S": ["envelope_non_canonical_signature", "envelope_non_canonical_view_signature",
                                "view_non_canonical_signature"],
    "open 2/5: not this key": ["view_wrong_key"],
    "open 4: hashes": ["view_tampered_ciphertext"],
    "open 5: HPKE": ["view_wrap_moved_between_sections"],
    "open 5: X25519 all-zero output": ["view_x25519_low_order_first_wrap", "view_x25519_low_order_second_wrap"],
    "open 6: key commitment": ["view_uncommitted_content_key"],
    "open 7: AEAD tag": ["view_aead_tag_failure", "envelope_aead_tag_failure"],
    "open 8: withheld": ["view_withheld_section", "view_all_withheld"],
    "opens: views": ["view_xwing_success", "view_x25519_success"],
    "opens: envelopes with listed private keys": ["envelope_success", "envelope_in_reply_to",
                                                  "envelope_ids_any_16_bytes"],
}


def _open_envelope(meta: dict, env: E.Envelope, sender: bytes) -> None:
    """Each listed recipient key opens its view; each section it reads has its payload hash."""
    opened_sections = set()
    for line in meta["recipient"]:
        recipient_id, key_id, kem, identity = line.split(" ")
        opened = E.open_view(E.view_for(env, recipient_id, key_id), identity_encryption_private=_b64url(identity),
                             sender_public_key=sender, recipient_id=recipient_id, key_id=key_id)
        assert int(kem, 16) == env.get_recipient(recipient_id, key_id).kem_id
        for s in opened.sections:
            assert hashlib.sha256(s.plaintext).hexdigest() == meta["payload"][s.section_id]
            opened_sections.add(s.section_id)
    assert opened_sections == set(range(len(meta["payload"])))


def _check_vector(meta: dict, data: bytes) -> None:
    sender = _b64url(meta["sender_public_key"])
    if meta["type"] == "envelope":
        env = E.verify(data, sender)
        assert E.serialize(env) == data
        _open_envelope(meta, env, sender)
        return
    opened = E.open_view(data, identity_encryption_private=_b64url(meta["identity"]), sender_public_key=sender)
    assert opened.recipient_id and int(meta["kem"], 16) in (E.KEM_XWING, E.KEM_X25519)
    got = ["withheld" if s.plaintext is None else hashlib.sha256(s.plaintext).hexdigest() for s in opened.sections]
    assert got == meta["payload"]


def _generator():
    sys.path.insert(0, str(VECTORS))
    import generate

    return generate


class TestVectors:
    def test_vector_directory_covers_each_outcome(self) -> None:
        outcomes = {load_vector(p)[0]["expect"] for p in VECTOR_FILES}
        assert outcomes == {"success", *EXPECT}

    def test_every_rule_family_has_a_vector(self) -> None:
        names = {p.stem for p in VECTOR_FILES}
        for family, vectors in RULE_FAMILIES.items():
            assert vectors and set(vectors) <= names, family
        assert set().union(*RULE_FAMILIES.values()) == names  # and every vector is filed under a rule

    def test_decryptable_envelope_vectors_list_private_keys_for_every_section(self) -> None:
        decryptable = [p for p in VECTOR_FILES if load_vector(p)[0]["recipient"]]
        assert len(decryptable) >= 3
        kems = {line.split(" ")[2] for p in decryptable for line in load_vector(p)[0]["recipient"]}
        assert kems == {"0x647a", "0x0020"}

    def test_the_generator_writes_exactly_the_committed_vectors(self) -> None:
        """Fixed seeds, derandomized HPKE: running generate.py again gives the same bytes,
        so every committed vector is the script's output and none was edited by hand."""
        files = _generator().render_all()
        assert sorted(files) == [p.name for p in VECTOR_FILES]
        for path in VECTOR_FILES:
            assert files[path.name] == path.read_text(), path.name

    @pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.name for p in VECTOR_FILES])
    def test_vector_outcome_matches_expect(self, path: Path) -> None:
        meta, data = load_vector(path)
        if meta["expect"] == "success":
            _check_vector(meta, data)
            return
        with pytest.raises(E.EnvelopeError) as caught:
            _check_vector(meta, data)
        assert type(caught.value) is EXPECT[meta["expect"]]
        assert str(caught.value) == EXPECT[meta["expect"]].message

    @pytest.mark.parametrize(
        "path",
        [p for p in VECTOR_FILES if (load_vector(p)[0]["type"], load_vector(p)[0]["expect"]) in {
            ("envelope", "success"), ("envelope", "header auth failure"), ("envelope", "payload failure")}],
        ids=lambda p: p.name,
    )
    def test_parse_serialize_round_trips_byte_for_byte(self, path: Path) -> None:
        _, data = load_vector(path)
        assert E.serialize(E.parse(data)) == data


# --- building envelopes ------------------------------------------------------------------

SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SENDER_PUBLIC = SIGNER.public_key().public_bytes_raw()


def _id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


HEADER = E.Header(_id(1), _id(2), _id(3), _id(4), "sender-key", "dialogue_meeting.v1", None,
                  datetime(2026, 1, 5, 8, 0, 0, 250_000, tzinfo=timezone.utc))


class Key:
    """A recipient key for tests: its private form and the RecipientKey to seal for."""

    def __init__(self, n: int, kem_id: int) -> None:
        self.private = hashlib.sha256(f"test key {n}".encode()).digest()
        to_public = keys.xwing_public_bytes if kem_id == E.KEM_XWING else keys.x25519_public_bytes
        public = to_public(self.private)
        self.recipient_id, self.key_id, self.kem_id, self.public = _id(0x100 + n), f"key-{n}", kem_id, public

    def reads(self, *section_ids: int) -> E.RecipientKey:
        return E.RecipientKey(self.recipient_id, self.key_id, self.kem_id, self.public, frozenset(section_ids))

    def open(self, env: E.Envelope | bytes, withhold: frozenset[int] = frozenset()) -> E.Opened:
        view = E.view_for(env, self.recipient_id, self.key_id, withhold=withhold)
        return E.open_view(view, identity_encryption_private=self.private, sender_public_key=SENDER_PUBLIC,
                           recipient_id=self.recipient_id, key_id=self.key_id)


XWING, XWING_2, X25519 = Key(1, E.KEM_XWING), Key(2, E.KEM_XWING), Key(3, E.KEM_X25519)
SECTIONS = [E.SectionInput("functional_ability", b"four hours a day"), E.SectionInput("diagnosis", b"Z00.0")]


def _seal(recipients: list[E.RecipientKey], sections: list[E.SectionInput] = SECTIONS,
          header: E.Header = HEADER) -> bytes:
    return E.seal(header=header, sections=sections, recipients=recipients, signer=SIGNER)


class TestRoundTrip:
    @pytest.mark.parametrize("key", [XWING, X25519], ids=["x-wing", "x25519"])
    def test_recipient_reads_what_was_sealed_for_it(self, key: Key) -> None:
        data = _seal([key.reads(0, 1)])
        env = E.verify(data, SENDER_PUBLIC)
        opened = key.open(env)
        assert [s.plaintext for s in opened.sections] == [b"four hours a day", b"Z00.0"]
        assert [s.category for s in opened.sections] == ["functional_ability", "diagnosis"]
        assert opened.header == HEADER

    def test_mixed_recipients_each_read_their_own_sections(self) -> None:
        env = E.verify(_seal([X25519.reads(0), XWING.reads(0, 1)]), SENDER_PUBLIC)
        assert [(r.kem_id, r.section_ids) for r in env.recipients] == [
            (E.KEM_XWING, {0, 1}), (E.KEM_X25519, {0})]  # sorted by recipient id, whatever the input order
        assert [s.plaintext for s in XWING.open(env).sections] == [b"four hours a day", b"Z00.0"]
        assert [(s.section_id, s.plaintext) for s in X25519.open(env).sections] == [(0, b"four hours a day")]

    def test_recipient_without_a_wrap_cannot_get_the_content_key(self) -> None:
        env = E.parse(_seal([XWING.reads(0, 1), X25519.reads(0)]))
        view = E.view_for(env, X25519.recipient_id, X25519.key_id)
        assert [s.section_id for s in X25519.open(env).sections] == [0]
        assert hashlib.sha256(env.sections[1].ciphertext).digest() not in view
        other = env.get_recipient(XWING.recipient_id, XWING.key_id).wraps[1]
        private = keys.x25519_private_from_bytes(X25519.private)
        suite = KEMS[E.KEM_X25519].suite
        for rid, kid in [(X25519.recipient_id, X25519.key_id), (XWING.recipient_id, XWING.key_id)]:
            with pytest.raises(InvalidTag):
                suite.decrypt(other.wrap, private, info=wrap_info(HEADER.message_id, 1, rid, kid))

    def test_withheld_section_is_none_and_still_verifies(self) -> None:
        opened = XWING.open(_seal([XWING.reads(0, 1)]), withhold=frozenset({1}))
        assert [(s.category, s.plaintext) for s in opened.sections] == [("functional_ability", b"four hours a day"),
                                                                         ("diagnosis", None)]

    def test_view_for_another_key_is_no_match(self) -> None:
        data = _seal([XWING.reads(0, 1), XWING_2.reads(0)])
        view = E.view_for(data, XWING_2.recipient_id, XWING_2.key_id)
        with pytest.raises(E.NoMatchingKey):
            E.open_view(view, identity_encryption_private=XWING.private, sender_public_key=SENDER_PUBLIC,
                        recipient_id=XWING.recipient_id)
        with pytest.raises(E.NoMatchingKey):
            E.open_view(view, identity_encryption_private=XWING.private, sender_public_key=SENDER_PUBLIC)
        with pytest.raises(E.NoMatchingKey):
            E.view_for(data, X25519.recipient_id, X25519.key_id)

    def test_created_at_keeps_milliseconds_and_reply_round_trips(self) -> None:
        at = datetime(2026, 1, 5, 8, 0, 0, 250_999, tzinfo=timezone.utc)
        header = replace(HEADER, in_reply_to=_id(9), created_at=at)
        env = E.parse(_seal([X25519.reads(0, 1)], header=header))
        assert env.header.in_reply_to == _id(9)
        assert env.header.created_at == datetime(2026, 1, 5, 8, 0, 0, 250_000, tzinfo=timezone.utc)

    @pytest.mark.parametrize("recipients, sections", [
        ([X25519.reads(0)], SECTIONS),  # section 1 readable by nobody
        ([X25519.reads(0, 1), X25519.reads(0)], SECTIONS),  # the same key twice
        ([X25519.reads(0, 2)], SECTIONS),  # no section 2
        ([X25519.reads()], SECTIONS),
        ([X25519.reads(0)], [E.SectionInput("has space", b"")]),
        ([X25519.reads(0)], []),
        ([E.RecipientKey(_id(9), "k", 0x0041, b"\x00" * 32, frozenset({0}))], SECTIONS[:1]),
        ([E.RecipientKey(_id(9), "k", E.KEM_XWING, b"\x00" * 32, frozenset({0}))], SECTIONS[:1]),
    ])
    def test_seal_rejects_unrepresentable_input(self, recipients, sections) -> None:
        with pytest.raises(ValueError):
            _seal(recipients, sections)

    def test_seal_rejects_nil_ids_and_naive_time(self) -> None:
        for header in [replace(HEADER, case_id=str(uuid.UUID(int=0))), replace(HEADER, created_at=datetime(2026, 1, 1)),
                       replace(HEADER, in_reply_to=str(uuid.UUID(int=0))), replace(HEADER, kind="")]:
            with pytest.raises(ValueError):
                _seal([X25519.reads(0, 1)], header=header)


class TestTamper:
    """Every single-byte change is rejected (small sections keep the loops short)."""

    SMALL = [E.SectionInput("work_tasks", b"desk")]

    @pytest.mark.parametrize("key", [XWING, X25519], ids=["x-wing", "x25519"])
    def test_every_flipped_envelope_byte_is_rejected(self, key: Key) -> None:
        data = _seal([key.reads(0)], sections=self.SMALL)
        E.verify(data, SENDER_PUBLIC)
        for i in range(len(data)):
            with pytest.raises(E.EnvelopeError):
                E.verify(data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :], SENDER_PUBLIC)

    @pytest.mark.parametrize("key", [XWING, X25519], ids=["x-wing", "x25519"])
    def test_every_flipped_view_byte_is_rejected(self, key: Key) -> None:
        view = E.view_for(_seal([key.reads(0)], sections=self.SMALL), key.recipient_id, key.key_id)
        E.open_view(view, identity_encryption_private=key.private, sender_public_key=SENDER_PUBLIC)
        for i in range(len(view)):
            with pytest.raises(E.EnvelopeError):
                E.open_view(view[:i] + bytes([view[i] ^ 1]) + view[i + 1 :],
                            identity_encryption_private=key.private, sender_public_key=SENDER_PUBLIC)


categories = st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=1, max_size=64)


@st.composite
def messages(draw):
    sections = draw(st.lists(st.builds(E.SectionInput, categories, st.binary(max_size=300)), min_size=1, max_size=6))
    n = len(sections)
    pool = [X25519, XWING, XWING_2]
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique_by=lambda k: k.key_id))
    reads = [draw(st.sets(st.integers(0, n - 1), min_size=1)) for _ in chosen]
    reads[0] = reads[0] | (set(range(n)) - set().union(*reads))  # every section readable by someone
    withhold = draw(st.sets(st.integers(0, n - 1)))
    return sections, list(zip(chosen, reads)), withhold


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_property_seal_then_open_returns_each_recipients_sections(message) -> None:
    sections, recipients, withhold = message
    data = _seal([key.reads(*ids) for key, ids in recipients], sections=sections)
    env = E.verify(data, SENDER_PUBLIC)
    assert E.serialize(env) == data
    for key, ids in recipients:
        opened = key.open(env, withhold=frozenset(withhold))
        assert [s.section_id for s in opened.sections] == sorted(ids)
        for s in opened.sections:
            expected = None if s.section_id in withhold else sections[s.section_id].plaintext
            assert (s.category, s.plaintext) == (sections[s.section_id].category, expected)


def test_seal_is_randomized() -> None:
    first, second = E.parse(_seal([X25519.reads(0, 1)])), E.parse(_seal([X25519.reads(0, 1)]))
    assert all(a.ciphertext != b.ciphertext for a, b in zip(first.sections, second.sections))


def test_envelope_package_imports_no_server_code() -> None:
    code = (
        "import sys, messaging.envelope\n"
        "bad = {'fastapi', 'sqlmodel', 'sqlalchemy', 'web', 'consent', 'directory'}\n"
        "loaded = {m.split('.')[0] for m in sys.modules} & bad\n"
        "others = {m for m in sys.modules if m.startswith('messaging.')} - {'messaging.keys'}\n"
        "others = {m for m in others if not m.startswith('messaging.envelope')}\n"
        "assert not loaded and not others, (loaded, others)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])
