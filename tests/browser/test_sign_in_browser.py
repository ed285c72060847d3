"""Signing in with a real browser, by keyboard only."""

from __future__ import annotations


def test_sign_in_page_is_accessible_and_works_by_keyboard(browsers):
    b = browsers("hansen", sign_in=False)
    b.page.goto("/login")
    b.page.wait_for_selector("#username")
    assert b.axe() == []
    b.shot("idp-login")
    b.page.keyboard.press("Tab")  # skip to the first field whatever the focus order
    b.page.locator("#username").focus()
    b.page.keyboard.type("hansen")
    b.page.keyboard.press("Tab")
    b.page.keyboard.type("wrong")
    b.page.keyboard.press("Enter")
    b.page.wait_for_selector("[role=alert]")
    assert "Wrong username or password" in b.page.inner_text("[role=alert]")
    b.shot("idp-wrong-password")
    b.page.locator("#password").fill("demo")
    with b.page.expect_navigation(url=lambda url: "/idp/" not in url):
        b.page.keyboard.press("Enter")
    b.page.wait_for_load_state("networkidle")
    b.shot("signed-in")
    assert b.errors == []
