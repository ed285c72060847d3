"""The portal's stories in Debian's Chromium: consent given and withdrawn in one action
(and a confirmation) each, messages decrypted in the page, and sealing that crosses between the browser and
the Python client.  Every page visited is axe-checked and photographed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.browser.conftest import WAIT_MS
from web.demo import store_demo_key_backups


def _grant(world, recipient: dict, categories: list[str]) -> dict:
    hansen = world.person("hansen")
    return hansen.ok(hansen.post("/consent/grants", json={
        "recipient": recipient, "categories": categories, "purposes": ["workplace_adaptation"],
        "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }), 201)


def test_hansen_grants_his_manager_functional_ability_and_withdraws_it_with_one_action(browsers, world):
    b = browsers("hansen", phone=True)
    page = b.page
    page.goto("/portal")
    page.wait_for_selector("#grant-form")
    assert b.axe() == []
    b.shot("portal")

    lise = page.locator("#grant-recipient option", has_text="Lise Berg").get_attribute("value")
    page.select_option("#grant-recipient", value=lise)
    page.check("#cat-functional_ability")
    page.select_option("#grant-purpose", value="workplace_adaptation")
    page.check("#weeks-8")
    page.click("#grant-submit")
    row = page.locator("[data-testid=grant-row][data-status=active]", has_text="Lise Berg")
    row.wait_for()
    b.shot("granted")
    grants = world.person("hansen").ok(world.person("hansen").get("/consent/grants"))
    assert [(g["recipient"]["name"], g["categories"], g["status"]) for g in grants] == [
        ("Lise Berg", ["functional_ability"], "active")]
    ends = datetime.fromisoformat(grants[0]["valid_to"]) - datetime.fromisoformat(grants[0]["valid_from"])
    assert timedelta(weeks=8) - timedelta(minutes=1) < ends <= timedelta(weeks=8)

    # Withdrawing is one action and a confirmation that says what happens, done here
    # from the keyboard alone.
    row.locator("[data-testid=revoke-grant]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=confirm-withdraw]")
    page.locator("#confirm-submit").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=undo]")
    # Withdrawn consents move to the history (collapsed under the active table).
    page.locator("[data-testid=grant-row][data-status=revoked]", has_text="Lise Berg").wait_for(state="attached")
    assert page.locator("[data-testid=grant-row][data-status=active]").count() == 0
    b.shot("withdrawn")
    assert b.axe() == []
    assert [g["status"] for g in world.person("hansen").ok(world.person("hansen").get("/consent/grants"))] == ["revoked"]

    # The log shows both, with the basis in words.
    page.goto("/portal/log")
    page.locator("[data-testid=log-line]").first.wait_for()
    assert b.axe() == []
    b.shot("log")
    assert b.errors == []


def test_manager_reads_the_gps_answer_in_the_page_and_the_gp_reads_what_she_wrote(browsers, world, clients):
    d = world.demo.actors
    _grant(world, {"kind": "person", "id": d["lise"]}, ["functional_ability"])
    _grant(world, {"kind": "role", "role": "gp"}, ["work_tasks", "sick_leave"])
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id = world.demo.cases["hansen"]
    gp = clients("solberg")  # the Python client, with the GP's keys
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    answer_text = "Kan jobbe 50 % med skjermarbeid, pause hver time."
    sent = gp.send(case_id, thread, "functional_assessment",
                   {"functional_ability": answer_text, "restrictions": "Ingen løft over 5 kg."})

    b = browsers("lise")
    page = b.page
    page.goto("/keys")
    page.wait_for_selector("#keys-restore-form:visible")
    page.fill("#restore-passphrase", "feil passordfrase")
    page.click("#keys-restore-submit")
    page.wait_for_selector("#keys-error:not(:empty)")
    assert re.search("passordfrase", page.inner_text("#keys-error"), re.I)
    b.shot("keys-wrong-passphrase")
    page.fill("#restore-passphrase", "demo")
    page.click("#keys-restore-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    assert b.axe() == []
    b.shot("keys-restored")

    page.goto("/inbox")
    page.wait_for_selector(f"#thread-link-{thread}")
    assert b.axe() == []
    b.shot("inbox")
    page.click(f"#thread-link-{thread}")
    message = page.locator(f"li#msg-{sent['id']}[data-opened=true]")
    message.wait_for(timeout=WAIT_MS)
    assert answer_text in message.inner_text()
    b.shot("thread-decrypted")
    assert b.axe() == []

    # What the server rendered for that page holds no plaintext: the browser decrypted it.
    served = b.context.request.get(page.url).text()
    assert answer_text not in served and "Ingen løft" not in served

    # Lise writes back from the browser; the GP's Python client opens it.
    page.goto(f"{page.url.split('?')[0]}?kind=adaptation_question&reply_to={sent['id']}")
    page.wait_for_selector("#compose")
    page.fill("#f-job_description", "Regnskapsfører; vi kan tilby hev-senk-pult og kortere dager.")
    page.fill("#f-other_question", "Kan han starte på 50 % fra mandag?")
    b.shot("compose")
    b.send_compose()  # who gets what, then send
    page.wait_for_selector("#compose-status:has-text('endt')", timeout=WAIT_MS)
    b.shot("sent")
    mine = [m for m in gp.messages(case_id, thread) if m["sender_id"] == d["lise"]]
    assert len(mine) == 1
    read = gp.read(mine[0]["id"])
    assert read.kind == "adaptation_question" and read.in_reply_to == sent["id"]
    assert read.form["other_question"] == "Kan han starte på 50 % fra mandag?"
    assert b.errors == []
