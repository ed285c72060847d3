"""An epikrise travels as an encrypted attachment, in the portal: NAV has asked GP
Solberg (ftrl § 21-4); she answers and attaches a 20 MB PDF to the diagnosis part
(encrypted chunk by chunk in her browser); NAV adviser Eide downloads it in hers
(decrypted chunk by chunk into a Blob) and gets the same bytes; manager Lise, in the
same conversation with no basis for any of it, sees no attachment.  A Word file is
refused at the input before anything is sent.

Desk in bokmål with 20 MB, phone in English with a small file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.browser.test_nav_request_browser import LONG, _open, _sent
from web.demo import store_demo_key_backups

MB = 1024 * 1024


def _pdf(path: Path, size: int) -> Path:
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            step = min(left, MB)
            f.write(os.urandom(step))
            left -= step
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("phone", "lang", "size"), [(False, "nb", 20 * MB), (True, "en", 300_000)],
                         ids=["desk-nb-20MB", "phone-en"])
def test_a_gp_attaches_an_epikrise_for_nav_nav_downloads_it_the_manager_never_sees_it(browsers, world, clients, tmp_path,
                                                                               phone, lang, size):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    store_demo_key_backups(world.engine, world.settings.data_dir, "demo")
    nav = world.person("eide")
    nav.ok(nav.post("/consent/nav-requests", json={
        "subject_id": d["hansen"], "addressee_id": d["solberg"],
        "categories": ["functional_ability", "diagnosis"]}), 201)
    thread = clients("solberg").start_thread(case_id, [d["lise"], d["eide"]], topic="nav_request")["id"]
    url = f"/inbox/cases/{case_id}/threads/{thread}"
    epikrise = _pdf(tmp_path / "epikrise.pdf", size)
    (tmp_path / "notat.docx").write_bytes(b"PK\x03\x04 not a pdf")

    gp = _open(browsers, world, "solberg", phone=phone, lang=lang)
    gp.page.goto(f"{url}?kind=nav_request_answer#compose-section")
    gp.page.wait_for_selector("#compose[data-kind=nav_request_answer]", timeout=LONG)
    gp.page.fill("#f-functional_ability", "Kan jobbe 50 % med pauser.")
    gp.page.fill("#f-diagnosis", "L83 Nakkesyndrom")
    # A Word file is refused at its input, in plain words, and nothing goes to the server.
    gp.page.set_input_files("[data-testid=attach-diagnosis]", str(tmp_path / "notat.docx"))
    gp.page.click("#compose-send")
    gp.page.wait_for_function("() => document.querySelector('#compose-error').textContent !== ''", timeout=LONG)
    refused = gp.page.inner_text("#compose-error")
    assert "notat.docx" in refused and "PDF, PNG" in refused and "JPEG" in refused
    assert gp.page.get_attribute("[data-testid=attach-diagnosis]", "aria-invalid") == "true"
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM attachment")).scalar() == 0
    assert gp.axe() == []
    gp.shot("wrong-type-refused")

    gp.page.set_input_files("[data-testid=attach-diagnosis]", str(epikrise))
    gp.send_compose()
    _sent(gp)
    gp.shot("sent-with-attachment")
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT state, size FROM attachment")).all()
    assert [tuple(r) for r in rows] == [("linked", size)]

    eide = _open(browsers, world, "eide", phone=phone, lang=lang)
    eide.page.goto(url)
    button = eide.page.locator("[data-testid=attachment]")
    button.wait_for(timeout=LONG)
    assert "epikrise.pdf" in button.inner_text()
    assert eide.axe() == []
    eide.shot("attachment-listed")
    with eide.page.expect_download(timeout=LONG) as caught:
        button.click()
    saved = tmp_path / "downloaded.pdf"
    caught.value.save_as(saved)
    assert caught.value.suggested_filename == "epikrise.pdf"
    assert _sha(saved) == _sha(epikrise)
    eide.page.wait_for_function(
        "() => (document.querySelector('[data-testid=attachment-status]')?.textContent || '').includes('epikrise.pdf')",
        timeout=LONG)
    eide.shot("downloaded")
    assert eide.errors == [] and gp.errors == []

    # The manager sees that a message came, and nothing of it: no attachment.
    lise = _open(browsers, world, "lise", phone=phone, lang=lang)
    lise.page.goto(url)
    lise.page.wait_for_selector("[data-testid=message] [data-testid=no-sections]", timeout=LONG)
    assert lise.page.locator("[data-testid=attachment]").count() == 0
    lise.shot("no-attachment-for-the-manager")
