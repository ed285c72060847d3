"""The sign-in pages samband itself shows with several identity providers, in Chromium:
the provider choice, a refusal for too low an assurance level with its "sign in at a
higher level" button, and the role choice.  Phone and desk, bokmål and English, axe-clean.
The providers are the small loopback ones of tests/support/issuer.py (the certified
provider's stories are in the oidc-harness tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import Browser
from tests.integration.test_identity_providers import (
    HANSEN_NID,
    HIGH,
    LUND_NID,
    SUBSTANTIAL,
    World,
    _add,
    _provider_settings,
)
from tests.support.issuer import running_issuer
from tests.support.server import running_server

WORDS = {
    "nb": {"choose": "Velg hvordan du vil logge inn", "low": "på et for lavt sikkerhetsnivå",
           "idporten": "Logg inn med ID-porten", "role": "Velg rolle", "manager": "Fortsett som nærmeste leder"},
    "en": {"choose": "Choose how to sign in", "low": "at too low a security level",
           "idporten": "Sign in with ID-porten", "role": "Choose a role", "manager": "Continue as nearest manager"},
}


@pytest.fixture
def providers_world(tmp_path) -> Iterator[World]:
    with (running_issuer(pairwise=True) as idporten, running_issuer() as helseid, running_issuer() as nav):
        with running_server(tmp_path, oidc={"providers": _provider_settings(idporten, helseid, nav)}) as server:
            actors = {
                "hansen": _add(server, name="Per Hansen", role="employee", national_id=HANSEN_NID),
                "lund": _add(server, name="Anne Lund", role="employee", national_id=LUND_NID),
                "lund-manager": _add(server, name="Anne Lund", role="nearest_manager", national_id=LUND_NID),
            }
            yield World(server, idporten, helseid, nav, actors)


def _browser(chromium, world: World, request, name: str, lang: str, phone: bool) -> Browser:
    b = Browser(chromium, world.server.base_url, f"{name}-{lang}-{'phone' if phone else 'desk'}", request.node.name,
                phone=phone)
    b.context.add_cookies([{"name": "samband_lang", "value": lang, "url": world.server.base_url}])
    return b


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_too_low_level_is_refused_with_a_page_and_a_way_up(chromium, providers_world, request, lang, phone):
    world, words = providers_world, WORDS[lang]
    b = _browser(chromium, world, request, "hansen", lang, phone)
    try:
        b.page.goto("/login")
        b.page.get_by_role("heading", name=words["choose"]).wait_for()
        assert b.axe() == []
        b.shot("providers")
        world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=SUBSTANTIAL)
        b.page.get_by_role("link", name=words["idporten"]).click()
        b.page.locator("[data-testid=sign-in-error]").wait_for()
        assert words["low"] in b.page.inner_text("[data-testid=sign-in-error]")
        assert world.idporten.authorize_requests[-1]["ui_locales"] == lang
        assert b.axe() == []
        b.shot("too-low")
        world.idporten.sign_in_as("hansen", pid=HANSEN_NID, acr=HIGH)
        with b.page.expect_navigation(url=lambda url: url.endswith("/portal")):
            b.page.locator("[data-testid=sign-in-higher]").click()
        assert world.idporten.authorize_requests[-1]["acr_values"] == HIGH
        b.shot("signed-in")
    finally:
        b.close()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desk"])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_one_person_in_two_roles_chooses_one(chromium, providers_world, request, lang, phone):
    world, words = providers_world, WORDS[lang]
    b = _browser(chromium, world, request, "lund", lang, phone)
    try:
        world.idporten.sign_in_as("lund", pid=LUND_NID, acr=HIGH)
        b.page.goto("/login?provider=idporten")
        b.page.get_by_role("heading", name=words["role"]).wait_for()
        assert b.axe() == []
        b.shot("roles")
        with b.page.expect_navigation(url=lambda url: url.endswith("/inbox")):
            b.page.get_by_role("button", name=words["manager"]).click()
        b.shot("manager")
    finally:
        b.close()
