"""Dialogue meeting 2 as a workflow, in Chromium (bokmål): Tore's coordinator at NAV
(Maria Eide, at a desk) calls the meeting with his GP, his manager and his
physiotherapist; the physiotherapist asks for another time on the meeting's card; Eide
moves the meeting from the card; everyone answers, Tore on his phone; Eide writes the
minutes with two tasks (the manager's and the physiotherapist's); the tasks show on
their owners' pages until done, and the DM2 milestone is done.  The calendar file is
made in Eide's browser from the decrypted change: its UID is the meeting id and its
DTSTART the new time in UTC.  Every new page is photographed and axe-checked.
The same rules over HTTP: tests/integration/test_meetings.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.browser.test_employee_threads_browser import PASSPHRASE
from tests.integration.test_meetings import consent_to_physio
from web.demo import store_demo_key_backups

DONE = "sel => { const t = document.querySelector(sel)?.textContent || ''; return t !== '' && !t.includes('…'); }"


def _check(b, label: str) -> None:
    assert b.axe() == [], label
    b.shot(label)
    assert b.errors == [], b.errors


def _card(b, thread_url: str):
    b.page.goto(thread_url)
    card = b.page.locator("[data-testid=meeting-card]").first
    card.wait_for(timeout=60_000)
    return card


def _answer_on_card(b, thread_url: str, answer: str) -> None:
    card = _card(b, thread_url)
    card.locator(f"[data-testid=meeting-answer-{answer}]").click()
    b.page.wait_for_function(DONE, arg="[data-testid=meeting-card-answer] .form-status", timeout=60_000)
    assert "sendt" in card.locator("[data-testid=meeting-card-answer] .form-status").inner_text()


def _answers(world, clients, case_id: str, meeting_id: str) -> dict[str, str | None]:
    got = clients("eide")._json("GET", f"/cases/{case_id}/meetings/{meeting_id}")
    names = {v: k for k, v in world.demo.actors.items()}
    return {names[i["actor_id"]]: i["answer"] for i in got["invitees"]}


def _compose_time(b, when: datetime, place: str) -> None:
    b.page.select_option("#f-meeting_type", value="dialogue_meeting_2")
    b.page.fill("#f-starts_at", when.strftime("%Y-%m-%dT%H:%M"))
    b.page.fill("#f-duration_minutes", "60")
    b.page.fill("#f-place", place)


def test_coordinator_calls_dm2_moves_it_and_the_minutes_give_tasks(browsers, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["tore"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    consent_to_physio(world, case_id)  # no law lets NAV's summons reach the physiotherapist

    # Tore makes his keys on his phone, so the invitation can reach him.
    tore = browsers("tore", phone=True)
    tore.page.goto("/keys")
    tore.page.wait_for_selector("#keys-setup-form:visible", timeout=60_000)
    tore.page.fill("#setup-passphrase", PASSPHRASE)
    tore.page.fill("#setup-passphrase-again", PASSPHRASE)
    tore.page.click("#keys-setup-submit")
    tore.page.wait_for_selector("#keys-ready:not([hidden])", timeout=60_000)

    # Eide starts a thread with the four and calls dialogue meeting 2.
    thread = clients("eide").start_thread(case_id, [d["solberg"], d["aas"], d["lund"], d["tore"]],
                                          topic="meeting_invitation")["id"]
    desk_url = f"/inbox/cases/{case_id}/threads/{thread}"
    eide = browsers("eide")
    eide.restore_keys()
    eide.page.goto(f"{desk_url}?kind=meeting_invitation#compose-section")
    first = (datetime.now() + timedelta(days=14)).replace(hour=10, minute=0, second=0, microsecond=0)
    _compose_time(eide, first, "NAV Bergen, møterom 3")
    eide.page.fill("#f-agenda", "Hvordan går opptreningen, og hva trengs for å trappe opp?")
    eide.send_compose()
    eide.page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert eide.page.inner_text("#compose-error") == ""
    card = _card(eide, desk_url)
    meeting_id = card.get_attribute("data-meeting-id")
    assert card.locator("[data-testid=meeting-state]").inner_text() == "Innkalt"
    card.locator("[data-testid=meeting-when]:has-text('NAV Bergen, møterom 3')").wait_for(timeout=60_000)
    assert card.locator("[data-testid=meeting-invitee]").count() == 4
    _check(eide, "meeting-invited")

    # The physiotherapist wants another time (on the meeting's card); the manager is coming.
    lund = browsers("lund")
    lund.restore_keys()
    _answer_on_card(lund, desk_url, "new_time_wanted")
    _check(lund, "meeting-new-time-wanted")
    clients("aas").send(case_id, thread, "meeting_response", {"answer": "coming"},
                        meeting={"meeting_id": meeting_id, "answer": "coming"})
    assert _answers(world, clients, case_id, meeting_id) == {"lund": "new_time_wanted", "aas": "coming",
                                                             "solberg": None, "tore": None}

    # Eide moves the meeting from its card.
    card = _card(eide, desk_url)
    assert card.locator(f"[data-actor-id='{d['lund']}']").get_attribute("data-answer") == "new_time_wanted"
    card.locator("[data-testid=meeting-change]").click()
    eide.page.wait_for_selector("#compose[data-kind=meeting_change] [data-testid=compose-meeting]")
    moved = first + timedelta(days=1, hours=3)
    _compose_time(eide, moved, "NAV Bergen, møterom 4")
    eide.page.fill("#f-reason", "Fysioterapeuten kan ikke den dagen.")
    eide.send_compose()
    eide.page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert eide.page.inner_text("#compose-error") == ""
    card = _card(eide, desk_url)
    assert card.locator("[data-testid=meeting-state]").inner_text() == "Nytt tidspunkt eller sted"
    assert card.get_attribute("data-change-count") == "1"
    card.locator("[data-testid=meeting-when]:has-text('møterom 4')").wait_for(timeout=60_000)
    _check(eide, "meeting-moved")

    # Everyone answers the new time: Tore on his phone, Lund at her desk, the others by their clients.
    _answer_on_card(tore, f"/portal/cases/{case_id}/threads/{thread}", "coming")
    _check(tore, "meeting-tore-coming")
    _answer_on_card(lund, desk_url, "coming")
    for who in ("aas", "solberg"):
        clients(who).send(case_id, thread, "meeting_response", {"answer": "coming"},
                          meeting={"meeting_id": meeting_id, "answer": "coming"})
    assert set(_answers(world, clients, case_id, meeting_id).values()) == {"coming"}
    card = _card(eide, desk_url)
    assert card.locator("[data-testid=meeting-invitee][data-answer=coming]").count() == 4

    # The calendar file, made in Eide's browser from the decrypted change.
    card.locator("[data-testid=meeting-when]:has-text('møterom 4')").wait_for(timeout=60_000)
    with eide.page.expect_download(timeout=60_000) as info:
        card.locator("[data-testid=meeting-ics]").click()
    ics = Path(info.value.path()).read_bytes().decode("utf-8")  # as written: CRLF line ends
    change = next(m for m in clients("eide").messages(case_id, thread) if m["kind"] == "meeting_change")
    starts = datetime.fromisoformat(clients("eide").read(change["id"]).form["starts_at"]).astimezone(UTC)
    assert f"UID:{meeting_id}\r\n" in ics and "BEGIN:VEVENT" in ics
    assert f"DTSTART:{starts:%Y%m%dT%H%M%S}Z\r\n" in ics
    assert f"DTEND:{starts + timedelta(minutes=60):%Y%m%dT%H%M%S}Z\r\n" in ics
    assert "SEQUENCE:1\r\n" in ics and "LOCATION:NAV Bergen\\, møterom 4" in ics

    # Minutes with two tasks: the manager's and the physiotherapist's.
    card.locator("[data-testid=meeting-minutes]").click()
    eide.page.wait_for_selector("#compose[data-kind=minutes] #task-owners")
    eide.page.fill("#f-held_on", moved.strftime("%Y-%m-%d"))
    eide.page.fill("#f-summary", "Tore trapper opp til 60 prosent fra neste måned.")
    due = (datetime.now() + timedelta(days=21)).strftime("%Y-%m-%d")
    for i, (party, task, owner) in enumerate([("employer", "Lage ny turnus med kortere dager", "aas"),
                                              ("other", "Nytt treningsprogram for skulderen", "lund")]):
        eide.page.select_option(f"[name='tasks.{i}.party']", value=party)
        eide.page.fill(f"[name='tasks.{i}.task']", task)
        eide.page.fill(f"[name='tasks.{i}.due_date']", due)
        eide.page.select_option(f"#task-owner-{i}", value=d[owner])
    eide.send_compose()
    eide.page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert eide.page.inner_text("#compose-error") == ""
    card = _card(eide, desk_url)
    assert card.locator("[data-testid=meeting-state]").inner_text() == "Holdt — referatet er sendt"
    assert card.locator("[data-testid=meeting-tasks] li").count() == 2
    _check(eide, "meeting-held")

    # The DM2 milestone is done on Eide's inbox.
    eide.page.goto("/inbox")
    milestone = eide.page.locator(f"#case-{case_id} [data-testid=milestone][data-code=dialogue_meeting_2]")
    assert milestone.get_attribute("data-status") == "done"

    # The tasks show on their owners' pages until done.
    aas = browsers("aas")
    aas.page.goto("/inbox")
    task = aas.page.locator("#tasks [data-testid=task]")
    assert task.count() == 1 and "Dialogmøte 2" in task.inner_text()
    _check(aas, "inbox-task")
    task.locator("[data-testid=task-done]").click()
    aas.page.wait_for_url(re.compile(r"/inbox#tasks$"))
    assert aas.page.locator("#tasks [data-testid=task]").count() == 0
    _check(aas, "inbox-task-done")
    lund.page.goto("/inbox")
    assert lund.page.locator("#tasks [data-testid=task]").count() == 1
    _check(lund, "inbox-task-open")
    tore.page.goto("/portal")
    assert tore.page.locator("#tasks").count() == 0, "Tore owns no task"
    _check(tore, "portal-no-task")
