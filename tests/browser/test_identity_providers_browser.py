"""Signing in to the portal through real, independent OpenID providers (issue 12), in
Chromium: Hansen through an ID-porten-like provider by his national id, Dr Solberg through
a HelseID-like one by her HPR number; too low an assurance level is refused with a page
in bokmål; logging out ends the session at samband and at the provider.

The providers (tests/oidc, npm oidc-provider) show their own sign-in form: account or
national id, password, and the sign-in method (MinID / BankID), as ID-porten does."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from directory.models import IdentityLink
from tests.browser.conftest import WAIT_MS, Browser
from tests.support.oidc_harness import PASSWORD
from tests.support.realm import HANSEN_PID, realm  # noqa: F401  (fixture)


def provider_sign_in(b: Browser, issuer: str, login: str, level: str) -> None:
    """On the provider's own page: fill in who and how, and submit."""
    b.page.wait_for_url(lambda url: url.startswith(issuer), timeout=WAIT_MS)
    b.page.wait_for_selector("#login")
    b.shot("provider-sign-in")
    b.page.fill("#login", login)
    b.page.fill("#password", PASSWORD)
    b.page.select_option("#level", level)
    b.page.click("#submit")


def back_at_samband(b: Browser, base_url: str) -> None:
    def landed(url: str) -> bool:
        parts = urlsplit(url)
        return url.startswith(base_url) and not parts.path.startswith(("/login", "/auth/"))

    b.page.wait_for_url(landed, timeout=WAIT_MS)
    b.page.wait_for_load_state("networkidle")


def links(realm, actor_id: str) -> list[IdentityLink]:
    with Session(realm.engine) as session:
        return list(session.exec(select(IdentityLink).where(IdentityLink.actor_id == actor_id)).all())


def me_status(b: Browser) -> int:
    return b.page.request.get("/me").status


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_hansen_signs_in_with_id_porten_by_national_id_and_logout_ends_both_sessions(chromium, realm, request, phone):
    b = Browser(chromium, realm.base_url, "hansen", request.node.name, phone=phone)
    try:
        hansen = realm.demo.actors["hansen"]
        assert links(realm, hansen) == []
        b.page.goto("/login?provider=idporten")
        provider_sign_in(b, realm.idporten.issuer, HANSEN_PID, "idporten-loa-high")
        back_at_samband(b, realm.base_url)
        b.shot("signed-in")
        assert "Per Hansen" in b.page.inner_text("body")
        assert b.axe() == []
        assert me_status(b) == 200
        # The first sign-in linked the provider's pairwise sub to him, by his national id.
        [link] = links(realm, hansen)
        assert link.issuer == realm.idporten.issuer and link.matched_by == "national_id"
        assert link.subject not in ("hansen", HANSEN_PID)

        # Signing in again while the provider still knows him: no form, straight back,
        # through the same link.
        b.page.goto("/login?provider=idporten")
        back_at_samband(b, realm.base_url)
        assert me_status(b) == 200
        [again] = links(realm, hansen)
        assert again.id == link.id and again.subject == link.subject

        b.sign_out()
        b.shot("signed-out")
        assert b.axe() == []
        assert me_status(b) == 401
        # The provider's session ended too: signing in now asks who he is again.
        b.page.goto("/login?provider=idporten")
        provider_sign_in(b, realm.idporten.issuer, HANSEN_PID, "idporten-loa-high")
        back_at_samband(b, realm.base_url)
        assert me_status(b) == 200
        assert [x.id for x in links(realm, hansen)] == [link.id]
        assert b.errors == []
    finally:
        b.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_dr_solberg_signs_in_with_helseid_by_hpr_number(chromium, realm, request, phone):
    b = Browser(chromium, realm.base_url, "solberg", request.node.name, phone=phone)
    try:
        b.page.goto("/login?provider=helseid")
        provider_sign_in(b, realm.helseid.issuer, "solberg", "4")
        back_at_samband(b, realm.base_url)
        b.shot("signed-in")
        assert "Ingrid Solberg" in b.page.inner_text("body")
        assert b.axe() == []
        [link] = links(realm, realm.demo.actors["solberg"])
        assert link.issuer == realm.helseid.issuer and link.matched_by == "hpr_number"
        assert b.errors == []
    finally:
        b.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_minid_is_not_enough_for_an_employee_and_bankid_then_is(chromium, realm, request, phone):
    b = Browser(chromium, realm.base_url, "hansen", request.node.name, phone=phone)
    try:
        hansen = realm.demo.actors["hansen"]
        b.page.goto("/login?provider=idporten")
        provider_sign_in(b, realm.idporten.issuer, HANSEN_PID, "idporten-loa-substantial")
        b.page.wait_for_url(lambda url: url.startswith(realm.base_url), timeout=WAIT_MS)
        b.page.wait_for_selector("[data-testid=sign-in-error]")
        b.shot("refused")
        # A page in bokmål that says why and what to do.
        assert b.page.locator("html").get_attribute("lang") == "nb"
        assert "høyere sikkerhetsnivå" in b.page.inner_text("h1")
        assert "BankID" in b.page.inner_text("[data-testid=sign-in-error]")
        assert b.axe() == []
        assert me_status(b) == 401
        assert links(realm, hansen) == []
        # Its button starts a sign-in at the level he needs.
        b.page.click("[data-testid=sign-in-higher]")
        provider_sign_in(b, realm.idporten.issuer, HANSEN_PID, "idporten-loa-high")
        back_at_samband(b, realm.base_url)
        b.shot("signed-in-with-bankid")
        assert me_status(b) == 200
        assert [link.matched_by for link in links(realm, hansen)] == ["national_id"]
        assert b.errors == []
    finally:
        b.close()


def test_the_refusal_is_in_english_for_an_english_reader(chromium, realm, request):
    b = Browser(chromium, realm.base_url, "hansen", request.node.name)
    try:
        # The language switch's cookie (the switch itself is tested in test_portal_pages).
        b.context.add_cookies([{"name": "samband_lang", "value": "en", "url": realm.base_url}])
        b.page.goto("/login?provider=idporten")
        provider_sign_in(b, realm.idporten.issuer, HANSEN_PID, "idporten-loa-substantial")
        b.page.wait_for_url(lambda url: url.startswith(realm.base_url), timeout=WAIT_MS)
        b.page.wait_for_selector("[data-testid=sign-in-error]")
        b.shot("refused-en")
        assert b.page.locator("html").get_attribute("lang") == "en"
        assert "higher security level" in b.page.inner_text("h1")
        assert b.axe() == []
    finally:
        b.close()
