// The private keys, kept in this browser (IndexedDB), never sent anywhere, never stored
// in the clear (docs/decisions/0012-sessions.md).
//
// Database "samband-keys" (version 2), per actor:
// - "wrapping-keys": {actorId, key}: a non-extractable AES-GCM-256 CryptoKey made here.
//   Scripts on samband's pages can use it but nobody can read its bytes, so a copy of
//   the browser profile does not carry it off.
// - "identities": {actorId, iv, sealed, encryptionKeyId, signingKeyId, savedAt}: the
//   identity (Python's Identity.to_json form) sealed twice with AES-GCM: inside, under
//   the server's half of the lock (GET /me/key-lock, which answers only a live sign-in);
//   outside, under the wrapping key.  So the stored keys open only in this browser AND
//   while the person is signed in: signing out locks them without deleting anything.
//
// On a shared computer, signing out deletes both records (forgetIdentity); the person
// fetches the keys from the passphrase-locked backup next time.  A version-1 record
// (the identity in the clear) is sealed the first time it is read.

import { identityFromJson, identityToJson } from "/static/build/samband.js";

const DB_NAME = "samband-keys";
const DB_VERSION = 2;
const STORE = "identities";
const WRAPPING = "wrapping-keys";
const encoder = new TextEncoder();

function openDb() {
  return new Promise((resolve, reject) => {
    if (!("indexedDB" in globalThis)) {
      reject(new Error("IndexedDB is not available"));
      return;
    }
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "actorId" });
      if (!db.objectStoreNames.contains(WRAPPING)) db.createObjectStore(WRAPPING, { keyPath: "actorId" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run `work(stores)` in one transaction over `names`; resolves with what it returns
 * (an IDBRequest's result, or a plain value) once the transaction has completed. */
function run(names, mode, work) {
  return openDb().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(names, mode);
        const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
        const result = work(stores);
        tx.oncomplete = () => {
          db.close();
          resolve(result instanceof IDBRequest ? result.result : result);
        };
        tx.onerror = () => {
          db.close();
          reject(tx.error);
        };
        tx.onabort = () => {
          db.close();
          reject(tx.error);
        };
      }),
  );
}

function fromB64url(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

let serverLock = null;

/** The server's half of the lock, as a non-extractable key; only a live sign-in gets it. */
function serverLockKey() {
  serverLock ??= (async () => {
    const response = await fetch("/me/key-lock", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`the keys are locked (sign-in needed, ${response.status})`);
    const { key } = await response.json();
    return crypto.subtle.importKey("raw", fromB64url(key), "AES-GCM", false, ["encrypt", "decrypt"]);
  })();
  serverLock.catch(() => {
    serverLock = null;
  });
  return serverLock;
}

async function wrappingKey(actorId, { create }) {
  const found = await run([WRAPPING], "readonly", (s) => s[WRAPPING].get(actorId));
  if (found?.key) return found.key;
  if (!create) return null;
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  await run([WRAPPING], "readwrite", (s) => s[WRAPPING].put({ actorId, key }));
  return key;
}

function aad(actorId) {
  return encoder.encode(`samband-keys v2\u0000${actorId}`);
}

async function seal(actorId, identity) {
  const plain = encoder.encode(JSON.stringify(identityToJson(identity)));
  const innerIv = crypto.getRandomValues(new Uint8Array(12));
  const inner = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: innerIv, additionalData: aad(actorId) }, await serverLockKey(), plain),
  );
  plain.fill(0);
  const both = new Uint8Array(12 + inner.length);
  both.set(innerIv);
  both.set(inner, 12);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await wrappingKey(actorId, { create: true });
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(actorId) }, key, both);
  return { iv, sealed };
}

async function unseal(actorId, record) {
  const key = await wrappingKey(actorId, { create: false });
  if (!key) return null; // the wrapping key is gone: the record can never be opened
  const both = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv, additionalData: aad(actorId) }, key, record.sealed),
  );
  const plain = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: both.slice(0, 12), additionalData: aad(actorId) },
      await serverLockKey(),
      both.slice(12),
    ),
  );
  try {
    return identityFromJson(JSON.parse(new TextDecoder().decode(plain)));
  } finally {
    plain.fill(0);
  }
}

/** What is stored for `actorId` ({encryptionKeyId, signingKeyId, savedAt}; no key material) or null. */
export async function loadRecord(actorId) {
  if (!actorId) return null;
  const record = (await run([STORE], "readonly", (s) => s[STORE].get(actorId))) ?? null;
  if (!record) return null;
  const { encryptionKeyId, signingKeyId, savedAt } = record;
  return { actorId, encryptionKeyId, signingKeyId, savedAt };
}

/** The identity of `actorId` ({encryptionSeed, signingKey[, x25519Private]}) or null. */
export async function loadIdentity(actorId) {
  if (!actorId) return null;
  const record = await run([STORE], "readonly", (s) => s[STORE].get(actorId));
  if (!record) return null;
  if (record.identity) {
    // Version 1 kept the identity in the clear: seal it now.
    let identity;
    try {
      identity = identityFromJson(record.identity);
    } catch {
      return null;
    }
    try {
      await saveIdentity(actorId, identity, record);
    } catch {
      // not signed in (no lock half): sealed at the next visit
    }
    return identity;
  }
  try {
    return await unseal(actorId, record);
  } catch {
    return null;
  }
}

export async function saveIdentity(actorId, identity, { encryptionKeyId, signingKeyId }) {
  const { iv, sealed } = await seal(actorId, identity);
  const record = { actorId, iv, sealed, encryptionKeyId, signingKeyId, savedAt: new Date().toISOString() };
  await run([STORE], "readwrite", (s) => s[STORE].put(record));
  return { actorId, encryptionKeyId, signingKeyId, savedAt: record.savedAt };
}

/** Delete `actorId`'s sealed keys and the wrapping key that opens them. */
export async function forgetIdentity(actorId) {
  if (!actorId) return;
  await run([STORE, WRAPPING], "readwrite", (s) => {
    s[STORE].delete(actorId);
    s[WRAPPING].delete(actorId);
  });
}

/** Signing out on a computer of one's own: the keys stay, sealed; forget the lock's
 * server half held by this page, so nothing here opens them until the next sign-in. */
export function lockIdentity() {
  serverLock = null;
}
