"""Signing out of a browser takes the keys with it (issue 10; docs/decisions/0012-sessions.md).

The locum GP (Jonas Lie, no keys yet) makes keys in the portal.  The test then reads
everything in the browser profile's IndexedDB (every database, every store, every
record, byte arrays as hex) and looks for his private keys in every form they could
take: the seeds as the keys page holds them (base64url), their raw bytes (hex), a JWK
``d``, or a sealed (wrapped) key record.
"""

from __future__ import annotations

import base64
import json

from tests.browser.conftest import WAIT_MS

PASSPHRASE = "vikar-i-juli-2026"

DUMP_INDEXEDDB = """async () => {
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const enc = (v) => {
    if (v instanceof CryptoKey) return { cryptoKey: true, extractable: v.extractable, algorithm: v.algorithm.name };
    if (v instanceof ArrayBuffer) return { hex: hex(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) return { hex: hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  const out = {};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(info.name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    out[info.name] = {};
    for (const name of db.objectStoreNames) {
      out[info.name][name] = await new Promise((resolve, reject) => {
        const request = db.transaction(name).objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result.map(enc));
        request.onerror = () => reject(request.error);
      });
    }
    db.close();
  }
  return out;
}"""

# The identity as the page's own key store opens it (only a signed-in page can).
OPEN_KEYS = """async () => {
  const store = await import("/static/js/keystore.js");
  const bundle = await import("/static/build/samband.js");
  const identity = await store.loadIdentity(document.body.dataset.me);
  return identity ? bundle.identityToJson(identity) : null;
}"""

TRY_KEYS_OF = """async (actorId) => {
  const store = await import("/static/js/keystore.js");
  return (await store.loadIdentity(actorId)) !== null;
}"""


def _forms_of(seeds: dict[str, str]) -> list[str]:
    """Every private seed as base64url (how the keys page holds them) and as hex (raw bytes)."""
    forms = []
    for value in seeds.values():
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        forms += [value, raw.hex(), base64.b64encode(raw).decode().rstrip("=")]
    return forms


def _keys_in(dump: dict) -> set[str]:
    found: set[str] = set()

    def walk(v):
        if isinstance(v, dict):
            found.update(v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(dump)
    return found


def _make_keys(b) -> dict[str, str]:
    page = b.page
    page.goto("/keys")
    page.wait_for_selector("#keys-setup-form:visible")
    page.fill("#setup-passphrase", PASSPHRASE)
    page.fill("#setup-passphrase-again", PASSPHRASE)
    page.click("#keys-setup-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    seeds = page.evaluate(OPEN_KEYS)
    assert seeds and set(seeds) >= {"encryption_seed", "signing_key"}
    return seeds


def _assert_sealed_at_rest(dump: dict, actor_id: str, seeds: dict[str, str]) -> None:
    text = json.dumps(dump)
    assert not [form for form in _forms_of(seeds) if form in text], "a private key is readable in IndexedDB"
    assert not _keys_in(dump) & {"d", "identity", "encryption_seed", "signing_key", "x25519_private"}
    (record,) = [r for r in dump["samband-keys"]["identities"] if r["actorId"] == actor_id]
    assert set(record) >= {"iv", "sealed"} and "hex" in record["sealed"]
    (wrapping,) = [r for r in dump["samband-keys"]["wrapping-keys"] if r["actorId"] == actor_id]
    assert wrapping["key"] == {"cryptoKey": True, "extractable": False, "algorithm": "AES-GCM"}


def test_on_a_shared_computer_sign_out_leaves_no_private_key_in_the_browser(browsers, world):
    lie = browsers("lie", sign_in=False)
    page = lie.page
    page.goto("/")
    page.wait_for_selector("#login-shared")
    assert lie.axe() == []
    lie.shot("landing-shared-choice")
    lie.sign_in("lie", shared=True)
    actor_id = world.demo.actors["lie"]
    seeds = _make_keys(lie)
    page.wait_for_selector("[data-testid=keys-shared]")
    assert lie.axe() == []
    lie.shot("keys-on-a-shared-computer")
    _assert_sealed_at_rest(page.evaluate(DUMP_INDEXEDDB), actor_id, seeds)

    lie.sign_out()
    page.wait_for_selector("body:not([data-forget-keys])")
    assert page.locator("#login-shared").is_checked()  # this browser said so last time
    lie.shot("signed-out")
    dump = page.evaluate(DUMP_INDEXEDDB)
    text = json.dumps(dump)
    assert not [form for form in _forms_of(seeds) if form in text]
    assert not _keys_in(dump) & {"d", "identity", "iv", "sealed", "encryption_seed", "signing_key"}
    assert actor_id not in text  # neither his sealed keys nor his wrapping key are left
    assert all(not records for db in dump.values() for records in db.values()), dump

    # The next "Logg inn" asks at the identity provider instead of signing him straight back in.
    page.click("#landing-login")
    page.wait_for_selector("input[name=password]")
    assert "/idp/authorize" in page.url
    lie.shot("idp-asks-again")
    # Signed in again, he fetches his keys from the backup with his passphrase.
    lie.sign_in("lie", shared=True)
    page.goto("/keys")
    page.wait_for_selector("#keys-restore-form:visible")
    page.fill("#restore-passphrase", PASSPHRASE)
    page.click("#keys-restore-submit")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    assert page.evaluate(OPEN_KEYS) == seeds
    assert lie.errors == []


def test_on_ones_own_computer_sign_out_keeps_the_keys_sealed_and_locked(browsers, world):
    lie = browsers("lie", phone=True, sign_in=False)  # on his phone, in English
    lie.context.add_cookies([{"name": "samband_lang", "value": "en", "url": world.base_url}])
    lie.sign_in("lie")
    actor_id = world.demo.actors["lie"]
    seeds = _make_keys(lie)
    page = lie.page
    assert page.locator("[data-testid=keys-shared]").count() == 0
    assert page.locator("#logout-everywhere").inner_text() == "Sign out on all devices"
    assert lie.axe() == []
    lie.shot("keys")
    _assert_sealed_at_rest(page.evaluate(DUMP_INDEXEDDB), actor_id, seeds)

    lie.sign_out()
    assert "You are signed out" in page.inner_text("[data-testid=flash]")
    assert page.locator("#login-shared").is_checked() is False
    lie.shot("signed-out")
    # Still there, still sealed, and without a live sign-in they do not open.
    _assert_sealed_at_rest(page.evaluate(DUMP_INDEXEDDB), actor_id, seeds)
    assert page.evaluate(TRY_KEYS_OF, actor_id) is False

    # Signed in again on his own computer: the keys open without the passphrase.
    lie.sign_in("lie")
    page.goto("/keys")
    page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)
    assert page.evaluate(OPEN_KEYS) == seeds
    assert lie.errors == []
