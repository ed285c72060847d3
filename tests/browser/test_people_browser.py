"""Issue 9 in Chromium: the employee keeps people out of his case from his own pages,
the GP's attempt to add an excluded person meets the ordinary refusal, and milestones
follow the work — on a phone and on a desk, in bokmål and English, axe-checked."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

MADE_UP = "1b4e28ba-2fa1-41d2-883f-0016d3cca477"
PLAN = {
    "typical_workday": "Regnskap ved skjerm.", "tasks_that_can_be_done": "Avstemming.",
    "tasks_that_cannot_be_done": "Lange møter.", "planned_adaptation": "Kortere dager.",
    "follow_up": "Samtale hver uke.", "send_to_gp": True, "send_to_nav": False, "employee_contributed": True,
}


def _open(browsers, username: str, *, phone: bool):
    """A signed-in browser, once its sign-in has landed on the person's own page (the
    conftest's sign-in returns at network idle, which can come before the redirects end)."""
    b = browsers(username, phone=phone)
    b.page.wait_for_url(re.compile(r"/(portal|inbox)$"), timeout=60_000)
    return b


def _english(b) -> None:
    b.page.click("#lang-switch")
    b.page.wait_for_load_state("networkidle")


def _outsiders_answer(person, path: str, real: str, method: str = "GET") -> None:
    """The answer for the id they knew is the answer for a made-up one."""
    a = person.http.request(method, path.format(real))
    b = person.http.request(method, path.format(MADE_UP))
    assert (a.status_code, a.text.replace(real, "<id>")) == (b.status_code, b.text.replace(MADE_UP, "<id>")), path
    assert a.status_code in (403, 404), (path, a.status_code, a.text)


@pytest.mark.parametrize("phone", [True, False], ids=["phone-nb", "desk-en"])
def test_hansen_excludes_lise_and_removes_kari_and_both_become_outsiders(browsers, world, clients, phone):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    world.person("solberg").ok(world.person("solberg").post(
        f"/cases/{case_id}/participants", json={"actor_id": d["kari"], "reason": "HR hjelper med tilrettelegging"}), 201)
    world.grant_from_hansen(d["lise"])
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["lise"], d["kari"]], topic="functional_assessment")["id"]
    message = gp.send(case_id, thread, "functional_assessment", {"functional_ability": "Kan jobbe 50 %."})["id"]
    assert world.person("lise").get(f"/messages/{message}/view").status_code == 200

    b = _open(browsers, "hansen", phone=phone)
    page = b.page
    page.goto("/portal")
    if not phone:
        _english(b)
    people = page.locator("#people-control")
    people.wait_for()
    assert b.axe() == []
    b.shot("people")

    # Exclude Lise: a page that says what will happen; only its button does it.
    people.locator(f"[data-testid=people-row][data-actor-id='{d['lise']}'] [data-testid=exclude-link]").click()
    page.locator("[data-testid=confirm]").wait_for()
    assert "Lise Berg" in page.inner_text("h1")
    assert len(page.locator("#confirm-points li").all()) == 3
    assert b.axe() == []
    b.shot("confirm-exclude")
    assert world.person("lise").get(f"/cases/{case_id}").status_code == 200  # nothing happened yet
    page.click("#confirm-submit")
    notice = page.locator("#people-notice")
    notice.wait_for()
    assert "Lise Berg" in notice.inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'people-notice'", timeout=60_000)
    assert page.locator("[data-testid=exclusion-row]", has_text="Lise Berg").count() == 1
    assert b.axe() == []
    b.shot("excluded")

    # Remove Kari: the same two steps.
    people.locator(f"[data-testid=people-row][data-actor-id='{d['kari']}'] [data-testid=remove-link]").click()
    page.locator("[data-testid=confirm]").wait_for()
    assert "Kari Nilsen" in page.inner_text("h1")
    assert page.locator("#confirm-alternative").count() == 1  # "exclude instead"
    assert b.axe() == []
    b.shot("confirm-remove")
    page.click("#confirm-submit")
    page.locator("#people-notice", has_text="Kari Nilsen").wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'people-notice'", timeout=60_000)
    assert page.locator(f"#people-control [data-testid=people-row][data-actor-id='{d['kari']}'] [data-testid=remove-link]").count() == 0
    assert page.locator(f"#participants [data-actor-id='{d['kari']}'], #participants [data-actor-id='{d['lise']}']").count() == 0
    b.shot("removed")
    assert b.errors == []

    # Both now get the outsider's answer, over HTTP with their own tokens.
    for who in ("lise", "kari"):
        person = world.person(who)
        for path in ("/cases/{}", "/cases/{}/threads", "/cases/{}/relations"):
            _outsiders_answer(person, path, case_id)
        _outsiders_answer(person, f"/cases/{case_id}/threads/{{}}/messages", thread)
        _outsiders_answer(person, "/messages/{}/view", message)
        _outsiders_answer(person, "/messages/{}/read", message, "POST")
        assert person.ok(person.get("/cases")) == []
    # And in their own browser: no case in the inbox, the thread page is the made-up one's.
    lise = _open(browsers, "lise", phone=phone)
    lise.page.goto("/inbox")
    lise.page.wait_for_load_state("networkidle")
    assert "Per Hansen" not in lise.page.inner_text("main")
    real = lise.context.request.get(f"/inbox/cases/{case_id}/threads/{thread}")
    fake = lise.context.request.get(f"/inbox/cases/{case_id}/threads/{MADE_UP}")
    assert real.status == fake.status == 404
    lise.shot("inbox-after")


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
def test_the_gps_attempt_to_add_an_excluded_person_gets_the_ordinary_refusal(browsers, world, phone):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": d["kari"]}), 201)

    b = _open(browsers, "solberg", phone=phone)
    page = b.page

    def try_to_add(name: str, actor_id: str) -> str:
        page.goto("/inbox/search?q=" + name.replace(" ", "+"))
        form = page.locator(f"#add-{case_id}-{actor_id}")
        form.wait_for()
        form.locator("input[name=reason]").fill("Trengs for tilretteleggingen")
        form.locator("[data-testid=add-participant]").click()
        flash = page.locator("[data-testid=flash].flash-error")
        flash.wait_for()
        return flash.inner_text()

    refusal = try_to_add("Kari Nilsen", d["kari"])
    assert b.axe() == []
    b.shot("refused")
    assert refusal.startswith("Kari Nilsen kan ikke legges til i denne saken.")
    assert "stengt" not in refusal and "utestengt" not in refusal  # nothing tells of the exclusion
    assert d["kari"] not in {p["actor_id"] for p in hansen.ok(hansen.get(f"/cases/{case_id}"))["participants"]}
    assert b.errors == []

    h = _open(browsers, "hansen", phone=phone)
    h.page.goto("/portal")
    attempt = h.page.locator("[data-testid=refused-attempt]")
    attempt.wait_for()
    assert re.search(r"Ingrid Solberg prøvde å legge til Kari Nilsen i saken din", attempt.inner_text())
    assert h.axe() == []
    h.shot("told")


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
def test_a_plan_sent_turns_the_milestone_done_for_hansen_and_the_gp(browsers, world, clients, phone):
    d, case_id, tore_case = world.demo.actors, world.demo.cases["hansen"], world.demo.cases["tore"]
    hansen = _open(browsers, "hansen", phone=phone)
    gp = _open(browsers, "solberg", phone=phone)
    plan_on_portal = hansen.page.locator("#timeline-" + case_id + " [data-testid=milestone][data-code=follow_up_plan]")
    plan_in_inbox = gp.page.locator(f"#case-{case_id} [data-testid=milestone][data-code=follow_up_plan]")

    hansen.page.goto("/portal")
    assert plan_on_portal.get_attribute("data-status") in ("upcoming", "due_soon")
    gp.page.goto("/inbox")
    assert plan_in_inbox.get_attribute("data-status") in ("upcoming", "due_soon")
    # What is due this week, and overdue, per case: the employer period ends in Hansen's
    # case tomorrow; Tore's follow-up plan (week 4) is overdue in week 7.
    due_hansen = gp.page.locator(f"#case-{case_id} [data-testid=due-milestone]")
    assert "employer_period_end" in [x.get_attribute("data-code") for x in due_hansen.all()]
    overdue = gp.page.locator(f"#case-{tore_case} [data-testid=due-milestone][data-code=follow_up_plan]")
    assert overdue.get_attribute("data-status") == "overdue"
    assert gp.axe() == []
    gp.shot("inbox-due")

    lise = clients("lise")
    clients("hansen")  # the plan thread is the employee's too (docs/follow-up-plan.md): his keys
    thread = lise.start_thread(case_id, [d["solberg"], d["hansen"]], topic="follow_up_plan")["id"]
    lise.send(case_id, thread, "follow_up_plan", {**PLAN, "evaluation_date": str(date.today() + timedelta(weeks=4))})

    hansen.page.goto("/portal")
    assert plan_on_portal.get_attribute("data-status") == "done"
    assert hansen.axe() == []
    hansen.shot("portal-plan-done")
    gp.page.goto("/inbox")
    assert plan_in_inbox.get_attribute("data-status") == "done"
    gp.page.locator(f"#case-{case_id} [data-testid=case-timeline] summary").click()
    assert gp.axe() == []
    gp.shot("inbox-plan-done")
    if not phone:
        _english(gp)
        gp.page.locator(f"#case-{case_id} [data-testid=case-timeline] summary").click()
        assert "Follow-up plan: Done" in gp.page.inner_text(f"#case-{case_id} [data-testid=case-timeline]")
        gp.shot("inbox-en")
    assert hansen.errors == [] and gp.errors == []
