"""Keys made in the browser at first sign-in, and the same person on a second device."""

from __future__ import annotations

import re

from tests.browser.conftest import WAIT_MS


def test_first_sign_in_makes_keys_and_a_second_device_restores_them(browsers, chromium, world):
    from tests.browser.conftest import Browser

    lie = browsers("lie")  # the locum has no keys yet
    page = lie.page
    page.goto("/keys")
    page.wait_for_selector("#keys-setup-form:visible")
    assert lie.axe() == []
    lie.shot("setup")
    page.fill("#setup-passphrase", "vikar-i-juli-2026")
    page.fill("#setup-passphrase-again", "vikar-i-juli-2026")
    page.click("#keys-setup-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    lie.shot("ready")

    api = world.person("lie")
    me = api.ok(api.get("/directory/me"))
    assert me["can_receive_messages"] is True
    keys = api.ok(api.get(f"/directory/actors/{me['id']}/keys"))
    assert sorted(k["algorithm"] for k in keys) == ["Ed25519", "X-Wing"]
    backup = api.ok(api.get("/directory/me/key-backup"))
    assert "vikar" not in str(backup)  # the server holds only the wrapped form

    second = Browser(chromium, world.base_url, "lie-phone", "test_first_sign_in_second_device", phone=True)
    try:
        second.sign_in("lie")
        second.page.goto("/keys")
        second.page.wait_for_selector("#keys-restore-form:visible")
        second.page.fill("#restore-passphrase", "feil")
        second.page.click("#keys-restore-submit")
        second.page.wait_for_selector("#keys-error:not(:empty)", timeout=WAIT_MS)
        assert re.search("passordfrase", second.page.inner_text("#keys-error"), re.I)
        second.shot("wrong-passphrase")
        second.page.fill("#restore-passphrase", "vikar-i-juli-2026")
        second.page.click("#keys-restore-submit")
        second.page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
        second.shot("restored")
        # Nothing was lost or replaced: still the same two keys.
        assert sorted(k["key_id"] for k in api.ok(api.get(f"/directory/actors/{me['id']}/keys"))) == sorted(
            k["key_id"] for k in keys)
    finally:
        second.close()
