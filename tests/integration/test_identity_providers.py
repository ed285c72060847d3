"""Sign-in through several real identity providers at once (SAMBAND_OIDC__PROVIDERS):
linking by national id, HPR number and NAV ident, pairwise subjects, assurance per role,
bearer tokens from each issuer, RFC 6750 challenges, and error pages in the person's
language.  The providers are small OpenID providers on loopback (tests/support/issuer.py)
with their own keys; samband runs as a real server, and everything goes over HTTP."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, select

from directory.models import Actor, DirectoryChange, IdentityLink
from directory.types import with_national_id_check_digits
from tests.support.issuer import Issuer, running_issuer
from tests.support.server import LiveServer, running_server
from tests.support.tokens import csrf_token_of

HANSEN_NID = with_national_id_check_digits("010190123") or with_national_id_check_digits("010190124")
LUND_NID = with_national_id_check_digits("020285456") or with_national_id_check_digits("020285457")
SOLBERG_HPR = "9144889"
EIDE_NAV = "Z990001"
HIGH, SUBSTANTIAL = "idporten-loa-high", "idporten-loa-substantial"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
LEVEL_CLAIM = "helseid://claims/identity/security_level"
HELSEID_SCOPES = ["openid", "profile", "helseid://scopes/hpr/hpr_number", "helseid://scopes/identity/security_level"]


@dataclass
class World:
    server: LiveServer
    idporten: Issuer
    helseid: Issuer
    nav: Issuer
    actors: dict[str, str]


def _provider_settings(idporten: Issuer, helseid: Issuer, nav: Issuer) -> list[dict]:
    return [
        {"name": "idporten", "label": "ID-porten", "issuer": idporten.issuer, "client_id": "samband-portal",
         "client_secret": "idporten-secret", "resource": "https://samband.example/api", "audience": "samband-api",
         "link": [{"claim": "pid", "field": "national_id"}],
         "assurance": {"claim": "acr", "levels": [SUBSTANTIAL, HIGH], "minimum": {"employee": HIGH, "*": SUBSTANTIAL}}},
        {"name": "helseid", "label": "HelseID", "issuer": helseid.issuer, "client_id": "samband-helse",
         "client_secret": None, "scopes": HELSEID_SCOPES, "audience": "samband-api",
         "link": [{"claim": HPR_CLAIM, "field": "hpr_number"}],
         "assurance": {"claim": LEVEL_CLAIM, "levels": ["3", "4"], "minimum": {"*": "4"}},
         "roles": ["gp", "specialist", "psychologist", "physiotherapist", "bht_physician"]},
        {"name": "nav", "label": "NAV", "issuer": nav.issuer, "client_id": "samband-nav", "client_secret": "nav-secret",
         "audience": "samband-api", "link": [{"claim": "NAVident", "field": "nav_ident"}]},
    ]


def _add(server: LiveServer, **fields) -> str:
    with Session(server.engine) as session:
        actor = Actor(**fields)
        session.add(actor)
        session.commit()
        return actor.id


@pytest.fixture
def world(tmp_path) -> Iterator[World]:
    # NAV's provider here releases NAVident only at its userinfo endpoint.
    with (running_issuer(pairwise=True) as idporten, running_issuer() as helseid,
          running_issuer(userinfo_only=frozenset({"NAVident"})) as nav):
        providers = _provider_settings(idporten, helseid, nav)
        with running_server(tmp_path, oidc={"providers": providers}) as server:
            actors = {
                "hansen": _add(server, name="Per Hansen", role="employee", national_id=HANSEN_NID),
                "solberg": _add(server, name="Kari Solberg", role="gp", hpr_number=SOLBERG_HPR),
                "eide": _add(server, name="Ola Eide", role="nav_adviser", nav_ident=EIDE_NAV),
                # One person in two roles: an employee who is also a nearest manager.
                "lund": _add(server, name="Anne Lund", role="employee", national_id=LUND_NID),
                "lund-manager": _add(server, name="Anne Lund", role="nearest_manager", national_id=LUND_NID),
            }
            yield World(server, idporten, helseid, nav, actors)


def sign_in(browser: httpx.Client, world: World, provider: str, *, html: bool = False,
            query: str = "") -> httpx.Response:
    """/login?provider=… → the provider → /auth/callback/<name>: the callback's answer."""
    headers = {"Accept": "text/html"} if html else {}
    start = browser.get(f"{world.server.base_url}/login?provider={provider}{query}", headers=headers)
    assert start.status_code == 302, start.text
    at_provider = browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    callback = at_provider.headers["location"]
    assert callback.startswith(f"{world.server.base_url}/auth/callback/{provider}?")
    return browser.get(callback, headers=headers)


def me(client: httpx.Client, world: World, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"{world.server.base_url}/me", headers=headers)


class TestPortalSignIn:
    def test_choice_page_lists_every_provider(self, world):
        page = httpx.get(f"{world.server.base_url}/login")
        assert page.status_code == 200
        assert "Velg hvordan du vil logge inn" in page.text
        for name, label in (("idporten", "ID-porten"), ("helseid", "HelseID"), ("nav", "NAV")):
            assert f'href="/login?provider={name}"' in page.text and f"Logg inn med {label}" in page.text

    def test_hansen_is_found_by_national_id_and_his_pairwise_subject_is_linked_then_reused(self, world):
        world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=HIGH)
        with httpx.Client(timeout=30) as browser:
            callback = sign_in(browser, world, "idporten")
            assert callback.status_code == 303 and callback.headers["location"] == "/"
            assert me(browser, world).json()["id"] == world.actors["hansen"]
        # What samband asked for: PKCE S256, its scopes, the resource, the person's language.
        asked = world.idporten.authorize_requests[-1]
        assert asked["code_challenge_method"] == "S256" and asked["scope"] == "openid profile"
        assert asked["resource"] == "https://samband.example/api" and asked["ui_locales"] == "nb"
        assert world.idporten.token_requests[-1]["resource"] == "https://samband.example/api"
        pairwise = world.idporten.subject("hansen", "samband-portal")
        with Session(world.server.engine) as session:
            (link,) = session.exec(select(IdentityLink)).all()
            assert (link.issuer, link.subject, link.actor_id, link.matched_by) == (
                world.idporten.issuer, pairwise, world.actors["hansen"], "national_id")
            (change,) = session.exec(select(DirectoryChange).where(DirectoryChange.action == "link")).all()
            assert change.by_label == "sign-in:idporten" and change.target_id == link.id
            assert HANSEN_NID not in change.detail and json.loads(change.detail)["actor_id"] == world.actors["hansen"]
        # Next time the token carries no national id: the link finds him.
        world.idporten.sign_in_as("hansen", acr=HIGH)
        with httpx.Client(timeout=30) as browser:
            assert sign_in(browser, world, "idporten").status_code == 303
            assert me(browser, world).json()["id"] == world.actors["hansen"]
        with Session(world.server.engine) as session:
            assert len(session.exec(select(IdentityLink)).all()) == 1

    def test_dr_solberg_signs_in_through_helseid_by_hpr_number(self, world):
        world.helseid.sign_in_as("solberg", **{HPR_CLAIM: SOLBERG_HPR, LEVEL_CLAIM: 4})
        with httpx.Client(timeout=30) as browser:
            assert sign_in(browser, world, "helseid").status_code == 303
            assert me(browser, world).json()["id"] == world.actors["solberg"]
        asked = world.helseid.authorize_requests[-1]
        assert asked["scope"].split() == HELSEID_SCOPES and "resource" not in asked
        # A public client: PKCE and no secret.
        assert "client_secret" not in world.helseid.token_requests[-1]

    def test_a_claim_only_at_the_userinfo_endpoint_is_read_from_there(self, world):
        world.nav.sign_in_as("eide", NAVident=EIDE_NAV)
        with httpx.Client(timeout=30) as browser:
            assert sign_in(browser, world, "nav").status_code == 303
            assert me(browser, world).json()["id"] == world.actors["eide"]

    def test_too_low_assurance_gets_a_page_with_a_way_to_sign_in_higher(self, world):
        world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=SUBSTANTIAL)
        with httpx.Client(timeout=30) as browser:
            page = sign_in(browser, world, "idporten", html=True)
            assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
            assert "Du logget inn med ID-porten på et for lavt sikkerhetsnivå" in page.text
            assert "BankID" in page.text
            higher = re.search(r'href="([^"]+)" id="sign-in-higher"', page.text).group(1).replace("&amp;", "&")
            assert parse_qs(urlsplit(higher).query) == {"provider": ["idporten"], "acr_values": [HIGH]}
            assert me(browser, world).status_code == 401  # nobody signed in
            # The button asks the provider for the higher level.
            world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=HIGH)
            again = sign_in(browser, world, "idporten", html=True, query=f"&acr_values={HIGH}")
            assert world.idporten.authorize_requests[-1]["acr_values"] == HIGH
            assert again.status_code == 303 and me(browser, world).json()["id"] == world.actors["hansen"]
        with Session(world.server.engine) as session:  # linked only once the level was enough
            assert len(session.exec(select(IdentityLink)).all()) == 1

    def test_missing_assurance_claim_counts_as_the_lowest(self, world):
        world.idporten.sign_in_as("hansen", pid=HANSEN_NID)
        with httpx.Client(timeout=30) as browser:
            response = sign_in(browser, world, "idporten")
        assert response.status_code == 403 and response.json()["code"] == "INSUFFICIENT_ASSURANCE"

    def test_unknown_person_gets_a_page_in_english_too(self, world):
        world.nav.sign_in_as("stranger", NAVident="Z999999")
        with httpx.Client(timeout=30, cookies={"samband_lang": "en"}) as browser:
            page = sign_in(browser, world, "nav", html=True)
        assert page.status_code == 401 and "We could not find you in samband" in page.text
        assert "You signed in with NAV" in page.text and 'href="/login?provider=nav"' in page.text

    def test_a_provider_only_for_some_roles_refuses_the_others(self, world):
        # HelseID is for health personnel; an employee with an HPR number is refused there.
        _add(world.server, name="Siv Nurse", role="employee", hpr_number="1234567")
        world.helseid.sign_in_as("siv", **{HPR_CLAIM: "1234567", LEVEL_CLAIM: "4"})
        with httpx.Client(timeout=30) as browser:
            page = sign_in(browser, world, "helseid", html=True)
        assert page.status_code == 403 and "HelseID er ikke innloggingstjenesten for rollen din" in page.text

    def test_state_mismatch_is_a_page_saying_try_again(self, world):
        with httpx.Client(timeout=30) as browser:
            page = browser.get(f"{world.server.base_url}/auth/callback/idporten",
                               params={"code": "x", "state": "y"}, headers={"Accept": "text/html"})
        assert page.status_code == 400 and "Innloggingen ble ikke fullført" in page.text
        assert 'href="/login?provider=idporten"' in page.text

    def test_one_person_in_two_roles_chooses_the_role(self, world):
        world.idporten.sign_in_as("lund", pid=LUND_NID, acr=HIGH)
        with httpx.Client(timeout=30) as browser:
            callback = sign_in(browser, world, "idporten")
            assert callback.status_code == 303 and callback.headers["location"] == "/auth/role"
            page = browser.get(f"{world.server.base_url}/auth/role")
            assert "Velg rolle" in page.text
            assert "Fortsett som sykmeldt" in page.text and "Fortsett som nærmeste leder" in page.text
            chosen = browser.post(f"{world.server.base_url}/auth/role",
                                  data={"csrf_token": csrf_token_of(page.text), "actor_id": world.actors["lund-manager"]})
            assert chosen.status_code == 303
            assert me(browser, world).json()["id"] == world.actors["lund-manager"]
            # Not a way to become anyone else.
            page = browser.get(f"{world.server.base_url}/auth/role")
            assert page.status_code == 303
        with Session(world.server.engine) as session:  # nothing linked: the choice is made each time
            assert session.exec(select(IdentityLink)).all() == []

    def test_sign_out_ends_the_sign_in_at_the_provider_it_came_from(self, world):
        world.helseid.sign_in_as("solberg", **{HPR_CLAIM: SOLBERG_HPR, LEVEL_CLAIM: "4"})
        with httpx.Client(timeout=30) as browser:
            sign_in(browser, world, "helseid")
            portal = browser.get(f"{world.server.base_url}/inbox")
            out = browser.post(f"{world.server.base_url}/logout", data={"csrf_token": csrf_token_of(portal.text)})
            assert out.status_code == 303 and out.headers["location"].startswith(f"{world.helseid.issuer}/session/end?")
            query = parse_qs(urlsplit(out.headers["location"]).query)
            assert query["client_id"] == ["samband-helse"] and query["id_token_hint"]
            assert me(browser, world).status_code == 401


class TestBearerTokens:
    def test_each_issuers_tokens_name_their_own_people(self, world):
        with httpx.Client(timeout=30) as client:
            hansen = me(client, world, world.idporten.mint("hansen", pid=HANSEN_NID, acr=HIGH))
            solberg = me(client, world, world.helseid.mint("solberg", **{HPR_CLAIM: SOLBERG_HPR, LEVEL_CLAIM: "4"}))
            eide = me(client, world, world.nav.mint("eide", NAVident=EIDE_NAV))
        assert [r.json()["id"] for r in (hansen, solberg, eide)] == [
            world.actors["hansen"], world.actors["solberg"], world.actors["eide"]]

    def test_a_token_without_national_id_works_after_the_first_link(self, world):
        with httpx.Client(timeout=30) as client:
            assert me(client, world, world.idporten.mint("hansen", acr=HIGH)).status_code == 401
            assert me(client, world, world.idporten.mint("hansen", pid=HANSEN_NID, acr=HIGH)).status_code == 200
            again = me(client, world, world.idporten.mint("hansen", acr=HIGH))
        assert again.status_code == 200 and again.json()["id"] == world.actors["hansen"]

    def test_no_token_gets_the_bare_challenge(self, world):
        response = httpx.get(f"{world.server.base_url}/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="samband"'

    @pytest.mark.parametrize("case", ["wrong audience", "unknown issuer", "no such person", "garbage"])
    def test_bad_tokens_get_401_with_invalid_token(self, world, case):
        token = {
            "wrong audience": lambda: world.idporten.mint("hansen", pid=HANSEN_NID, acr=HIGH, aud="another-api"),
            "unknown issuer": lambda: world.idporten.mint("hansen", pid=HANSEN_NID, iss="https://idp.example"),
            "no such person": lambda: world.nav.mint("stranger", NAVident="Z999999"),
            "garbage": lambda: "not.a.token",
        }[case]()
        response = httpx.get(f"{world.server.base_url}/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["code"] == "UNAUTHENTICATED"
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="samband", error="invalid_token", error_description="')
        assert response.json()["message"] in challenge

    def test_too_low_assurance_is_403_insufficient_user_authentication(self, world):
        token = world.idporten.mint("hansen", pid=HANSEN_NID, acr=SUBSTANTIAL)
        response = httpx.get(f"{world.server.base_url}/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403 and response.json()["code"] == "INSUFFICIENT_ASSURANCE"
        challenge = response.headers["www-authenticate"]
        assert 'error="insufficient_user_authentication"' in challenge and f'acr_values="{HIGH}"' in challenge

    def test_a_person_in_two_roles_names_the_actor(self, world):
        token = world.idporten.mint("lund", pid=LUND_NID, acr=HIGH)
        url = f"{world.server.base_url}/me"
        ambiguous = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
        assert ambiguous.status_code == 403 and ambiguous.json()["code"] == "CHOOSE_ACTOR"
        assert world.actors["lund-manager"] in ambiguous.json()["message"]
        named = httpx.get(url, headers={"Authorization": f"Bearer {token}", "Samband-Actor": world.actors["lund-manager"]})
        assert named.status_code == 200 and named.json()["id"] == world.actors["lund-manager"]
        stranger = httpx.get(url, headers={"Authorization": f"Bearer {token}", "Samband-Actor": world.actors["hansen"]})
        assert stranger.status_code == 403


def test_national_ids_are_never_logged(world, caplog):
    caplog.set_level(logging.DEBUG)
    world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=HIGH)
    with httpx.Client(timeout=30) as browser:
        assert sign_in(browser, world, "idporten").status_code == 303
    world.idporten.sign_in_as("lund", pid=LUND_NID, acr=SUBSTANTIAL)  # only as the manager
    with httpx.Client(timeout=30) as browser:
        assert sign_in(browser, world, "idporten").status_code == 303
    world.idporten.sign_in_as("stranger", pid=HANSEN_NID[:-1] + str((int(HANSEN_NID[-1]) + 1) % 10), acr=HIGH)
    with httpx.Client(timeout=30) as browser:
        assert sign_in(browser, world, "idporten").status_code == 401
    httpx.get(f"{world.server.base_url}/me",
              headers={"Authorization": f"Bearer {world.idporten.mint('x', pid=LUND_NID, acr=HIGH)}"})
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "identity:linked" in text  # the log was captured
    assert HANSEN_NID not in text and LUND_NID not in text
