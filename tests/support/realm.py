"""A samband server whose people sign in through two independent OpenID providers on
loopback (tests/oidc, npm oidc-provider): one like ID-porten (pairwise ``sub``, ``pid``,
``acr``), one like HelseID (``helseid://`` claims and scopes, security level), configured
through ``SAMBAND_OIDC__PROVIDERS`` (settings ``oidc.providers``), with the demo directory.

    def test_x(realm): realm.base_url, realm.idporten, realm.helseid, realm.demo
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.oidc_harness import Provider, start_provider
from tests.support.server import LiveServer, running_server
from web.demo import PEOPLE, Demo, load_demo

HANSEN_PID = PEOPLE["hansen"][4]["national_id"]
SOLBERG_HPR = PEOPLE["solberg"][4]["hpr_number"]
SOLBERG_PID = "02028012345"  # not in samband's directory: she is found by her HPR number
RESOURCE = "https://samband.test/api"
AUDIENCE = "samband-api"
OTHER_RESOURCE = "https://other-service.test/api"
PORTAL_SECRET = "portal-secret-for-tests"
CLI = {
    "client_id": "samband-cli",
    "client_secret": None,
    "application_type": "native",
    "redirect_uris": ["http://127.0.0.1/callback"],
    "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
}
HELSEID_SCOPES = ["openid", "profile", "helseid://scopes/hpr/hpr_number", "helseid://scopes/identity/pid",
                  "helseid://scopes/identity/security_level"]


@dataclass
class Realm:
    server: LiveServer
    demo: Demo
    idporten: Provider
    helseid: Provider

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def engine(self):
        return self.server.engine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def provider_settings(idporten_issuer: str, helseid_issuer: str) -> list[dict[str, Any]]:
    """``SAMBAND_OIDC__PROVIDERS`` for the two test providers (docs/identity-providers.md)."""
    return [
        {
            "name": "idporten", "label": "ID-porten", "issuer": idporten_issuer,
            "client_id": "samband-portal", "client_secret": PORTAL_SECRET,
            "scopes": ["openid", "profile"], "resource": RESOURCE, "audience": AUDIENCE,
            "link": [{"claim": "pid", "field": "national_id"}],
            "assurance": {"claim": "acr", "levels": ["idporten-loa-substantial", "idporten-loa-high"],
                          "minimum": {"employee": "idporten-loa-high", "*": "idporten-loa-substantial"}},
        },
        {
            "name": "helseid", "label": "HelseID", "issuer": helseid_issuer,
            "client_id": "samband-portal", "client_secret": PORTAL_SECRET,
            "scopes": HELSEID_SCOPES, "resource": RESOURCE, "audience": AUDIENCE,
            "link": [{"claim": "helseid://claims/hpr/hpr_number", "field": "hpr_number"},
                     {"claim": "helseid://claims/identity/pid", "field": "national_id"}],
            "assurance": {"claim": "helseid://claims/identity/security_level", "levels": ["3", "4"],
                          "minimum": {"*": "4"}},
        },
    ]


@contextlib.contextmanager
def running_realm(directory: Path) -> Iterator[Realm]:
    # The providers' ports are chosen first: samband's settings name their issuers, and
    # their client registrations name samband's redirect URIs.
    idporten_port, helseid_port = _free_port(), _free_port()
    idporten_issuer = f"http://127.0.0.1:{idporten_port}"
    helseid_issuer = f"http://127.0.0.1:{helseid_port}"
    with running_server(directory, oidc={"providers": provider_settings(idporten_issuer, helseid_issuer)}) as server:
        demo = load_demo(server.engine, server.settings.data_dir)
        resources = {RESOURCE: {"audience": AUDIENCE}, OTHER_RESOURCE: {"audience": "other-service"}}

        def client(name: str) -> dict[str, Any]:
            return {
                "client_id": "samband-portal",
                "client_secret": PORTAL_SECRET,
                "redirect_uris": [f"{server.base_url}/auth/callback/{name}"],
                "post_logout_redirect_uris": [f"{server.base_url}/signed-out"],
            }

        idporten = start_provider(
            "idporten", port=idporten_port, resources=resources,
            accounts=[
                {"id": "hansen", "claims": {"pid": HANSEN_PID, "name": "Per Hansen"}},
                {"id": "stranger", "claims": {"pid": "15028512345", "name": "Ola Fremmed"}},
            ],
            clients=[client("idporten"), CLI],
        )
        try:
            helseid = start_provider(
                "helseid", port=helseid_port, resources=resources,
                accounts=[{"id": "solberg", "claims": {
                    "helseid://claims/hpr/hpr_number": SOLBERG_HPR,
                    "helseid://claims/identity/pid": SOLBERG_PID,
                    "name": "Ingrid Solberg"}}],
                clients=[client("helseid"), CLI],
            )
            try:
                yield Realm(server, demo, idporten, helseid)
            finally:
                helseid.stop()
        finally:
            idporten.stop()


@pytest.fixture
def realm(tmp_path) -> Iterator[Realm]:
    with running_realm(tmp_path) as realm:
        yield realm
