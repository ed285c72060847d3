"""Hansen reads his disclosure log in Chromium (issue 9, item 5): one line per message
per recipient, a stopped attempt explained calmly, the chained entries unfolded on
request, and a filter by person that works as a plain form.  Phone and desk, bokmål and
English, axe-checked and photographed at each step."""

from __future__ import annotations

import pytest

from tests.support.log_scene import log_exchange

WAIT = 60_000  # a loaded 2-core machine


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_hansen_reads_filters_and_unfolds_his_log(browsers, world, clients, phone):
    log_exchange(world, clients)
    d = world.demo.actors
    b = browsers("hansen", phone=phone)
    page = b.page
    page.wait_for_url("**/portal", timeout=WAIT)  # signed in and landed, before going elsewhere
    words = {
        "nb": ("leste «Vurdering av funksjonsevne»", "Det ble stoppet, og ingenting ble delt.", "fikk lov å kryptere",
               "Viser hendelser med Heidi Vold."),
        "en": ("read «Functional assessment»", "It was stopped, and nothing was shared.", "was allowed to encrypt",
               "Showing events with Heidi Vold."),
    }
    for lang in ("nb", "en"):
        read, stopped, machine, showing = words[lang]
        page.goto("/portal/log")
        message = page.locator("[data-testid=log-line][data-kind=message]")
        message.wait_for(timeout=WAIT)
        assert message.count() == 1
        assert read in message.inner_text()
        assert stopped in page.locator("[data-testid=log-line][data-kind=stopped]").inner_text()
        # The chained entries are there, folded: hidden until asked for.
        technical = message.locator("[data-testid=log-entry]")
        assert technical.count() >= 4 and not technical.first.is_visible()
        assert b.axe() == [], f"{lang} log"
        b.shot(f"{lang}-log")

        message.locator("[data-testid=log-technical] summary").click()
        technical.first.wait_for(state="visible", timeout=WAIT)
        assert machine in message.locator("[data-testid=log-technical]").inner_text()
        assert b.axe() == [], f"{lang} unfolded"
        b.shot(f"{lang}-log-unfolded")

        # The filter is a plain GET form: choose a person, press the button.
        page.select_option("#log-person", value=d["vold"])
        page.click("#log-filter-submit")
        page.wait_for_url(f"**/portal/log?person={d['vold']}", timeout=WAIT)
        page.locator("#log-filter-showing").wait_for(timeout=WAIT)
        assert showing in page.inner_text("#log-filter-showing")
        assert page.locator("[data-testid=log-line][data-kind=message]").count() == 0
        assert page.locator("[data-testid=log-line][data-kind=stopped]").count() == 1
        assert b.axe() == [], f"{lang} filtered"
        b.shot(f"{lang}-log-filtered")
        if lang == "nb":
            with page.expect_navigation(timeout=WAIT):
                page.click("#lang-switch")
    assert b.errors == []
