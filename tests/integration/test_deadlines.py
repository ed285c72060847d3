"""Everything with a deadline, per person (issue 11, item 6): ``GET /me/deadlines`` on
the demo world with real acts — NAV's request with an answer-by date, a request for
consent waiting for the employee, a consent about to run out, and the statutory
milestones; each person sees only his own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from messaging import deadlines


def _mine(world, username: str, **params) -> list[dict]:
    person = world.person(username)
    return person.ok(person.get("/me/deadlines", params=params))


def test_each_person_sees_the_deadlines_they_are_involved_in(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    today = date.today()

    # NAV asks the GP, answer within 10 days.
    nav = clients("eide")
    thread = nav.start_thread(case_id, [d["solberg"]], topic="nav_request")["id"]
    request = nav.send(case_id, thread, "nav_request", {
        "question": "Hvordan er funksjonsevnen nå?", "requested_categories": ["functional_ability"],
        "answer_within_days": 10})
    # The GP asks Hansen for consent; Hansen gives his manager a consent that runs out in 5 days.
    gp = world.person("solberg")
    asked = gp.ok(gp.post("/consent/requests", json={
        "subject_id": d["hansen"], "reason": "Lederen din spør om tilrettelegging; jeg trenger samtykke for å svare.",
        "grant": {"recipient": {"kind": "person", "id": d["lise"]}, "categories": ["functional_ability"],
                  "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat()},
    }), 201)
    hansen = world.person("hansen")
    grant = hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "person", "id": d["lise"]}, "categories": ["functional_ability"],
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(days=5)).isoformat()}), 201)

    gp_items = _mine(world, "solberg")
    answer = next(i for i in gp_items if i["kind"] == "nav_request")
    assert answer["due_at"] == str(today + timedelta(days=10)) and answer["overdue"] is False
    assert answer["action"] == "answer_nav_request" and answer["text"] == "Svar på forespørselen fra NAV"
    assert answer["case_id"] == case_id and answer["link"] == f"/inbox/cases/{case_id}/threads/{thread}"

    mine = {i["kind"]: i for i in _mine(world, "hansen")}
    assert mine["consent_request"]["ref"] == asked["id"]
    assert mine["consent_request"]["due_at"] == str(today + timedelta(days=deadlines.CONSENT_ANSWER_DAYS))
    assert mine["consent_expiring"]["ref"] == grant["id"]
    assert mine["consent_expiring"]["due_at"] == str((datetime.now(UTC) + timedelta(days=5)).date())
    assert mine["consent_expiring"]["action"] == "renew_or_let_consent_expire"
    # Hansen is 14 days in: the follow-up plan (4 weeks) is his and his manager's to make.
    plan = [i for i in _mine(world, "hansen") if i["kind"] == "milestone" and i["ref"] == "follow_up_plan"]
    assert plan and plan[0]["text"] == "Frist i saken: Oppfølgingsplan"
    assert any(i["ref"] == "follow_up_plan" for i in _mine(world, "lise"))
    assert not any(i["kind"] in ("consent_request", "consent_expiring") for i in _mine(world, "lise"))

    # Tore's coordinator sees every open deadline of the case she coordinates.
    tore_case = world.demo.cases["tore"]
    assert {i["case_id"] for i in _mine(world, "eide") if i["kind"] == "milestone"} >= {tore_case}

    # Only what falls due by ``until``; overdue first; English on request.
    assert all(i["due_at"] <= str(today) for i in _mine(world, "hansen", until=str(today)))
    assert all(i["due_at"] > str(today) or i["overdue"] for i in _mine(world, "hansen"))
    # Outsiders have nothing of Hansen's case.
    assert not any(i["case_id"] == case_id for i in _mine(world, "tangen"))
    assert _mine(world, "tangen") == []

    # Answered, it is gone from the GP's list; answered, the request from Hansen's.
    clients("solberg").send(case_id, thread, "nav_request_answer", {"functional_ability": "Kan jobbe halv dag."},
                            in_reply_to=request["id"])
    assert not any(i["kind"] == "nav_request" for i in _mine(world, "solberg"))
    hansen.ok(hansen.post(f"/consent/requests/{asked['id']}/answer", json={"accept": False}))
    assert not any(i["kind"] == "consent_request" for i in _mine(world, "hansen"))


def test_a_registered_source_is_asked_too(world):
    """Other parts (meetings, the plan, tasks) add their deadlines by registering a source."""
    def meeting_answers(session, actor, today):
        if actor.role == "nearest_manager":
            yield deadlines.Deadline(kind="meeting_answer", case_id=None, due_at=today + timedelta(days=2),
                                     action="answer_meeting", link="/inbox", ref="m1")

    deadlines.register_source(meeting_answers)
    try:
        items = _mine(world, "lise")
        assert any(i["kind"] == "meeting_answer" and i["ref"] == "m1" for i in items)
        assert not any(i["kind"] == "meeting_answer" for i in _mine(world, "solberg"))
    finally:
        deadlines.SOURCES.remove(meeting_answers)


def test_deadlines_need_sign_in_and_a_date(world):
    import httpx

    assert httpx.get(f"{world.base_url}/me/deadlines").status_code == 401
    bad = world.person("hansen").get("/me/deadlines", params={"until": "not-a-date"})
    assert bad.status_code == 422
