"""The web portal without a browser: pages render for every role with a strict CSP,
every form and cookie-authenticated API call needs the CSRF token, the employee's forms
give and withdraw consent, the thread page carries no plaintext, the language switch.
The key-backup endpoints the /keys page uses: test_key_backup.py."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets
from sqlmodel import Session, func, select

from consent.models import ConsentEvent, ConsentRequestRow
from messaging.models import CaseParticipant
from tests.support.aio import run
from tests.support.tokens import csrf_token_of, portal_login

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)




def _events(world, kind: str | None = None) -> int:
    with Session(world.engine) as session:
        query = select(func.count()).select_from(ConsentEvent)
        if kind:
            query = query.where(ConsentEvent.kind == kind)
        return session.exec(query).one()


def _assert_portal_page(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == STRICT_CSP
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    html = response.text
    # No inline script or style anywhere: every <script> has a src, no <style>, no style=.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers either


def _grant_json(recipient_id: str, categories: list[str]) -> dict:
    return {
        "recipient": {"kind": "person", "id": recipient_id}, "categories": categories,
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=4)).isoformat(),
    }


def _thread_with_message(world, clients, text: str) -> tuple[str, str, str]:
    d = world.demo.actors
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/grants", json=_grant_json(d["lise"], ["functional_ability"])), 201)
    gp = clients("solberg")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    sent = gp.send(case_id, thread, "functional_assessment", {"functional_ability": text})
    return case_id, thread, sent["id"]


class TestPagesRender:
    def test_anonymous_visitor_sees_the_landing_page(self, world):
        response = httpx.get(f"{world.base_url}/")
        _assert_portal_page(response)
        assert "Logg inn" in response.text and 'lang="nb"' in response.text

    def test_signed_in_people_are_sent_to_their_page(self, browser):
        assert browser("hansen").get("/").headers["location"] == "/portal"
        assert browser("lise").get("/").headers["location"] == "/inbox"

    @pytest.mark.parametrize("username, paths", [
        ("hansen", ["/portal", "/portal/log", "/keys"]),
        ("lise", ["/inbox", "/inbox/search?q=fastlege", "/keys"]),
        ("solberg", ["/inbox", "/inbox/search?q=psykolog", "/keys?next=/inbox"]),
        ("eide", ["/inbox", "/inbox/search?q=1234567"]),
        ("moe", ["/inbox"]),
    ])
    def test_pages_render_for_each_role_with_a_strict_csp(self, browser, username, paths):
        client = browser(username)
        for path in paths:
            _assert_portal_page(client.get(path))

    def test_pages_of_the_other_side_redirect(self, browser):
        assert browser("hansen").get("/inbox").headers["location"] == "/portal"
        assert browser("lise").get("/portal").headers["location"] == "/inbox"

    def test_not_signed_in_goes_to_sign_in(self, world):
        response = httpx.get(f"{world.base_url}/portal")
        assert response.status_code == 303 and response.headers["location"] == "/login"

    def test_the_employee_page_shows_people_timeline_and_the_law(self, browser, world):
        html = browser("hansen").get("/portal").text
        for name in ("Lise Berg", "Ingrid Solberg", "Maria Eide", "Heidi Vold"):
            assert name in html
        assert "Nærmeste leder: følger opp sykefraværet og tilrettelegging" in html  # the reason, verbatim
        assert 'data-testid="milestone"' in html and "Dialogmøte 1" in html
        assert "folketrygdloven § 21-4" in html
        assert 'id="grant-form"' in html and 'name="categories" value="diagnosis"' in html
        assert "Diagnose, prøvesvar og sykehistorie" in html  # the plain-language label

    def test_a_stranger_thread_is_a_404_page(self, browser, world):
        case_id = world.demo.cases["tore"]
        response = browser("lise").get(f"/inbox/cases/{case_id}/threads/{case_id}")
        assert response.status_code == 404 and "text/html" in response.headers["content-type"]

    def test_static_files_are_served_with_nosniff(self, world):
        css = httpx.get(f"{world.base_url}/static/css/app.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        for name in ("common", "keystore", "keys", "thread", "compose", "live"):
            js = httpx.get(f"{world.base_url}/static/js/{name}.js")
            assert js.status_code == 200 and "javascript" in js.headers["content-type"]
            assert js.headers["x-content-type-options"] == "nosniff"
            # Decrypted text goes in with textContent only, never as markup.
            assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|eval\(", js.text)


class TestCsrf:
    def test_a_form_post_without_the_token_is_refused_and_writes_nothing(self, browser, world):
        client = browser("hansen")
        form = {"case_id": world.demo.cases["hansen"], "recipient": f"person:{world.demo.actors['lise']}",
                "categories": "functional_ability", "purpose": "workplace_adaptation", "weeks": "8"}
        before = _events(world)
        for token in (None, "", "not-the-token"):
            data = form if token is None else {**form, "csrf_token": token}
            response = client.post("/portal/grants", data=data)
            assert response.status_code == 403
            assert response.json()["code"] == "CSRF_FAILED"
        assert _events(world) == before

    def test_a_browser_form_refusal_is_a_page(self, browser, world):
        client = browser("hansen")
        response = client.post("/portal/grants", data={"weeks": "8"}, headers={"Accept": "text/html"})
        assert response.status_code == 403 and 'data-code="CSRF_FAILED"' in response.text
        assert response.headers["content-security-policy"] == STRICT_CSP

    def test_grant_then_withdraw_with_the_page_forms(self, browser, world):
        client = browser("hansen")
        token = csrf_token_of(client.get("/portal").text)
        lise = world.demo.actors["lise"]
        response = client.post("/portal/grants", data={
            "csrf_token": token, "case_id": world.demo.cases["hansen"], "recipient": f"person:{lise}",
            "categories": ["functional_ability", "work_tasks"], "purpose": "workplace_adaptation", "weeks": "8",
        })
        assert response.status_code == 303 and response.headers["location"] == "/portal#grants"
        assert _events(world, "granted") == 1
        page = client.get("/portal").text
        assert "Samtykket er gitt til Lise Berg." in page
        grant_id = re.search(r'data-testid="grant-row" data-grant-id="([^"]+)" data-status="active"', page).group(1)
        assert 'id="revoke-' + grant_id + '"' in page
        # The grant is what the form said: the case, both categories, 8 weeks.
        grants = world.person("hansen").ok(world.person("hansen").get("/consent/grants"))
        assert grants[0]["case_id"] == world.demo.cases["hansen"]
        assert grants[0]["categories"] == ["functional_ability", "work_tasks"]
        weeks = (datetime.fromisoformat(grants[0]["valid_to"]) - datetime.now(UTC)).total_seconds() / (7 * 86400)
        assert 7.9 < weeks <= 8

        response = client.post(f"/portal/grants/{grant_id}/revoke", data={"csrf_token": token})
        assert response.status_code == 303
        assert _events(world, "revoked") == 1
        page = client.get("/portal").text
        assert "Samtykket til Lise Berg er trukket tilbake" in page
        assert f'data-grant-id="{grant_id}" data-status="revoked"' in page

    def test_a_grant_for_a_role_from_the_form(self, browser, world):
        client = browser("hansen")
        token = csrf_token_of(client.get("/portal").text)
        response = client.post("/portal/grants", data={
            "csrf_token": token, "case_id": world.demo.cases["hansen"], "recipient": "role:gp",
            "categories": "work_tasks", "purpose": "workplace_adaptation", "weeks": "26",
        })
        assert response.status_code == 303
        assert "fastlegen din" in client.get("/portal").text

    def test_a_form_with_mistakes_is_shown_again_and_writes_nothing(self, browser, world):
        client = browser("hansen")
        token = csrf_token_of(client.get("/portal").text)
        stranger = world.demo.actors["rask"]  # not in Hansen's case
        response = client.post("/portal/grants", data={
            "csrf_token": token, "case_id": world.demo.cases["hansen"], "recipient": f"person:{stranger}",
            "purpose": "workplace_adaptation", "weeks": "5",
        })
        assert response.status_code == 422
        html = response.text
        assert 'role="alert"' in html and "Velg minst én type opplysninger." in html
        assert "Velg hvem som skal få opplysningene." in html and "Velg hvor lenge samtykket skal gjelde." in html
        assert 'value="workplace_adaptation" selected' in html  # what was filled in stays
        assert _events(world) == 0

    def test_cookie_api_post_needs_the_header_bearer_does_not(self, browser, world):
        client = browser("hansen")
        body = _grant_json(world.demo.actors["lise"], ["sick_leave"])
        refused = client.post("/consent/grants", json=body)
        assert refused.status_code == 403 and refused.json()["code"] == "CSRF_FAILED"
        assert _events(world) == 0
        token = csrf_token_of(client.get("/portal").text)
        assert client.post("/consent/grants", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
        assert client.post("/consent/grants", json=body, headers={"X-CSRF-Token": token}).status_code == 201
        hansen = world.person("hansen")  # a bearer token: no ambient credential, no CSRF token needed
        assert hansen.post("/consent/grants", json=body).status_code == 201
        assert _events(world, "granted") == 2

    def test_the_token_changes_at_sign_in(self, world):
        tokens = []
        for _ in range(2):
            with httpx.Client(base_url=world.base_url) as client:
                portal_login(client, world.base_url, "hansen")
                tokens.append(csrf_token_of(client.get("/portal").text))
        assert tokens[0] != tokens[1]

    def test_logout_needs_the_token_and_works_with_it(self, browser):
        client = browser("hansen")
        assert client.post("/logout").status_code == 403
        assert client.get("/me").status_code == 200
        confirm = client.get("/logout")
        assert confirm.status_code == 200 and 'id="logout-confirm"' in confirm.text
        response = client.post("/logout", data={"csrf_token": csrf_token_of(confirm.text)})
        assert response.status_code == 303
        assert client.get("/me").status_code == 401
        assert "Logg inn" in client.get("/").text

    def test_a_websocket_from_a_foreign_page_is_refused(self, browser, world):
        client = browser("lise")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        url = world.base_url.replace("http://", "ws://") + "/ws"

        async def attempt(origin: str) -> str | int:
            try:
                async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin}) as ws:
                    await ws.send(json.dumps({"type": "resume", "cursor": 0}))
                    return json.loads(await asyncio.wait_for(ws.recv(), 5))["type"]
            except websockets.InvalidStatus as refused:  # closed before the handshake completed
                return refused.response.status_code

        assert run(attempt("https://evil.example")) == 403
        assert run(attempt(f"http://127.0.0.1.evil.example:{world.base_url.rsplit(':', 1)[1]}")) == 403
        assert run(attempt(world.base_url)) == "ready"


class TestEmployeeAnswers:
    def test_a_consent_request_is_explained_and_accepted_with_one_click(self, browser, world):
        d = world.demo.actors
        vold = world.person("vold")
        vold.ok(vold.post("/consent/requests", json={
            "subject_id": d["hansen"], "reason": "For å foreslå riktig tilrettelegging trenger jeg funksjonsvurderingen.",
            "grant": {**_grant_json(d["vold"], ["functional_ability", "treatment_status"]), "case_id": world.demo.cases["hansen"]},
        }), 201)
        client = browser("hansen")
        page = client.get("/portal").text
        assert 'data-testid="consent-request"' in page
        assert "Heidi Vold (bedriftslege) spør om du vil dele:" in page
        assert "For å foreslå riktig tilrettelegging" in page
        assert "Funksjonsevne og arbeidsevne" in page and "Behandling, henvisning og ventetid" in page
        request_id = re.search(r'data-testid="consent-request" data-request-id="([^"]+)"', page).group(1)
        response = client.post(f"/portal/requests/{request_id}/answer", data={"csrf_token": csrf_token_of(page), "answer": "accept"})
        assert response.status_code == 303
        with Session(world.engine) as session:
            assert session.get(ConsentRequestRow, request_id).status == "accepted"
        assert _events(world, "granted") == 1
        assert "Ingen venter på svar fra deg." in client.get("/portal").text

    def test_the_log_names_who_received_what_and_the_basis(self, browser, world, clients):
        _thread_with_message(world, clients, "Kan jobbe halv dag")
        html = browser("hansen").get("/portal/log").text
        assert "Ingrid Solberg sendte «Funksjonsevne og arbeidsevne» til Lise Berg" in html
        today = datetime.now(UTC)
        assert re.search(rf"Grunnlag: ditt samtykke av {today.day}\. \w+ {today.year}", html)


class TestProfessionals:
    def test_thread_page_holds_no_plaintext_only_containers(self, browser, world, clients):
        marker = secrets.token_hex(10)
        case_id, thread, message_id = _thread_with_message(world, clients, f"Kan jobbe {marker}")
        for who in ("lise", "solberg"):
            response = browser(who).get(f"/inbox/cases/{case_id}/threads/{thread}")
            _assert_portal_page(response)
            assert marker not in response.text
            assert f'data-message-id="{message_id}"' in response.text
            assert f'id="body-{message_id}"' in response.text
        # Metadata only, but all of it: sender, kind, that it is unread for the recipient.
        html = browser("lise").get(f"/inbox/cases/{case_id}/threads/{thread}").text
        assert "Fra Ingrid Solberg" in html and "Vurdering av funksjonsevne" in html
        assert 'data-unread="true"' in html

    def test_inbox_lists_unread_threads_first(self, browser, world, clients):
        case_id, thread, _ = _thread_with_message(world, clients, "Kan jobbe")
        clients("lise").start_thread(case_id, [world.demo.actors["solberg"]])  # an empty, newer thread
        html = browser("lise").get("/inbox").text
        threads = re.findall(r'data-testid="thread" data-thread-id="([^"]+)" data-unread="(\d+)"', html)
        assert threads[0] == (thread, "1") and len(threads) == 2
        assert "1 ulest" in html

    def test_compose_form_is_made_from_the_catalog(self, browser, world, clients):
        case_id, thread, _ = _thread_with_message(world, clients, "x")
        html = browser("lise").get(f"/inbox/cases/{case_id}/threads/{thread}?kind=adaptation_question").text
        assert 'data-kind="adaptation_question"' in html
        assert 'name="job_description"' in html and 'maxlength="4000"' in html
        assert 'value="what_can_we_adapt"' in html and "Hva kan vi tilrettelegge?" in html
        # A manager may not send a GP's functional assessment: it is not offered.
        assert 'value="functional_assessment"' not in html.split('id="kind-select"')[1].split("</select>")[0]

    def test_meeting_invitations_get_three_answer_buttons(self, browser, world, clients):
        d = world.demo.actors
        case_id = world.demo.cases["hansen"]
        lise = clients("lise")
        thread = lise.start_thread(case_id, [d["solberg"]], topic="meeting_invitation")["id"]
        hansen = world.person("hansen")
        hansen.ok(hansen.post("/consent/grants", json={**_grant_json(d["solberg"], ["follow_up_plan"]),
                                                       "purposes": ["dialogue_meeting"]}), 201)
        lise.send(case_id, thread, "meeting_invitation", {
            "meeting_type": "dialogue_meeting_1", "starts_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            "place": "Møterom 2"})
        html = browser("solberg").get(f"/inbox/cases/{case_id}/threads/{thread}").text
        for answer in ("coming", "new_time_wanted", "cannot_come"):
            assert f'data-testid="answer-{answer}"' in html
        assert "Møterom 2" not in html

    def test_search_offers_to_add_a_related_person_and_the_form_adds_them(self, browser, world):
        client = browser("solberg")
        page = client.get("/inbox/search", params={"q": "Jonas Lie"})
        assert page.status_code == 200
        lie = world.demo.actors["lie"]
        case_id = world.demo.cases["hansen"]
        assert f'id="add-{case_id}-{lie}"' in page.text
        refused = client.post(f"/inbox/cases/{case_id}/participants",
                              data={"csrf_token": csrf_token_of(page.text), "actor_id": lie, "reason": "x", "q": "Jonas Lie"})
        assert refused.status_code == 303  # too short a reason: shown, nothing written
        added = client.post(f"/inbox/cases/{case_id}/participants", data={
            "csrf_token": csrf_token_of(page.text), "actor_id": lie, "reason": "Vikar mens fastlegen har ferie", "q": "Jonas Lie"})
        assert added.status_code == 303
        with Session(world.engine) as session:
            rows = session.exec(select(CaseParticipant).where(CaseParticipant.actor_id == lie)).all()
        assert [r.reason for r in rows] == ["Vikar mens fastlegen har ferie"]
        after = client.get("/inbox/search", params={"q": "Jonas Lie"}).text
        assert "Jonas Lie er lagt til i saken." in after and f'id="start-{case_id}-{lie}"' in after

    def test_starting_a_thread_and_recalling_from_the_page(self, browser, world, clients):
        case_id, thread, message_id = _thread_with_message(world, clients, "Kan jobbe")
        client = browser("solberg")
        page = client.get(f"/inbox/cases/{case_id}/threads/{thread}").text
        assert f'id="recall-{message_id}"' in page
        response = client.post(f"/inbox/messages/{message_id}/recall", data={"csrf_token": csrf_token_of(page)})
        assert response.status_code == 303 and response.headers["location"].endswith(f"#msg-{message_id}")
        assert 'data-recalled="true"' in client.get(f"/inbox/cases/{case_id}/threads/{thread}").text
        started = client.post(f"/inbox/cases/{case_id}/threads", data={
            "csrf_token": csrf_token_of(page), "member_ids": world.demo.actors["eide"], "topic": "conversation"})
        assert started.status_code == 303 and "/threads/" in started.headers["location"]

    def test_a_thread_without_published_keys_sends_to_the_keys_page(self, browser, world, clients):
        case_id = world.demo.cases["hansen"]
        lie = world.demo.actors["lie"]
        gp = clients("solberg")
        solberg = world.person("solberg")
        solberg.ok(solberg.post(f"/cases/{case_id}/participants", json={"actor_id": lie, "reason": "Vikar"}), 201)
        thread = gp.start_thread(case_id, [lie])["id"]
        response = browser("lie").get(f"/inbox/cases/{case_id}/threads/{thread}")
        assert response.status_code == 303 and response.headers["location"].startswith("/keys?next=")


class TestLanguage:
    def test_the_switch_sets_a_cookie_and_the_pages_speak_english(self, browser):
        client = browser("hansen")
        page = client.get("/portal").text
        assert 'lang="nb"' in page and "Hvem kan se hva" in page
        assert client.post("/lang", data={"lang": "en", "next": "/portal"}).status_code == 403
        response = client.post("/lang", data={"lang": "en", "next": "/portal", "csrf_token": csrf_token_of(page)})
        assert response.status_code == 303 and response.headers["location"] == "/portal"
        assert "samband_lang=en" in response.headers["set-cookie"]
        english = client.get("/portal").text
        assert 'lang="en"' in english and "Who may see what" in english and "Withdraw" not in english.split("<main")[0]
        assert "Functional ability and work capacity" in english

    def test_the_switch_never_sends_you_elsewhere(self, world):
        with httpx.Client(base_url=world.base_url) as client:
            token = csrf_token_of(client.get("/").text)
            response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/", "csrf_token": token})
            assert response.headers["location"] == "/"
            assert 'lang="en"' in client.get("/").text
