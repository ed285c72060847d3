// The private keys, kept in this browser (IndexedDB), never sent anywhere.
//
// One record per signed-in actor: {actorId, identity (Python's Identity.to_json form:
// unpadded base64url seeds), encryptionKeyId, signingKeyId, savedAt}.  IndexedDB is
// per origin, so only samband's pages can read it; the strict CSP keeps foreign
// scripts off those pages.  The server holds only a passphrase-wrapped backup.

import { identityFromJson, identityToJson } from "/static/build/samband.js";

const DB_NAME = "samband-keys";
const STORE = "identities";

function openDb() {
  return new Promise((resolve, reject) => {
    if (!("indexedDB" in globalThis)) {
      reject(new Error("IndexedDB is not available"));
      return;
    }
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE, { keyPath: "actorId" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run(mode, work) {
  return openDb().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(result.result);
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

/** The stored record of `actorId` ({identity, encryptionKeyId, signingKeyId, ...}) or null. */
export async function loadRecord(actorId) {
  if (!actorId) return null;
  return (await run("readonly", (store) => store.get(actorId))) ?? null;
}

/** The identity of `actorId` ({encryptionSeed, signingKey[, x25519Private]}) or null. */
export async function loadIdentity(actorId) {
  const record = await loadRecord(actorId);
  if (!record) return null;
  try {
    return identityFromJson(record.identity);
  } catch {
    return null;
  }
}

export async function saveIdentity(actorId, identity, { encryptionKeyId, signingKeyId }) {
  const record = { actorId, identity: identityToJson(identity), encryptionKeyId, signingKeyId, savedAt: new Date().toISOString() };
  await run("readwrite", (store) => store.put(record));
  return record;
}

export async function forgetIdentity(actorId) {
  await run("readwrite", (store) => store.delete(actorId));
}
