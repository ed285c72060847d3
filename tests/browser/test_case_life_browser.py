"""The case's end, in Chromium: NAV (Maria Eide, at a desk) ends Per Hansen's case as
back at work from her inbox; the GP's thread page (desk) then reads as read-only, with
her message still opened in her browser and no way to write; Hansen (on a phone) sees
the end and the purge date on /portal and downloads everything about him: the file,
made in his browser, holds the GP's message decrypted and his log.  Every page is
photographed and axe-checked, in bokmål."""

from __future__ import annotations

import json
from datetime import date, timedelta

from web.demo import store_demo_key_backups

PASSPHRASE = "min-egen-rygg-2026"


def test_nav_ends_the_case_the_gp_can_only_read_and_hansen_downloads_everything(browsers, world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")

    # Hansen makes his keys on his phone; the GP writes to him.
    hansen = browsers("hansen", phone=True)
    page = hansen.page
    page.goto("/keys")
    page.wait_for_selector("#keys-setup-form:visible", timeout=60_000)
    page.fill("#setup-passphrase", PASSPHRASE)
    page.fill("#setup-passphrase-again", PASSPHRASE)
    page.click("#keys-setup-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=60_000)
    gp_client = clients("solberg")
    thread = gp_client.start_thread(case_id, [d["hansen"]], topic="conversation")["id"]
    note = "Hei Per! Godt å høre at du er tilbake på jobb fra mandag."
    sent = gp_client.send(case_id, thread, "note", {"category": "functional_ability", "text": note})

    # NAV ends the case from her inbox, as back at work.
    nav = browsers("eide")
    nav.page.goto("/inbox")
    nav.page.click(f"#end-case-{case_id} summary")
    nav.page.select_option(f"#end-reason-{case_id}", value="back_at_work")
    assert nav.axe() == []
    nav.shot("end-case-form")
    nav.page.click(f"#end-form-{case_id} [data-testid=end-case-submit]")
    closed = nav.page.locator(f"#case-closed-{case_id}")
    closed.wait_for(timeout=60_000)
    assert "Saken ble avsluttet" in closed.inner_text() and "tilbake i arbeid" in closed.inner_text()
    assert nav.page.locator(f"#end-case-{case_id}").count() == 0
    assert nav.page.locator(f"#new-thread-{case_id}").count() == 0
    assert nav.axe() == []
    nav.shot("inbox-case-ended")

    # The GP's thread page: read-only, her message still opens, nothing to write with.
    gp = browsers("solberg")
    gp.restore_keys()
    gp.page.goto(f"/inbox/cases/{case_id}/threads/{thread}")
    gp.page.locator("[data-testid=case-closed]").wait_for(timeout=60_000)
    assert "kan leses" in gp.page.inner_text("#case-closed")
    assert note in gp.page.locator(f"li#msg-{sent['id']}[data-opened=true]").inner_text(timeout=60_000)
    assert gp.page.locator("#compose").count() == 0 and gp.page.locator("#kind-form").count() == 0
    assert gp.page.locator("[data-testid=recall]").count() == 0 and gp.page.locator(".reply-link").count() == 0
    assert gp.page.locator("[data-testid=compose-closed]").is_visible()
    assert gp.axe() == []
    gp.shot("gp-thread-read-only")

    # Hansen sees the end and the purge date, and downloads everything about him.
    page.goto("/portal")
    notice = page.locator(f"#case-closed-{case_id}")
    notice.wait_for(timeout=60_000)
    purge_on = date.today() + timedelta(days=365)
    assert f"slettes {purge_on.day}." in notice.inner_text() and "trekke tilbake samtykker" in notice.inner_text()
    assert page.locator("[data-testid=purge-warning]").count() == 0  # a year away: no warning yet
    page.locator("#download").scroll_into_view_if_needed()
    assert hansen.axe() == []
    hansen.shot("portal-case-ended")
    with page.expect_download(timeout=120_000) as download:
        page.click("#download-all")
    saved = download.value
    assert saved.suggested_filename.startswith("samband-alt-om-meg-") and saved.suggested_filename.endswith(".json")
    bundle = json.loads(open(saved.path(), encoding="utf-8").read())
    page.wait_for_selector("#download-status[data-done=true]", timeout=60_000)
    assert page.inner_text("#download-status").startswith("Ferdig")
    hansen.shot("portal-downloaded")

    assert bundle["format"] == "samband-export/1" and bundle["actor_id"] == d["hansen"]
    (case,) = bundle["cases"]
    assert case["case"]["closure"]["reason"] == "back_at_work"
    messages = [m for t in case["threads"] for m in t["messages"]]
    (opened,) = [m for m in messages if m["id"] == sent["id"]]
    assert opened["status"] == "opened" and opened["form"]["text"] == note  # decrypted in his browser
    tags = [e["tag"] for e in bundle["log"]["entries"]]
    assert "case:case:ended" in tags and "disclosure:message:granted" in tags
    assert all(e["inclusion_proof"] is not None and e["leaf"] for e in bundle["log"]["entries"])
    assert bundle["consents_fhir"]["resourceType"] == "Bundle"
