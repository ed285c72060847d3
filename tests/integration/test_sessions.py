"""Sessions that end (issue 10; docs/decisions/0012-sessions.md).

The portal's session cookie names a server-side record: signing out revokes it, so a
copy of the cookie stops working everywhere; "sign out on all devices" revokes every
session of the person; idle and absolute timeouts end a session whatever the cookie
says; signing out also ends the sign-in at the issuer (RP-initiated logout), so the
next "Logg inn" asks again.  Time passing is arranged by moving the record's stamps
back in the database, so no test waits for a clock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import websockets
from sqlalchemy import text
from sqlmodel import Session, select

from tests.support.aio import run
from tests.support.server import running_server
from tests.support.tokens import code_from, csrf_token_of, parse_login_page, portal_login, submit_credentials
from web.sessions import WebSession
from web.settings import SessionConfig


def _client(base_url: str, username: str, *, shared: bool = False) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    if shared:
        # The landing page's "Dette er en delt datamaskin" box sends shared=1 to /login.
        start = client.get("/login", params={"shared": "1"}, follow_redirects=False)
        assert start.status_code == 302
        state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
        submitted = submit_credentials(client, start.headers["location"], username, "demo")
        code_from(submitted, state)
        assert client.get(submitted.headers["location"], follow_redirects=False).status_code == 303
    else:
        assert portal_login(client, base_url, username).status_code == 303
    return client


def _copy(client: httpx.Client, base_url: str) -> httpx.Client:
    """Another browser holding a copy of ``client``'s session cookie (and nothing else)."""
    thief = httpx.Client(base_url=base_url, timeout=30)
    thief.cookies.set("samband_session", client.cookies["samband_session"])
    return thief


def _sid(client: httpx.Client) -> str:
    """The session id the signed cookie carries (Starlette: base64 JSON, then the signature)."""
    payload = client.cookies["samband_session"].split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def _record(engine, client: httpx.Client) -> WebSession:
    with Session(engine) as session:
        return session.get(WebSession, hashlib.sha256(_sid(client).encode()).hexdigest())


def _move_back(engine, client: httpx.Client, **stamps: timedelta) -> None:
    """Arrange that time has passed: move the record's stamps back by the given amounts."""
    record = _record(engine, client)
    with Session(engine) as session:
        for column, by in stamps.items():
            session.execute(text(f"UPDATE web_session SET {column} = :at WHERE id_hash = :id"),
                            {"at": (getattr(record, column) - by).replace(tzinfo=None), "id": record.id_hash})
        session.commit()


def _signed_out(client: httpx.Client, *, ended: bool = True) -> None:
    """A page sends the visitor to sign in: a cookie naming a session that has ended, to
    the sign-in page, which says why; the browser that signed out itself, to /login.
    The API answers 401."""
    page = client.get("/keys", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == ("/" if ended else "/login")
    if ended:
        landing = client.get("/")
        assert landing.status_code == 200 and 'id="login-form"' in landing.text and "Du er logget ut" in landing.text
    api = client.get("/me")
    assert api.status_code == 401 and api.json()["code"] == "UNAUTHENTICATED"
    assert client.get("/me/key-lock").status_code == 401


def _sign_out(client: httpx.Client, *, everywhere: bool = False) -> httpx.Response:
    token = csrf_token_of(client.get("/keys").text)
    return client.post("/logout/everywhere" if everywhere else "/logout", data={"csrf_token": token},
                       follow_redirects=False)


def _follow(client: httpx.Client, response: httpx.Response, *, limit: int = 10) -> list[httpx.Response]:
    """Follow redirects by hand, keeping every hop."""
    hops = [response]
    while hops[-1].status_code in (302, 303) and len(hops) <= limit:
        hops.append(client.get(hops[-1].headers["location"], follow_redirects=False))
    return hops


class TestSessionRecords:
    def test_the_record_holds_only_the_hash_of_the_cookies_id(self, world):
        client = _client(world.base_url, "hansen")
        sid = _sid(client)
        record = _record(world.engine, client)
        assert record.actor_id == world.demo.actors["hansen"] and record.revoked_at is None
        assert record.id_hash == hashlib.sha256(sid.encode()).hexdigest()
        assert record.expires_at - record.created_at == timedelta(hours=12)  # the default absolute timeout
        assert record.id_token  # for RP-initiated logout
        with Session(world.engine) as session:
            dump = json.dumps([r.model_dump(mode="json") for r in session.exec(select(WebSession)).all()])
        assert sid not in dump
        client.close()

    def test_logout_then_the_copied_cookie_is_signed_out(self, world):
        client = _client(world.base_url, "hansen")
        id_hash = _record(world.engine, client).id_hash
        thief = _copy(client, world.base_url)
        assert thief.get("/me").json()["id"] == world.demo.actors["hansen"]  # the copy works while signed in
        assert _sign_out(client).status_code == 303
        _signed_out(client, ended=False)
        _signed_out(thief)
        with Session(world.engine) as session:
            assert session.get(WebSession, id_hash).revoked_at is not None
        client.close()
        thief.close()

    def test_sign_out_on_all_devices_ends_every_session_of_the_person(self, world):
        desk, phone = _client(world.base_url, "solberg"), _client(world.base_url, "solberg")
        other = _client(world.base_url, "lise")
        keys_page = phone.get("/keys").text
        assert 'id="logout-everywhere-form"' in keys_page and 'action="/logout/everywhere"' in keys_page
        assert phone.post("/logout/everywhere", follow_redirects=False).status_code == 403  # CSRF-checked
        assert desk.get("/me").status_code == 200
        assert _sign_out(phone, everywhere=True).status_code == 303
        _signed_out(phone, ended=False)
        _signed_out(desk)
        assert other.get("/me").status_code == 200  # someone else's session is untouched
        with Session(world.engine) as session:
            mine = session.exec(select(WebSession).where(WebSession.actor_id == world.demo.actors["solberg"])).all()
        assert len(mine) == 2 and all(r.revoked_at is not None for r in mine)
        for c in (desk, phone, other):
            c.close()

    def test_an_open_websocket_is_closed_when_its_session_ends(self, world):
        client = _client(world.base_url, "hansen")
        cookie = f"samband_session={client.cookies['samband_session']}"
        url = world.base_url.replace("http://", "ws://") + "/ws"

        async def listen() -> int:
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": world.base_url}) as ws:
                await ws.send(json.dumps({"type": "resume", "cursor": 0}))
                assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "ready"
                assert (await asyncio.to_thread(_sign_out, client)).status_code == 303
                try:
                    while True:  # pings (every second in tests) until the server closes it
                        await asyncio.wait_for(ws.recv(), 60)
                except websockets.ConnectionClosed as closed:
                    return closed.rcvd.code

        assert run(listen()) == 4401
        client.close()

    def test_idle_timeout_ends_a_quiet_session_and_activity_keeps_one_alive(self, world):
        quiet, busy = _client(world.base_url, "hansen"), _client(world.base_url, "hansen")
        _move_back(world.engine, quiet, last_seen_at=timedelta(minutes=31))
        _signed_out(quiet)
        # 29 quiet minutes: still signed in, and the request moves "last seen" up.
        _move_back(world.engine, busy, last_seen_at=timedelta(minutes=29))
        before = _record(world.engine, busy).last_seen_at
        assert busy.get("/me").status_code == 200
        seen = _record(world.engine, busy).last_seen_at
        assert seen > before + timedelta(minutes=28)
        # Within a minute of the last write, a request does not write again.
        assert busy.get("/me").status_code == 200
        assert _record(world.engine, busy).last_seen_at == seen
        quiet.close()
        busy.close()

    def test_absolute_timeout_ends_even_a_busy_session(self, world):
        client = _client(world.base_url, "hansen")
        assert client.get("/me").status_code == 200
        _move_back(world.engine, client, expires_at=timedelta(hours=12, seconds=1))
        _signed_out(client)
        client.close()

    def test_the_timeouts_are_settings(self, tmp_path):
        config = SessionConfig(idle_timeout_seconds=120, absolute_timeout_seconds=600)
        with running_server(tmp_path, sessions=config) as live:
            from web.demo import load_demo

            load_demo(live.engine, live.settings.data_dir)
            client = _client(live.base_url, "hansen")
            record = _record(live.engine, client)
            assert record.expires_at - record.created_at == timedelta(seconds=600)
            _move_back(live.engine, client, last_seen_at=timedelta(seconds=100))
            assert client.get("/me").status_code == 200  # 100 s quiet < 120 s
            _move_back(live.engine, client, last_seen_at=timedelta(seconds=121))
            _signed_out(client)
            client.close()

    def test_a_shared_computer_is_remembered_on_the_session(self, world):
        shared = _client(world.base_url, "solberg", shared=True)
        own = _client(world.base_url, "solberg")
        assert _record(world.engine, shared).shared_computer is True
        assert _record(world.engine, own).shared_computer is False
        assert 'data-shared-computer="true"' in shared.get("/keys").text
        assert "data-shared-computer" not in own.get("/keys").text
        landing = httpx.get(f"{world.base_url}/")
        assert 'name="shared"' in landing.text and "delt datamaskin" in landing.text
        assert 'value="1" checked' not in landing.text
        # The choice is remembered in that browser: its next sign-in form has it ticked,
        # and when its session ends, the next page deletes the keys it holds.
        _sign_out(shared)
        again = shared.get("/").text
        assert 'value="1" checked' in again and f'data-forget-keys="{world.demo.actors["solberg"]}"' in again
        assert "data-forget-keys" not in shared.get("/").text  # once
        _move_back(world.engine, own, last_seen_at=timedelta(hours=1))
        assert "data-forget-keys" not in own.get("/").text  # not on one's own computer
        shared.close()
        own.close()

    def test_a_shared_computers_session_that_times_out_leaves_its_keys_to_be_deleted(self, world):
        shared = _client(world.base_url, "solberg", shared=True)
        _move_back(world.engine, shared, last_seen_at=timedelta(minutes=31))
        assert shared.get("/keys", follow_redirects=False).headers["location"] == "/"
        assert f'data-forget-keys="{world.demo.actors["solberg"]}"' in shared.get("/").text
        shared.close()

    def test_the_key_lock_answers_only_a_live_session_of_its_person(self, world):
        one, two = _client(world.base_url, "solberg"), _client(world.base_url, "solberg")
        lise = _client(world.base_url, "lise")
        lock = one.get("/me/key-lock")
        assert lock.status_code == 200 and lock.headers["cache-control"] == "no-store"
        assert len(base64.urlsafe_b64decode(lock.json()["key"] + "=")) == 32
        assert two.get("/me/key-lock").json() == lock.json()  # the same person on another session
        assert lise.get("/me/key-lock").json() != lock.json()
        assert httpx.get(f"{world.base_url}/me/key-lock").status_code == 401
        _sign_out(one)
        assert one.get("/me/key-lock").status_code == 401
        for c in (one, two, lise):
            c.close()


class TestLogoutAtTheIssuer:
    def test_logout_goes_to_the_issuers_end_session_endpoint_and_back(self, world):
        client = _client(world.base_url, "hansen")
        id_token = _record(world.engine, client).id_token
        discovery = httpx.get(f"{world.settings.issuer}/.well-known/openid-configuration").json()
        assert discovery["end_session_endpoint"] == f"{world.settings.issuer}/end_session"
        hops = _follow(client, _sign_out(client))
        target = urlsplit(hops[0].headers["location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == discovery["end_session_endpoint"]
        query = parse_qs(target.query)
        assert query["id_token_hint"] == [id_token]
        assert query["post_logout_redirect_uri"] == [f"{world.base_url}/signed-out"]
        back = urlsplit(hops[1].headers["location"])
        assert back.path == "/signed-out" and parse_qs(back.query)["state"] == query["state"]
        assert hops[-1].status_code == 200 and "Du er logget ut" in hops[-1].text
        client.close()

    def test_after_logout_sign_in_asks_again_but_not_before(self, world):
        client = _client(world.base_url, "hansen")
        # Signed in at the IdP: "Logg inn" again goes straight through (single sign-on) ...
        again = _follow(client, client.get("/login", follow_redirects=False))
        assert [h.url.path for h in again][:3] == ["/login", "/idp/authorize", "/auth/callback"]
        assert again[-1].status_code == 200 and client.get("/me").status_code == 200
        # ... until signing out, which ends the IdP's sign-in too: now it asks.
        _follow(client, _sign_out(client))
        asks = _follow(client, client.get("/login", follow_redirects=False))
        assert asks[-1].url.path == "/idp/authorize" and asks[-1].status_code == 200
        assert 'name="password"' in asks[-1].text
        client.close()

    def test_prompt_login_asks_even_when_signed_in_at_the_idp(self, world):
        client = _client(world.base_url, "hansen")
        start = client.get("/login", follow_redirects=False)
        page = client.get(start.headers["location"] + "&prompt=login", follow_redirects=False)
        assert page.status_code == 200 and 'name="password"' in page.text
        client.close()

    @pytest.mark.parametrize("where", ["https://evil.example/", "http://127.0.0.1:1/signed-out"])
    def test_an_unregistered_post_logout_address_is_never_followed(self, world, where):
        client = _client(world.base_url, "hansen")
        hint = _record(world.engine, client).id_token
        response = client.get("/idp/end_session", params={"id_token_hint": hint, "post_logout_redirect_uri": where},
                              follow_redirects=False)
        assert response.status_code == 400 and "location" not in response.headers
        # ... and the IdP's sign-in holds: "Logg inn" still goes straight through.
        assert _follow(client, client.get("/login", follow_redirects=False))[2].url.path == "/auth/callback"
        client.close()

    def test_without_a_hint_the_idp_asks_before_signing_out(self, world):
        client = _client(world.base_url, "hansen")
        page = client.get("/idp/end_session", follow_redirects=False)
        assert page.status_code == 200 and 'id="idp-sign-out"' in page.text
        assert _follow(client, client.get("/login", follow_redirects=False))[2].url.path == "/auth/callback"
        forged = client.get("/idp/end_session", params={"id_token_hint": "e30.e30.AAAA"}, follow_redirects=False)
        assert forged.status_code == 400
        # Confirmed on the IdP's own form: signed out there.
        form = parse_login_page(client.get("/idp/end_session").text)
        done = client.post("/idp/end_session", data=form.fields, follow_redirects=False)
        assert done.status_code == 200 and 'id="idp-signed-out"' in done.text
        asks = _follow(client, client.get("/login", follow_redirects=False))
        assert asks[-1].status_code == 200 and 'name="password"' in asks[-1].text
        client.close()
