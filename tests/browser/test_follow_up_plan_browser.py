"""The follow-up plan written together, in Chromium: Per Hansen on a phone, his manager
Lise Berg and the GP Ingrid Solberg at a desk, in bokmål.

Lise starts the plan thread and writes version 1; Hansen answers it with comments from
his page; Lise writes version 2; Hansen acknowledges it.  The version list shows both,
with authors, dates and acknowledgement.  Lise sends version 2 on to the GP (the form is
filled in her browser from the sealed version); the GP finds it from her inbox and
reads it, on arbeidsmiljøloven § 4-6, which Hansen's log names.  The 4-week milestone is
done and the evaluation milestone shows its date; "Siste oppfølgingsplan" on his page
opens version 2, and its print view shows only that version.  Every page is
photographed and axe-checked.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from messaging.keys import Identity
from web.demo import _write_keystore, store_demo_key_backups

DONE = "sel => { const t = document.querySelector(sel)?.textContent || ''; return t !== '' && !t.includes('…'); }"
V1 = "To timer om dagen med regnskap, ingen kundemøter."
V2 = "Fire timer om dagen fra uke 6, kundemøter på video."


def _write_plan(b, planned: str, evaluation: date) -> None:
    page = b.page
    page.select_option("#kind-select", value="follow_up_plan")
    page.click("#kind-choose")
    page.wait_for_selector("#compose[data-kind=follow_up_plan]")
    page.fill("#f-typical_workday", "Regnskap og avstemming ved skjerm, kundemøter to ganger i uka.")
    page.fill("#f-tasks_that_can_be_done", "Avstemming og rapporter.")
    page.fill("#f-tasks_that_cannot_be_done", "Lange møter og bæring.")
    page.fill("#f-planned_adaptation", planned)
    page.fill("#f-follow_up", "Samtale hver fredag.")
    page.fill("#f-evaluation_date", evaluation.isoformat())
    page.check("#f-send_to_gp-yes")
    page.check("#f-send_to_nav-no")
    page.check("#f-employee_contributed-yes")
    b.send_compose()
    page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert page.inner_text("#compose-error") == ""


def _newest_plan(world, case_id: str) -> dict:
    hansen = world.person("hansen")
    return hansen.ok(hansen.get(f"/cases/{case_id}/plan"))


def test_hansen_and_lise_write_the_plan_together_and_the_gp_gets_it(browsers, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    # Hansen's keys: his own device's, backed up under the demo passphrase like the others'.
    _write_keystore(world.settings.data_dir / "demo-keystores", "hansen", Identity.generate(), d["hansen"])
    clients("hansen").publish_keys()
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    in4, in6 = date.today() + timedelta(weeks=4), date.today() + timedelta(weeks=6)

    # Lise starts the plan thread with Hansen from her inbox and writes version 1.
    lise = browsers("lise")
    lise.restore_keys()
    lise.page.goto("/inbox")
    lise.page.click(f"#case-{case_id} details.new-thread summary")
    lise.page.check(f"#member-{case_id}-{d['hansen']}")
    lise.page.select_option(f"#topic-{case_id}", value="follow_up_plan")
    lise.page.click(f"#new-thread-{case_id} [data-testid=start-thread]")
    lise.page.wait_for_url(re.compile(rf"/inbox/cases/{case_id}/threads/[0-9a-f-]+$"), timeout=60_000)
    thread = lise.page.url.rsplit("/", 1)[1]
    assert lise.page.locator("[data-testid=plan-none]").is_visible()
    assert lise.axe() == []
    lise.shot("plan-thread-empty")
    _write_plan(lise, V1, in4)
    v1 = _newest_plan(world, case_id)["versions"][0]
    assert v1["number"] == 1 and v1["author_id"] == d["lise"]

    # Hansen, on his phone, reads version 1 and answers with comments.
    hansen = browsers("hansen", phone=True)
    hansen.restore_keys()
    page = hansen.page
    page.goto(f"/portal/cases/{case_id}/threads/{thread}")
    assert V1 in hansen.opened(v1["message_id"]).inner_text()
    page.fill(f"#ack-comment-{v1['message_id']}", "Kan kundemøtene gå på video?")
    page.click(f"#ack-{v1['message_id']} [data-testid=ack-read_with_comments]")
    page.wait_for_function(DONE, arg=f"#ack-{v1['message_id']} .form-status", timeout=60_000)
    assert hansen.axe() == []
    hansen.shot("v1-commented")
    assert _newest_plan(world, case_id)["versions"][0]["acknowledged_by_employee_at"] is None  # comments: no ack

    # Lise writes version 2 after his comments; Hansen acknowledges it.
    lise.page.reload()
    _write_plan(lise, V2, in6)
    plan = _newest_plan(world, case_id)
    v2 = plan["versions"][1]
    assert (plan["latest"], v2["number"], v2["author_id"]) == (2, 2, d["lise"])
    page.reload()
    assert V2 in hansen.opened(v2["message_id"]).inner_text()
    page.click(f"#ack-{v2['message_id']} [data-testid=ack-read_and_agree]")
    page.wait_for_function(DONE, arg=f"#ack-{v2['message_id']} .form-status", timeout=60_000)
    page.reload()
    rows = page.locator("[data-testid=plan-version]")
    rows.first.wait_for()
    assert [rows.nth(i).get_attribute("data-number") for i in range(rows.count())] == ["2", "1"]
    assert page.locator("[data-testid=plan-version][data-number='2']").get_attribute("data-acknowledged") == "true"
    assert page.locator("[data-testid=plan-version][data-number='1']").get_attribute("data-acknowledged") == "false"
    assert "Lise Berg" in page.inner_text("[data-testid=plan-version][data-number='2']")
    assert hansen.axe() == []
    hansen.shot("plan-versions")

    # Lise sends version 2 on to the GP: the form fills itself from the sealed version.
    lise.page.reload()
    lise.page.click(f"[data-testid=plan-share][data-recipient-id='{d['solberg']}']")
    lise.page.wait_for_url(re.compile(rf"/inbox/cases/{case_id}/threads/[0-9a-f-]+\?kind=follow_up_plan&shares="), timeout=60_000)
    lise.page.wait_for_selector("#compose[data-prefilled=true]", timeout=60_000)
    assert lise.page.input_value("#f-planned_adaptation") == V2
    assert lise.axe() == []
    lise.shot("share-prefilled")
    lise.send_compose()
    lise.page.wait_for_function(DONE, arg="#compose-status", timeout=60_000)
    assert lise.page.inner_text("#compose-error") == ""
    shared = _newest_plan(world, case_id)["versions"][1]["shared"]
    assert len(shared) == 1

    # The GP finds the latest plan from her inbox and reads it.
    gp = browsers("solberg")
    gp.restore_keys()
    gp.page.goto("/inbox")
    gp.page.click(f"#case-{case_id} [data-testid=latest-plan]")
    copy = gp.opened(shared[0]["message_id"])
    assert V2 in copy.inner_text()
    assert gp.page.inner_text(f"#msg-{shared[0]['message_id']} [data-testid=version-badge]") == "Kopi av versjon 2 av oppfølgingsplanen"
    assert gp.axe() == []
    gp.shot("gp-reads-plan")

    # Hansen's log names the law the GP got it on.
    page.goto("/portal/log")
    page.wait_for_selector("text=arbeidsmiljøloven § 4-6", timeout=60_000)
    assert hansen.axe() == []
    hansen.shot("log-names-the-law")

    # His page: the 4-week milestone is done, the evaluation shows its date; the latest
    # plan is one click away and opens version 2, whose print view shows it alone.
    page.goto("/portal")
    assert page.get_attribute("[data-testid=milestone][data-code=follow_up_plan]", "data-status") == "done"
    evaluation = page.locator("[data-testid=milestone][data-code=follow_up_plan_evaluation]")
    assert "Evaluering av oppfølgingsplanen" in evaluation.inner_text()
    assert f"{in6.day}." in evaluation.inner_text() and evaluation.get_attribute("data-status") == "upcoming"
    assert hansen.axe() == []
    hansen.shot("portal-milestones")
    page.click("[data-testid=latest-plan]")
    latest = hansen.opened(v2["message_id"])
    assert "plan-latest" in (latest.get_attribute("class") or "") and V2 in latest.inner_text()
    assert page.get_attribute("#page", "data-print-target") == v2["message_id"]
    assert hansen.axe() == []
    hansen.shot("latest-plan")
    page.emulate_media(media="print")
    assert page.locator(f"#msg-{v2['message_id']}").is_visible()
    assert not page.locator(f"#msg-{v1['message_id']}").is_visible()
    assert not page.locator("#plan-versions").is_visible()
    hansen.shot("latest-plan-print")
    page.emulate_media(media="screen")
