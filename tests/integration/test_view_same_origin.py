"""No state change on a cross-site GET (issue 10, item 4), over real HTTP.

Reading a message (``GET /messages/{id}/view``) logs a disclosure and marks the message
delivered.  A link on another site makes the browser send that GET with the session
cookie, so a cookie-authenticated view is served only when the browser says a samband
page asked (Fetch Metadata ``Sec-Fetch-Site: same-origin``) or the request carries the
session's CSRF token; programs with a bearer token are not forgeable and keep working.
A refused view answers 403 ``NOT_SAME_ORIGIN`` and writes nothing.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from consent.audit import AuditTag
from consent.models import DisclosureLogEntry
from messaging.models import Receipt
from tests.support.tokens import csrf_token_of

# What Chromium sends for a link on https://evil.example/ that a person clicks.
CROSS_SITE_NAVIGATION = {
    "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1", "Upgrade-Insecure-Requests": "1", "Referer": "https://evil.example/",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
# What thread.js's fetch() carries in the same browser.
SAME_ORIGIN_FETCH = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty",
                     "Accept": "application/octet-stream"}


@pytest.fixture
def sent(world, clients) -> str:
    """The GP sends Lise (who has Hansen's consent) a functional assessment."""
    d = world.demo.actors
    world.grant_from_hansen(d["lise"])
    gp = clients("solberg")
    thread = gp.start_thread(world.demo.cases["hansen"], [d["lise"]], topic="functional_assessment")["id"]
    return gp.send(world.demo.cases["hansen"], thread, "functional_assessment",
                   {"functional_ability": "Kan jobbe halv dag."})["id"]


def _reads(world, reader: str) -> int:
    with Session(world.engine) as session:
        return session.exec(select(func.count()).select_from(DisclosureLogEntry).where(
            DisclosureLogEntry.tag == AuditTag.READ_GRANTED.value,
            DisclosureLogEntry.actor_id == world.demo.actors[reader])).one()


def _delivered(world, message_id: str, reader: str):
    with Session(world.engine) as session:
        return session.get(Receipt, (message_id, world.demo.actors[reader])).delivered_at


def _assert_refused(response) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "NOT_SAME_ORIGIN"
    assert "samband" in body["message"] and "open it from the thread" in body["message"]
    assert response.content != b"" and not response.headers["content-type"].startswith("application/octet-stream")


class TestCookieAuthenticated:
    @pytest.mark.parametrize("headers", [
        CROSS_SITE_NAVIGATION,
        {**CROSS_SITE_NAVIGATION, "Sec-Fetch-Site": "same-site"},  # another host under the same site
        {**SAME_ORIGIN_FETCH, "Sec-Fetch-Site": "cross-site"},  # a cross-site fetch() with credentials
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # typed in
        {"Accept": "*/*"},  # no Fetch Metadata, no token: an old browser following a link, or curl with a cookie
        {**CROSS_SITE_NAVIGATION, "X-CSRF-Token": "not-the-token"},
    ], ids=["cross-site-link", "same-site", "cross-site-fetch", "typed-address", "no-metadata", "wrong-token"])
    def test_view_from_another_site_is_refused_and_logs_no_read(self, world, browser, sent, headers):
        lise = browser("lise")
        before = _reads(world, "lise")
        _assert_refused(lise.get(f"/messages/{sent}/view", headers=headers))
        assert _reads(world, "lise") == before == 0
        assert _delivered(world, sent, "lise") is None

    def test_view_asked_for_by_a_samband_page_is_served_and_logged(self, world, browser, sent):
        lise = browser("lise")
        response = lise.get(f"/messages/{sent}/view", headers=SAME_ORIGIN_FETCH)
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"samband.no/envelope-view/v1\n")
        assert _reads(world, "lise") == 1
        assert _delivered(world, sent, "lise") is not None

    def test_view_with_the_sessions_csrf_token_is_served_without_fetch_metadata(self, world, browser, sent):
        lise = browser("lise")
        token = csrf_token_of(lise.get("/inbox").text)
        response = lise.get(f"/messages/{sent}/view", headers={"X-CSRF-Token": token})
        assert response.status_code == 200, response.text
        assert _reads(world, "lise") == 1


class TestBearerToken:
    def test_program_without_fetch_metadata_reads_and_the_read_is_logged(self, world, clients, sent):
        opened = clients("lise").read(sent)
        assert opened  # the Python client opened it with Lise's key
        assert _reads(world, "lise") == 1

    def test_bearer_token_is_not_ambient_so_any_fetch_metadata_is_accepted(self, world, sent):
        lise = world.person("lise")
        response = lise.get(f"/messages/{sent}/view", headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 200, response.text
        assert _reads(world, "lise") == 1


def test_read_receipt_stays_a_post_under_csrf(world, browser, sent):
    lise = browser("lise")
    assert lise.get(f"/messages/{sent}/read").status_code == 405
    refused = lise.post(f"/messages/{sent}/read", headers=CROSS_SITE_NAVIGATION)
    assert refused.status_code == 403 and 'data-code="CSRF_FAILED"' in refused.text
    with Session(world.engine) as session:
        assert session.get(Receipt, (sent, world.demo.actors["lise"])).read_at is None
