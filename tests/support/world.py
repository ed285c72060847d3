"""The demo world on a live server: signed-in people (``world``) and Python clients
holding their private keys (``clients``).  Registered as a plugin by tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import Person, sign_in
from web.demo import Demo, load_demo


@dataclass
class DemoWorld:
    base_url: str
    settings: object
    engine: object
    demo: Demo
    _people: dict

    def grant_from_hansen(self, recipient_id: str, categories=("functional_ability",)) -> dict:
        """Hansen lets one person learn ``categories`` for workplace adaptation, for 8 weeks."""
        hansen = self.person("hansen")
        return hansen.ok(hansen.post("/consent/grants", json={
            "recipient": {"kind": "person", "id": recipient_id}, "categories": list(categories),
            "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
        }), 201)

    def person(self, username: str) -> Person:
        if username not in self._people:
            self._people[username] = sign_in(self.base_url, username, self.demo.actors[username])
        return self._people[username]


@pytest.fixture
def world(server):
    demo = load_demo(server.engine, server.settings.data_dir)
    world = DemoWorld(server.base_url, server.settings, server.engine, demo, {})
    yield world
    for p in world._people.values():
        p.http.close()


@pytest.fixture
def browser(world):
    """``browser("hansen")``: an httpx client holding a portal session cookie, signed in
    through the embedded identity provider as a person does."""
    import httpx

    from tests.support.tokens import portal_login

    opened: list[httpx.Client] = []

    def sign_in_portal(username: str) -> httpx.Client:
        client = httpx.Client(base_url=world.base_url, timeout=30)
        assert portal_login(client, world.base_url, username).status_code == 303
        opened.append(client)
        return client

    yield sign_in_portal
    for client in opened:
        client.close()


@pytest.fixture
def clients(world):
    """``clients("solberg")``: a SambandClient signed in as a demo person, holding that
    person's private keys (from the demo key store, or new and published for those
    who had none)."""
    import json

    from messaging.client import SambandClient
    from messaging.keys import Identity
    from tests.support.tokens import login

    made: dict[str, SambandClient] = {}

    def get(username: str) -> SambandClient:
        if username not in made:
            store = world.settings.data_dir / "demo-keystores" / f"{username}.json"
            identity = Identity.from_json(json.loads(store.read_text())) if store.exists() else Identity.generate()
            client = SambandClient(world.base_url, login(world.base_url, username), identity)
            if not store.exists():
                client.publish_keys()
            made[username] = client
        return made[username]

    yield get
    for client in made.values():
        client.close()
