"""Idempotency keys over HTTP: every POST that creates or changes something, sent twice
with the same ``Idempotency-Key``, acts once and answers twice the same; the same key
for a different request is refused and writes nothing; two requests with one key at the
same moment have one effect.  Portal forms do the same with their hidden key."""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import inspect, text

from tests.support.scene import QUESTION, REQUEST_REASON, TOPIC, CaseScene, furnish_case, keyed_client
from tests.support.tokens import portal_login

UNTIL = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()


def _snapshot(engine) -> dict[str, int]:
    """Rows in every table but the key store itself."""
    names = [n for n in inspect(engine).get_table_names() if n not in ("idempotency_key", "alembic_version")]
    with engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def _new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Call:
    who: str
    path: str
    body: dict | None
    status: int


def _sealed_message(world, scene: CaseScene) -> dict:
    with keyed_client(world.base_url, world.settings.data_dir, "lise") as lise:
        sealed = lise.seal(scene.case_id, scene.thread_id, TOPIC, QUESTION)
    return {"envelope": base64.urlsafe_b64encode(sealed).rstrip(b"=").decode(), "purposes": {}}


# Each route that writes, as one caller who may call it, aimed at Hansen's furnished case.
ROUTES: dict[str, Callable[..., Call]] = {
    "grant": lambda w, s: Call("hansen", "/consent/grants", {
        "recipient": {"kind": "person", "id": w.demo.actors["vold"]}, "categories": ["work_tasks"],
        "purposes": ["workplace_adaptation"], "valid_to": UNTIL, "case_id": s.case_id}, 201),
    "revoke": lambda w, s: Call("hansen", f"/consent/grants/{s.grant_ids[1]}/revoke", None, 200),
    "exclusion": lambda w, s: Call("hansen", "/consent/exclusions", {"actor_id": w.demo.actors["kari"]}, 201),
    "lift": lambda w, s: Call("hansen", f"/consent/exclusions/{s.exclusion_id}/lift", None, 200),
    "consent_request": lambda w, s: Call("lise", "/consent/requests", {
        "subject_id": s.employee_id, "reason": REQUEST_REASON, "grant": {
            "recipient": {"kind": "person", "id": w.demo.actors["lise"]}, "categories": ["functional_ability"],
            "purposes": ["workplace_adaptation"], "valid_to": UNTIL, "case_id": s.case_id}}, 201),
    "answer": lambda w, s: Call("hansen", f"/consent/requests/{s.request_id}/answer", {"accept": True}, 200),
    "nav_request": lambda w, s: Call("eide", "/consent/nav-requests", {
        "subject_id": s.employee_id, "addressee_id": w.demo.actors["vold"], "categories": ["functional_ability"]}, 201),
    "decision": lambda w, s: Call("lise", "/consent/decisions", {
        "subject_id": s.employee_id, "recipient_id": w.demo.actors["lise"], "sender_id": w.demo.actors["solberg"],
        "category": "functional_ability", "purpose": "workplace_adaptation", "case_id": s.case_id}, 200),
    "case": lambda w, s: Call("tore", "/cases", {"start_date": (date.today() - timedelta(days=3)).isoformat(), "grade": 50}, 201),
    "participant": lambda w, s: Call("lise", f"/cases/{s.case_id}/participants", {
        "actor_id": w.demo.actors["kari"], "reason": "HR hjelper med tilrettelegging"}, 201),
    "remove_participant": lambda w, s: Call("hansen", f"/cases/{s.case_id}/participants/{w.demo.actors['vold']}/remove", None, 204),
    "grade": lambda w, s: Call("solberg", f"/cases/{s.case_id}/grades", {"from_date": date.today().isoformat(), "grade": 60}, 201),
    "thread": lambda w, s: Call("lise", f"/cases/{s.case_id}/threads", {"member_ids": [w.demo.actors["solberg"]], "topic": "conversation"}, 201),
    "key_handout": lambda w, s: Call("lise", f"/cases/{s.case_id}/threads/{s.thread_id}/keys", {
        "categories": ["functional_ability"], "purpose": "workplace_adaptation"}, 200),
    "message": lambda w, s: Call("lise", f"/cases/{s.case_id}/threads/{s.thread_id}/messages", _sealed_message(w, s), 201),
    "receipt": lambda w, s: Call("solberg", f"/messages/{s.message_id}/read", None, 200),
    "recall": lambda w, s: Call("lise", f"/messages/{s.message_id}/recall", None, 200),
    "key": lambda w, s: Call("ole", "/directory/me/keys", {"purpose": "signing", "algorithm": "Ed25519", "public_key": _new_signing_key()}, 201),
}


@pytest.fixture
def scene(world) -> CaseScene:
    return furnish_case(world.base_url, world.settings.data_dir, world.demo)


def _post(person, call: Call, key: str, body=...) -> httpx.Response:
    payload = call.body if body is ... else body
    headers = {"Idempotency-Key": key}
    if payload is None:
        return person.http.post(call.path, headers=headers)
    return person.http.post(call.path, json=payload, headers=headers)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_repeat_with_the_same_key_answers_the_same_and_writes_nothing(world, scene, route):
    call = ROUTES[route](world, scene)
    person = world.person(call.who)
    key = str(uuid.uuid4())
    before = _snapshot(world.engine)
    first = _post(person, call, key)
    assert first.status_code == call.status, first.text
    after_first = _snapshot(world.engine)
    assert after_first != before, "the first request wrote nothing"

    again = _post(person, call, key)
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers.get("idempotent-replayed") == "true"
    assert _snapshot(world.engine) == after_first

    changed = _post(person, call, key, body={"something": "else"})
    assert changed.status_code == 422, changed.text
    assert changed.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "different request" in changed.json()["message"]
    assert _snapshot(world.engine) == after_first

    # Another caller's key space is its own: the same key is new to Hansen's GP.
    other = world.person("solberg" if call.who != "solberg" else "lise")
    stranger = other.http.post("/consent/decisions", headers={"Idempotency-Key": key}, json={
        "subject_id": scene.employee_id, "recipient_id": other.actor_id, "category": "sick_leave",
        "purpose": "workplace_adaptation"})
    assert stranger.headers.get("idempotent-replayed") is None
    assert stranger.json().get("code") != "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize("route", ["grant", "consent_request", "message", "thread"])
def test_two_requests_with_one_key_at_the_same_moment_have_one_effect(world, scene, route):
    call = ROUTES[route](world, scene)
    person = world.person(call.who)
    key = str(uuid.uuid4())
    before = _snapshot(world.engine)
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def fire() -> None:
        with httpx.Client(base_url=world.base_url, headers=dict(person.http.headers), timeout=60) as client:
            start.wait()
            answers.append(client.post(call.path, json=call.body, headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert [a.status_code for a in answers] == [call.status, call.status], [a.text for a in answers]
    assert answers[0].content == answers[1].content
    assert sorted(a.headers.get("idempotent-replayed", "") for a in answers) == ["", "true"]  # one ran, one waited
    # Exactly what one request writes: the same tables grew as after a single call.
    after = _snapshot(world.engine)
    once = _post(person, call, str(uuid.uuid4())) if route in ("grant", "thread") else None
    if once is not None:
        assert once.status_code == call.status
        grown_by_one = {k: v - after[k] for k, v in _snapshot(world.engine).items() if v != after[k]}
        grown_by_two = {k: v - before[k] for k, v in after.items() if v != before[k]}
        assert grown_by_two == grown_by_one
    else:
        assert after != before


def test_a_refused_request_frees_its_key(world, scene):
    hansen = world.person("hansen")
    key = str(uuid.uuid4())
    bad = hansen.http.post("/consent/grants", headers={"Idempotency-Key": key}, json={
        "recipient": {"kind": "person", "id": world.demo.actors["vold"]}, "categories": ["shoe_size"],
        "purposes": ["workplace_adaptation"], "valid_to": UNTIL})
    assert bad.status_code == 422
    good = hansen.http.post("/consent/grants", headers={"Idempotency-Key": key}, json={
        "recipient": {"kind": "person", "id": world.demo.actors["vold"]}, "categories": ["work_tasks"],
        "purposes": ["workplace_adaptation"], "valid_to": UNTIL})
    assert good.status_code == 201, good.text


def test_a_malformed_key_is_refused_with_a_clear_message(world):
    hansen = world.person("hansen")
    response = hansen.http.post("/consent/exclusions", headers={"Idempotency-Key": "no spaces please"},
                                json={"actor_id": world.demo.actors["kari"]})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["message"]


def test_a_portal_form_submitted_twice_gives_one_consent(world, scene):
    with httpx.Client(base_url=world.base_url, timeout=30) as browser:
        portal_login(browser, world.base_url, "hansen")
        page = browser.get("/portal").text
        form = page[page.index('id="grant-form"'):]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
        fields = {"csrf_token": csrf, "idempotency_key": key, "case_id": scene.case_id,
                  "recipient": f"person:{world.demo.actors['vold']}", "categories": "work_tasks",
                  "purpose": "workplace_adaptation", "weeks": "8"}
        before = _snapshot(world.engine)
        first = browser.post("/portal/grants", data=fields, follow_redirects=False)
        assert first.status_code == 303
        after = _snapshot(world.engine)
        second = browser.post("/portal/grants", data=fields, follow_redirects=False)
        assert second.status_code == 303 and second.headers["location"] == first.headers["location"]
        assert _snapshot(world.engine) == after != before
        # The confirmation is shown once more after the repeat, not lost.
        assert 'data-testid="flash"' in browser.get("/portal").text

