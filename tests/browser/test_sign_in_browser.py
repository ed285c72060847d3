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
    b.page.wait_for_load_state("networkidle")
    assert b.page.locator("[role=alert]").count() == 1
    b.shot("idp-wrong-password")
    b.page.locator("#password").fill("demo")
    b.page.keyboard.press("Enter")
    b.page.wait_for_load_state("networkidle")
    assert "/idp/" not in b.page.url
    b.shot("signed-in")
    assert b.errors == []
