// Passphrase backups: round trips, wrong passphrases, malformed input (the Python side
// and both directions are in tests/unit/messaging/test_backup.py).

import assert from "node:assert/strict";
import { test } from "node:test";

import * as B from "../src/backup.js";

const IDENTITY = {
  encryptionSeed: new Uint8Array(32).fill(1),
  signingKey: new Uint8Array(32).fill(2),
  x25519Private: new Uint8Array(32).fill(3),
};

test("scrypt backup: the right passphrase opens it, a wrong one is WrongPassphrase and loses nothing", async () => {
  const backup = await B.wrap(IDENTITY, "korrekt hest batteri stift");
  assert.deepEqual(Object.keys(backup), ["v", "kdf", "params", "salt", "nonce", "ciphertext"]);
  assert.deepEqual([backup.v, backup.kdf, backup.params], [1, "scrypt", { n: 131072, r: 8, p: 1 }]);
  const before = structuredClone(backup);
  await assert.rejects(B.unwrap(backup, "korrekt hest batteri stiff"), B.WrongPassphrase);
  assert.deepEqual(backup, before);
  assert.deepEqual(await B.unwrap(JSON.stringify(backup), "korrekt hest batteri stift"), IDENTITY);
});

test("PBKDF2 backups, at least 600 000 iterations; fresh salt and nonce each time", async () => {
  const a = await B.wrap(IDENTITY, "pass", { kdf: "pbkdf2-sha256" });
  const b = await B.wrap({ encryptionSeed: IDENTITY.encryptionSeed, signingKey: IDENTITY.signingKey }, "pass", { kdf: "pbkdf2-sha256" });
  assert.deepEqual(a.params, { iterations: 600000 });
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.nonce, b.nonce);
  assert.deepEqual(await B.unwrap(a, "pass"), IDENTITY);
  assert.equal((await B.unwrap(b, "pass")).x25519Private, undefined);
  await assert.rejects(B.wrap(IDENTITY, "pass", { kdf: "pbkdf2-sha256", params: { iterations: 100000 } }), RangeError);
});

test("passphrases are NFC-normalised: composed and decomposed spellings open the same backup", async () => {
  const backup = await B.wrap(IDENTITY, "bl\u00e5b\u00e6r", { kdf: "pbkdf2-sha256" });
  assert.deepEqual(await B.unwrap(backup, "bla\u030ab\u00e6r"), IDENTITY);
  await assert.rejects(B.wrap(IDENTITY, ""), TypeError);
});

test("tampering is indistinguishable from a wrong passphrase; malformed input is MalformedBackup", async () => {
  const backup = await B.wrap(IDENTITY, "pass", { kdf: "pbkdf2-sha256" });
  const flipped = backup.ciphertext[5] === "A" ? "B" : "A";
  const tampered = { ...backup, ciphertext: backup.ciphertext.slice(0, 5) + flipped + backup.ciphertext.slice(6) };
  await assert.rejects(B.unwrap(tampered, "pass"), B.WrongPassphrase);
  for (const bad of [
    "not json", null, [], { ...backup, v: 2 }, { ...backup, kdf: "argon2id" }, { ...backup, params: { iterations: 10 } },
    { ...backup, kdf: "scrypt", params: { n: 2 ** 21, r: 8, p: 1 } }, { ...backup, kdf: "scrypt", params: { n: 1000, r: 8, p: 1 } },
    { ...backup, nonce: "AAAA" }, { ...backup, salt: "***" }, { ...backup, ciphertext: undefined },
  ]) {
    await assert.rejects(B.unwrap(bad, "pass"), B.MalformedBackup, JSON.stringify(bad)?.slice(0, 80));
  }
});
