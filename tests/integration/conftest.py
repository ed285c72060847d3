from __future__ import annotations

from dataclasses import dataclass

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
