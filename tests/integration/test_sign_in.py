"""Sign-in over real HTTP: the embedded IdP, bearer access tokens, the portal session."""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import ECKey
from sqlmodel import Session

from directory import service
from directory.schemas import ActorCreate
from tests.support.tokens import (
    SignInFailed,
    cli_authorization,
    code_from,
    login,
    mint_access_token,
    parse_login_page,
    portal_login,
    redeem,
    submit_credentials,
)

SUBJECT = "test.employee"


def add_actor(server, subject: str = SUBJECT, name: str = "Test Employee") -> str:
    with Session(server.engine) as session:
        return service.register_actor(session, ActorCreate(name=name, role="employee", oidc_subject=subject)).id


def me(server, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server.base_url}/me", headers=headers)


def assert_unauthenticated(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] == "UNAUTHENTICATED"
    for word in words:
        assert word in body["message"]


class TestBearerToken:
    def test_employee_signs_in_and_me_answers_with_their_id(self, server):
        actor_id = add_actor(server)
        token = login(server.base_url, SUBJECT)
        response = me(server, token)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == actor_id

    def test_access_token_is_an_rfc9068_jwt(self, server):
        add_actor(server)
        token = login(server.base_url, SUBJECT)
        header, claims = (json.loads(base64.urlsafe_b64decode(part + "==")) for part in token.split(".")[:2])
        assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
        assert claims["iss"] == server.settings.issuer and claims["aud"] == server.settings.oidc.audience
        assert claims["sub"] == SUBJECT and claims["client_id"] == "samband-cli"
        assert 3500 <= claims["exp"] - claims["iat"] <= 3700 and claims["jti"]

    def test_caller_without_token_is_told_to_sign_in(self, server):
        assert_unauthenticated(me(server), "sign in")

    def test_token_for_another_audience_is_refused(self, server):
        add_actor(server)
        assert_unauthenticated(me(server, mint_access_token(server.settings, SUBJECT, aud="another-api")), "audience")

    def test_expired_token_is_refused_with_advice(self, server):
        add_actor(server)
        token = mint_access_token(server.settings, SUBJECT, exp=int(time.time()) - 120)
        assert_unauthenticated(me(server, token), "expired", "sign in again")

    def test_token_from_another_issuer_is_refused(self, server):
        add_actor(server)
        assert_unauthenticated(me(server, mint_access_token(server.settings, SUBJECT, iss="https://idp.example")))

    def test_tampered_token_is_refused(self, server):
        add_actor(server)
        add_actor(server, "test.other", "Other Person")
        header, claims, signature = login(server.base_url, SUBJECT).split(".")
        forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
        forged["sub"] = "test.other"
        claims = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        assert_unauthenticated(me(server, f"{header}.{claims}.{signature}"), "not valid")

    def test_token_signed_by_a_stranger_is_refused(self, server):
        add_actor(server)
        stranger = ECKey.generate_key("P-256")
        assert_unauthenticated(me(server, mint_access_token(server.settings, SUBJECT, key=stranger)), "not valid")

    def test_valid_token_for_unknown_subject_is_refused(self, server):
        token = mint_access_token(server.settings, "test.nobody")
        assert_unauthenticated(me(server, token), "no samband user")

    def test_other_authorization_schemes_are_refused(self, server):
        response = httpx.get(f"{server.base_url}/me", headers={"Authorization": "Basic dGVzdDp0ZXN0"})
        assert_unauthenticated(response, "Bearer")


class TestIdpSignIn:
    def test_wrong_password_shows_error_and_issues_no_code(self, server):
        add_actor(server)
        with httpx.Client(timeout=10) as client:
            url, _, _ = cli_authorization(server.base_url)
            response = submit_credentials(client, url, SUBJECT, "not-the-password")
        assert response.status_code == 401
        assert "location" not in response.headers
        assert parse_login_page(response.text).error == "Wrong username or password."

    def test_unknown_user_gets_the_same_answer_as_a_wrong_password(self, server):
        try:
            login(server.base_url, "test.nobody")
        except SignInFailed as failed:
            assert (failed.status_code, failed.message) == (401, "Wrong username or password.")
        else:
            raise AssertionError("an unknown user signed in")

    def test_form_without_csrf_token_is_refused(self, server):
        add_actor(server)
        url, _, _ = cli_authorization(server.base_url)
        response = httpx.post(url, data={"username": SUBJECT, "password": "demo"})
        assert response.status_code == 400
        assert "expired" in parse_login_page(response.text).error

    def test_repeated_failures_are_throttled_even_for_the_right_password(self, server):
        add_actor(server)
        with httpx.Client(timeout=10) as client:
            url, _, _ = cli_authorization(server.base_url)
            form = parse_login_page(client.get(url).text)

            def post(password: str) -> httpx.Response:
                return client.post(url, data={**form.fields, "username": SUBJECT, "password": password})

            assert [post("wrong").status_code for _ in range(10)] == [401] * 10
            throttled = post("demo")
        assert throttled.status_code == 429
        assert "Too many failed sign-in attempts" in parse_login_page(throttled.text).error
        assert "location" not in throttled.headers

    def test_public_client_without_pkce_is_refused(self, server):
        url, state, _ = cli_authorization(server.base_url, code_challenge=None, code_challenge_method=None)
        response = httpx.get(url)
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == ["invalid_request"] and query["state"] == [state]

    def test_unregistered_redirect_uri_is_never_followed(self, server):
        url, _, _ = cli_authorization(server.base_url, redirect_uri="https://attacker.example/cb")
        response = httpx.get(url)
        assert response.status_code == 400 and "location" not in response.headers

    def test_loopback_lookalike_redirect_uri_is_never_followed(self, server):
        add_actor(server)
        for uri in ("http://[::1].evil.example/cb", "http://127.0.0.1.evil.example/cb", "http://[::1]@evil.example/"):
            url, _, _ = cli_authorization(server.base_url, redirect_uri=uri)
            with httpx.Client(timeout=10) as client:
                page = client.get(url)
                assert page.status_code == 400 and "location" not in page.headers, uri
                # Not even after a correct password: no form, so nothing to submit and no code.
                with pytest.raises(SignInFailed):
                    submit_credentials(client, url, SUBJECT, "demo")

    def test_loopback_redirect_on_any_port_gets_the_code(self, server):
        add_actor(server)
        for uri in ("http://[::1]:49152/cb", "http://127.0.0.1:49153/cb", "http://localhost:49154/cb"):
            with httpx.Client(timeout=10) as client:
                url, state, _ = cli_authorization(server.base_url, redirect_uri=uri)
                response = submit_credentials(client, url, SUBJECT, "demo")
                assert response.headers["location"].startswith(uri + "?"), uri
                assert code_from(response, state)

    def test_code_is_single_use(self, server):
        add_actor(server)
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            url, state, verifier = cli_authorization(server.base_url)
            code = code_from(submit_credentials(client, url, SUBJECT, "demo"), state)
            assert redeem(client, code, verifier).status_code == 200
            again = redeem(client, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    def test_code_needs_the_right_verifier(self, server):
        add_actor(server)
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            url, state, _ = cli_authorization(server.base_url)
            code = code_from(submit_credentials(client, url, SUBJECT, "demo"), state)
            response = redeem(client, code, "x" * 50)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"

    def test_signing_key_is_private_on_disk_and_only_its_public_half_is_published(self, server):
        assert (server.settings.data_dir / "idp-signing-key.pem").stat().st_mode & 0o777 == 0o600
        (key,) = httpx.get(f"{server.base_url}/idp/jwks").json()["keys"]
        assert key["kty"] == "EC" and key["alg"] == "ES256" and key["kid"] and "d" not in key

    def test_userinfo_names_the_signed_in_user(self, server):
        add_actor(server)
        token = login(server.base_url, SUBJECT)
        info = httpx.get(f"{server.base_url}/idp/userinfo", headers={"Authorization": f"Bearer {token}"})
        assert info.status_code == 200
        assert info.json() == {"sub": SUBJECT, "name": "Test Employee", "preferred_username": SUBJECT}


class TestPortal:
    def test_portal_sign_in_sets_a_session_that_works_for_me(self, server):
        actor_id = add_actor(server)
        with httpx.Client(timeout=10) as browser:
            callback = portal_login(browser, server.base_url, SUBJECT)
            assert callback.status_code == 303 and callback.headers["location"] == "/"
            response = browser.get(f"{server.base_url}/me")
            assert response.status_code == 200 and response.json()["id"] == actor_id
            home = browser.get(f"{server.base_url}/")
            assert home.status_code == 303 and home.headers["location"] == "/portal"
            portal = browser.get(f"{server.base_url}/portal")
            assert portal.status_code == 200 and "Logget inn som Test Employee" in portal.text
            assert "unsafe-inline" not in portal.headers["content-security-policy"]
            # Signing out is a form post, CSRF-checked like every other (web/csrf.py).
            token = re.search(r'name="csrf-token" content="([^"]+)"', portal.text).group(1)
            assert browser.post(f"{server.base_url}/logout").status_code == 403
            browser.post(f"{server.base_url}/logout", data={"csrf_token": token})
            assert_unauthenticated(browser.get(f"{server.base_url}/me"), "sign in")
            assert "Logg inn" in browser.get(f"{server.base_url}/").text

    def test_callback_without_a_started_sign_in_is_refused(self, server):
        response = httpx.get(f"{server.base_url}/auth/callback", params={"code": "made-up", "state": "made-up"})
        assert response.status_code == 400 and response.json()["code"] == "SIGN_IN_FAILED"
