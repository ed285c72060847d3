"""The inbox in the browser, live: a message arrives and is recalled without a reload,
a missing consent is named and asked for, a meeting invitation is answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.browser.conftest import WAIT_MS
from web.demo import store_demo_key_backups


def _grant(world, recipient: dict, categories: list[str], purposes: list[str]) -> None:
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": recipient, "categories": categories, "purposes": purposes,
        "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }), 201)


def test_live_arrival_recall_missing_consent_and_meeting_answer(browsers, world, clients):
    d = world.demo.actors
    _grant(world, {"kind": "person", "id": d["lise"]}, ["functional_ability", "follow_up_plan"],
           ["workplace_adaptation", "dialogue_meeting"])
    _grant(world, {"kind": "role", "role": "gp"}, ["follow_up_plan"], ["dialogue_meeting"])
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id = world.demo.cases["hansen"]
    gp_py, lise_py = clients("solberg"), clients("lise")
    thread = gp_py.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    url = f"/inbox/cases/{case_id}/threads/{thread}"

    lise = browsers("lise")
    lise.restore_keys()
    lise.page.goto(url)
    lise.page.wait_for_selector("#page[data-live=connected]")

    # A message from the GP's Python client appears, decrypted, without a reload.
    sent = gp_py.send(case_id, thread, "functional_assessment", {"functional_ability": "Kan jobbe to timer om dagen."})
    live = lise.page.locator(f"li#msg-{sent['id']}[data-opened=true]")
    live.wait_for(timeout=WAIT_MS)
    assert "Kan jobbe to timer om dagen." in live.inner_text()
    lise.shot("arrived-live")

    # The GP recalls it: it disappears from the page, live.
    gp_py.recall(sent["id"])
    lise.page.locator(f"li#msg-{sent['id']}[data-recalled=true]").wait_for(timeout=WAIT_MS)
    assert "Kan jobbe to timer om dagen." not in lise.page.inner_text(f"li#msg-{sent['id']}")
    lise.shot("recalled-live")

    # Lise tries to tell the GP what work she can offer: no consent for that. The page
    # says exactly what is missing and asks the employee, in one action.
    lise.page.goto(f"{url}?kind=note")
    lise.page.wait_for_selector("#compose")
    lise.page.select_option("#f-category", value="work_tasks")
    lise.page.fill("#f-text", "Vi kan tilby lettere oppgaver i en periode.")
    lise.page.click("#compose-send")
    row = lise.page.locator("[data-testid=missing-row]").first
    row.wait_for(timeout=WAIT_MS)
    assert row.get_attribute("data-category") == "work_tasks"
    assert row.get_attribute("data-recipient-id") == d["solberg"]
    lise.page.fill("#request-reason", "Jeg vil fortelle legen hva vi kan tilrettelegge på jobben.")
    lise.page.click("#ask-consent")
    lise.page.wait_for_selector("#request-status:not(:empty)")
    lise.shot("asked-for-consent")
    assert lise.axe() == []
    pending = world.person("hansen").ok(world.person("hansen").get("/consent/requests"))
    assert [(r["requester_name"], r["grant"]["categories"], r["status"]) for r in pending] == [
        ("Lise Berg", ["work_tasks"], "pending")]

    # Lise's Python client invites to a dialogue meeting; the GP answers in the browser.
    invitation = lise_py.send(case_id, thread, "meeting_invitation", {
        "meeting_type": "dialogue_meeting_1", "starts_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "place": "Nordlys Regnskap, møterom 2", "agenda": "Tilrettelegging og plan videre"})
    gp = browsers("solberg")
    gp.restore_keys()
    gp.page.goto(url)
    gp.page.locator(f"li#msg-{invitation['id']}[data-opened=true]").wait_for(timeout=WAIT_MS)
    gp.page.click(f"#answer-{invitation['id']} [data-testid=answer-coming]")
    # Wait for the outcome, not for "Krypterer og sender …", which shows while it is sent.
    gp.page.wait_for_function(
        "sel => { const t = document.querySelector(sel)?.textContent || ''; return t !== '' && !t.includes('…'); }",
        arg=f"#answer-{invitation['id']} .form-status", timeout=WAIT_MS)
    gp.shot("answered-meeting")
    answers = [m for m in lise_py.messages(case_id, thread) if m["kind"] == "meeting_response"]
    assert len(answers) == 1
    answer = lise_py.read(answers[0]["id"])
    assert answer.form["answer"] == "coming" and answer.in_reply_to == invitation["id"]
    assert lise.errors == [] and gp.errors == []
