"""Exclusions that hold (issue 9): an excluded person cannot be added to the case (the
adder gets the ordinary refusal, the employee is told), excluding a participant ends
their participation, and afterwards they get the outsider's answer everywhere."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text

from tests.support.tokens import portal_login

MADE_UP = "1b4e28ba-2fa1-41d2-883f-0016d3cca499"


def _rows(world, sql: str, **params) -> int:
    with world.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _same_as_made_up(person, path_template: str, real: str) -> tuple[int, int]:
    """The answer for the real id and for a made-up one must be the same refusal."""
    a = person.get(path_template.format(real))
    b = person.get(path_template.format(MADE_UP))
    assert a.status_code == b.status_code and a.json()["code"] == b.json()["code"], (a.text, b.text)
    assert a.text.replace(real, "<id>") == b.text.replace(MADE_UP, "<id>")
    return a.status_code, b.status_code


def test_the_gp_cannot_add_an_excluded_person_and_the_employee_is_told(world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen, gp = world.person("hansen"), world.person("solberg")
    hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": d["kari"]}), 201)
    participants = "SELECT count(*) FROM case_participant WHERE case_id = :c AND actor_id = :a"
    log_size = "SELECT count(*) FROM disclosure_log"
    before = _rows(world, log_size)

    refused = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["kari"], "reason": "HR hjelper til"})
    stranger = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["rask"], "reason": "HR hjelper til"})
    # The same refusal as for anyone who cannot be added: nothing tells of the exclusion.
    assert refused.status_code == stranger.status_code == 422
    assert refused.json()["code"] == stranger.json()["code"] == "CANNOT_BE_ADDED"
    assert refused.json()["message"].replace("Kari Nilsen", "X") == stranger.json()["message"].replace("Tom Rask", "X")
    assert _rows(world, participants, c=case_id, a=d["kari"]) == 0
    assert _rows(world, log_size) == before + 1  # only the entry that tells Hansen
    log = hansen.ok(hansen.get("/consent/log"))["entries"]
    attempt = [e for e in log if e["tag"] == "case:participant:refused"]
    assert len(attempt) == 1 and attempt[0]["actor_id"] == d["solberg"] and attempt[0]["recipient_id"] == d["kari"]
    assert _same_as_made_up(world.person("kari"), "/cases/{}", case_id) == (404, 404)

    with httpx.Client(base_url=world.base_url, timeout=30) as browser:
        portal_login(browser, world.base_url, "hansen")
        page = browser.get("/portal").text
    assert "Ingrid Solberg prøvde å legge til Kari Nilsen i saken din" in page


def test_excluding_a_participant_ends_it_everywhere_and_lifting_does_not_bring_them_back(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen, lise = world.person("hansen"), world.person("lise")
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["lise"]], topic="conversation")["id"]
    assert lise.get(f"/cases/{case_id}").status_code == 200

    exclusion = hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": d["lise"]}), 201)
    for path in ("/cases/{}", "/cases/{}/threads", "/cases/{}/relations"):
        assert _same_as_made_up(lise, path, case_id) == (404, 404)
    assert _same_as_made_up(lise, f"/cases/{case_id}/threads/{{}}/messages", thread) == (404, 404)
    assert lise.ok(lise.get("/cases")) == []
    people = {p["actor_id"] for p in hansen.ok(hansen.get(f"/cases/{case_id}"))["participants"]}
    assert d["lise"] not in people
    # Gone from the thread too: no keys, no messages, no names for her there.
    solberg = world.person("solberg")
    members = next(t["member_ids"] for t in solberg.ok(solberg.get(f"/cases/{case_id}/threads")) if t["id"] == thread)
    assert members == [d["solberg"]]

    hansen.ok(hansen.post(f"/consent/exclusions/{exclusion['id']}/lift"))
    assert lise.get(f"/cases/{case_id}").status_code == 404  # lifting does not add her back
    assert d["lise"] not in {p["actor_id"] for p in hansen.ok(hansen.get(f"/cases/{case_id}"))["participants"]}


def test_everyone_at_the_employer_except_the_manager(world):
    d, o, case_id = world.demo.actors, world.demo.organisations, world.demo.cases["hansen"]
    hansen, gp = world.person("hansen"), world.person("solberg")
    made = hansen.ok(hansen.post("/consent/exclusions", json={
        "organisation_id": o["nordlys"], "except_ids": [d["lise"]]}), 201)
    assert made["organisation_name"] == "Nordlys Regnskap AS" and made["except_ids"] == [d["lise"]]
    assert made["actor_id"] is None
    assert world.person("lise").get(f"/cases/{case_id}").status_code == 200  # the exception stays
    for who in ("kari", "ole"):
        refused = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d[who], "reason": "trengs i saken"})
        assert refused.status_code == 422 and refused.json()["code"] == "CANNOT_BE_ADDED"
    # The decision agrees: nothing reaches Kari, whatever consent says.
    world.grant_from_hansen(d["kari"])
    decided = hansen.ok(hansen.post("/consent/decisions", json={
        "subject_id": d["hansen"], "sender_id": d["hansen"], "recipient_id": d["kari"],
        "category": "functional_ability", "purpose": "workplace_adaptation"}))
    assert decided["permitted"] is True  # his own flow: the employee may tell anyone himself
    asked = world.person("kari").post("/consent/decisions", json={
        "subject_id": d["hansen"], "sender_id": d["solberg"], "recipient_id": d["kari"],
        "category": "functional_ability", "purpose": "workplace_adaptation"})
    assert asked.status_code in (200, 404)
    if asked.status_code == 200:
        assert asked.json()["permitted"] is False and asked.json()["reason"] == "excluded"


def test_exclusion_input_is_checked(world):
    d, o = world.demo.actors, world.demo.organisations
    hansen = world.person("hansen")
    both = hansen.post("/consent/exclusions", json={"actor_id": d["lise"], "organisation_id": o["nordlys"]})
    neither = hansen.post("/consent/exclusions", json={})
    stray = hansen.post("/consent/exclusions", json={"actor_id": d["lise"], "except_ids": [d["kari"]]})
    assert both.status_code == neither.status_code == stray.status_code == 422
    assert "not both" in both.text and "except_ids" in stray.text
    assert hansen.post("/consent/exclusions", json={"organisation_id": MADE_UP}).status_code == 404
    assert _rows(world, "SELECT count(*) FROM consent_event WHERE kind = 'excluded'") == 0


def test_the_portal_confirms_before_it_excludes_removes_or_lifts(world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    with httpx.Client(base_url=world.base_url, timeout=30) as browser:
        portal_login(browser, world.base_url, "hansen")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', browser.get("/portal").text).group(1)
        confirm = browser.get(f"/portal/cases/{case_id}/participants/{d['vold']}/remove")
        assert confirm.status_code == 200 and "Ta Heidi Vold ut av saken?" in confirm.text
        assert world.person("vold").get(f"/cases/{case_id}").status_code == 200  # nothing happened yet
        done = browser.post(f"/portal/cases/{case_id}/participants/{d['vold']}/remove", data={"csrf_token": csrf},
                            follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/portal#people-notice"
        assert "Heidi Vold er tatt ut av saken." in browser.get("/portal").text
        assert world.person("vold").get(f"/cases/{case_id}").status_code == 404
        # Without the CSRF token nothing happens.
        assert browser.post("/portal/exclusions", data={"actor_id": d["eide"]}, follow_redirects=False).status_code == 403
        ask = browser.get("/portal/exclusions/new", params={"actor_id": d["eide"]})
        assert "Steng ute Maria Eide?" in ask.text
        browser.post("/portal/exclusions", data={"csrf_token": csrf, "actor_id": d["eide"]}, follow_redirects=False)
        assert world.person("eide").get(f"/cases/{case_id}").status_code == 404
        page = browser.get("/portal").text
        assert "Maria Eide er nå stengt ute. Disse er tatt ut av saken: Maria Eide." in page
        exclusion = world.person("hansen").ok(world.person("hansen").get("/consent/exclusions"))[0]["id"]
        assert "Oppheve utestengingen av Maria Eide?" in browser.get(f"/portal/exclusions/{exclusion}/lift").text
        browser.post(f"/portal/exclusions/{exclusion}/lift", data={"csrf_token": csrf}, follow_redirects=False)
        assert "Utestengingen av Maria Eide er opphevet." in browser.get("/portal").text
        # Someone else's ids: the same page as for made-up ones.
        assert browser.get(f"/portal/exclusions/{MADE_UP}/lift").status_code == 404
        assert browser.get(f"/portal/cases/{world.demo.cases['tore']}/participants/{d['aas']}/remove").status_code == 404
