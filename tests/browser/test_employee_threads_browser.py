"""The employee inside the conversation, in Chromium: Per Hansen on a phone, the
professionals at a desk.

The GP starts a thread with Hansen from her inbox; Hansen sees it on /portal, makes his
keys in one step (he has none: the demo gives keys only to professionals) and is back in
the thread; the GP's note arrives, unread on /portal, and opens decrypted in his page
(the served HTML holds no plaintext); he replies and the GP reads the reply decrypted.
His manager invites him to a meeting and sends a follow-up plan (it arrives live); he answers "coming" and
acknowledges the plan from his page, and she reads both.  Then, in English, he starts a
thread with her himself.  Every new page is photographed and axe-checked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.unit.messaging.test_kinds import EXAMPLES
from web.demo import store_demo_key_backups

PASSPHRASE = "min-egen-rygg-2026"
DONE = "sel => { const t = document.querySelector(sel)?.textContent || ''; return t !== '' && !t.includes('…'); }"


def _send_note(b, text: str, category: str = "functional_ability") -> None:
    b.page.wait_for_selector("#compose[data-kind=note]")
    b.page.select_option("#f-category", value=category)
    b.page.fill("#f-text", text)
    b.send_compose()
    b.page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert b.page.inner_text("#compose-error") == ""


def test_hansen_reads_and_answers_his_conversations_on_a_phone(browsers, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")

    # The GP starts a thread with Hansen from her inbox.
    gp = browsers("solberg")
    gp.restore_keys()
    gp.page.goto("/inbox")
    gp.page.click(f"#case-{case_id} details.new-thread summary")
    gp.page.check(f"#member-{case_id}-{d['hansen']}")
    gp.page.click(f"#new-thread-{case_id} [data-testid=start-thread]")
    gp.page.wait_for_url(re.compile(rf"/inbox/cases/{case_id}/threads/[0-9a-f-]+$"), timeout=60_000)
    thread = gp.page.url.rsplit("/", 1)[1]
    mine = f"/portal/cases/{case_id}/threads/{thread}"

    # Hansen, on his phone, sees it on his page, with the one step his keys need.
    hansen = browsers("hansen", phone=True)
    page = hansen.page
    page.goto("/portal")
    link = page.locator(f"#thread-link-{thread}")
    link.wait_for()
    assert "Ingrid Solberg" in link.inner_text()
    assert page.locator("[data-testid=threads-keys-needed]").is_visible()
    page.locator("#threads").scroll_into_view_if_needed()
    assert hansen.axe() == []
    hansen.shot("portal-threads-no-keys")

    # Opening the thread: make keys on this phone (with a locked backup), then straight back.
    link.click()
    page.wait_for_selector("#keys-setup-form:visible", timeout=60_000)
    assert "lese og svare på meldinger i saken din" in page.inner_text("#keys-why")
    assert hansen.axe() == []
    hansen.shot("keys-first-use")
    page.fill("#setup-passphrase", PASSPHRASE)
    page.fill("#setup-passphrase-again", PASSPHRASE)
    page.click("#keys-setup-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=60_000)
    page.click("#keys-continue")
    page.wait_for_url(f"**{mine}", timeout=60_000)
    page.wait_for_selector("#page[data-live=connected]", timeout=60_000)
    assert page.get_attribute("#nav-portal", "aria-current") == "page"
    assert page.inner_text("h1") == "Samtale i saken din"
    assert world.person("hansen").ok(world.person("hansen").get("/directory/me/key-backup"))  # backed up
    assert page.locator("#no-messages").is_visible()
    assert hansen.axe() == []
    hansen.shot("thread-ready")
    page.click("#back-to-inbox")
    page.wait_for_url("**/portal#threads")
    page.wait_for_selector("#threads[data-live=connected]", timeout=60_000)

    # The GP's note (Hansen can now receive it): unread on his page until he opens it.
    note = "Hei Per! Prøvesvarene er fine. Hvordan går det med ryggen?"
    gp.page.reload()
    gp.page.wait_for_selector(f"#members [data-actor-id='{d['hansen']}']")
    assert "kan ikke motta" not in gp.page.inner_text(f"#members [data-actor-id='{d['hansen']}']")
    _send_note(gp, note)
    page.locator(f"[data-testid=thread][data-thread-id='{thread}'][data-unread='1']").wait_for(timeout=60_000)
    assert page.locator(f"#unread-{thread}").is_visible()  # live, without a reload
    page.reload()
    row = page.locator(f"[data-testid=thread][data-thread-id='{thread}']")
    assert row.get_attribute("data-unread") == "1"
    assert page.locator("[data-testid=threads-keys-needed]").count() == 0
    assert page.inner_text("#unread-summary").startswith("Du har 1 ulest melding.")
    hansen.shot("portal-thread-unread")
    page.click(f"#thread-link-{thread}")
    li = page.locator("li[data-testid=message][data-opened=true]").first
    li.wait_for(timeout=60_000)
    note_id = li.get_attribute("data-message-id")
    assert note in li.inner_text()
    assert hansen.axe() == []
    hansen.shot("thread-note-decrypted")
    served = hansen.context.request.get(page.url).text()
    assert note not in served and "Prøvesvarene" not in served  # the browser decrypted it

    # He replies; the GP reads the reply decrypted in hers.
    reply = "Takk! Ryggen er bedre, jeg går turer hver dag."
    page.click(f"#msg-{note_id} .reply-link")
    page.wait_for_selector("#compose-reply")
    _send_note(hansen, reply)
    hansen.shot("thread-replied")
    gp.page.reload()
    answer = gp.page.locator("li[data-testid=message][data-mine=false][data-opened=true]").first
    answer.wait_for(timeout=60_000)
    assert reply in answer.inner_text()
    gp.shot("gp-reads-reply")

    # His manager invites him to a meeting and sends the follow-up plan, in her thread with him.
    lise = clients("lise")
    meeting = lise.start_thread(case_id, [d["hansen"]], topic="meeting_invitation")["id"]
    invitation = lise.send(case_id, meeting, "meeting_invitation", {
        "meeting_type": "dialogue_meeting_1", "starts_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "place": "Nordlys Regnskap, møterom 2", "agenda": "Tilrettelegging og plan videre"})
    page.goto("/portal")
    unread = page.locator(f"[data-testid=thread][data-thread-id='{meeting}']")
    assert unread.get_attribute("data-unread") == "1"
    assert page.locator("[data-testid=thread]").first.get_attribute("data-thread-id") == meeting  # unread first
    page.click(f"#thread-link-{meeting}")
    hansen.opened(invitation["id"])
    page.click(f"#answer-{invitation['id']} [data-testid=answer-coming]")
    page.wait_for_function(DONE, arg=f"#answer-{invitation['id']} .form-status", timeout=60_000)
    hansen.shot("meeting-answered")
    (response,) = [m for m in lise.messages(case_id, meeting) if m["kind"] == "meeting_response"]
    seen = lise.read(response["id"])
    assert seen.form["answer"] == "coming" and seen.in_reply_to == invitation["id"]

    # The plan arrives while he is on the page: he acknowledges it (comments need a comment
    # first), and may write his own version, starting from hers.
    page.wait_for_selector("#page[data-live=connected]", timeout=60_000)
    plan = lise.send(case_id, meeting, "follow_up_plan", EXAMPLES["follow_up_plan"])
    plan_li = hansen.opened(plan["id"])
    assert EXAMPLES["follow_up_plan"]["planned_adaptation"] in plan_li.inner_text()
    page.click(f"#ack-{plan['id']} [data-testid=ack-read_with_comments]")
    page.wait_for_selector(f"#ack-{plan['id']} .form-status.is-error")
    assert page.inner_text(f"#ack-{plan['id']} .form-status") == "Skriv kommentaren din først."
    page.click(f"#ack-{plan['id']} [data-testid=ack-read_and_agree]")
    page.wait_for_function(DONE, arg=f"#ack-{plan['id']} .form-status", timeout=60_000)
    assert hansen.axe() == []
    hansen.shot("plan-acknowledged")
    (ack,) = [m for m in lise.messages(case_id, meeting) if m["kind"] == "follow_up_plan_ack"]
    seen = lise.read(ack["id"])
    assert seen.form == {"acknowledgement": "read_and_agree"} and seen.in_reply_to == plan["id"]
    # She sees both answers in her own page too, opened in her browser.
    manager = browsers("lise")
    manager.restore_keys()
    manager.page.goto(f"/inbox/cases/{case_id}/threads/{meeting}")
    assert "Jeg kommer" in manager.opened(response["id"]).inner_text()
    assert "Jeg har lest planen og er enig" in manager.opened(ack["id"]).inner_text()
    manager.shot("manager-sees-answers")

    page.reload()
    page.locator(f"#msg-{plan['id']} [data-testid=my-answer]").wait_for()
    page.click(f"#msg-{plan['id']} [data-testid=own-plan]")
    page.wait_for_selector("#compose[data-kind=follow_up_plan]")
    hansen.opened(plan["id"])
    page.wait_for_function("() => document.querySelector('#f-typical_workday').value !== ''", timeout=60_000)
    assert page.input_value("#f-planned_adaptation") == EXAMPLES["follow_up_plan"]["planned_adaptation"]
    hansen.shot("own-plan-prefilled")

    # In English, he starts a thread with his manager himself and writes to her.
    page.goto("/portal")
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    page.click(f"#new-thread-{case_id}-box summary")
    page.check(f"#member-{case_id}-{d['lise']}")
    hansen.shot("en-start-thread")
    assert hansen.axe() == []
    page.click(f"#new-thread-{case_id} [data-testid=start-thread]")
    page.wait_for_url(re.compile(rf"/portal/cases/{case_id}/threads/[0-9a-f-]+$"), timeout=60_000)
    started = page.url.rsplit("/", 1)[1]
    assert page.inner_text("#back-to-inbox") == "Back to your case"
    _send_note(hansen, "Can we talk about shorter days next week?", category="work_tasks")
    assert hansen.axe() == []
    hansen.shot("en-own-thread")
    (mine_sent,) = lise.messages(case_id, started)
    assert lise.read(mine_sent["id"]).form["text"] == "Can we talk about shorter days next week?"

    # Someone in his case without keys (the company physician gave hers up) cannot get his
    # message: he is told so, and not offered to ask himself for consent.
    vold = world.person("vold")
    for key in vold.ok(vold.get(f"/directory/actors/{d['vold']}/keys")):
        vold.ok(vold.post(f"/directory/me/keys/{key['key_id']}/revoke"), 200)
    page.goto("/portal")
    page.click(f"#new-thread-{case_id}-box summary")
    page.check(f"#member-{case_id}-{d['vold']}")
    page.click(f"#new-thread-{case_id} [data-testid=start-thread]")
    page.wait_for_url(re.compile(rf"/portal/cases/{case_id}/threads/[0-9a-f-]+$"), timeout=60_000)
    page.select_option("#f-category", value="work_tasks")
    page.fill("#f-text", "Hello?")
    page.click("#compose-send")
    page.wait_for_selector("#consent-missing:not([hidden])", timeout=60_000)
    assert page.inner_text("#consent-missing-h") == "The message was not sent"
    assert page.locator("#consent-request-form").count() == 0
    assert hansen.axe() == []
    hansen.shot("en-not-sent-no-keys")
    assert hansen.errors == [] and gp.errors == [] and manager.errors == []
