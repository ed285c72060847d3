"""axe-core finds no serious or critical violation on any page, in both languages, on a
phone and on a desk; and the employee's grant form can be used from the keyboard alone."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_no_serious_accessibility_violations_anywhere(browsers, world, phone):
    anonymous = browsers("visitor", phone=phone, sign_in=False)
    anonymous.page.goto("/")
    assert anonymous.axe() == [], "landing"
    anonymous.shot("landing")

    pages = {
        "hansen": ["/portal", "/portal/log", "/keys"],
        "solberg": ["/inbox", "/inbox/search?q=psykolog", "/keys"],
        "eide": ["/inbox", "/inbox/search?q=solberg", "/inbox/coordinator"],
    }
    for username, paths in pages.items():
        b = browsers(username, phone=phone)
        for lang in ("nb", "en"):
            for path in paths:
                b.page.goto(path)
                b.page.wait_for_load_state("networkidle")
                assert b.axe() == [], f"{username} {lang} {path}"
                b.shot(f"{lang}-{path.strip('/').replace('/', '-').replace('?', '-')}")
            if lang == "nb":
                b.page.click("#lang-switch")
                b.page.wait_for_load_state("networkidle")
        b.page.goto(f"/inbox/cases/{world.demo.cases['tore']}/threads/none")
        assert b.axe() == [], f"{username} error page"
        assert b.errors == []


def test_grant_form_by_keyboard_alone(browsers, world):
    b = browsers("hansen")
    page = b.page
    page.goto("/portal")
    page.focus("#grant-recipient")
    page.keyboard.press("ArrowDown")  # first person in the list
    page.keyboard.press("Tab")
    for _ in range(12):  # to the first category checkbox, whatever lies between
        if page.evaluate("document.activeElement.id").startswith("cat-"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.focus("#grant-purpose")
    page.keyboard.press("ArrowDown")
    page.focus("#weeks-4")
    page.keyboard.press("Space")
    page.focus("#grant-submit")
    page.keyboard.press("Enter")
    page.locator("[data-testid=grant-row][data-status=active]").first.wait_for()
    grants = world.person("hansen").ok(world.person("hansen").get("/consent/grants"))
    assert len(grants) == 1 and grants[0]["status"] == "active"
