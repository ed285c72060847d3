"""``samband-client login --issuer`` against an independent OpenID provider on loopback
(npm ``oidc-provider``, tests/oidc): code + PKCE on the CLI's loopback redirect, and the
device authorization grant approved on the provider's own device page.

The CLI runs as a subprocess; the test is the person's browser (httpx).
"""

from __future__ import annotations

import json

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.integration.test_client_login import CliLogin
from tests.support.oidc_harness import (  # noqa: F401  (oidc_provider is a fixture)
    PASSWORD,
    Provider,
    oidc_provider,
    sign_in_form,
)

HANSEN_PID = "01017012345"
RESOURCE = "https://samband.test/api"
CLI = {
    "client_id": "samband-cli",
    "client_secret": None,
    "application_type": "native",  # RFC 8252: any port on the loopback redirect
    "redirect_uris": ["http://127.0.0.1/callback"],
    "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
}


@pytest.fixture
def idporten(oidc_provider) -> Provider:
    return oidc_provider("idporten", accounts=[{"id": "hansen", "claims": {"pid": HANSEN_PID, "name": "Per Hansen"}}],
                         clients=[CLI])


def verified(provider: Provider, token: str) -> dict:
    keys = KeySet.import_key_set(httpx.get(provider.endpoint("jwks_uri"), timeout=60).json())
    return jwt.decode(token, keys, algorithms=["RS256"]).claims


def saved_token(home) -> dict:
    session = json.loads((home / "session.json").read_text())
    assert (home / "session.json").stat().st_mode & 0o077 == 0
    return session


def test_code_and_pkce_on_a_loopback_redirect(idporten, tmp_path):
    home = tmp_path / "home"
    cli = CliLogin(home, "--server", "http://127.0.0.1:8000", "--issuer", idporten.issuer, "--resource", RESOURCE,
                   "--scope", "openid profile offline_access", "--no-browser", "--timeout", "120")
    authorize_url = cli.url()
    assert authorize_url.startswith(idporten.endpoint("authorization_endpoint"))
    with httpx.Client(timeout=60) as browser:
        landed = sign_in_form(browser, authorize_url, login="hansen", level="idporten-loa-high")
    assert landed.url.host == "127.0.0.1" and landed.url.path == "/callback"
    assert landed.status_code == 200 and "Du er logget inn" in landed.text, landed.text
    code, out, err = cli.finish()
    assert code == 0, err + idporten.log()
    session = saved_token(home)
    assert session["issuer"] == idporten.issuer and session["client_id"] == "samband-cli"
    claims = verified(idporten, session["token"])
    assert claims["aud"] == RESOURCE and claims["pid"] == HANSEN_PID and claims["acr"] == "idporten-loa-high"
    assert session.get("refresh_token"), "offline_access was asked for: the refresh token is kept"


def _approve_device_code(verification_uri_complete: str, login: str, level: str) -> None:
    """At the provider's device page: confirm the code, then sign in."""
    with httpx.Client(timeout=60, follow_redirects=True) as http:
        page = http.get(verification_uri_complete)
        form = page.text.split("<form")[1]
        action = form.split('action="')[1].split('"')[0]
        fields = {chunk.split('name="')[1].split('"')[0]: chunk.split('value="')[1].split('"')[0]
                  for chunk in form.split("<input")[1:] if 'value="' in chunk and 'name="' in chunk}
        response = http.post(httpx.URL(str(page.url)).join(action), data={**fields, "confirm": "yes"})
        action = response.text.split('action="')[1].split('"')[0]
        response = http.post(httpx.URL(str(response.url)).join(action),
                             data={"login": login, "password": PASSWORD, "level": level})
        assert response.status_code == 200, response.text


def test_device_flow_approved_at_the_provider(idporten, tmp_path):
    home = tmp_path / "home"
    cli = CliLogin(home, "--issuer", idporten.issuer, "--resource", RESOURCE, "--device")
    instruction = cli.line_with("enter the code")
    assert idporten.issuer in instruction
    complete = cli.line_with("(or open ").removeprefix("(or open ").removesuffix(")")
    _approve_device_code(complete, "hansen", "idporten-loa-substantial")
    code, out, err = cli.finish()
    assert code == 0, err + idporten.log()
    assert "signed in at" in out
    claims = verified(idporten, saved_token(home)["token"])
    assert claims["aud"] == RESOURCE and claims["pid"] == HANSEN_PID and claims["acr"] == "idporten-loa-substantial"


def test_device_flow_refused_at_the_provider(idporten, tmp_path):
    """The person says no on the device page: the CLI says so and saves nothing."""
    cli = CliLogin(tmp_path / "home", "--issuer", idporten.issuer, "--resource", RESOURCE, "--device")
    cli.line_with("enter the code")
    complete = cli.line_with("(or open ").removeprefix("(or open ").removesuffix(")")
    with httpx.Client(timeout=60, follow_redirects=True) as http:
        page = http.get(complete)
        form = page.text.split("<form")[1]
        action = form.split('action="')[1].split('"')[0]
        fields = {chunk.split('name="')[1].split('"')[0]: chunk.split('value="')[1].split('"')[0]
                  for chunk in form.split("<input")[1:] if 'value="' in chunk and 'name="' in chunk}
        fields.pop("confirm", None)
        http.post(httpx.URL(str(page.url)).join(action), data={**fields, "abort": "yes"})
    code, _, err = cli.finish()
    assert code == 2 and "refused at the identity provider" in err, err
    assert not (tmp_path / "home" / "session.json").exists()
