"""Issue 11, the coordinator in Chromium: Maria Eide (NAV) hands Tore's coordination over
to his physiotherapist, with his agreement; the new coordinator's overview lists his
case with what is due and who has not answered; Tore sees who his coordinator is and
says he agrees — on a phone and on a desk, in bokmål, axe-checked."""

from __future__ import annotations

import re

import pytest


def _open(browsers, username: str, *, phone: bool):
    b = browsers(username, phone=phone)
    b.page.wait_for_url(re.compile(r"/(portal|inbox)$"), timeout=60_000)
    return b


@pytest.mark.parametrize("phone", [True, False], ids=["phone-nb", "desk-nb"])
def test_eide_hands_over_tores_coordination_and_the_new_coordinator_sees_what_is_due(browsers, world, clients, phone):
    d, case_id = world.demo.actors, world.demo.cases["tore"]
    # Something for the overview's "has not answered": NAV asks Tore's GP.
    nav = clients("eide")
    thread = nav.start_thread(case_id, [d["solberg"]], topic="nav_request")["id"]
    nav.send(case_id, thread, "nav_request", {"question": "Hvordan går opptreningen?",
                                             "requested_categories": ["functional_ability"], "answer_within_days": 14})

    # Eide, on her inbox: Tore's case says she coordinates it; she hands over to Anne Lund.
    eide = _open(browsers, "eide", phone=phone)
    page = eide.page
    card = page.locator(f"[data-testid=case][data-case-id='{case_id}']")
    card.wait_for()
    assert "Maria Eide" in card.locator("[data-testid=current-coordinator]").inner_text()
    card.locator(f"#coord-form-{case_id}-box summary").click()
    form = card.locator("[data-testid=coordinator-form]")
    form.locator("select[name=actor_id]").select_option(d["lund"])
    form.locator(f"#coord-agreed-{case_id}-yes").check()
    assert eide.axe() == []
    eide.shot("hand-over-form")
    form.locator("[data-testid=coordinator-submit]").click()
    page.wait_for_selector("[data-testid=flash]")
    assert "Anne Lund har tatt over koordineringen" in page.locator("[data-testid=flash]").first.inner_text()
    card = page.locator(f"[data-testid=case][data-case-id='{case_id}']")
    now = card.locator("[data-testid=current-coordinator]").inner_text()
    assert "Anne Lund" in now and "enig" in now
    assert eide.axe() == []
    eide.shot("handed-over")
    # Eide no longer coordinates: her overview does not list Tore's case.
    page.click("#nav-coordinator")
    page.locator("h1").wait_for()
    assert page.locator(f"[data-testid=coordinated-case][data-case-id='{case_id}']").count() == 0

    # Anne Lund's overview: Tore's case, what is due, and that the GP has not answered NAV.
    lund = _open(browsers, "lund", phone=phone)
    lund.page.click("#nav-coordinator")
    mine = lund.page.locator(f"[data-testid=coordinated-case][data-case-id='{case_id}']")
    mine.wait_for()
    assert "Tore Hauge" in mine.locator("h2").inner_text()
    codes = [li.get_attribute("data-code") for li in mine.locator("[data-testid=coord-milestone]").all()]
    assert "follow_up_plan" in codes  # six weeks in and no plan: overdue
    assert mine.locator("[data-testid=coord-milestone][data-code=follow_up_plan]").get_attribute("data-status") == "overdue"
    waiting = mine.locator("[data-testid=waiting][data-what=nav_request]").inner_text()
    assert "Ingrid Solberg har ikke svart på NAVs forespørsel" in waiting
    assert lund.axe() == []
    lund.shot("overview")

    # Tore sees who his coordinator is, and says he agrees.
    tore = _open(browsers, "tore", phone=phone)
    mine = tore.page.locator("[data-testid=my-coordinator]")
    mine.wait_for()
    assert "Anne Lund er koordinatoren din" in mine.locator("[data-testid=coordinator-name]").inner_text()
    assert mine.locator("[data-testid=coordinator-view]").get_attribute("data-view") == "agreed"
    assert tore.axe() == []
    tore.shot("my-coordinator")
    mine.locator(f"#coord-agree-{case_id}").check()
    mine.locator("[data-testid=coordinator-view-submit]").click()
    tore.page.wait_for_selector("[data-testid=flash]")
    assert "enig" in tore.page.locator("[data-testid=flash]").first.inner_text()
    assert "Maria Eide" in tore.page.locator("[data-testid=my-coordinator] [data-testid=coordinator-history-line]").last.text_content()
    assert tore.axe() == []
    tore.shot("agreed")
    log = world.person("tore").ok(world.person("tore").get("/consent/log"))["entries"]
    assert {"case:coordinator:handed-over", "case:coordinator:employee-view"} <= {e["tag"] for e in log}
    for b in (eide, lund, tore):
        assert b.errors == []
