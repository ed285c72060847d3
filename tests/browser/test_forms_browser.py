"""Forms that protect people, in Debian's Chromium: a double submit leaves one grant, one
consent request and one message; withdrawing and recalling ask first (and a withdrawal
can be undone for a while); the sender sees who gets which part before sending; a
message stopped by a missing consent waits as a draft in the browser and goes with one
tap once Hansen consents; a manager is not offered the diagnosis, and is told why;
form errors speak the page's language.  Every page is axe-checked and photographed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from web.demo import store_demo_key_backups

WAIT = 60_000  # a loaded two-core machine: budgets are generous, waits follow conditions


def _grant(world, recipient: dict, categories: list[str], purposes=("workplace_adaptation",)) -> dict:
    hansen = world.person("hansen")
    return hansen.ok(hansen.post("/consent/grants", json={
        "recipient": recipient, "categories": categories, "purposes": list(purposes),
        "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }), 201)


def _grants(world) -> list[dict]:
    hansen = world.person("hansen")
    return hansen.ok(hansen.get("/consent/grants"))


def _signed_in(b):
    """The sign-in's redirects have landed on the person's own page."""
    b.page.wait_for_selector("body[data-me]", timeout=WAIT)
    return b


def _english(b, world) -> None:
    """The language switch's cookie (the switch itself is tested in test_portal_pages)."""
    b.context.add_cookies([{"name": "samband_lang", "value": "en", "url": world.base_url}])


def _in_view(page, selector: str) -> bool:
    return page.evaluate("""sel => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
def test_a_double_submitted_grant_gives_one_consent_and_the_confirmation_is_in_view(browsers, world, phone):
    b = _signed_in(browsers("hansen", phone=phone))
    page = b.page
    page.goto("/portal")
    page.wait_for_selector("#grant-form")
    lise = page.locator("#grant-recipient option", has_text="Lise Berg").get_attribute("value")
    page.select_option("#grant-recipient", value=lise)
    page.check("#cat-functional_ability")
    page.select_option("#grant-purpose", value="workplace_adaptation")
    page.check("#weeks-8")
    b.shot("filled")
    # Two submits of the same rendered form, as fast as a double tap: the page's own
    # guard is bypassed on purpose (fetch), so the server's idempotency key is tested.
    statuses = page.evaluate("""async () => {
        const form = document.getElementById('grant-form');
        const body = new URLSearchParams(new FormData(form));
        const send = () => fetch(form.action, {method: 'POST', body, redirect: 'manual', credentials: 'same-origin'});
        const answers = await Promise.all([send(), send()]);
        return answers.map(a => a.type);
    }""")
    assert statuses == ["opaqueredirect", "opaqueredirect"]
    page.dblclick("#grant-submit")  # and the same form by a real double click
    page.locator("[data-testid=flash]").first.wait_for(timeout=WAIT)
    rows = page.locator("[data-testid=grant-row][data-status=active]", has_text="Lise Berg")
    assert rows.count() == 1
    assert [(g["recipient"]["name"], g["status"]) for g in _grants(world)] == [("Lise Berg", "active")]
    # After the form, focus and view are on its confirmation.
    page.wait_for_function("() => document.activeElement?.dataset?.testid === 'flash'", timeout=WAIT)
    assert _in_view(page, "[data-testid=flash]")
    b.shot("granted-once")
    assert b.axe() == []
    assert b.errors == []


@pytest.mark.parametrize(("phone", "english"), [(True, False), (False, True)], ids=["phone-nb", "desk-en"])
def test_withdraw_asks_first_takes_effect_at_once_and_can_be_undone(browsers, world, phone, english):
    first = _grant(world, {"kind": "person", "id": world.demo.actors["lise"]}, ["functional_ability"])
    b = _signed_in(browsers("hansen", phone=phone))
    page = b.page
    if english:
        _english(b, world)
    page.goto("/portal")
    page.click(f"#revoke-{first['id']}")
    page.wait_for_selector("[data-testid=confirm-withdraw]", timeout=WAIT)
    text = page.inner_text("[data-testid=confirm-withdraw]")
    assert "Lise Berg" in text
    assert re.search("will no longer get" if english else "får ikke lenger", text)
    assert b.axe() == []
    b.shot("confirm-withdraw")
    # Nothing happened yet: the confirmation is only a question.
    assert [g["status"] for g in _grants(world)] == ["active"]

    page.click("#confirm-submit")
    page.wait_for_selector("[data-testid=undo]", timeout=WAIT)
    assert [g["status"] for g in _grants(world)] == ["revoked"]  # at once
    page.wait_for_function("() => document.activeElement?.id === 'undo-h'", timeout=WAIT)
    assert b.axe() == []
    b.shot("withdrawn-undo-offered")

    page.click("#undo-submit")
    page.locator("[data-testid=grant-row][data-status=active]", has_text="Lise Berg").wait_for(timeout=WAIT)
    grants = _grants(world)
    assert sorted(g["status"] for g in grants) == ["active", "revoked"]
    again = next(g for g in grants if g["status"] == "active")
    assert again["id"] != first["id"]
    assert (again["recipient"], again["categories"], again["purposes"], again["valid_to"]) == (
        first["recipient"], first["categories"], first["purposes"], first["valid_to"])
    b.shot("undone")
    # The undo was logged like any consent: Hansen's log has a second "gave consent".
    log = world.person("hansen").ok(world.person("hansen").get("/consent/log"))["entries"]
    assert sum(1 for e in log if e["tag"] == "consent:grant:created") == 2
    assert b.errors == []


def _thread(world, clients, members: list[str], topic="conversation") -> tuple[str, str]:
    case_id = world.demo.cases["hansen"]
    thread = clients("lise").start_thread(case_id, [world.demo.actors[m] for m in members], topic=topic)["id"]
    return case_id, thread


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_the_sender_sees_who_gets_which_part_and_a_double_tap_sends_once(browsers, world, clients, phone):
    d = world.demo.actors
    _grant(world, {"kind": "role", "role": "gp"}, ["work_tasks", "sick_leave"])
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    clients("eide")  # publishes keys for NAV's adviser, so she could receive
    case_id, thread = _thread(world, clients, ["solberg", "eide"])
    b = _signed_in(browsers("lise", phone=phone))
    b.restore_keys()
    page = b.page
    page.goto(f"/inbox/cases/{case_id}/threads/{thread}?kind=adaptation_question")
    page.wait_for_selector("#compose")
    page.fill("#f-job_description", "Regnskapsfører; vi kan tilby hev-senk-pult.")
    page.fill("#f-other_question", "Kan han starte på 50 % fra mandag?")
    page.dblclick("#compose-send")
    page.wait_for_selector("[data-testid=compose-preview]", timeout=WAIT)
    gp_line = page.inner_text(f"[data-testid=preview-line][data-recipient-id='{d['solberg']}']")
    nav_line = page.inner_text(f"[data-testid=preview-line][data-recipient-id='{d['eide']}']")
    assert gp_line.startswith("Ingrid Solberg får: ") and "Arbeidsoppgaver" in gp_line
    assert nav_line.startswith("Maria Eide får ingenting") and "ingen samtykke" in nav_line
    assert b.axe() == []
    b.shot("preview")
    assert clients("solberg").messages(case_id, thread) == []  # nothing is sent before "Send"

    page.dblclick("#compose-confirm")
    page.wait_for_selector("#compose-status:has-text('sendt')", timeout=WAIT)
    b.shot("sent-once")
    mine = [m for m in clients("solberg").messages(case_id, thread) if m["sender_id"] == d["lise"]]
    assert len(mine) == 1
    # On paper: the messages with their headers; no navigation, forms or buttons.
    page.locator(f"li#msg-{mine[0]['id']}[data-opened=true]").wait_for(timeout=WAIT)
    page.emulate_media(media="print")
    assert page.locator(f"li#msg-{mine[0]['id']} .message-meta").is_visible()
    assert page.locator(f"li#msg-{mine[0]['id']} .message-body").is_visible()
    for hidden in (".site-header", "#compose-section", "#members-section", f"li#msg-{mine[0]['id']} .recall-form"):
        assert page.locator(hidden).is_hidden(), hidden
    b.shot("print")
    page.emulate_media(media="screen")
    assert clients("solberg").read(mine[0]["id"]).form["other_question"] == "Kan han starte på 50 % fra mandag?"
    assert b.errors == []


def test_a_blocked_message_waits_as_a_draft_and_goes_with_one_tap_after_consent(browsers, world, clients):
    d = world.demo.actors
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id, thread = _thread(world, clients, ["solberg"])
    url = f"/inbox/cases/{case_id}/threads/{thread}"
    lise = _signed_in(browsers("lise"))
    lise.restore_keys()
    page = lise.page

    # The diagnosis is not hers to ask for: not offered, and she is told why.
    page.goto(f"{url}?kind=note")
    page.wait_for_selector("#compose")
    page.select_option("#f-category", value="diagnosis")
    page.fill("#f-text", "Hva er diagnosen?")
    page.click("#compose-send")
    row = page.locator("[data-testid=missing-row][data-category=diagnosis]")
    row.wait_for(timeout=WAIT)
    assert row.get_attribute("data-limited") == "true"
    assert "arbeidsgiver kan ikke be om diagnose" in row.inner_text()
    assert page.locator("#consent-request-form").is_hidden()
    assert lise.axe() == []
    lise.shot("diagnosis-not-offered")
    page.click("[data-testid=draft-delete]")

    # What she may ask for: the message is kept as a draft, the request is asked once.
    text = "Vi kan tilby hev-senk-pult og kortere dager. Hva kan han gjøre nå?"
    page.goto(f"{url}?kind=note")
    page.wait_for_selector("#compose")
    page.select_option("#f-category", value="work_tasks")
    page.fill("#f-text", text)
    page.click("#compose-send")
    page.locator("[data-testid=missing-row][data-category=work_tasks]").wait_for(timeout=WAIT)
    page.wait_for_selector("[data-testid=draft]", timeout=WAIT)
    assert "utkast" in page.inner_text("#compose-status")
    page.fill("#request-reason", "Jeg vil fortelle legen hva vi kan tilrettelegge.")
    page.dblclick("#ask-consent")
    page.wait_for_selector("#request-status:has-text('sendt')", timeout=WAIT)
    lise.shot("draft-kept-request-sent")
    pending = world.person("hansen").ok(world.person("hansen").get("/consent/requests"))
    assert [(r["requester_name"], r["grant"]["categories"]) for r in pending] == [("Lise Berg", ["work_tasks"])]
    # The draft never went to the server: no message in the thread.
    assert clients("solberg").messages(case_id, thread) == []

    # Hansen says yes in his portal.
    hansen = _signed_in(browsers("hansen", phone=True))
    hansen.page.goto("/portal")
    hansen.page.click("[data-testid=accept-request]")
    hansen.page.locator("[data-testid=grant-row][data-status=active]").first.wait_for(timeout=WAIT)
    hansen.shot("accepted")

    # Lise comes back: one tap sends what she wrote; she does not retype it.
    page.goto(url)
    page.wait_for_selector("[data-testid=draft-send]", timeout=WAIT)
    assert lise.axe() == []
    lise.shot("draft-offered")
    page.click("[data-testid=draft-send]")
    page.wait_for_selector("#compose-status:has-text('Utkastet er sendt')", timeout=WAIT)
    assert page.locator("[data-testid=draft]").count() == 0
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('samband:draft:')).length") == 0
    lise.shot("draft-sent")
    sent = [m for m in clients("solberg").messages(case_id, thread) if m["sender_id"] == d["lise"]]
    assert len(sent) == 1
    assert clients("solberg").read(sent[0]["id"]).form["text"] == text
    assert lise.errors == [] and hansen.errors == []


@pytest.mark.parametrize("english", [False, True], ids=["nb", "en"])
def test_recall_asks_first_and_says_what_will_happen(browsers, world, clients, english):
    _grant(world, {"kind": "role", "role": "gp"}, ["work_tasks", "sick_leave"])
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id, thread = _thread(world, clients, ["solberg"])
    sent = clients("lise").send(case_id, thread, "adaptation_question", {
        "job_description": "Regnskapsfører.", "other_question": "Kan han jobbe 50 %?"})
    b = _signed_in(browsers("lise", phone=True))
    if english:
        _english(b, world)
    b.restore_keys()
    page = b.page
    page.goto(f"/inbox/cases/{case_id}/threads/{thread}")
    page.click(f"li#msg-{sent['id']} [data-testid=recall]")
    page.wait_for_selector("[data-testid=confirm-recall]", timeout=WAIT)
    said = page.inner_text("[data-testid=confirm-recall]")
    assert re.search("cannot be undone" if english else "kan ikke angres", said)
    assert b.axe() == []
    b.shot("confirm-recall")
    assert clients("solberg").messages(case_id, thread)[0]["recalled"] is False  # only asked so far
    page.click("#confirm-submit")
    page.locator(f"li#msg-{sent['id']}[data-recalled=true]").wait_for(timeout=WAIT)
    b.shot("recalled")
    assert clients("solberg").messages(case_id, thread)[0]["recalled"] is True
    assert b.errors == []


@pytest.mark.parametrize("english", [False, True], ids=["nb", "en"])
def test_a_bad_field_is_explained_in_the_pages_language(browsers, world, clients, english):
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id, thread = _thread(world, clients, ["solberg"])
    b = _signed_in(browsers("lise"))
    if english:
        _english(b, world)
    b.restore_keys()
    page = b.page
    page.goto(f"/inbox/cases/{case_id}/threads/{thread}?kind=adaptation_question")
    page.wait_for_selector("#compose")
    page.fill("#f-job_description", "Regnskapsfører.")
    page.fill("#f-other_question", "Kan han jobbe?")
    page.fill("#f-proposed_grade", "150")
    page.click("#compose-send")
    page.wait_for_selector("#compose-error:not(:empty)", timeout=WAIT)
    said = page.inner_text("#compose-error")
    if english:
        assert "must be at most 100" in said
    else:
        assert "kan være høyst 100" in said and "must be" not in said
    b.shot("field-error")
    assert b.axe() == []
    assert b.errors == []
