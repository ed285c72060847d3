"""Issue 12 in Chromium: the employee is asked whether Lise Berg is his nearest manager
and Ingrid Solberg his GP; he confirms the GP and disputes the manager, who is then out
of his case — on a phone in bokmål and on a desk in English, axe-checked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

WORDS = {
    "nb": {"manager": "Er Lise Berg din nærmeste leder?", "gp": "Er Ingrid Solberg fastlegen din?",
           "yes": "Ja", "no": "Nei, det stemmer ikke", "disputed": "Lise Berg får ikke se saken din"},
    "en": {"manager": "Is Lise Berg your nearest manager?", "gp": "Is Ingrid Solberg your GP?",
           "yes": "Yes", "no": "No, that is not right", "disputed": "Lise Berg does not see your case"},
}


@pytest.mark.parametrize("phone", [True, False], ids=["phone-nb", "desk-en"])
def test_hansen_confirms_his_gp_and_disputes_his_manager(browsers, world, phone):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    lang = "nb" if phone else "en"
    w = WORDS[lang]
    assert world.person("lise").get(f"/cases/{case_id}").status_code == 200  # she takes part, before

    b = browsers("hansen", phone=phone)
    page = b.page
    page.wait_for_url(re.compile(r"/portal$"), timeout=60_000)
    if lang == "en":
        page.click("#lang-switch")
        page.wait_for_load_state("networkidle")
    section = page.locator("[data-testid=relations]")
    section.wait_for(timeout=60_000)
    manager = section.locator("[data-testid=relation-question]", has_text=w["manager"])
    gp = section.locator("[data-testid=relation-question]", has_text=w["gp"])
    assert manager.count() == 1 and gp.count() == 1
    assert b.axe() == []
    b.shot("asked")

    gp.get_by_role("button", name=w["yes"], exact=True).click()
    page.wait_for_selector("[data-testid=flash]", timeout=60_000)
    page.locator("[data-testid=relations] [data-testid=relation-question]", has_text=w["gp"]).wait_for(
        state="detached", timeout=60_000)
    b.shot("gp-confirmed")

    page.locator("[data-testid=relation-question]", has_text=w["manager"]).get_by_role(
        "button", name=w["no"]).click()
    flash = page.locator("[data-testid=flash]", has_text=w["disputed"])
    flash.wait_for(timeout=60_000)
    assert page.locator("[data-testid=relation-question]", has_text=w["manager"]).count() == 0
    assert b.axe() == []
    b.shot("manager-disputed")
    assert b.errors == []

    with world.engine.connect() as conn:
        answers = conn.execute(text(
            "SELECT r.kind, c.action FROM directory_change c JOIN relation r ON r.id = c.target_id "
            "WHERE c.by_actor_id = :h ORDER BY c.id"), {"h": d["hansen"]}).all()
    assert [tuple(a) for a in answers] == [("gp_of", "confirm"), ("nearest_manager_of", "dispute")]
    # Lise is out of the case at once.
    assert world.person("lise").get(f"/cases/{case_id}").status_code in (403, 404)
