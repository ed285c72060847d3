"""The browser code (web/frontend, run under node) against the Python implementation.

Envelopes sealed by Python open in JS and envelopes sealed in JS open in Python, for
X-Wing and X25519 recipients; keys derived in JS equal Python's; the JS form split gives
Python's bytes for every kind, and JS join reads Python's sections as Python does; key
backups open on the other side.  Also runs the node test suite (web/frontend/test), so
the JS envelope vectors run wherever pytest runs.  Needs node and `npm ci --prefix
web/frontend`; fails (never skips) without them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from directory.service import key_id_for
from messaging import backup, kinds, keys
from messaging import envelope as E
from tests.unit.frontend.node import FRONTEND, b64, node_binary, run_node, unb64
from tests.unit.messaging.test_kinds import EXAMPLES

# --- envelopes ------------------------------------------------------------------------------


def _det(label: str) -> bytes:
    return hashlib.sha256(f"samband interop test: {label}".encode()).digest()


def _id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012x}"


SIGNING_KEY = _det("sender signing key")
SENDER_PUBLIC = Ed25519PrivateKey.from_private_bytes(SIGNING_KEY).public_key().public_bytes_raw()
XWING_SEED = _det("x-wing recipient")
X25519_KEY = _det("x25519 recipient")
XWING_ID, X25519_ID = _id(0xA1), _id(0xA2)
HEADER = E.Header(
    message_id=_id(0x1001), case_id=_id(0xC), thread_id=_id(0x7), sender_id=_id(0x5E),
    sender_key_id=key_id_for(SENDER_PUBLIC), kind="functional_assessment", in_reply_to=_id(0x1000),
    created_at=datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=timezone.utc),
)
PLAINTEXTS = [
    ("functional_ability", "Kan gjøre lett kontorarbeid 4 timer daglig. «Pauser» hver time 😀".encode()),
    ("diagnosis", b'{"diagnosis":"L83 Nakkesyndrom"}'),
    ("sick_leave", b""),  # an empty plaintext is allowed (48-byte ciphertext)
]
XWING_KEY_ID = key_id_for(keys.xwing_public_bytes(XWING_SEED))
X25519_KEY_ID = key_id_for(keys.x25519_public_bytes(X25519_KEY))


def _recipients() -> list[E.RecipientKey]:
    return [
        E.RecipientKey(XWING_ID, XWING_KEY_ID, E.KEM_XWING, keys.xwing_public_bytes(XWING_SEED), frozenset({0, 1, 2})),
        E.RecipientKey(X25519_ID, X25519_KEY_ID, E.KEM_X25519, keys.x25519_public_bytes(X25519_KEY), frozenset({0, 2})),
    ]


def _js_header() -> dict:
    h = HEADER
    return {"messageId": h.message_id, "caseId": h.case_id, "threadId": h.thread_id, "senderId": h.sender_id,
            "senderKeyId": h.sender_key_id, "kind": h.kind, "inReplyTo": h.in_reply_to,
            "createdAt": int(h.created_at.timestamp() * 1000)}


def _js_open(view: bytes, private: bytes, **extra) -> dict:
    return run_node("open", {"view": b64(view), "encryption_private": b64(private),
                             "sender_public_key": b64(SENDER_PUBLIC), **extra})


@pytest.fixture(scope="module")
def python_sealed() -> bytes:
    sections = [E.SectionInput(c, p) for c, p in PLAINTEXTS]
    return E.seal(header=HEADER, sections=sections, recipients=_recipients(),
                  signer=Ed25519PrivateKey.from_private_bytes(SIGNING_KEY))


@pytest.fixture(scope="module")
def js_sealed() -> bytes:
    request = {
        "header": _js_header(),
        "sections": [{"category": c, "plaintext": b64(p)} for c, p in PLAINTEXTS],
        "recipients": [{"recipient_id": r.recipient_id, "key_id": r.key_id, "kem_id": r.kem_id,
                        "public_key": b64(r.public_key), "section_ids": sorted(r.section_ids)}
                       for r in reversed(_recipients())],  # any order in; sorted on the wire
        "signing_key": b64(SIGNING_KEY),
    }
    answer = run_node("seal", request)
    assert "error" not in answer, answer
    return unb64(answer["envelope"])


class TestPythonSealsJsOpens:
    @pytest.mark.parametrize("recipient, private, kem, sections", [
        (XWING_ID, XWING_SEED, E.KEM_XWING, [0, 1, 2]),
        (X25519_ID, X25519_KEY, E.KEM_X25519, [0, 2]),
    ], ids=["x-wing", "x25519"])
    def test_js_opens_the_view_python_made(self, python_sealed, recipient, private, kem, sections) -> None:
        key_id = XWING_KEY_ID if kem == E.KEM_XWING else X25519_KEY_ID
        view = E.view_for(python_sealed, recipient, key_id)
        opened = _js_open(view, private, recipient_id=recipient, key_id=key_id, kem_id=kem)
        assert "error" not in opened, opened
        assert [(s["section_id"], s["category"], unb64(s["plaintext"])) for s in opened["sections"]] == [
            (i, PLAINTEXTS[i][0], PLAINTEXTS[i][1]) for i in sections]
        h = opened["header"]
        got = (h["messageId"], h["caseId"], h["threadId"], h["senderId"], h["senderKeyId"], h["kind"], h["inReplyTo"])
        assert got == (HEADER.message_id, HEADER.case_id, HEADER.thread_id, HEADER.sender_id, HEADER.sender_key_id,
                       HEADER.kind, HEADER.in_reply_to)
        assert h["createdAt"] == 1772443815123
        assert opened["kem_id"] == kem and opened["recipient_id"] == recipient and opened["key_id"] == key_id

    def test_withheld_section_is_null_in_js(self, python_sealed) -> None:
        view = E.view_for(python_sealed, XWING_ID, XWING_KEY_ID, withhold={1})
        opened = _js_open(view, XWING_SEED)
        assert [s["plaintext"] is None for s in opened["sections"]] == [False, True, False]

    def test_js_reports_the_same_errors(self, python_sealed) -> None:
        view = E.view_for(python_sealed, XWING_ID, XWING_KEY_ID)
        nav_view = E.view_for(python_sealed, X25519_ID, X25519_KEY_ID)
        other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        tampered = bytearray(view)
        tampered[-100] ^= 1  # inside the last wrap: its hash no longer matches
        answers = run_node("batch", [
            {"cmd": "open", "args": {"view": b64(view), "encryption_private": b64(_det("someone else")),
                                     "sender_public_key": b64(SENDER_PUBLIC)}},
            {"cmd": "open", "args": {"view": b64(view), "encryption_private": b64(XWING_SEED),
                                     "sender_public_key": b64(other)}},
            {"cmd": "open", "args": {"view": b64(bytes(tampered)), "encryption_private": b64(XWING_SEED),
                                     "sender_public_key": b64(SENDER_PUBLIC)}},
            {"cmd": "open", "args": {"view": b64(view + b"\x00"), "encryption_private": b64(XWING_SEED),
                                     "sender_public_key": b64(SENDER_PUBLIC)}},
            {"cmd": "open", "args": {"view": b64(nav_view), "encryption_private": b64(XWING_SEED),
                                     "kem_id": E.KEM_XWING, "sender_public_key": b64(SENDER_PUBLIC)}},
            {"cmd": "open", "args": {"view": b64(view), "encryption_private": b64(XWING_SEED),
                                     "recipient_id": X25519_ID, "sender_public_key": b64(SENDER_PUBLIC)}},
        ])
        expected = [E.NoMatchingKey, E.HeaderAuthFailed, E.PayloadAuthFailed, E.MalformedEnvelope, E.NoMatchingKey,
                    E.NoMatchingKey]
        assert [(a.get("error"), a.get("message")) for a in answers] == [(c.__name__, c.message) for c in expected]

    def test_js_verifies_and_reserializes_python_envelopes(self, python_sealed) -> None:
        answer = run_node("verify", {"envelope": b64(python_sealed), "sender_public_key": b64(SENDER_PUBLIC)})
        assert unb64(answer["reserialized"]) == python_sealed
        assert answer["sections"] == [c for c, _ in PLAINTEXTS]
        env = E.parse(python_sealed)
        assert answer["recipients"] == [{"recipient_id": r.recipient_id, "key_id": r.key_id, "kem_id": r.kem_id,
                                         "section_ids": [w.section_id for w in r.wraps]} for r in env.recipients]

    def test_js_view_for_equals_python_view_for(self, python_sealed) -> None:
        for recipient, key_id, withhold in [(XWING_ID, XWING_KEY_ID, []), (XWING_ID, XWING_KEY_ID, [0, 2]),
                                            (X25519_ID, X25519_KEY_ID, [2])]:
            answer = run_node("view_for", {"envelope": b64(python_sealed), "recipient_id": recipient, "key_id": key_id,
                                           "withhold": withhold})
            assert unb64(answer["view"]) == E.view_for(python_sealed, recipient, key_id, withhold=set(withhold))


class TestJsSealsPythonOpens:
    def test_python_verifies_and_reserializes(self, js_sealed) -> None:
        env = E.verify(js_sealed, SENDER_PUBLIC)
        assert E.serialize(env) == js_sealed
        assert env.header == HEADER
        assert [(s.section_id, s.category) for s in env.sections] == [(i, c) for i, (c, _) in enumerate(PLAINTEXTS)]
        assert [(r.recipient_id, r.key_id, r.kem_id, sorted(r.section_ids)) for r in env.recipients] == [
            (XWING_ID, XWING_KEY_ID, E.KEM_XWING, [0, 1, 2]), (X25519_ID, X25519_KEY_ID, E.KEM_X25519, [0, 2])]

    @pytest.mark.parametrize("recipient, private, sections", [
        (XWING_ID, XWING_SEED, [0, 1, 2]), (X25519_ID, X25519_KEY, [0, 2]),
    ], ids=["x-wing", "x25519"])
    def test_python_opens_the_js_envelope(self, js_sealed, recipient, private, sections) -> None:
        key_id = XWING_KEY_ID if recipient == XWING_ID else X25519_KEY_ID
        view = E.view_for(js_sealed, recipient, key_id)
        opened = E.open_view(view, identity_encryption_private=private, sender_public_key=SENDER_PUBLIC,
                             recipient_id=recipient, key_id=key_id)
        assert opened.header == HEADER
        assert [(s.section_id, s.category, s.plaintext) for s in opened.sections] == [
            (i, PLAINTEXTS[i][0], PLAINTEXTS[i][1]) for i in sections]

    def test_js_seal_rejects_what_python_rejects(self) -> None:
        base = {"header": _js_header(), "sections": [{"category": "diagnosis", "plaintext": b64(b"x")}],
                "signing_key": b64(SIGNING_KEY)}
        xwing = {"recipient_id": XWING_ID, "key_id": XWING_KEY_ID, "kem_id": E.KEM_XWING,
                 "public_key": b64(keys.xwing_public_bytes(XWING_SEED)), "section_ids": [0]}
        bad = [
            {**base, "recipients": [{**xwing, "section_ids": [1]}]},  # no section 1
            {**base, "recipients": [xwing, xwing]},  # the same key twice
            {**base, "recipients": [{**xwing, "kem_id": 0x0041}]},  # unknown KEM
            {**base, "recipients": [{**xwing, "public_key": b64(bytes(32))}]},  # X-Wing key of 32 bytes
            {**base, "sections": [{"category": "has space", "plaintext": ""}], "recipients": [xwing]},
            {**base, "header": {**_js_header(), "messageId": "00000000-0000-0000-0000-000000000000"},
             "recipients": [xwing]},
            {**base, "header": {**_js_header(), "createdAt": 253402300800000}, "recipients": [xwing]},
        ]
        answers = run_node("batch", [{"cmd": "seal", "args": b} for b in bad])
        assert [a.get("error") for a in answers] == ["RangeError"] * len(bad), answers


class TestKeys:
    def test_js_public_keys_and_key_ids_equal_pythons(self) -> None:
        identity = keys.Identity(XWING_SEED, SIGNING_KEY, X25519_KEY)
        answer = run_node("public_keys", {"identity": identity.to_json()})
        assert unb64(answer["encryptionPublic"]) == keys.xwing_public_bytes(XWING_SEED)
        assert len(unb64(answer["encryptionPublic"])) == 1216
        assert unb64(answer["signingPublic"]) == identity.signing_public
        assert unb64(answer["x25519Public"]) == keys.x25519_public_bytes(X25519_KEY)
        assert answer["encryptionKeyId"] == key_id_for(identity.encryption_public)
        assert answer["signingKeyId"] == key_id_for(identity.signing_public)
        assert answer["x25519KeyId"] == key_id_for(keys.x25519_public_bytes(X25519_KEY))

    def test_js_generated_identity_works_in_python(self) -> None:
        generated = run_node("keygen", {"x25519": True})["identity"]
        identity = keys.Identity.from_json(generated)
        answer = run_node("public_keys", {"identity": generated})
        assert unb64(answer["encryptionPublic"]) == identity.encryption_public  # seed → public on both sides
        assert unb64(answer["signingPublic"]) == identity.signing_public
        keys.xwing_private_from_seed(identity.encryption_seed)  # a valid X-Wing private key for Python


# --- forms ------------------------------------------------------------------------------------

CATALOG = kinds.catalog()

MORE_EXAMPLES: list[tuple[str, dict]] = [
    # defaults filled in, blank text left out
    ("nav_request", {"question": "  Hva er status?\r\nSvar innen fristen.  ",
                     "requested_categories": ["treatment_status"], "legal_basis": "   "}),
    ("meeting_invitation", {
        "meeting_type": "dialogue_meeting_1", "starts_at": "2026-04-14T09:00+02:00",
        "video_link": "https://Video.Example.NO/møte rom?x=æ", "participants": [{"party": "gp", "name": ""},
                                                                                 {"party": "employee", "name": None}],
        "agenda": None, "place": "",
    }),
    ("meeting_change", {"meeting_type": "other_meeting", "starts_at": "2026-04-16T11:00:00.250-00:00",
                        "place": "\u00a0Kantina\u3000", "duration_minutes": 45}),
    ("note", {"category": "psychosocial",
              "text": "Sa\u0308rlig viktig:\tHan ønsker \"ro\" \\ tid.\u2028Neste linje 😀"}),
    ("minutes", {"held_on": "2026-04-14", "summary": "Kort.", "participants": [],
                 "tasks": [{"party": "employer", "task": "Ring", "due_date": None}]}),
    ("follow_up_plan", {**EXAMPLES["follow_up_plan"], "employee_contributed": False,
                        "employee_not_contributed_reason": "Sykmeldt i hele perioden."}),
    ("adaptation_question", {"job_description": "Lager", "other_question": "Kan han løfte?", "questions": []}),
    ("functional_assessment", {"functional_ability": "😀" * 4000, "diagnosis": "</script><b>x</b>"}),
    ("nav_request_answer", {"diagnosis": "Z00.0", "sick_leave": "100 %"}),
    ("meeting_response", {"answer": "coming"}),
    ("meeting_cancellation", {"reason": "Line 1\r\nLine 2\n\n"}),
]
ALL_EXAMPLES = [(k, EXAMPLES[k]) for k in sorted(EXAMPLES)] + MORE_EXAMPLES


def _js_split_all(examples: list[tuple[str, dict]]) -> list[dict]:
    requests = [{"cmd": "split", "args": {"catalog": CATALOG, "kind": k, "form": f}} for k, f in examples]
    return run_node("batch", requests)


def test_every_kind_has_a_realistic_example() -> None:
    assert {k for k, _ in ALL_EXAMPLES} == {k.value for k in kinds.Kind}


def test_js_split_gives_pythons_bytes_for_every_kind() -> None:
    answers = _js_split_all(ALL_EXAMPLES)
    for (kind, form), answer in zip(ALL_EXAMPLES, answers):
        assert "error" not in answer, (kind, answer)
        expected = [(c.value, data) for c, data in kinds.split(kind, form).items()]
        got = [(s["category"], unb64(s["plaintext"])) for s in answer["sections"]]
        assert got == expected, kind


def test_js_join_reads_python_sections_as_python_does() -> None:
    requests, expected = [], []
    for kind, form in ALL_EXAMPLES:
        sections = kinds.split(kind, form)
        variants = [dict(sections)]
        if len(sections) > 1:  # and with the last category withheld
            variants.append({**sections, list(sections)[-1]: None})
        for variant in variants:
            requests.append({"cmd": "join", "args": {"catalog": CATALOG, "kind": kind, "sections": [
                {"category": c.value, "plaintext": None if d is None else b64(d)} for c, d in variant.items()]}})
            expected.append(kinds.join(kind, variant))
    answers = run_node("batch", requests)
    assert any(e["withheld"] for e in expected)
    for answer, want in zip(answers, expected):
        assert answer == want
        assert list(answer["form"]) == list(want["form"])  # field order too


@pytest.mark.parametrize("kind, section, data", [
    ("note", "sick_leave", b"\xff\xfe"),
    ("meeting_response", "follow_up_plan", b'{"answer": "coming"}'),
    ("meeting_response", "follow_up_plan", b'{"comment":"x","answer":"coming"}'),
    ("meeting_response", "follow_up_plan", b"{}"),
    ("meeting_response", "follow_up_plan", b"[]"),
    ("meeting_response", "diagnosis", b'{"answer":"coming"}'),
    ("functional_assessment", "diagnosis", b'{"suggested_grade":50}'),
    ("functional_assessment", "functional_ability", b'{"functional_ability":"x","surprise":1}'),
    ("meeting_response", "follow_up_plan", b'{"answer":"maybe"}'),
    ("meeting_response", "follow_up_plan", '{"answer":"coming","comment":"\\u00e6"}'.encode()),
])
def test_js_join_rejects_what_python_rejects(kind, section, data) -> None:
    with pytest.raises(kinds.KindError):
        kinds.join(kind, {section: data})
    sections = [{"category": section, "plaintext": b64(data)}]
    answer = run_node("join", {"catalog": CATALOG, "kind": kind, "sections": sections})
    assert answer.get("error") == "KindError", answer


INVALID_FORMS: list[tuple[str, dict]] = [
    ("adaptation_question", {"job_description": "Lager"}),  # _asks_something
    ("adaptation_question", {"job_description": "Lager", "questions": ["starting_grade", "starting_grade"]}),
    ("adaptation_question", {"job_description": "Lager", "other_question": "x", "proposed_grade": 0}),
    ("nav_request", {"question": "Hva?", "requested_categories": ["diagnosis", "diagnosis"]}),  # _unique
    ("nav_request", {"requested_categories": ["diagnosis"]}),  # question missing
    ("nav_request", {"question": "Hva?", "requested_categories": ["diagnosis"], "answer_within_days": 91}),
    ("nav_request", {"question": "Hva?", "requested_categories": ["diagnosis"], "answer_within_days": "21"}),
    ("nav_request", {"question": "Hva?", "requested_categories": ["everything"]}),
    ("nav_request", {"question": "Hva?", "requested_categories": ["diagnosis"], "request_type": "other"}),
    ("nav_request_answer", {}),  # _answers_something
    ("nav_request_answer", {"diagnosis": "   "}),
    ("meeting_invitation", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00+02:00"}),  # _where
    ("meeting_invitation", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00", "place": "x"}),
    ("meeting_invitation", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00Z",
                            "video_link": "http://video.example.no/"}),
    ("meeting_invitation", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00Z", "place": "x",
                            "participants": [{"party": "gp"}] * 21}),
    ("meeting_invitation", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00Z", "place": "x",
                            "participants": [{"name": "Hansen"}]}),
    ("meeting_change", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00Z", "place": "x",
                        "duration_minutes": 10}),
    ("follow_up_plan", {**EXAMPLES["follow_up_plan"], "employee_contributed": False}),  # _contribution
    ("follow_up_plan", {**EXAMPLES["follow_up_plan"], "employee_not_contributed_reason": "x"}),
    ("follow_up_plan", {**EXAMPLES["follow_up_plan"], "send_to_gp": "true"}),
    ("follow_up_plan_ack", {"acknowledgement": "read_with_comments"}),  # _comment_given
    ("follow_up_plan_ack", {"acknowledgement": "maybe"}),
    ("minutes", {"held_on": "2026-02-30", "summary": "x"}),
    ("minutes", {"held_on": "2026-04-14", "summary": "x", "tasks": [{"party": "employer"}]}),
    ("note", {"category": "everything", "text": "x"}),
    ("note", {"category": "diagnosis", "text": "bell \x07"}),
    ("meeting_cancellation", {"reason": "x" * 1001}),
    ("functional_assessment", {"functional_ability": "😀" * 4001}),
    ("meeting_response", {"answer": "coming", "surprise": "x"}),
    ("meeting_response", {"answer": "coming", "comment": 5}),
]


def test_js_rejects_every_form_python_rejects() -> None:
    for kind, form in INVALID_FORMS:
        with pytest.raises(kinds.KindError):
            kinds.split(kind, form)
    answers = _js_split_all(INVALID_FORMS)
    accepted = [(kind, form) for (kind, form), a in zip(INVALID_FORMS, answers) if a.get("error") != "KindError"]
    assert not accepted


def test_js_mirrors_every_python_cross_field_rule() -> None:
    python_rules = {}
    for spec in kinds.KINDS.values():
        validators = spec.form.__pydantic_decorators__.model_validators
        names = sorted(n for n, d in validators.items() if d.info.mode == "after")
        if names:
            python_rules[spec.kind.value] = names
    assert run_node("rules") == python_rules


@pytest.mark.parametrize("field_type, kind, name, base, values, must_accept", [
    ("datetime", "meeting_change", "starts_at", {"meeting_type": "other_meeting", "place": "x"}, [
        "2026-04-14T09:00:00+02:00", "2026-04-14T09:00+02:00", "2026-04-14T07:00:00Z", "2026-04-14T07:00:00+00:00",
        "2026-04-14T07:00:00.5+01:00", "2026-04-14T07:00:00.123456789-05:30", "2026-04-14 07:00:00+01:00",
        "2026-04-14T07:00:00+0100", "2026-04-14T07:00:00-00:00", "2026-04-14t07:00:00z",
        "2026-04-14T07:00:00.000+02:00",
        "2028-02-29T23:59:59.999999+14:00", "2026-04-14T07:00:00+01", "2026-04-14T07:00:00+01:00:30",
        "2026-04-14T07:00:60+01:00", "2026-04-14T24:00:00Z", "2027-02-29T10:00:00Z", "2026-04-14T07:00:00",
        "2026-04-14", "2026-4-14T07:00:00Z", "", "2026-04-14T07:00:00+24:00", "2026-04-14T07:00:00.Z",
    ], 12),
    ("url", "meeting_change", "video_link", {"meeting_type": "other_meeting", "starts_at": "2026-04-14T09:00:00Z"}, [
        "https://video.example.no/dialogmote/abc", "https://Video.Example.NO", "https://example.no/a b?q=æ#x",
        "https://bücher.example/", "https://example.no:443/x", "https://example.no:8443/x",
        "https://example.no/../a/./b",
        " https://example.no/ ", "https://user:pw@example.no/", "HTTPS://EXAMPLE.NO/A", "https://[::1]/",
        "https://127.0.0.1:9/", "https://example.no/%7e?%41", "http://example.no", "ftp://example.no",
        "https://", "not a url", "https:example.no", "https://exa mple.no/",
    ], 13),
    ("date", "minutes", "held_on", {"summary": "x"}, [
        "2026-04-14", "2024-02-29", "0001-01-01", "9999-12-31", "2026-02-30", "2026-4-14", "2026-04-14T00:00:00",
        "2023-02-29", "0000-01-01", "20260414",
    ], 4),
    ("text", "meeting_cancellation", "reason", {}, [
        "  a  ", "a\r\nb", "a\rb", "a\tb", "a\u00a0", "\u1680a\u180e", "\u200ba\u200b", "\ufeffa\ufeff", "\x1cA\x1f",
        "A\x85", "e\u0301", "\u212b", "a\x07", "a\x7f", "a\x00", "\u2028a\u2029", "a\u0085b",
    ], 9),
])
def test_js_normalises_values_exactly_as_pydantic(field_type, kind, name, base, values, must_accept) -> None:
    """Whatever JS accepts, Python accepts with the same value; the common spellings JS accepts."""
    requests = [{"cmd": "validate", "args": {"catalog": CATALOG, "kind": kind, "form": {**base, name: v}}}
                for v in values]
    answers = run_node("batch", requests)
    for n, (value, answer) in enumerate(zip(values, answers)):
        try:
            expected = kinds.validate(kind, {**base, name: value}).get(name)
        except kinds.KindError:
            expected = None
        if "error" in answer:
            assert n >= must_accept, f"JS rejects {value!r}, which Python takes as {expected!r}: {answer}"
        else:
            assert answer["form"].get(name) == expected, value


def test_canonical_json_matches_python() -> None:
    value = {"b": [1, "ø", {"z": True, "a": None}], "a": "\"\\\t\n\r\u2028\u007f😀</script>", "ä": False, "A": -5}
    assert run_node("canonical", {"value": value})["text"].encode() == kinds._canonical(value)


# --- backups ------------------------------------------------------------------------------------


def test_backup_parity_pbkdf2_and_unicode_passphrases() -> None:
    identity = keys.Identity(XWING_SEED, SIGNING_KEY, X25519_KEY)
    js = run_node("backup_wrap", {"identity": identity.to_json(), "passphrase": "Blåbærsyltetøy på\u00a0brødskiva",
                                  "kdf": "pbkdf2-sha256"})["backup"]
    assert js["kdf"] == "pbkdf2-sha256" and js["params"] == {"iterations": 600000}
    assert set(js) == {"v", "kdf", "params", "salt", "nonce", "ciphertext"}
    # the same passphrase typed decomposed (NFD) opens it: both sides normalise to NFC
    assert backup.unwrap(json.dumps(js), "Bla\u030abærsyltetøy pa\u030a\u00a0brødskiva") == identity
    py = backup.wrap(identity, "Bla\u030abær")
    assert run_node("backup_unwrap", {"backup": py, "passphrase": "Blåbær"})["identity"] == identity.to_json()
    assert run_node("backup_unwrap", {"backup": py, "passphrase": "blåbær"})["error"] == "WrongPassphrase"


# --- the node test suite ------------------------------------------------------------------------


def test_node_test_suite_passes() -> None:
    """web/frontend/test/*.test.js, including every envelope vector, under node's test runner."""
    files = sorted(str(p.relative_to(FRONTEND)) for p in (FRONTEND / "test").glob("*.test.js"))
    assert "test/vectors.test.js" in files
    done = subprocess.run([node_binary(), "--test", *files], cwd=FRONTEND, capture_output=True, text=True, timeout=600)
    summary = "\n".join(line for line in done.stdout.splitlines() if line.startswith("# "))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in summary and "# skipped 0" in summary, summary
