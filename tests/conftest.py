"""Shared fixtures.  Settings are always built explicitly, never from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.server import LiveServer, running_server

pytest_plugins = ["tests.support.world"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's SAMBAND_* variables or Authlib's transport override."""
    for name in list(os.environ):
        if name.startswith("SAMBAND_") or name == "AUTHLIB_INSECURE_TRANSPORT":
            monkeypatch.delenv(name)


@pytest.fixture
def server(tmp_path) -> Iterator[LiveServer]:
    """A real server on a loopback port with a fresh, migrated database.

    ``server.base_url``, ``server.settings``; ``server.engine`` is an engine on the
    server's database for arranging data (``Session(server.engine)``).
    """
    with running_server(tmp_path) as live:
        yield live
