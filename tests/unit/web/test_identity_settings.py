"""SAMBAND_OIDC__PROVIDERS: what start-up accepts and refuses, and the assurance rules."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from web.identity import _enough, _text
from web.settings import DEV_SECRET, AssuranceConfig, ProviderConfig, Settings

IDPORTEN = {
    "name": "idporten", "label": "ID-porten", "issuer": "https://idporten.no", "client_id": "samband-portal",
    "client_secret": "s3cret-from-the-vault", "audience": "samband-api",
    "link": [{"claim": "pid", "field": "national_id"}],
    "assurance": {"claim": "acr", "levels": ["idporten-loa-substantial", "idporten-loa-high"],
                  "minimum": {"employee": "idporten-loa-high", "*": "idporten-loa-substantial"}},
}
HELSEID = {
    "name": "helseid", "issuer": "https://helseid-sts.nhn.no", "client_id": "samband-helse",
    "scopes": ["openid", "profile", "helseid://scopes/hpr/hpr_number"],
    "link": [{"claim": "helseid://claims/hpr/hpr_number", "field": "hpr_number"}],
}


def settings_from_env(monkeypatch, providers, **env) -> Settings:
    monkeypatch.setenv("SAMBAND_OIDC__PROVIDERS", json.dumps(providers))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def refusal(monkeypatch, providers, **env) -> str:
    with pytest.raises(ValidationError) as caught:
        settings_from_env(monkeypatch, providers, **env)
    return str(caught.value)


def test_unset_means_one_provider_from_the_old_settings_linking_by_subject():
    settings = Settings(public_url="http://127.0.0.1:9000")
    (provider,) = settings.providers
    assert (provider.name, provider.issuer, provider.client_id, provider.audience) == (
        "samband", "http://127.0.0.1:9000/idp", "samband-portal", "samband-api")
    assert [(r.claim, r.field) for r in provider.link] == [("sub", "subject")]
    assert provider.assurance is None and provider.roles is None and settings.embedded_idp


def test_a_list_from_the_environment_is_read_in_order_with_defaults(monkeypatch):
    settings = settings_from_env(monkeypatch, [IDPORTEN, HELSEID])
    assert [p.name for p in settings.providers] == ["idporten", "helseid"]
    helseid = settings.providers[1]
    assert helseid.client_secret is None and helseid.audience is None and helseid.display == "helseid"
    assert settings.providers[0].scopes == ["openid", "profile"]
    assert not settings.embedded_idp  # no provider is the demo IdP


@pytest.mark.parametrize(("change", "words"), [
    ({"scope": "openid"}, "scope"),  # a misspelt field is not silently ignored
    ({"name": "ID porten"}, "name"),
    ({"issuer": "idporten.no"}, "issuer must be the provider's URL"),
    ({"scopes": ["profile"]}, "must include 'openid'"),
    ({"link": [{"claim": "pid", "field": "fnr"}]}, "national_id"),
    ({"link": []}, "link"),
    ({"roles": ["boss"]}, "'boss', which is not a role"),
    ({"assurance": {"levels": ["a", "b"], "minimum": {"employee": "c"}}}, "'c', which is not in assurance.levels"),
    ({"assurance": {"levels": ["a", "b"], "minimum": {"emplyee": "a"}}}, "'emplyee', which is not a role"),
    ({"assurance": {"levels": ["a", "a"]}}, "lists a level twice"),
    ({"assurance": {"levels": []}}, "levels"),
])
def test_start_up_refuses_a_provider_it_cannot_use(monkeypatch, change, words):
    assert words in refusal(monkeypatch, [{**IDPORTEN, **change}])


def test_two_providers_may_not_share_a_name_or_an_issuer(monkeypatch):
    assert "two providers have the name 'idporten'" in refusal(monkeypatch, [IDPORTEN, {**HELSEID, "name": "idporten"}])
    assert "two providers have the issuer" in refusal(monkeypatch, [IDPORTEN, {**HELSEID, "issuer": IDPORTEN["issuer"]}])
    assert "lists no provider" in refusal(monkeypatch, [])


def test_production_refuses_the_development_client_secret(monkeypatch):
    env = {"SAMBAND_ENVIRONMENT": "production", "SAMBAND_SESSION_SECRET": "a-real-one-" * 4,
           "SAMBAND_OIDC__CLIENT_SECRET": "another-real-one", "SAMBAND_DATABASE_URL": "postgresql://db/samband"}
    words = refusal(monkeypatch, [{**IDPORTEN, "client_secret": DEV_SECRET}], **env)
    assert "client_secret of 'idporten' must be a real secret" in words
    settings = settings_from_env(monkeypatch, [IDPORTEN, HELSEID], **env)  # a public client has no secret
    assert len(settings.providers) == 2


def test_production_with_providers_needs_no_single_issuer(monkeypatch):
    env = {"SAMBAND_ENVIRONMENT": "production", "SAMBAND_SESSION_SECRET": "a-real-one-" * 4,
           "SAMBAND_OIDC__CLIENT_SECRET": "another-real-one", "SAMBAND_DATABASE_URL": "postgresql://db/samband"}
    assert not settings_from_env(monkeypatch, [IDPORTEN], **env).embedded_idp
    monkeypatch.delenv("SAMBAND_OIDC__PROVIDERS")
    with pytest.raises(ValidationError, match="SAMBAND_OIDC__ISSUER or SAMBAND_OIDC__PROVIDERS"):
        Settings()


def test_production_with_providers_needs_no_single_issuers_secret(monkeypatch):
    """SAMBAND_OIDC__CLIENT_SECRET belongs to the single issuer, unused once providers are
    listed: a deployment with providers must not be made to invent one."""
    env = {"SAMBAND_ENVIRONMENT": "production", "SAMBAND_SESSION_SECRET": "a-real-one-" * 4,
           "SAMBAND_DATABASE_URL": "postgresql://db/samband"}
    assert not settings_from_env(monkeypatch, [IDPORTEN], **env).embedded_idp
    monkeypatch.delenv("SAMBAND_OIDC__PROVIDERS")
    monkeypatch.setenv("SAMBAND_OIDC__ISSUER", "https://idp.example.org")
    with pytest.raises(ValidationError, match="SAMBAND_OIDC__CLIENT_SECRET must be set"):
        Settings()


def test_levels_are_ordered_and_a_missing_level_is_the_lowest():
    provider = ProviderConfig(**IDPORTEN)
    assert _enough(provider, "idporten-loa-high", "employee")
    assert not _enough(provider, "idporten-loa-substantial", "employee")
    assert _enough(provider, "idporten-loa-substantial", "nearest_manager")  # "*"
    assert not _enough(provider, None, "nearest_manager") and not _enough(provider, "Level4", "gp")
    no_default = ProviderConfig(**{**IDPORTEN, "assurance": {"levels": ["3", "4"], "minimum": {"gp": "4"}}})
    assert _enough(no_default, None, "employee")  # no minimum for the role: no check
    assert ProviderConfig(**HELSEID).assurance is None and _enough(ProviderConfig(**HELSEID), None, "gp")


def test_claim_values_are_compared_as_text():
    assert _text(4) == "4" and _text(" 12345678901 ") == "12345678901"
    assert _text(True) is None and _text(["4"]) is None and _text("") is None and _text(None) is None
    assurance = AssuranceConfig(claim="helseid://claims/identity/security_level", levels=["3", "4"], minimum={"*": "4"})
    assert assurance.rank(_text(4)) == 1 and assurance.needed("gp") == "4"
