"""NAV's request is one act, in the portal: NAV adviser Eide sends "Forespørsel fra NAV"
to psychologist Moe in Nina's case from the thread page, Moe answers from hers, Eide
reads the answer, and Nina's log names folketrygdloven § 21-4 with nothing stopped.

Desk in bokmål and phone in English (the two halves of the matrix the issue asks for)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from web.demo import store_demo_key_backups

QUESTION = "Når starter behandlingen? Fristen for oppstart er tre måneder etter henvisning."
TREATMENT = "Behandlingen starter 14. mars, innenfor fristen."
FUNCTION = "Kan jobbe fire timer om dagen med faste pauser."
LONG = 60_000  # a loaded 2-core machine: sealing, X-Wing and page loads take their time


def _signed_in(browsers, world, username: str, *, phone: bool, lang: str):
    b = browsers(username, phone=phone, sign_in=False)
    b.context.add_cookies([{"name": "samband_lang", "value": lang, "url": world.base_url}])
    b.sign_in(username)
    return b


def _open(browsers, world, username: str, *, phone: bool, lang: str):
    b = _signed_in(browsers, world, username, phone=phone, lang=lang)
    b.page.goto("/keys")
    try:
        b.page.wait_for_selector("#keys-restore-form:visible", timeout=LONG)
    except Exception:  # say what the page showed instead: the issue saw this wait fail once, under load
        b.shot("keys-not-restorable")
        shown = b.page.evaluate("() => [...document.querySelectorAll('main section')].map(x => `${x.id}:${!x.hidden}`)")
        print(f"/keys for {username} at {b.page.url}: sections {shown}; errors {b.errors}")
        raise
    b.page.fill("#restore-passphrase", "demo")
    b.page.click("#keys-restore-submit")
    b.page.wait_for_selector("#keys-ready:not([hidden])", timeout=LONG)
    return b


def _sent(b) -> None:
    """Wait for the compose form's outcome, not for "Krypterer og sender …"."""
    b.page.wait_for_function(
        "() => { const t = document.querySelector('#compose-status')?.textContent || '';"
        " const e = document.querySelector('#compose-error')?.textContent || '';"
        " return e !== '' || (t !== '' && !t.includes('…')); }", timeout=LONG)
    assert b.page.inner_text("#compose-error") == "", b.page.inner_text("#compose-error")


@pytest.mark.parametrize(("phone", "lang"), [(False, "nb"), (True, "en")], ids=["desk-nb", "phone-en"])
def test_nav_asks_the_psychologist_she_answers_on_21_4_and_ninas_log_says_so(browsers, world, phone, lang):
    d, case_id = world.demo.actors, world.demo.cases["nina"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")

    # Eide starts a conversation with Moe in Nina's case, from her inbox.
    eide = _open(browsers, world, "eide", phone=phone, lang=lang)
    eide.page.goto("/inbox")
    form = eide.page.locator(f"#new-thread-{case_id}")
    form.locator("xpath=..").locator("summary").click()
    form.locator(f"#member-{case_id}-{d['moe']}").check()
    form.locator("[data-testid=start-thread]").click()
    eide.page.wait_for_selector("#compose", timeout=LONG)
    thread_url = eide.page.url.split("?")[0].split("#")[0]

    # She chooses "Forespørsel fra NAV", asks about treatment and function, and sends.
    eide.page.select_option("#kind-select", value="nav_request")
    eide.page.click("#kind-choose")
    eide.page.wait_for_selector("#compose[data-kind=nav_request]", timeout=LONG)
    eide.page.fill("#f-question", QUESTION)
    eide.page.check("#f-requested_categories-treatment_status")
    eide.page.check("#f-requested_categories-functional_ability")
    eide.page.fill("#nav-reference", "NAV-2026-0042")
    eide.shot("request-filled")
    eide.send_compose()
    _sent(eide)
    eide.shot("request-sent")
    assert eide.axe() == []
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT addressee_id, categories, reference, message_id FROM nav_request")).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [(d["moe"], "functional_ability,treatment_status", "NAV-2026-0042")]
    request_id = rows[0][3]

    # Moe opens it in her browser and answers from the page, with the answer form.
    moe = _open(browsers, world, "moe", phone=phone, lang=lang)
    moe.page.goto(thread_url)
    request = moe.page.locator(f"li#msg-{request_id}[data-opened=true]")
    request.wait_for(timeout=LONG)
    assert QUESTION in request.inner_text()
    moe.shot("request-opened")
    request.locator("[data-testid=reply-link]").click()
    moe.page.wait_for_selector("#compose[data-kind=nav_request_answer]", timeout=LONG)
    moe.page.fill("#f-treatment_status", TREATMENT)
    moe.page.fill("#f-functional_ability", FUNCTION)
    moe.send_compose()
    _sent(moe)
    assert moe.page.locator("#consent-missing").is_hidden()
    moe.shot("answer-sent")
    assert moe.axe() == []

    # Eide reads the answer, decrypted in her page; it is delivered to her.
    eide.page.goto(thread_url)
    answer = eide.page.locator("li[data-kind=nav_request_answer][data-opened=true]")
    answer.wait_for(timeout=LONG)
    assert TREATMENT in answer.inner_text() and FUNCTION in answer.inner_text()
    eide.shot("answer-read")
    answer_id = answer.get_attribute("data-message-id")
    with world.engine.connect() as conn:
        delivered = conn.execute(text("SELECT delivered_at FROM receipt WHERE message_id = :m AND actor_id = :a"),
                                 {"m": answer_id, "a": d["eide"]}).scalar_one()
    assert delivered is not None

    # Nina's log names the law and shows no stopped attempt for her own psychologist.
    nina = _signed_in(browsers, world, "nina", phone=phone, lang=lang)
    nina.page.goto("/portal")
    nina.page.wait_for_selector("#log", timeout=LONG)
    log = "\n".join(nina.page.locator("#log li").all_inner_texts())  # the entries, not the lead
    assert "§ 21-4" in log
    assert not re.search(r"stoppet|stopped", log, re.I)
    nina.shot("log-names-21-4")
    assert nina.axe() == []
    nina.page.goto("/portal/log")
    full = "\n".join(nina.page.locator("main li").all_inner_texts())
    assert "§ 21-4" in full and not re.search(r"stoppet|stopped", full, re.I)
    nina.shot("full-log")
    entries = world.person("nina").ok(world.person("nina").get("/consent/log"))["entries"]
    assert [e for e in entries if e["outcome"] == "deny"] == []

    # Afterwards Moe tries to tell NAV the diagnosis, which NAV did not ask about: the box
    # says the law would give a basis once NAV asks, and offers no consent request.
    moe.page.goto(f"{thread_url}?kind=nav_request_answer")
    moe.page.wait_for_selector("#compose[data-kind=nav_request_answer]", timeout=LONG)
    moe.page.fill("#f-diagnosis", "F32.1")
    moe.page.click("#compose-send")
    row = moe.page.locator("[data-testid=missing-row]").first
    row.wait_for(timeout=LONG)
    assert (row.get_attribute("data-category"), row.get_attribute("data-statutory")) == ("diagnosis", "await_nav_request")
    assert "§ 21-4" in row.inner_text()
    assert moe.page.locator("#consent-request-form").is_hidden()
    moe.shot("law-not-consent")
    assert moe.axe() == []
    assert eide.errors == [] and moe.errors == [] and nina.errors == []


def test_nav_calls_dialogue_meeting_2_from_the_page_on_8_7a(browsers, world, clients):
    """NAV's invitation to dialogue meeting 2 carries its summons: the manager and the GP
    get it with no consent in place, and Hansen's log names folketrygdloven § 8-7a."""
    from datetime import datetime, timedelta

    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    thread = clients("eide").start_thread(case_id, [d["lise"], d["solberg"]], topic="meeting_invitation")["id"]
    eide = _open(browsers, world, "eide", phone=False, lang="nb")
    eide.page.goto(f"/inbox/cases/{case_id}/threads/{thread}?kind=meeting_invitation")
    eide.page.wait_for_selector("#compose[data-kind=meeting_invitation]", timeout=LONG)
    assert "§ 8-7a" in eide.page.inner_text("#nav-summons-help")
    eide.page.select_option("#f-meeting_type", value="dialogue_meeting_2")
    eide.page.fill("#f-starts_at", (datetime.now() + timedelta(days=10)).strftime("%Y-%m-%dT10:00"))
    eide.page.fill("#f-place", "NAV Bergenhus, møterom 3")
    eide.send_compose()
    _sent(eide)
    eide.shot("summons-sent")
    assert eide.axe() == []
    invitation = next(m for m in clients("lise").messages(case_id, thread) if m["kind"] == "meeting_invitation")
    assert clients("lise").read(invitation["id"]).form["meeting_type"] == "dialogue_meeting_2"
    assert clients("solberg").read(invitation["id"]).form["place"] == "NAV Bergenhus, møterom 3"
    log = world.person("hansen").ok(world.person("hansen").get("/consent/log"))["entries"]
    reached = {(e["recipient_id"], e["basis_text"]) for e in log if e["tag"] == "disclosure:read:granted"}
    assert reached == {(d["lise"], "folketrygdloven § 8-7a"), (d["solberg"], "folketrygdloven § 8-7a")}
    assert [e for e in log if e["outcome"] == "deny"] == []
    assert eide.errors == []
