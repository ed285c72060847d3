"""Hansen's browser checks his own disclosure log (issue 10, log v2), in Chromium.

He opens his log and sees it checked in his browser, with its size and time and the
detail folded away.  Then someone with access to the database tampers with it, and at
his next visit the same browser (which kept the head it verified) shows him plainly
that his log was changed or cut:

- an entry altered in the database (its recipient changed);
- an entry removed;
- the tail cut, with the newest heads removed and the tree put back to the shorter
  size, so that the server's own log is consistent again; only the head his browser
  kept (and a witness's) shows the cut.  ``samband witness`` run before and after
  reports the cut (exit 2).

Phone and desk, bokmål and English, axe-checked and photographed at each step.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from consent import logformat, merkle
from tests.support.log_scene import cut_log_tail, log_exchange
from tests.support.server import running_server

WAIT = 60_000  # a loaded 2-core machine
TOKEN = "witness-token-for-the-log-check-test"
SAMBAND = Path(sys.executable).with_name("samband")


@pytest.fixture
def server(tmp_path):
    """The live server, with the witness API on."""
    with running_server(tmp_path, witness_token=TOKEN) as live:
        yield live


def _visit(b, lang: str = "nb") -> str:
    """Open the log page and wait for the browser's check to end; its state."""
    page = b.page
    page.goto("/portal/log")
    done = page.locator("[data-testid=log-check][data-state=ok], [data-testid=log-check][data-state=broken], "
                        "[data-testid=log-check][data-state=unavailable]")
    done.wait_for(timeout=WAIT)
    return page.get_attribute("[data-testid=log-check]", "data-state")


def _size(world) -> int:
    with world.engine.connect() as db:
        return db.execute(text("SELECT size FROM disclosure_log_tree WHERE subject_id = :s"),
                          {"s": world.demo.actors["hansen"]}).scalar_one()


def _verified(b, lang: str, size: int) -> None:
    page = b.page
    status = page.inner_text("[data-testid=log-check-status]")
    expected = {"nb": f"Loggen er kontrollert i nettleseren din: {size} hendelser, sist signert",
                "en": f"The log has been checked in your browser: {size} events, last signed"}[lang]
    assert expected in status, status
    assert page.locator("[data-testid=log-broken]").is_hidden()
    detail = page.locator("[data-testid=log-check-detail]")
    assert detail.is_visible() and detail.get_attribute("open") is None  # folded away
    assert page.locator("#log-check-lines").is_hidden()


def _broken(b, lang: str, reason: str) -> None:
    page = b.page
    assert page.get_attribute("[data-testid=log-check]", "data-reason") == reason
    warning = page.locator("[data-testid=log-broken]")
    assert warning.is_visible()
    title = {"nb": "Loggen din er endret eller avkortet", "en": "Your log has been changed or cut"}[lang]
    contact = {"nb": "personvernombudet", "en": "data protection officer"}[lang]
    assert title in warning.inner_text() and contact in warning.inner_text()
    assert page.inner_text("[data-testid=log-broken-reason]").strip()
    assert page.locator("#log-broken-lines").is_hidden()  # the technical detail is folded away
    # The page does not say it was checked.
    assert "kontrollert i nettleseren" not in page.inner_text("[data-testid=log-check]")


def _first_visit(world, clients, browsers, phone: bool):
    log_exchange(world, clients)
    b = browsers("hansen", phone=phone)
    b.page.wait_for_url("**/portal", timeout=WAIT)
    assert _visit(b) == "ok"
    _verified(b, "nb", _size(world))
    assert b.axe() == [], "verified"
    b.shot("verified")
    return b


def _switch_language(b) -> None:
    with b.page.expect_navigation(timeout=WAIT):
        b.page.click("#lang-switch")


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_hansen_sees_his_log_checked_and_an_altered_entry_as_broken(browsers, world, clients, phone):
    b = _first_visit(world, clients, browsers, phone)
    page = b.page
    page.click("[data-testid=log-check-detail] summary")
    page.locator("#log-check-lines").wait_for(state="visible", timeout=WAIT)
    assert "Første kontroll i denne nettleseren" in page.inner_text("#log-check-lines")
    assert b.axe() == [], "detail unfolded"
    b.shot("verified-detail")
    # The next visit, with nothing changed, proves the log only grew.
    world.grant_from_hansen(world.demo.actors["vold"])
    assert _visit(b) == "ok"
    _verified(b, "nb", _size(world))
    page.click("[data-testid=log-check-detail] summary")
    assert "Loggen bygger på den denne nettleseren kontrollerte sist" in page.inner_text("#log-check-lines")
    _switch_language(b)
    assert _visit(b, "en") == "ok"
    _verified(b, "en", _size(world))
    assert b.axe() == [], "verified in English"
    b.shot("verified-en")

    # Someone changes who learnt something, in the database.
    hansen, vold = world.demo.actors["hansen"], world.demo.actors["vold"]
    with world.engine.begin() as db:
        changed = db.execute(text(
            "UPDATE disclosure_log SET recipient_id = :vold WHERE subject_id = :s AND leaf_index = "
            "(SELECT MIN(leaf_index) FROM disclosure_log WHERE subject_id = :s AND recipient_id IS NOT NULL "
            "AND recipient_id != :vold)"), {"vold": vold, "s": hansen}).rowcount
    assert changed == 1
    assert _visit(b, "en") == "broken"
    _broken(b, "en", "entry")
    assert b.axe() == [], "altered, English"
    b.shot("altered-en")
    _switch_language(b)
    assert _visit(b) == "broken"
    _broken(b, "nb", "entry")
    page.click("[data-testid=log-broken] details summary")
    assert "does not lead to the signed root" in page.inner_text("#log-broken-lines")
    assert b.axe() == [], "altered"
    b.shot("altered")
    assert b.errors == []


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_an_entry_removed_from_hansens_log_is_shown_to_him(browsers, world, clients, phone):
    b = _first_visit(world, clients, browsers, phone)
    hansen = world.demo.actors["hansen"]
    size = _size(world)
    with world.engine.begin() as db:
        removed = db.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s AND leaf_index = :i"),
                             {"s": hansen, "i": size // 2}).rowcount
    assert removed == 1
    assert _visit(b) == "broken"
    _broken(b, "nb", "gap")
    assert b.axe() == [], "removed"
    b.shot("removed")
    assert b.errors == []


def _witness(server, tmp_path, key: str) -> subprocess.CompletedProcess:
    key_file = tmp_path / "log-public-key.txt"
    key_file.write_text(key)
    return subprocess.run(
        [str(SAMBAND), "witness", "--url", server.base_url, "--public-key", str(key_file), "--state", str(tmp_path / "witness.json"),
         "--token", TOKEN], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_hansens_log_cut_at_the_tail_is_shown_to_him_and_the_witness_reports_it(
        browsers, world, clients, server, tmp_path, phone):
    b = _first_visit(world, clients, browsers, phone)
    key = b.page.evaluate("async () => (await (await fetch('/consent/log?limit=1')).json()).public_key.ed25519")
    first = _witness(server, tmp_path, key)
    assert first.returncode == 0, first.stdout + first.stderr
    size = _size(world)
    cut_log_tail(world.engine, world.demo.actors["hansen"], size - 3)
    assert _size(world) == size - 3

    assert _visit(b) == "broken"
    _broken(b, "nb", "cut")
    assert f"({size} hendelser)" in b.page.inner_text("[data-testid=log-broken-reason]")
    assert b.axe() == [], "cut"
    b.shot("cut")
    _switch_language(b)
    assert _visit(b, "en") == "broken"
    _broken(b, "en", "cut")
    b.shot("cut-en")
    # The browser keeps the head it verified: the warning stays at every visit.
    saved = b.page.evaluate("(id) => JSON.parse(localStorage.getItem('samband.log.v2:' + id)).head.tree_size",
                            logformat.log_id(world.demo.actors["hansen"]))
    assert saved == size

    second = _witness(server, tmp_path, key)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "CUT" in second.stdout + second.stderr
    assert logformat.log_id(world.demo.actors["hansen"]) in second.stdout + second.stderr
    assert b.errors == []


def test_a_page_of_his_log_is_checked_against_the_saved_head_after_it_grew(browsers, world, clients):
    """Cut, then grown again past the size his browser saw: the new head does not
    extend the saved one, and the browser says the log was rewritten."""
    b = _first_visit(world, clients, browsers, False)
    size = _size(world)
    cut_log_tail(world.engine, world.demo.actors["hansen"], size - 2)
    while _size(world) < size + 1:
        world.grant_from_hansen(world.demo.actors["lise"])
    assert _visit(b) == "broken"
    _broken(b, "nb", "rewritten")
    b.shot("rewritten")
    assert b.errors == []


def test_a_head_with_a_bad_signature_is_shown_to_him(browsers, world, clients):
    """The newest head's root swapped in the database (its signature no longer fits) is
    a broken log to him; so is a log signed with another key than the one his browser
    pinned at first sight (here: the pinned key is another one)."""
    b = _first_visit(world, clients, browsers, False)
    log = logformat.log_id(world.demo.actors["hansen"])
    size = _size(world)
    with world.engine.begin() as db:
        db.execute(text("UPDATE disclosure_log_tree_head SET root_hash = :r WHERE log_id = :l AND tree_size = :n"),
                   {"r": merkle.leaf_hash(b"another root").hex(), "l": log, "n": size})
    assert _visit(b) == "broken"
    _broken(b, "nb", "signature")
    assert b.axe() == [], "bad signature"
    b.shot("bad-signature")
    with world.engine.begin() as db:  # the head put back: checked again, it holds
        db.execute(text("DELETE FROM disclosure_log_tree_head WHERE log_id = :l AND tree_size = :n"), {"l": log, "n": size})
    assert _visit(b) == "ok"
    b.page.evaluate("""(id) => {
      const record = JSON.parse(localStorage.getItem('samband.log.v2:' + id));
      record.key = { key_id: 'another', ed25519: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
      localStorage.setItem('samband.log.v2:' + id, JSON.stringify(record));
    }""", log)
    assert _visit(b) == "broken"
    _broken(b, "nb", "key")
    assert b.errors == []
