// /keys: make, restore or renew the private keys, in this browser.
//
// - First sign-in (nothing published): ask a passphrase twice, generate the identity
//   here, publish the public halves (POST /directory/me/keys ×2), keep the private keys
//   in IndexedDB, upload a passphrase-wrapped backup (PUT /directory/me/key-backup).
// - Another device (published, none here): ask the passphrase, fetch the backup, unwrap
//   it here.  A wrong passphrase says so and changes nothing: try again.
// - No backup, or the passphrase is lost: revoke the old keys and make new ones.
//
// The bundle API used: generateIdentity, publicKeys, wrap, unwrap, WrongPassphrase, b64url.

import { b64url, generateIdentity, publicKeys, unwrap, WrongPassphrase, wrap } from "/static/build/samband.js";

import { api, apiJson, ApiError, me, s, say } from "./common.js";
import { loadIdentity, saveIdentity } from "./keystore.js";

const MIN_PASSPHRASE = 10;
const page = document.getElementById("page");
const encryptionIds = (page.dataset.encryptionKeyIds || "").split(",").filter(Boolean);
const signingIds = (page.dataset.signingKeyIds || "").split(",").filter(Boolean);
const hasBackup = page.dataset.hasBackup === "true";
const sections = ["keys-ready", "keys-setup", "keys-restore", "keys-reset"];

/** Show one step.  Focus moves only after the person did something, not on arrival. */
function show(id, status = "", { focus = true } = {}) {
  for (const name of sections) document.getElementById(name).hidden = name !== id;
  say("keys-status", status);
  if (!focus) return;
  const first = id === "keys-ready" ? document.getElementById("keys-continue") : document.querySelector(`#${id} input`);
  first?.focus();
}

function fail(text) {
  say("keys-error", text, { error: true });
}

function busy(form, on) {
  for (const control of form.querySelectorAll("button, input")) control.disabled = on;
}

function checkNewPassphrase(form) {
  const one = form.elements.passphrase.value;
  const two = form.elements.passphrase_again.value;
  if (one.length < MIN_PASSPHRASE) return s("passphrase_short");
  if (one !== two) return s("passphrase_mismatch");
  return null;
}

async function publish(keys) {
  await api("POST", "/directory/me/keys", {
    json: { purpose: "encryption", algorithm: "X-Wing", public_key: b64url(keys.encryptionPublic) },
  });
  await api("POST", "/directory/me/keys", {
    json: { purpose: "signing", algorithm: "Ed25519", public_key: b64url(keys.signingPublic) },
  });
}

/** Generate, publish, store, back up.  The keys are stored before the backup goes up,
 * so a failed upload loses nothing. */
async function makeKeys(passphrase) {
  const identity = await generateIdentity();
  const keys = await publicKeys(identity);
  const backup = await wrap(identity, passphrase);
  await publish(keys);
  await saveIdentity(me(), identity, keys);
  try {
    await api("PUT", "/directory/me/key-backup", { json: backup });
  } catch (error) {
    return s("backup_failed", { message: error.message });
  }
  return null;
}

/** Make new keys from the passphrase in ``form``; ``before`` runs first (a reset revokes the old keys). */
function newKeysHandler(before = async () => {}) {
  return async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    say("keys-error", "");
    const problem = checkNewPassphrase(form);
    if (problem) {
      fail(problem);
      form.elements.passphrase.focus();
      return;
    }
    busy(form, true);
    say("keys-status", s("working_keys"));
    try {
      await before();
      const warning = await makeKeys(form.elements.passphrase.value);
      form.reset();
      show("keys-ready", warning ?? s("keys_saved"));
      if (warning) fail(warning);
    } catch (error) {
      say("keys-status", "");
      fail(s("error", { message: error.message }));
    } finally {
      busy(form, false);
    }
  };
}

const onSetup = newKeysHandler();

async function onRestore(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const field = form.elements.passphrase;
  say("keys-error", "");
  if (!field.value) {
    fail(s("wrong_passphrase"));
    field.focus();
    return;
  }
  busy(form, true);
  say("keys-status", s("working_unlock"));
  try {
    const { backup } = await apiJson("GET", "/directory/me/key-backup");
    const identity = await unwrap(backup, field.value);
    const keys = await publicKeys(identity);
    if (!encryptionIds.includes(keys.encryptionKeyId)) {
      say("keys-status", "");
      fail(s("backup_mismatch"));
      show("keys-reset");
      return;
    }
    await saveIdentity(me(), identity, keys);
    form.reset();
    show("keys-ready", s("keys_restored"));
  } catch (error) {
    say("keys-status", "");
    if (error instanceof WrongPassphrase || error?.name === "WrongPassphrase") {
      // Nothing is lost: the backup is untouched; the person simply tries again.
      fail(s("wrong_passphrase"));
      field.value = "";
      busy(form, false);
      field.focus();
      return;
    }
    if (error instanceof ApiError && error.status === 404) {
      fail(s("no_backup"));
      show("keys-reset");
      return;
    }
    fail(s("error", { message: error.message }));
  } finally {
    busy(form, false);
  }
}

// Forgotten passphrase: the old keys (and what was sealed to them) are given up.
const onReset = newKeysHandler(async () => {
  for (const keyId of [...encryptionIds, ...signingIds]) {
    await api("POST", `/directory/me/keys/${encodeURIComponent(keyId)}/revoke`);
  }
});

async function start() {
  if (!("indexedDB" in globalThis) || !globalThis.crypto?.subtle) {
    say("keys-status", "");
    fail(s("no_crypto"));
    return;
  }
  document.getElementById("keys-setup-form").addEventListener("submit", onSetup);
  document.getElementById("keys-restore-form").addEventListener("submit", onRestore);
  document.getElementById("keys-reset-form").addEventListener("submit", onReset);
  document.getElementById("keys-forgot").addEventListener("click", () => show("keys-reset"));
  let local = null;
  try {
    local = await loadIdentity(me());
  } catch {
    local = null;
  }
  if (local) {
    const keys = await publicKeys(local);
    if (encryptionIds.includes(keys.encryptionKeyId)) {
      show("keys-ready", "", { focus: false });
      return;
    }
  }
  const quiet = { focus: false };
  if (encryptionIds.length === 0) show("keys-setup", "", quiet);
  else if (hasBackup) show("keys-restore", local ? s("keys_published_elsewhere") : s("no_keys"), quiet);
  else show("keys-reset", s("no_backup"), quiet);
}

start().catch((error) => fail(s("error", { message: error.message })));
