"""Bad input gets a 4xx a person can act on and writes nothing; one case never leaks
into another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.support.tokens import portal_login

TABLES = ("consent_event", "consent_request", "nav_request", "disclosure_log", "public_key")


def _counts(world) -> dict[str, int]:
    with world.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _grant_body(world, **changes):
    body = {
        "recipient": {"kind": "person", "id": world.demo.actors["lise"]},
        "categories": ["functional_ability"],
        "purposes": ["workplace_adaptation"],
        "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"categories": ["shoe_size"]}, 422, "functional_ability"),
        ({"categories": []}, 422, "categories"),
        ({"purposes": ["marketing"]}, 422, "workplace_adaptation"),
        ({"valid_from": "2026-05-01T00:00:00Z", "valid_to": "2026-04-01T00:00:00Z"}, 422, "valid_to must be after valid_from"),
        ({"valid_to": "2020-01-01T00:00:00Z"}, 422, "in the past"),
        ({"valid_to": "2026-04-01T00:00:00"}, 422, "timezone"),
        ({"valid_to": (datetime.now(UTC) + timedelta(days=800)).isoformat()}, 422, "at most 366 days"),
        ({"recipient": {"kind": "person", "id": "not-an-id"}}, 422, "is not a samband id"),
        ({"recipient": {"kind": "person", "id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427"}}, 404, "no actor with id"),
        ({"recipient": {"kind": "role", "id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427"}}, 422, "names a role"),
        ({"direction": "both"}, 422, "needs a discloser"),
        ({"colour": "blue"}, 422, "colour"),
    ],
)
def test_bad_grant_is_refused_with_a_clear_message_and_writes_nothing(world, changes, status, says):
    hansen = world.person("hansen")
    before = _counts(world)
    response = hansen.post("/consent/grants", json=_grant_body(world, **changes))
    assert response.status_code == status, response.text
    assert says in response.json()["message"]
    assert _counts(world) == before


def test_grant_on_someone_elses_case_is_not_found_and_writes_nothing(world):
    hansen = world.person("hansen")
    before = _counts(world)
    response = hansen.post("/consent/grants", json=_grant_body(world, case_id=world.demo.cases["tore"]))
    assert response.status_code == 404 and response.json()["code"] == "CASE_NOT_FOUND"
    assert _counts(world) == before
    own = hansen.post("/consent/grants", json=_grant_body(world, case_id=world.demo.cases["hansen"]))
    assert own.status_code == 201


def test_only_the_employee_gives_consent(world):
    lise = world.person("lise")
    before = _counts(world)
    response = lise.post("/consent/grants", json=_grant_body(world))
    assert response.status_code == 403 and response.json()["code"] == "NOT_THE_SUBJECT"
    assert _counts(world) == before


def test_manager_at_another_employer_learns_nothing_about_hansen(world):
    rask = world.person("rask")  # nearest manager at Havbris, unrelated to Hansen
    hansen_id = world.demo.actors["hansen"]
    missing_id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    before = _counts(world)

    def decision(subject):
        return rask.post("/consent/decisions", json={"subject_id": subject, "recipient_id": rask.actor_id, "category": "sick_leave", "purpose": "workplace_adaptation"})

    real, fake = decision(hansen_id), decision(missing_id)
    assert real.status_code == fake.status_code == 404
    assert real.json()["code"] == fake.json()["code"] == "SUBJECT_NOT_FOUND"
    assert real.json()["message"].replace(hansen_id, "X") == fake.json()["message"].replace(missing_id, "X")

    assert rask.get(f"/directory/actors/{hansen_id}").status_code == 404
    assert rask.get(f"/cases/{world.demo.cases['hansen']}").status_code == 404
    assert rask.ok(rask.get("/cases")) == [c for c in rask.ok(rask.get("/cases")) if c["employee_id"] != hansen_id]
    assert rask.ok(rask.get("/directory/search", params={"q": "Per Hansen"})) == []
    # Nor by his national identity number: only NAV may look people up by it.
    with world.engine.connect() as conn:
        nid = conn.execute(text("SELECT national_id FROM actor WHERE id = :i"), {"i": hansen_id}).scalar_one()
    assert rask.ok(rask.get("/directory/search", params={"q": nid})) == []
    ask = rask.post("/consent/requests", json={"subject_id": hansen_id, "reason": "please", "grant": _grant_body(world)})
    assert ask.status_code == 404
    assert _counts(world) == before


def test_nav_finds_a_person_by_national_id_masked(world):
    nav = world.person("eide")
    with world.engine.connect() as conn:
        nid = conn.execute(text("SELECT national_id FROM actor WHERE id = :i"), {"i": world.demo.actors["hansen"]}).scalar_one()
    found = nav.ok(nav.get("/directory/search", params={"q": nid}))
    assert [a["name"] for a in found] == ["Per Hansen"]
    assert found[0]["national_id_masked"] == "*******" + nid[-4:]
    assert nid not in nav.get("/directory/search", params={"q": nid}).text


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/directory/search", {"q": ""}, 422, "q"),
        ("/directory/search", {"q": "!!!"}, 422, "at least one letter"),
        ("/directory/search", {"q": "lege", "limit": 1000}, 422, "limit"),
        ("/directory/search", {"q": "lege", "role": "wizard"}, 422, "gp"),
    ],
)
def test_bad_search_is_refused_clearly(world, path, params, status, says):
    response = world.person("eide").get(path, params=params)
    assert response.status_code == status and says in response.json()["message"]


def test_bad_decision_query_is_refused_and_not_logged(world):
    gp = world.person("solberg")
    before = _counts(world)
    r = gp.post("/consent/decisions", json={"subject_id": world.demo.actors["hansen"], "recipient_id": "x", "category": "diagnosis", "purpose": "workplace_adaptation"})
    assert r.status_code == 422 and "recipient_id" in r.json()["message"]
    r = gp.post("/consent/decisions", json={"subject_id": world.demo.actors["hansen"], "recipient_id": world.demo.actors["lise"], "category": "gossip", "purpose": "workplace_adaptation"})
    assert r.status_code == 422 and "category" in r.json()["message"]
    assert _counts(world) == before


def test_nav_request_only_from_nav(world):
    gp = world.person("solberg")
    r = gp.post("/consent/nav-requests", json={"subject_id": world.demo.actors["hansen"], "addressee_id": gp.actor_id, "categories": ["diagnosis"]})
    assert r.status_code == 403 and "only NAV" in r.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("GET", "/cases/{case}%00", None, "the path"),
        ("GET", "/directory/search?q=lege%00", None, "the query string"),
        ("POST", "/cases/{case}/participants", {"actor_id": "{kari}", "reason": "HR\u0000 hjelper"}, "the body"),
    ],
)
def test_text_with_nul_is_refused_alike_on_every_database(world, method, path, body, where):
    # PostgreSQL cannot hold U+0000 in text: this was a 500 there (and a stored NUL on SQLite).
    hansen = world.person("hansen")
    ids = {"case": world.demo.cases["hansen"], "kari": world.demo.actors["kari"]}
    before = _counts(world)
    body = None if body is None else {k: v.format(**ids) for k, v in body.items()}
    response = hansen.http.request(method, path.format(**ids), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "INVALID_INPUT" and where in response.json()["message"]
    assert "NUL" in response.json()["message"]
    assert _counts(world) == before


def test_a_body_larger_than_any_route_takes_is_refused_before_it_is_buffered(world):
    from web.nul_guard import MAX_BODY_BYTES

    before = _counts(world)
    case = world.demo.cases["hansen"]
    huge = b'{"envelope": "' + b"A" * MAX_BODY_BYTES + b'"}'
    response = world.person("solberg").post(f"/cases/{case}/threads/x/messages", content=huge,
                                            headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "BODY_TOO_LARGE" and "8 MB" in response.json()["message"]
    assert _counts(world) == before


def test_a_body_that_is_not_utf8_is_invalid_input_in_the_usual_shape(world):
    response = world.person("hansen").post(
        "/consent/grants", content=b'{"categories": "\xff"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text  # was 400 {"detail": ...}, unlike every other error
    assert response.json()["code"] == "INVALID_INPUT" and "UTF-8" in response.json()["message"]


def test_the_log_from_before_a_number_past_any_entry_is_the_whole_log(world):
    # The log's seq is a 32-bit column: PostgreSQL refused the comparison, a 500 there.
    hansen = world.person("hansen")
    everything = hansen.ok(hansen.get("/consent/log"))["entries"]
    assert hansen.ok(hansen.get("/consent/log", params={"before": 12728151367}))["entries"] == everything
    with httpx.Client(base_url=world.base_url, timeout=30) as browser:
        assert portal_login(browser, world.base_url, "hansen").status_code == 303
        assert browser.get("/portal/log", params={"before": 12728151367}).status_code == 200


@pytest.mark.parametrize("route", ["/consent/exclusions", "/consent/grants"])
def test_an_employee_cannot_learn_of_another_employee_by_naming_them_in_a_consent(world, route):
    # Naming Hansen in Nina's exclusion or grant answered 201 with "Per Hansen": that he
    # exists, and his name, to someone with no relation to him.
    nina, hansen_id, missing_id = world.person("nina"), world.demo.actors["hansen"], "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

    def body(actor_id):
        if route == "/consent/exclusions":
            return {"actor_id": actor_id}
        return _grant_body(world, recipient={"kind": "person", "id": actor_id})

    before = _counts(world)
    real, fake = nina.post(route, json=body(hansen_id)), nina.post(route, json=body(missing_id))
    assert real.status_code == fake.status_code == 404, real.text
    assert real.json()["code"] == fake.json()["code"] == "ACTOR_NOT_FOUND"
    assert real.json()["message"].replace(hansen_id, "X") == fake.json()["message"].replace(missing_id, "X")
    assert "Hansen" not in real.text
    assert _counts(world) == before
    # A professional, whom everyone may find in the directory, can be named as before.
    assert nina.post(route, json=body(world.demo.actors["rask"])).status_code == 201
