"""The test OpenID provider itself (tests/oidc, npm oidc-provider): the other tests lean on
it behaving like ID-porten and HelseID, so what they rely on is proven here."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.oidc_harness import (  # noqa: F401  (oidc_provider is a fixture)
    Provider,
    ProviderError,
    access_token,
    authorization_code,
    exchange_code,
    oidc_provider,
    unverified_claims,
    unverified_header,
)
from tests.support.realm import CLI

HANSEN_PID = "01017012345"
RESOURCE = "https://samband.test/api"
PORTAL = {
    "client_id": "samband-portal",
    "client_secret": "portal-secret",
    "redirect_uris": ["http://127.0.0.1:9/auth/callback/idporten"],
    "post_logout_redirect_uris": ["http://127.0.0.1:9/signed-out"],
}
OTHER = {
    "client_id": "another-service",
    "client_secret": "other-secret",
    "redirect_uris": ["http://127.0.0.1:9/other/callback"],
}


def verified(provider: Provider, token: str) -> dict:
    keys = KeySet.import_key_set(httpx.get(provider.endpoint("jwks_uri"), timeout=60).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    return decoded.claims


@pytest.fixture
def idporten(oidc_provider) -> Provider:
    return oidc_provider(
        "idporten",
        accounts=[{"id": "hansen", "claims": {"pid": HANSEN_PID, "name": "Per Hansen"}}],
        clients=[PORTAL, OTHER, CLI],
    )


class TestIdPortenProfile:
    def test_discovery_names_what_samband_relies_on(self, idporten):
        d = idporten.discovery
        assert d["issuer"] == idporten.issuer
        assert d["code_challenge_methods_supported"] == ["S256"]
        assert "pairwise" in d["subject_types_supported"]
        assert d["acr_values_supported"] == ["idporten-loa-substantial", "idporten-loa-high"]
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint", "device_authorization_endpoint"):
            assert d[name].startswith(idporten.issuer), name

    def test_code_flow_gives_a_jwt_access_token_for_the_resource(self, idporten):
        tokens = access_token(idporten, client=PORTAL, login="hansen", resource=RESOURCE, level="idporten-loa-substantial")
        assert unverified_header(tokens["access_token"])["typ"] == "at+jwt"
        claims = verified(idporten, tokens["access_token"])
        assert claims["aud"] == RESOURCE
        assert claims["iss"] == idporten.issuer
        assert claims["client_id"] == "samband-portal"
        assert claims["pid"] == HANSEN_PID
        assert claims["acr"] == "idporten-loa-substantial"
        id_token = verified(idporten, tokens["id_token"])
        assert id_token["pid"] == HANSEN_PID
        assert id_token["acr"] == "idporten-loa-substantial"
        assert id_token["sub"] == claims["sub"] != "hansen"

    def test_person_may_sign_in_with_national_id_and_choose_high(self, idporten):
        tokens = access_token(idporten, client=PORTAL, login=HANSEN_PID, resource=RESOURCE, level="idporten-loa-high")
        assert unverified_claims(tokens["id_token"])["acr"] == "idporten-loa-high"

    def test_pairwise_sub_differs_per_client_and_is_stable(self, idporten):
        first = unverified_claims(access_token(idporten, client=PORTAL, login="hansen", resource=RESOURCE)["id_token"])
        again = unverified_claims(access_token(idporten, client=PORTAL, login="hansen", resource=RESOURCE)["id_token"])
        other = unverified_claims(access_token(idporten, client=OTHER, login="hansen", resource=RESOURCE)["id_token"])
        assert first["sub"] == again["sub"]
        assert first["sub"] != other["sub"]
        assert first["pid"] == other["pid"] == HANSEN_PID

    def test_wrong_password_shows_the_form_again(self, idporten):
        with httpx.Client(timeout=60) as http:
            response = http.get(
                idporten.endpoint("authorization_endpoint"),
                params={"client_id": "samband-portal", "redirect_uri": PORTAL["redirect_uris"][0],
                        "response_type": "code", "scope": "openid", "code_challenge": "x" * 43,
                        "code_challenge_method": "S256"},
                follow_redirects=True,
            )
            action = response.text.split('action="')[1].split('"')[0]
            page = http.post(response.url.join(action),
                             data={"login": "hansen", "password": "wrong", "level": "idporten-loa-high"})
        assert page.status_code == 200
        assert "Feil bruker-id eller passord" in page.text and 'name="login"' in page.text

    def test_public_client_must_use_pkce(self, idporten):
        response = httpx.get(
            idporten.endpoint("authorization_endpoint"),
            params={"client_id": "samband-cli", "redirect_uri": "http://127.0.0.1:4711/callback",
                    "response_type": "code", "scope": "openid"},
            timeout=60,
        )
        location = response.headers["location"]
        assert parse_qs(urlparse(location).query)["error"] == ["invalid_request"]

    def test_logout_ends_the_providers_session(self, idporten):
        with httpx.Client(timeout=60) as http:
            redirect = PORTAL["redirect_uris"][0]
            code, verifier = authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="hansen", http=http)
            tokens = exchange_code(idporten, code=code, verifier=verifier, client_id="samband-portal",
                                   client_secret="portal-secret", redirect_uri=redirect)
            # Signed in at the provider: a second request comes straight back with a code.
            authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="nobody", http=http)
            response = http.get(idporten.endpoint("end_session_endpoint"), params={
                "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": PORTAL["post_logout_redirect_uris"][0],
                "state": "bye"})
            assert response.status_code == 200 and 'id="op.logoutForm"' in response.text
            form = response.text.split('id="op.logoutForm"')[1]
            action = form.split('action="')[1].split('"')[0]
            xsrf = form.split('name="xsrf" value="')[1].split('"')[0]
            response = http.post(httpx.URL(str(response.url)).join(action), data={"xsrf": xsrf, "logout": "yes"})
            while response.is_redirect and not response.headers["location"].startswith("http://127.0.0.1:9/"):
                response = http.get(httpx.URL(str(response.url)).join(response.headers["location"]))
            assert response.headers["location"] == "http://127.0.0.1:9/signed-out?state=bye"
            # Signed out there too: the next sign-in asks again ("nobody" is no account).
            with pytest.raises(ProviderError):
                authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="nobody", http=http)

    def test_asking_for_a_higher_level_signs_in_again(self, idporten):
        redirect = PORTAL["redirect_uris"][0]

        def acr(code: str, verifier: str) -> str:
            tokens = exchange_code(idporten, code=code, verifier=verifier, client_id="samband-portal",
                                   client_secret="portal-secret", redirect_uri=redirect)
            return unverified_claims(tokens["id_token"])["acr"]

        with httpx.Client(timeout=60) as http:
            first = authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="hansen",
                                       level="idporten-loa-substantial", http=http)
            assert acr(*first) == "idporten-loa-substantial"
            # The same level again: the provider's session answers, no form ("nobody" would fail).
            same = authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="nobody",
                                      http=http, extra={"acr_values": "idporten-loa-substantial"})
            assert acr(*same) == "idporten-loa-substantial"
            higher = authorization_code(idporten, client_id="samband-portal", redirect_uri=redirect, login="hansen",
                                        level="idporten-loa-high", http=http, extra={"acr_values": "idporten-loa-high"})
            assert acr(*higher) == "idporten-loa-high"

    def test_device_authorization_grant(self, idporten):
        start = httpx.post(idporten.endpoint("device_authorization_endpoint"),
                           data={"client_id": "samband-cli", "scope": "openid", "resource": RESOURCE}, timeout=60).json()
        token_url = idporten.endpoint("token_endpoint")
        grant = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start["device_code"],
                 "client_id": "samband-cli"}
        assert httpx.post(token_url, data=grant, timeout=60).json()["error"] == "authorization_pending"
        with httpx.Client(timeout=60) as http:
            page = http.get(start["verification_uri_complete"])
            form = page.text.split("<form")[1]
            action = form.split('action="')[1].split('"')[0]
            fields = dict(
                (chunk.split('name="')[1].split('"')[0], chunk.split('value="')[1].split('"')[0])
                for chunk in form.split("<input")[1:] if 'value="' in chunk
            )
            response = http.post(httpx.URL(str(page.url)).join(action), data={**fields, "confirm": "yes"}, follow_redirects=True)
            action = response.text.split('action="')[1].split('"')[0]
            response = http.post(httpx.URL(str(response.url)).join(action),
                                 data={"login": "hansen", "password": "test", "level": "idporten-loa-high"},
                                 follow_redirects=True)
            assert response.status_code == 200
        tokens = httpx.post(token_url, data=grant, timeout=60).json()
        claims = verified(idporten, tokens["access_token"])
        assert claims["aud"] == RESOURCE and claims["pid"] == HANSEN_PID and claims["acr"] == "idporten-loa-high"


class TestHelseIdProfile:
    def test_helseid_claims_come_with_their_scopes_and_the_chosen_level(self, oidc_provider):
        client = {"client_id": "samband-portal", "client_secret": "s",
                  "redirect_uris": ["http://127.0.0.1:9/auth/callback/helseid"]}
        helseid = oidc_provider(
            "helseid",
            accounts=[{"id": "solberg", "claims": {"helseid://claims/identity/pid": "02028012345",
                                                    "helseid://claims/hpr/hpr_number": "9144889", "name": "Kari Solberg"}}],
            clients=[client],
            resources={RESOURCE: {"audience": "samband-api"}},
        )
        bare = access_token(helseid, client=client, login="solberg", resource=RESOURCE, scope="openid profile", level="4")
        assert "helseid://claims/hpr/hpr_number" not in unverified_claims(bare["id_token"])
        tokens = access_token(
            helseid, client=client, login="solberg", resource=RESOURCE, level="3",
            scope="openid profile helseid://scopes/hpr/hpr_number helseid://scopes/identity/security_level",
        )
        id_token = unverified_claims(tokens["id_token"])
        assert id_token["helseid://claims/hpr/hpr_number"] == "9144889"
        assert id_token["helseid://claims/identity/security_level"] == "3"
        claims = verified(helseid, tokens["access_token"])
        assert claims["aud"] == "samband-api"
        assert claims["helseid://claims/hpr/hpr_number"] == "9144889"
        assert claims["helseid://claims/identity/security_level"] == "3"

    def test_unknown_resource_is_refused_when_resources_are_listed(self, oidc_provider):
        client = {"client_id": "c", "client_secret": "s", "redirect_uris": ["http://127.0.0.1:9/cb"]}
        helseid = oidc_provider("helseid", accounts=[{"id": "a", "claims": {}}], clients=[client],
                                resources={RESOURCE: {"audience": "samband-api"}})
        with pytest.raises(ProviderError, match="invalid_target"):
            access_token(helseid, client=client, login="a", resource="https://elsewhere.test/api")


class TestNavProfile:
    def test_nav_ident_rides_in_the_access_token(self, oidc_provider):
        client = {"client_id": "c", "client_secret": "s", "redirect_uris": ["http://127.0.0.1:9/cb"]}
        nav = oidc_provider("nav", accounts=[{"id": "z990001", "claims": {"NAVident": "Z990001", "name": "Nina Veileder"}}],
                            clients=[client], default_resource=RESOURCE)
        code, verifier = authorization_code(nav, client_id="c", redirect_uri="http://127.0.0.1:9/cb", login="z990001")
        tokens = exchange_code(nav, code=code, verifier=verifier, client_id="c", client_secret="s",
                               redirect_uri="http://127.0.0.1:9/cb")
        claims = verified(nav, tokens["access_token"])
        assert claims["aud"] == RESOURCE and claims["NAVident"] == "Z990001" and claims["sub"] == "z990001"
