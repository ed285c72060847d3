"""API calls with access tokens from real, independent OpenID providers on loopback (an
ID-porten-like and a HelseID-like one, tests/support/realm.py): each provider's JWT
access token works; a token for another audience is refused with WWW-Authenticate."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from directory.models import IdentityLink
from tests.support.oidc_harness import access_token, unverified_claims
from tests.support.realm import CLI, HELSEID_SCOPES, OTHER_RESOURCE, RESOURCE, realm  # noqa: F401  (fixture)


def me(realm, token: str) -> httpx.Response:
    return httpx.get(f"{realm.base_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_id_porten_access_token_names_hansen(realm):
    tokens = access_token(realm.idporten, client=CLI, login="hansen", resource=RESOURCE, level="idporten-loa-high")
    response = me(realm, tokens["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["id"] == realm.demo.actors["hansen"]
    # Found by his national id; the provider's (pairwise) sub is now linked to him.
    sub = unverified_claims(tokens["access_token"])["sub"]
    with Session(realm.engine) as session:
        link = session.exec(select(IdentityLink).where(IdentityLink.subject == sub)).one()
    assert link.actor_id == realm.demo.actors["hansen"] and link.matched_by == "national_id"
    assert link.issuer == realm.idporten.issuer


def test_helseid_access_token_names_dr_solberg(realm):
    tokens = access_token(realm.helseid, client=CLI, login="solberg", resource=RESOURCE, level="4",
                          scope=" ".join(HELSEID_SCOPES))
    response = me(realm, tokens["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["id"] == realm.demo.actors["solberg"]


@pytest.mark.parametrize("provider", ["idporten", "helseid"])
def test_token_for_another_audience_is_refused_with_www_authenticate(realm, provider):
    issuer = getattr(realm, provider)
    login, level = ("hansen", "idporten-loa-high") if provider == "idporten" else ("solberg", "4")
    tokens = access_token(issuer, client=CLI, login=login, resource=OTHER_RESOURCE, level=level,
                          scope=" ".join(HELSEID_SCOPES) if provider == "helseid" else "openid profile")
    assert unverified_claims(tokens["access_token"])["aud"] == "other-service"
    response = me(realm, tokens["access_token"])
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert "error_description=" in challenge


def test_person_unknown_to_samband_is_refused(realm):
    tokens = access_token(realm.idporten, client=CLI, login="stranger", resource=RESOURCE, level="idporten-loa-high")
    response = me(realm, tokens["access_token"])
    assert response.status_code in (401, 403)
    with Session(realm.engine) as session:
        assert session.exec(select(IdentityLink)).all() == []


def test_pages_let_the_sign_out_form_go_on_to_either_provider(realm):
    """Signing out is a form post answered by a redirect to the provider's
    end_session_endpoint; form-action must allow every provider's origin."""
    policy = httpx.get(f"{realm.base_url}/", timeout=60).headers["content-security-policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action")).split()
    assert form_action == ["form-action", "'self'", realm.idporten.issuer, realm.helseid.issuer]
