"""A thin httpx wrapper the integration tests use: one signed-in person."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.support.tokens import login


@dataclass
class Person:
    username: str
    actor_id: str
    http: httpx.Client

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, json=None, **kw) -> httpx.Response:
        return self.http.post(path, json=json, **kw)

    def ok(self, response: httpx.Response, status: int = 200):
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()


def sign_in(base_url: str, username: str, actor_id: str) -> Person:
    token = login(base_url, username)
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Person(username, actor_id, client)
