"""A link on another site cannot make a recipient "read" a message (issue 10, item 4),
in a real browser: Chromium follows a link from https://evil.example/ to the message's
view with Lise's session cookie (SameSite=Lax lets a top-level GET carry it) and gets
403 ``NOT_SAME_ORIGIN``, nothing logged; a same-origin fetch without any token (Fetch
Metadata alone) and her own thread page then read it, and those reads are logged."""

from __future__ import annotations

from sqlmodel import Session, func, select

from consent.audit import AuditTag
from consent.models import DisclosureLogEntry
from messaging.models import Receipt
from tests.browser.conftest import WAIT_MS
from web.demo import store_demo_key_backups

EVIL = "https://evil.example/"


def _reads(world, actor_id: str) -> int:
    with Session(world.engine) as session:
        return session.exec(select(func.count()).select_from(DisclosureLogEntry).where(
            DisclosureLogEntry.tag == AuditTag.READ_GRANTED.value, DisclosureLogEntry.actor_id == actor_id)).one()


def _delivered(world, message_id: str, actor_id: str):
    with Session(world.engine) as session:
        return session.get(Receipt, (message_id, actor_id)).delivered_at


def test_cross_site_link_reads_nothing_and_the_thread_page_still_does(browsers, world, clients):
    d = world.demo.actors
    world.grant_from_hansen(d["lise"])
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    case_id = world.demo.cases["hansen"]
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    message = gp.send(case_id, thread, "functional_assessment", {"functional_ability": "Kan jobbe halv dag."})["id"]
    view_url = f"{world.base_url}/messages/{message}/view"

    lise = browsers("lise")
    page = lise.page
    # Another site, served by the browser itself: one link to the view.
    lise.context.route(f"{EVIL}**", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body=f'<!doctype html><html lang="en"><title>win</title><a id="go" href="{view_url}">See your prize</a></html>'))
    page.goto(EVIL)
    with page.expect_response(lambda r: r.url == view_url, timeout=WAIT_MS) as answer:
        page.click("#go")
    response = answer.value
    # The session cookie went along (SameSite=Lax): only the server's check stops it.
    # (Playwright does not report the Sec-Fetch-* headers Chromium adds; the same-origin
    # fetch below, which carries no CSRF token, shows the server gets them.)
    assert "cookie" in response.request.all_headers()
    assert response.status == 403, response.text()
    assert response.json()["code"] == "NOT_SAME_ORIGIN"
    lise.shot("cross-site-refused")
    assert _reads(world, d["lise"]) == 0
    assert _delivered(world, message, d["lise"]) is None

    # Her own thread page fetches the same view, same-origin: opened and logged.
    lise.page.goto("/keys")
    lise.page.wait_for_selector("#keys-restore-form:visible")
    lise.page.fill("#restore-passphrase", "demo")
    lise.page.click("#keys-restore-submit")
    lise.page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    # A plain same-origin fetch, no CSRF token: Fetch Metadata alone lets it through.
    status = page.evaluate("async url => (await fetch(url, {credentials: 'same-origin'})).status", view_url)
    assert status == 200
    assert _reads(world, d["lise"]) == 1
    with page.expect_response(lambda r: r.url.startswith(view_url), timeout=WAIT_MS) as answer:
        page.goto(f"/inbox/cases/{case_id}/threads/{thread}")
    assert answer.value.status == 200
    opened = page.locator(f"li#msg-{message}[data-opened=true]")
    opened.wait_for(timeout=WAIT_MS)
    assert "Kan jobbe halv dag." in opened.inner_text()
    lise.shot("opened-same-origin")
    assert _reads(world, d["lise"]) == 2
    assert _delivered(world, message, d["lise"]) is not None
    assert lise.errors == []
