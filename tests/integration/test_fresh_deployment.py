"""A real deployment's first day, end to end: a fresh database with no demo data (in
production mode on PostgreSQL), filled by an operator from registry files with
``samband import`` and completed with ``samband admin``; then the employee and his
manager sign in through an ID-porten-like provider and the GP through a HelseID-like one
(npm ``oidc-provider`` on loopback, tests/oidc), and the three of them carry a case:
the manager asks, the GP answers, each reads what the employee allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from messaging.client import SambandClient
from messaging.keys import Identity
from tests.support import postgres
from tests.support.oidc_harness import Provider, access_token, start_provider
from tests.support.realm import CLI, HELSEID_SCOPES, PORTAL_SECRET, RESOURCE, _free_port, provider_settings
from tests.support.registry_files import WORKPLACE, national_id, registry_files
from tests.support.server import LiveServer, running_server

HANSEN, LISE = national_id(1), national_id(2)
SOLBERG_HPR = "9144889"  # the GP in registry_files' HPR file
SAMBAND = [sys.executable, "-m", "web"]


def _production(server: LiveServer) -> dict[str, str]:
    """The environment of a command an operator runs against the server's database: on
    PostgreSQL in production mode, as in a real deployment."""
    env = {**os.environ, "SAMBAND_DATABASE_URL": server.settings.database_url,
           "SAMBAND_DATA_DIR": str(server.settings.data_dir)}
    if server.settings.environment == "production":
        env |= {"SAMBAND_ENVIRONMENT": "production", "SAMBAND_SESSION_SECRET": "s" * 40,
                # The command never contacts an identity provider, but production wants one named.
                "SAMBAND_OIDC__ISSUER": "https://idp.example.org", "SAMBAND_OIDC__CLIENT_SECRET": "c" * 40}
    return env


def _samband(server: LiveServer, *argv: str | Path) -> subprocess.CompletedProcess:
    done = subprocess.run([*SAMBAND, *map(str, argv)], env=_production(server), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"samband {' '.join(map(str, argv))}: {done.stderr}"
    return done


@pytest.fixture
def deployment(tmp_path) -> Iterator[tuple[LiveServer, Provider, Provider]]:
    idporten_port, helseid_port = _free_port(), _free_port()
    idporten_issuer, helseid_issuer = f"http://127.0.0.1:{idporten_port}", f"http://127.0.0.1:{helseid_port}"
    settings: dict = {"oidc": {"providers": provider_settings(idporten_issuer, helseid_issuer)}}
    if postgres.BACKEND == "postgresql":
        settings["environment"] = "production"
    with running_server(tmp_path, **settings) as server:
        def client(name: str) -> dict:
            return {"client_id": "samband-portal", "client_secret": PORTAL_SECRET,
                    "redirect_uris": [f"{server.base_url}/auth/callback/{name}"],
                    "post_logout_redirect_uris": [f"{server.base_url}/signed-out"]}

        resources = {RESOURCE: {"audience": "samband-api"}}
        with start_provider("idporten", port=idporten_port, resources=resources, clients=[client("idporten"), CLI],
                            accounts=[{"id": "hansen", "claims": {"pid": HANSEN}},
                                      {"id": "lise", "claims": {"pid": LISE}}]) as idporten, \
             start_provider("helseid", port=helseid_port, resources=resources, clients=[client("helseid"), CLI],
                            accounts=[{"id": "solberg", "claims": {"helseid://claims/hpr/hpr_number": SOLBERG_HPR}}]
                            ) as helseid:
            yield server, idporten, helseid


def _signed_in(server: LiveServer, provider: Provider, login: str, level: str,
               scope: str = "openid profile") -> SambandClient:
    token = access_token(provider, client=CLI, login=login, resource=RESOURCE, level=level, scope=scope)
    client = SambandClient(server.base_url, token["access_token"], Identity.generate())
    client.publish_keys()
    return client


def test_an_imported_directory_carries_a_case_from_the_first_sign_in(deployment, tmp_path):
    server, idporten, helseid = deployment
    assert server.settings.environment == ("production" if postgres.BACKEND == "postgresql" else "test")
    with server.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM actor")).scalar_one() == 0  # no demo data

    # The operator fills the directory from the registries ...
    files = registry_files(tmp_path)
    for source in ("enhetsregisteret", "hpr", "adresseregisteret", "norg2"):
        _samband(server, "import", source, *files[source])
    # ... adds the employee and his manager, and names her his nearest manager ...
    _samband(server, "admin", "person", "add", "--role", "employee", "--name", "Ola Hansen",
             "--org", f"org:{WORKPLACE}", "--national-id", HANSEN, "--by", "cli:drift")
    _samband(server, "admin", "person", "add", "--role", "nearest_manager", "--name", "Lise Berg",
             "--org", f"org:{WORKPLACE}", "--national-id", LISE, "--by", "cli:drift")
    _samband(server, "admin", "manager", "set", "--employee", f"nid:{HANSEN}", "--manager", f"nid:{LISE}",
             "--by", "cli:drift")
    # ... and the GP list names his GP.
    _samband(server, "import", "fastlege", *files["fastlege"])
    trail = _samband(server, "admin", "audit", "--limit", "50").stdout
    assert "cli:drift" in trail and "import:enhetsregisteret" in trail and HANSEN not in trail

    # First sign-ins: each is found by the identifier the provider vouches for.
    hansen = _signed_in(server, idporten, "hansen", "idporten-loa-high")
    lise = _signed_in(server, idporten, "lise", "idporten-loa-substantial")
    solberg = _signed_in(server, helseid, "solberg", "4", scope=" ".join(HELSEID_SCOPES))
    try:
        me = {name: c.http.get("/me").json() for name, c in (("hansen", hansen), ("lise", lise), ("solberg", solberg))}
        roles = (me["hansen"]["role"], me["lise"]["role"], me["solberg"]["role"])
        assert roles == ("employee", "nearest_manager", "gp")

        # Hansen opens his case and brings in his GP and his manager by their relations.
        case = hansen.http.post("/cases", json={"start_date": (date.today() - timedelta(days=20)).isoformat(),
                                               "grade": 100})
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        for who in ("solberg", "lise"):
            added = hansen.http.post(f"/cases/{case_id}/participants",
                                     json={"actor_id": me[who]["id"], "reason": "Følger meg opp"})
            assert added.status_code == 201, added.text
        until = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()
        for recipient, categories in (({"kind": "role", "role": "gp"}, ["work_tasks", "sick_leave"]),
                                      ({"kind": "person", "id": me["lise"]["id"]}, ["functional_ability"])):
            granted = hansen.http.post("/consent/grants", json={
                "recipient": recipient, "categories": categories, "purposes": ["workplace_adaptation"],
                "valid_to": until})
            assert granted.status_code == 201, granted.text

        # The manager asks the GP what work can be adapted; the GP answers; each reads
        # what Hansen allowed.
        thread = lise.start_thread(case_id, [me["solberg"]["id"]], topic="adaptation_question")
        question = lise.send(case_id, thread["id"], "adaptation_question", {
            "job_description": "Lagerarbeid, mye løft.", "adaptation_options": "Lettere oppgaver, kortere dager.",
            "other_question": "Kan han jobbe 50 % med lettere oppgaver?", "proposed_grade": 50})
        assert solberg.read(question["id"]).form["other_question"] == "Kan han jobbe 50 % med lettere oppgaver?"
        answer = solberg.send(case_id, thread["id"], "functional_assessment", {
            "functional_ability": "Kan løfte inntil 5 kg; pauser hver time.",
            "restrictions": "Ikke arbeid over skulderhøyde.",
            "medically_justifiable": "yes_with_restrictions"},
            in_reply_to=question["id"])
        seen = lise.read(answer["id"])
        assert seen.form["functional_ability"] == "Kan løfte inntil 5 kg; pauser hver time."
        assert seen.categories == ["functional_ability"]
    finally:
        for client in (hansen, lise, solberg):
            client.close()
