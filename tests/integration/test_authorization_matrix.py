"""The authorisation matrix: every route of the app, called by everyone outside Per
Hansen's case with that case's ids, leaks nothing and writes nothing.

The routes are read from the app itself, so a route added later without a line in one
of the tables below makes ``test_every_route_is_classified`` fail.  Routes with an id
in the path, or a body naming the case or its employee, are *aimed*: each outsider
calls them with the case's real ids (bearer token for the API, a signed-in portal
session with its CSRF token for pages) and again with made-up ids of the same shape.
Both answers must be the same refusal (403 or 404, or a page's redirect to the
caller's own home), so the answer never tells whether the thing exists; no answer may
hold the case's secrets; and the database must be exactly as before.  The caller's own
lists and pages are read too, and must hold none of the case's secrets.

Two outsiders were insiders once: Kari (HR) took part and wrote in a thread of her
own until Hansen excluded her, and Jonas Lie (the locum) took part in it until Hansen
took him out.  They call with the ids they knew (that thread, Kari's message), and must
get exactly the answers a made-up id gets.

``test_an_outsiders_websocket_hears_nothing_of_the_case``: while a message is posted,
read and recalled in the case, and Kari's old message is read, the outsiders' sockets
get nothing but pings.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from string import Formatter

import httpx
import pytest
import websockets
from fastapi.routing import iter_route_contexts
from sqlalchemy import inspect, text
from starlette.routing import Mount

from consent import logformat
from tests.support import proof
from tests.support.aio import run
from tests.support.scene import (
    NAV_REFERENCE,
    QUESTION,
    REQUEST_REASON,
    TOPIC,
    CaseScene,
    case_bodies,
    case_forms,
    furnish_case,
    keyed_client,
    with_caller,
)
from tests.support.server import LiveServer, running_server
from tests.support.tokens import login, portal_login
from web.app import create_app
from web.demo import PARTICIPANTS, Demo, load_demo
from web.pages.render import PageRoute
from web.settings import SessionConfig

# --- who ---------------------------------------------------------------------------------

# Path parameters that are not ids (an attachment's chunk number): one fixed value, never made up.
NOT_IDS = {"index"}
INSIDERS = {"hansen", "lise", "solberg", "eide", "vold"}  # the employee and the participants of the case
OUTSIDERS = {
    "kari": "HR at Hansen's employer: related to him; took part and wrote, then Hansen excluded her",
    "ole": "union representative for Hansen: related to him, not in the case",
    "lie": "the locum GP at Hansen's GP office: related to him; took part, then Hansen took him out",
    "bakke": "NAV Arbeidslivssenter (IA contact): in no case",
    "tangen": "a NAV adviser at another office: in no case",
    "berge": "a GP at another office: in no case",
    "strand": "the specialist in Tore's case",
    "lund": "the physiotherapist in Tore's case",
    "moe": "the psychologist in Nina's case",
    "aas": "the nearest manager at another employer (Tore's)",
    "rask": "the nearest manager at another employer (Nina's)",
    "tore": "the employee of another case",
    "nina": "the employee of another case",
}
# Related people see the employee's own directory entry (directory.service.can_see_actor);
# none of them sees the case.
RELATED = {"kari", "ole", "lie"}

# --- the routes ----------------------------------------------------------------------------

PUBLIC = {  # no sign-in needed, by design; each says nothing about any case
    ("GET", "/openapi.json"): "the API description",
    ("GET", "/docs"): "the API documentation page",
    ("GET", "/docs/oauth2-redirect"): "part of the documentation page",
    ("GET", "/redoc"): "the API documentation page",
    ("GET", "/idp/.well-known/openid-configuration"): "the embedded IdP's discovery document",
    ("GET", "/idp/jwks"): "the embedded IdP's public keys",
    ("GET", "/idp/authorize"): "the embedded IdP's sign-in form",
    ("POST", "/idp/authorize"): "the embedded IdP's sign-in form (its own CSRF token)",
    ("POST", "/idp/token"): "the embedded IdP's token endpoint (client authentication, PKCE)",
    ("GET", "/idp/userinfo"): "the embedded IdP's userinfo: the caller's own claims, by its own access token",
    ("POST", "/idp/userinfo"): "the same, by POST",
    ("GET", "/login"): "starts the sign-in",
    ("GET", "/auth/callback"): "finishes the sign-in",
    ("GET", "/auth/role"): "the role choice after a sign-in that matched several of one person's roles "
                           "(only its own session's choices; otherwise back to the front page)",
    ("POST", "/auth/role"): "the same choice, made (CSRF-checked; only among its own session's choices)",
    ("POST", "/logout"): "ends the session (CSRF-checked)",
    ("POST", "/logout/everywhere"): "ends every session of the caller (CSRF-checked; not called: it writes)",
    ("GET", "/signed-out"): "where the issuer sends the browser back after signing out",
    ("GET", "/idp/end_session"): "the embedded IdP's RP-initiated logout (ends only its own sign-in)",
    ("POST", "/idp/end_session"): "the same, confirmed on its own form (its own CSRF token)",
    ("GET", "/logout"): "the sign-out button",
    ("GET", "/"): "the landing page, or a redirect to your own page",
    ("POST", "/lang"): "the language switch (CSRF-checked)",
    ("GET", "/health"): "liveness",
    ("GET", "/ready"): "readiness: the database answers",
    ("GET", "/metrics"): "counters without ids (token-protected when SAMBAND_METRICS_TOKEN is set)",
    ("GET", "/log/heads"): "witnesses: signed heads by opaque log id (off unless SAMBAND_WITNESS_TOKEN is set; then its bearer token)",
    ("GET", "/consent/categories"): "the eight information categories",
    ("GET", "/consent/purposes"): "the purposes consent is given for",
    ("GET", "/consent/rules"): "the statutory bases, from the rules file",
    ("GET", "/message-kinds"): "the message catalogue",
    ("MOUNT", "/static"): "stylesheets, scripts, images",
}
OWN = {  # about the caller only: no id goes in; read by every outsider, must hold no secret of the case
    ("GET", "/me"): "who you are",
    ("GET", "/me/key-lock"): "the server's half of the lock on your keys in a browser",
    ("GET", "/me/tasks"): "your open tasks from meeting minutes",
    ("GET", "/directory/me"): "yourself in the directory",
    ("GET", "/directory/me/relations"): "the people related to you",
    ("GET", "/directory/me/key-backup"): "your key backup",
    ("PUT", "/directory/me/key-backup"): "stores your key backup (not called: it writes)",
    ("POST", "/directory/me/keys"): "publishes your key (not called: it writes)",
    ("GET", "/directory/search"): "never finds employees by name; only NAV by national id "
                                  "(test_bad_input_and_isolation)",
    ("GET", "/cases"): "your cases",
    ("POST", "/cases"): "opens your own case (not called: it writes)",
    ("GET", "/consent/grants"): "your consents",
    ("GET", "/consent/exclusions"): "your exclusions",
    ("GET", "/consent/requests"): "requests to you or by you",
    ("GET", "/consent/log"): "the disclosure log about you",
    ("GET", "/consent/log/consistency"): "proof that your own log's newer head extends an older one",
    ("GET", "/portal"): "the employee's own page",
    ("GET", "/portal/log"): "the employee's own log",
    ("GET", "/portal/exclusions/new"): "the employee's confirmation before excluding someone of his own",
    ("GET", "/inbox"): "the professional's own cases",
    ("GET", "/inbox/search"): "directory search as a page",
    ("GET", "/inbox/coordinator"): "the cases the caller coordinates (issue 11)",
    ("GET", "/me/deadlines"): "the caller's own deadlines, from his own rows and cases only (issue 11)",
    ("GET", "/keys"): "your keys",
    ("WS", "/ws"): "your own events (test_an_outsiders_websocket_hears_nothing_of_the_case)",
}
EVERYONE_SEES = {  # aimed, but public by design: still checked for secrets and writes
    ("GET", "/directory/organisations/{organisation_id}"): "organisations are public register entries",
}
RELATED_SEE = {  # the employee's directory entry, for related people (see RELATED)
    ("GET", "/directory/actors/{actor_id}"),
    ("GET", "/directory/actors/{actor_id}/keys"),
}
# A page may answer with the caller's own page instead of a refusal, the same for a
# real and a made-up id: the portal's consent form is shown again, "not one of your cases".
PAGE_ANSWERS = {("POST", "/portal/grants"): {422}}
HOMES = {"/portal", "/inbox"}  # employees on professionals' pages and the reverse are sent home

MADE_UP = "1b4e28ba-2fa1-41d2-883f-0016d3cca4{:02d}"
UNWATCHED_TABLES = {"alembic_version", "idp_authorization_code"}  # migrations; sign-in codes
TOUCHED_COLUMNS = {"web_session": ("id_hash", "actor_id", "created_at", "expires_at", "revoked_at", "shared_computer",
                                   "id_token")}  # every column but last_seen_at


def app_routes(settings) -> dict[tuple[str, str], object]:
    """Every route of the app: ``(METHOD | "WS" | "MOUNT", path) -> route``."""
    routes: dict[tuple[str, str], object] = {}
    for context in iter_route_contexts(create_app(settings).routes):
        route = context.original_route
        if isinstance(route, Mount):
            routes[("MOUNT", context.path)] = route
        elif not context.methods:
            routes[("WS", context.path)] = route
        else:
            for method in context.methods - {"HEAD"}:
                routes[(method, context.path)] = route
    return routes


def path_params(path: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(path) if name]


# --- the arena --------------------------------------------------------------------------------


@dataclass
class Arena:
    live: LiveServer
    demo: Demo
    scene: CaseScene
    ids: dict[str, str]  # path parameter -> the case's id
    former: dict[str, dict[str, str]]  # ex-insider -> the ids they knew (path parameter -> id)
    fakes: dict[str, str]  # path parameter -> a made-up id of the same shape
    bodies: dict
    forms: dict
    person_secrets: set[str]
    case_secrets: set[str]
    tables: list[str]
    routes: dict[tuple[str, str], object]

    def snapshot(self) -> dict[str, str]:
        """A digest of every table: any insert, update or delete changes it."""
        digests = {}
        with self.live.engine.connect() as conn:
            for table in self.tables:
                # A signed-in caller's own session notes when it was last seen (web.sessions,
                # once per touch interval): that is not a write about the case.
                columns = ", ".join(f'"{c}"' for c in TOUCHED_COLUMNS.get(table, ())) or "*"
                rows = conn.execute(text(f'SELECT {columns} FROM "{table}"')).all()
                digests[table] = hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()
        return digests


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    with pytest.MonkeyPatch.context() as mp:  # as the autouse clean_environ does, for this module-wide server
        for name in list(os.environ):
            if name.startswith("SAMBAND_") or name == "AUTHLIB_INSECURE_TRANSPORT":
                mp.delenv(name)
        # A session's "last seen" is written at most every touch interval (60 s): one
        # outsider's sweep of every route takes longer than that on a loaded machine, and
        # the touch is not the route's write.  Hours apart here, so any write is the route's.
        sessions = SessionConfig(idle_timeout_seconds=12 * 3600, touch_interval_seconds=3600)
        with running_server(tmp_path_factory.mktemp("matrix"), sessions=sessions) as live:
            demo = load_demo(live.engine, live.settings.data_dir)
            scene = furnish_case(live.base_url, live.settings.data_dir, demo)
            d = demo.actors
            former = _insiders_once(live, demo, scene)
            with live.engine.connect() as conn:
                national_id = conn.execute(text("SELECT national_id FROM actor WHERE id = :i"), {"i": d["hansen"]}).scalar_one()
                envelope = conn.execute(text("SELECT envelope FROM message WHERE id = :i"), {"i": scene.message_id}).scalar_one()
                key_id = conn.execute(text("SELECT key_id FROM public_key WHERE actor_id = :i AND purpose = 'encryption'"),
                                      {"i": d["lise"]}).scalar_one()
                tables = sorted(set(inspect(conn).get_table_names()) - UNWATCHED_TABLES)
            ids = {
                "case_id": scene.case_id, "thread_id": scene.thread_id, "message_id": scene.message_id,
                "grant_id": scene.grant_ids[1], "exclusion_id": scene.exclusion_id, "request_id": scene.request_id,
                "actor_id": d["hansen"], "key_id": key_id, "organisation_id": demo.organisations["nordlys"],
                "log_id": logformat.log_id(d["hansen"]),  # the witness API (off here: no SAMBAND_WITNESS_TOKEN)
                "meeting_id": scene.meeting_id, "task_id": scene.task_id,
                "attachment_id": scene.attachment_id, "index": "0",
            }
            fakes = {name: MADE_UP.format(i) for i, name in enumerate(ids) if name not in NOT_IDS}
            fakes["key_id"] = "A" * len(key_id)
            fakes["log_id"] = "f" * 64
            elsewhere = {reason for who, _, reason in PARTICIPANTS if who != "hansen"}
            hansen_reasons = {reason for who, _, reason in PARTICIPANTS if who == "hansen"} - elsewhere
            yield Arena(
                live=live, demo=demo, scene=scene, ids=ids, fakes=fakes, former=former,
                bodies=case_bodies(scene, demo, base64.urlsafe_b64encode(envelope).rstrip(b"=").decode()),
                forms=case_forms(scene, demo),
                person_secrets={"Per Hansen", national_id, "*******" + national_id[-4:]},
                case_secrets={scene.case_id, scene.thread_id, scene.message_id, *scene.grant_ids, scene.exclusion_id,
                              scene.attachment_id,
                              scene.request_id, scene.nav_request_id, scene.meeting_id, scene.task_id, REQUEST_REASON, NAV_REFERENCE, *hansen_reasons,
                              *(i for ids in former.values() for i in ids.values())},
                tables=tables, routes=app_routes(live.settings),
            )


def _insiders_once(live: LiveServer, demo: Demo, scene: CaseScene) -> dict[str, dict[str, str]]:
    """Kari and the locum join Hansen's case; Kari starts a thread with the GP and the
    locum and writes in it; then Hansen excludes Kari and takes the locum out."""
    d, base, case_id = demo.actors, live.base_url, scene.case_id
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {login(base, 'solberg')}"}, timeout=30) as gp:
        for who in ("kari", "lie"):
            added = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d[who], "reason": "Hjelper til en periode"})
            assert added.status_code == 201, added.text
    with keyed_client(base, live.settings.data_dir, "kari") as kari:
        thread = kari.start_thread(case_id, [d["solberg"], d["lie"]], topic=TOPIC)["id"]
        message = kari.send(case_id, thread, TOPIC, {"job_description": "HR: vi kan tilby kortere dager.",
                                                        "other_question": "Passer det fra mandag?"})["id"]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {login(base, 'hansen')}"}, timeout=30) as hansen:
        assert hansen.post("/consent/exclusions", json={"actor_id": d["kari"]}).status_code == 201
        assert hansen.post(f"/cases/{case_id}/participants/{d['lie']}/remove").status_code == 204
    return {"kari": {"thread_id": thread, "message_id": message}, "lie": {"thread_id": thread, "message_id": message}}


def test_every_route_is_classified(arena: Arena) -> None:
    routes = arena.routes
    aimed = {key for key in routes if path_params(key[1])}
    aimed |= {key for key in {**arena.bodies, **arena.forms} if not path_params(key[1])}  # a body names the case
    unclassified = set(routes) - set(PUBLIC) - set(OWN) - aimed
    assert not unclassified, f"say who may call these, in PUBLIC, OWN or the aimed bodies: {sorted(unclassified)}"
    for key, route in routes.items():
        if key in aimed and key[0] != "GET":
            table = arena.forms if isinstance(route, PageRoute) else arena.bodies
            assert key in table, f"{key} writes: give it a body aimed at the case in tests/support/scene.py"
        unknown = set(path_params(key[1])) - set(arena.ids)
        assert not unknown, f"{key}: which of the case's ids goes into {unknown}?"
    assert set(arena.demo.actors) == INSIDERS | set(OUTSIDERS), "every demo person is an insider or an outsider"
    assert {key for key in PUBLIC | OWN if key not in routes} == set(), "tables name routes that are gone"


# --- calling as an outsider -------------------------------------------------------------------


@dataclass
class Caller:
    username: str
    actor_id: str
    api: httpx.Client
    browser: httpx.Client
    csrf: str


@pytest.fixture(scope="module")
def callers(arena: Arena) -> Iterator[dict[str, Caller]]:
    made: dict[str, Caller] = {}
    for username in OUTSIDERS:
        base = arena.live.base_url
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {login(base, username)}"}, timeout=30)
        browser = httpx.Client(base_url=base, timeout=30)
        assert portal_login(browser, base, username).status_code == 303
        page = browser.get("/keys").text
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        made[username] = Caller(username, arena.demo.actors[username], api, browser, csrf)
    yield made
    for caller in made.values():
        caller.api.close()
        caller.browser.close()


def _call(caller: Caller, method: str, path: str, route, body) -> httpx.Response:
    if isinstance(route, PageRoute):
        form = None if method == "GET" else {"csrf_token": caller.csrf, **(body or {})}
        return caller.browser.request(method, path, data=form, follow_redirects=False)
    return caller.api.request(method, path, json=body, follow_redirects=False)


def _swap(value: str, mapping: dict[str, str]) -> str:
    for old, new in mapping.items():
        value = value.replace(old, new)
    return value


def _unkeyed(page: str) -> str:
    """A page without the idempotency keys its forms are given, fresh at every render."""
    return re.sub(r'name="idempotency_key" value="[^"]*"', 'name="idempotency_key" value=""', page)


def _refusal(response: httpx.Response, key: tuple[str, str], route) -> str | None:
    """Why ``response`` is not an acceptable refusal, or None."""
    if response.status_code in (403, 404):
        return None
    if isinstance(route, PageRoute):
        if response.status_code == 303 and response.headers.get("location") in HOMES:
            return None
        if response.status_code in PAGE_ANSWERS.get(key, ()):
            return None
    return f"answered {response.status_code}, not a refusal: {response.text[:200]}"


@dataclass
class Attempt:
    """One outsider's view: which secrets count, which ids get made up."""

    caller: Caller
    secrets: set[str]
    ids: dict[str, str]  # path parameter -> the real id this caller aims at
    fakes: dict[str, str]  # path parameter -> id to use for the made-up call
    real_to_fake: dict[str, str]
    placeholders: dict[str, str]


def _attempt(arena: Arena, caller: Caller) -> Attempt:
    related = caller.username in RELATED
    # Former insiders aim at the ids they knew; the case's own ids otherwise.
    ids = {**arena.ids, **arena.former.get(caller.username, {})}
    # Related people may know the employee exists: for them only the case's own ids are made up.
    faked = [k for k in ids if not (k == "actor_id" and related) and k not in NOT_IDS]
    return Attempt(
        caller=caller,
        secrets=arena.case_secrets | (set() if related else arena.person_secrets),
        ids=ids,
        fakes={**ids, **{k: arena.fakes[k] for k in faked}},
        real_to_fake={ids[k]: arena.fakes[k] for k in faked},
        placeholders={**{v: f"<{k}>" for k, v in ids.items() if k not in NOT_IDS},
                      **{v: f"<{k}>" for k, v in arena.fakes.items()}},
    )


_CSRF = re.compile(r'(name="csrf-token" content="|name="csrf_token" value=")[^"]*"')


def _unmasked(text: str) -> str:
    """A page without its CSRF token, which is masked afresh for every response (web.csrf.masked)."""
    return _CSRF.sub(r'\1"', text)


def _check_route(arena: Arena, attempt: Attempt, key: tuple[str, str], route) -> list[str]:
    """Call one route as the outsider (and again with made-up ids); what is wrong."""
    method, template = key
    caller, problems = attempt.caller, []
    if key in OWN:
        path, body = template, None
    else:
        path = template.format(**attempt.ids)
        body = with_caller((arena.forms if isinstance(route, PageRoute) else arena.bodies).get(key), caller.actor_id)
    response = _call(caller, method, path, route, body)
    sent = path + json.dumps(body)
    leaked = sorted(s for s in attempt.secrets if s in response.text and s not in sent)
    if caller.username in RELATED and key in RELATED_SEE:
        leaked = [s for s in leaked if s not in arena.person_secrets]
    if leaked:
        problems.append(f"the answer holds {leaked}")
    if key in OWN:
        return problems + ([f"answered {response.status_code}"] if response.status_code >= 500 else [])
    if key in EVERYONE_SEES or (caller.username in RELATED and key in RELATED_SEE):
        return problems
    if (why := _refusal(response, key, route)) is not None:
        problems.append(why)
    # The same refusal for made-up ids: the answer must not tell that the case exists.
    fake_body = None if body is None else json.loads(_swap(json.dumps(body), attempt.real_to_fake))
    made_up = _call(caller, method, template.format(**attempt.fakes), route, fake_body)
    if (response.status_code, _unkeyed(_unmasked(_swap(response.text, attempt.placeholders)))) != (
        made_up.status_code, _unkeyed(_unmasked(_swap(made_up.text, attempt.placeholders)))
    ):
        problems.append(f"{response.status_code} {response.text[:160]!r} for the case, "
                        f"{made_up.status_code} {made_up.text[:160]!r} for made-up ids")
    return problems


@pytest.mark.parametrize("username", sorted(OUTSIDERS), ids=lambda u: f"{u} ({OUTSIDERS[u].split(':')[0]})")
def test_an_outsider_gets_nothing_of_the_case_and_changes_nothing(arena: Arena, callers, username: str) -> None:
    attempt = _attempt(arena, callers[username])
    problems: list[str] = []
    called = 0
    before = arena.snapshot()
    for key, route in sorted(arena.routes.items()):
        if key in PUBLIC or key[0] in ("WS", "MOUNT") or (key in OWN and key[0] != "GET"):
            continue
        problems += [f"{key[0]} {key[1]}: {p}" for p in _check_route(arena, attempt, key, route)]
        called += 1
        after = arena.snapshot()
        if changed := [t for t, digest in after.items() if before[t] != digest]:
            problems.append(f"{key[0]} {key[1]}: wrote to {changed}")
            before = after
    assert called >= 40
    proof.record("authorization-matrix", **{f"routes_called_as {username} ({OUTSIDERS[username].split(':')[0]})": called})
    proof.record("authorization-matrix", routes_in_app=len(arena.routes), outsiders=len(OUTSIDERS))
    proof.count("authorization-matrix", "outcome", "no leak, nothing written" if not problems else "PROBLEMS")
    assert not problems, f"{username} ({OUTSIDERS[username]}):\n" + "\n".join(problems)


# --- the websocket -------------------------------------------------------------------------------


def test_an_outsiders_websocket_hears_nothing_of_the_case(arena: Arena) -> None:
    base = arena.live.base_url
    url = base.replace("http://", "ws://") + "/ws"
    scene = arena.scene
    tokens = {u: login(base, u) for u in sorted(OUTSIDERS) + ["solberg"]}
    heard: dict[str, list[dict]] = {u: [] for u in tokens}

    async def listen(username: str, ready: asyncio.Event, done: asyncio.Event) -> None:
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {tokens[username]}"}) as ws:
            await ws.send(json.dumps({"type": "resume", "cursor": 0}))
            assert json.loads(await ws.recv())["type"] == "ready"
            ready.set()
            pings_after_done = 0
            while pings_after_done < 2:  # two pings after the last act: the server pulled at least once since
                async with asyncio.timeout(15):
                    frame = json.loads(await ws.recv())
                if frame["type"] == "ping":
                    pings_after_done += done.is_set()
                else:
                    heard[username].append(frame)
                if username == "solberg" and frame["type"] == "recall":
                    return

    async def scenario() -> None:
        ready = {u: asyncio.Event() for u in tokens}
        done = asyncio.Event()
        listeners = asyncio.gather(*(listen(u, ready[u], done) for u in tokens))
        try:
            async with asyncio.timeout(15):
                await asyncio.gather(*(e.wait() for e in ready.values()))
            with keyed_client(base, arena.live.settings.data_dir, "lise") as lise, \
                    keyed_client(base, arena.live.settings.data_dir, "solberg") as gp:
                sent = await asyncio.to_thread(lise.send, scene.case_id, scene.thread_id, TOPIC, QUESTION)
                await asyncio.to_thread(gp.read, sent["id"])
                # A receipt for the excluded Kari's old message: she must not hear it.
                await asyncio.to_thread(gp.read, arena.former["kari"]["message_id"])
                await asyncio.to_thread(lise.recall, sent["id"])
            done.set()
            async with asyncio.timeout(30):
                await listeners
        finally:
            listeners.cancel()

    run(scenario())
    # The control: the GP in the thread heard the message and its recall.
    assert {f["type"] for f in heard.pop("solberg")} >= {"message", "recall"}
    assert heard == {u: [] for u in OUTSIDERS}
