"""Cases over HTTP: participants by relation with reasons, grades, the timeline."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text


def test_employee_sees_who_is_involved_why_and_what_is_due(world):
    hansen = world.person("hansen")
    case = hansen.ok(hansen.get(f"/cases/{world.demo.cases['hansen']}"))
    people = {p["name"]: p for p in case["participants"]}
    assert people["Lise Berg"]["case_role"] == "nearest_manager"
    assert people["Lise Berg"]["reason"].startswith("Nærmeste leder")
    assert people["Ingrid Solberg"]["can_receive_messages"] is True
    assert "Tom Rask" not in people
    milestones = {m["code"]: m for m in case["milestones"]}
    start = date.fromisoformat(case["start_date"])
    assert {"follow_up_plan", "dialogue_meeting_1", "activity_requirement", "dialogue_meeting_2", "sickness_benefit_end"} <= set(milestones)
    assert date.fromisoformat(milestones["dialogue_meeting_1"]["due_date"]) == start + timedelta(weeks=7, days=-1)
    assert milestones["dialogue_meeting_1"]["status"] in ("upcoming", "due_soon")
    nina = world.person("nina")
    overdue = {m["code"]: m["status"] for m in nina.ok(nina.get(f"/cases/{world.demo.cases['nina']}"))["milestones"]}
    assert overdue["follow_up_plan"] == "overdue"  # 10 weeks in, no plan recorded


def test_participants_are_added_by_relation_with_a_reason_and_logged(world):
    d = world.demo.actors
    case_id = world.demo.cases["hansen"]
    hansen, gp = world.person("hansen"), world.person("solberg")
    candidates = {c["name"]: c["case_role"] for c in hansen.ok(hansen.get(f"/cases/{case_id}/relations"))}
    assert candidates == {"Kari Nilsen": "hr", "Ole Dahl": "union_representative", "Jonas Lie": "gp"}

    added = gp.ok(gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["lie"], "reason": "Vikar i juli"}), 201)
    assert added["case_role"] == "gp" and added["reason"] == "Vikar i juli"
    log = hansen.ok(hansen.get("/consent/log"))["entries"]
    assert any(e["tag"] == "case:participant:added" and e["recipient_id"] == d["lie"] for e in log)

    again = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["lie"], "reason": "igjen"})
    assert again.status_code == 409
    stranger = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["rask"], "reason": "feil person"})
    assert stranger.status_code == 422 and stranger.json()["code"] == "CANNOT_BE_ADDED"
    no_reason = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["kari"], "reason": ""})
    assert no_reason.status_code == 422
    outsider = world.person("rask").post(f"/cases/{case_id}/participants", json={"actor_id": d["rask"], "reason": "meg selv"})
    assert outsider.status_code == 404

    # The employee takes someone out; they lose the case at once.
    removed = hansen.post(f"/cases/{case_id}/participants/{d['lie']}/remove")
    assert removed.status_code == 204
    assert world.person("lie").get(f"/cases/{case_id}").status_code == 404
    assert gp.post(f"/cases/{case_id}/participants/{d['lise']}/remove").status_code == 403


def test_grade_history_and_case_bad_input(world):
    case_id = world.demo.cases["hansen"]
    gp, lise = world.person("solberg"), world.person("lise")
    case = gp.ok(gp.get(f"/cases/{case_id}"))
    start = date.fromisoformat(case["start_date"])
    updated = gp.ok(gp.post(f"/cases/{case_id}/grades", json={"from_date": str(start + timedelta(days=10)), "grade": 50}), 201)
    assert [g["grade"] for g in updated["grades"]] == [100, 50] and updated["grade"] == 50
    assert lise.post(f"/cases/{case_id}/grades", json={"from_date": str(start), "grade": 20}).status_code == 403
    early = gp.post(f"/cases/{case_id}/grades", json={"from_date": str(start - timedelta(days=1)), "grade": 40})
    assert early.status_code == 422 and "before the case started" in early.json()["message"]
    assert gp.post(f"/cases/{case_id}/grades", json={"from_date": str(start), "grade": 140}).status_code == 422
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_grade WHERE case_id = :c"), {"c": case_id}).scalar_one() == 2

    hansen = world.person("hansen")
    future = hansen.post("/cases", json={"start_date": str(date.today() + timedelta(days=3))})
    assert future.status_code == 422 and "future" in future.json()["message"]
    assert gp.post("/cases", json={"start_date": str(date.today())}).status_code == 422


def test_threads_only_among_participants(world):
    d = world.demo.actors
    case_id = world.demo.cases["hansen"]
    gp = world.person("solberg")
    bad = gp.post(f"/cases/{case_id}/threads", json={"member_ids": [d["rask"]]})
    assert bad.status_code == 422 and "not participants of this case" in bad.json()["message"]
    thread = gp.ok(gp.post(f"/cases/{case_id}/threads", json={"member_ids": [d["lise"]]}), 201)
    assert set(thread["member_ids"]) == {d["solberg"], d["lise"]}
    # NAV takes part in the case but not in this thread: it does not see it.
    nav = world.person("eide")
    assert nav.ok(nav.get(f"/cases/{case_id}/threads")) == []
    assert nav.get(f"/cases/{case_id}/threads/{thread['id']}/messages").status_code == 404
    kinds = gp.ok(gp.get("/message-kinds"))
    assert {k["kind"] for k in kinds} >= {"adaptation_question", "functional_assessment", "nav_request", "minutes"}


def test_a_plan_sent_turns_the_milestone_done_for_every_participant(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]

    def plan_status(username: str) -> str:
        person = world.person(username)
        return {m["code"]: m["status"] for m in person.ok(person.get(f"/cases/{case_id}"))["milestones"]}["follow_up_plan"]

    everyone = ("hansen", "lise", "solberg", "eide", "vold")
    assert {plan_status(u) for u in everyone} <= {"upcoming", "due_soon"}
    lise = clients("lise")
    thread = lise.start_thread(case_id, [d["hansen"], d["solberg"]], topic="follow_up_plan")["id"]
    sent = lise.send(case_id, thread, "follow_up_plan", {
        "typical_workday": "Regnskap ved skjerm.", "tasks_that_can_be_done": "Avstemming.",
        "tasks_that_cannot_be_done": "Lange møter.", "planned_adaptation": "Kortere dager.",
        "follow_up": "Samtale hver uke.", "evaluation_date": str(date.today() + timedelta(weeks=4)),
        "send_to_gp": True, "send_to_nav": False, "employee_contributed": True,
    })
    assert {u: plan_status(u) for u in everyone} == dict.fromkeys(everyone, "done")
    # A recalled plan is no plan.
    lise.recall(sent["id"])
    assert plan_status("hansen") in ("upcoming", "due_soon")


def test_a_grade_of_zero_keeps_the_timeline(world):
    case_id = world.demo.cases["hansen"]
    gp = world.person("solberg")
    case = gp.ok(gp.get(f"/cases/{case_id}"))
    back = gp.ok(gp.post(f"/cases/{case_id}/grades", json={"from_date": str(date.today()), "grade": 0}), 201)
    assert back["grade"] == 0 and len(back["milestones"]) == len(case["milestones"])


def test_two_sick_notes_from_one_day_keep_the_case_readable(world):
    """Two grades from the same date (a corrected sick note) used to end in a 500 from the
    timeline's grade check: the later note holds, and every page still answers."""
    case_id = world.demo.cases["hansen"]
    gp = world.person("solberg")
    day = str(date.today())
    gp.ok(gp.post(f"/cases/{case_id}/grades", json={"from_date": day, "grade": 60}), 201)
    again = gp.ok(gp.post(f"/cases/{case_id}/grades", json={"from_date": day, "grade": 40}), 201)
    assert again["grade"] == 40 and again["milestones"]
    assert gp.ok(gp.get(f"/cases/{case_id}"))["grade"] == 40
