// Identity keys: the same bytes as messaging/keys.py and directory.service.key_id_for
// (known answers computed with the Python implementation).

import assert from "node:assert/strict";
import { test } from "node:test";

import { sha256 } from "@noble/hashes/sha2.js";

import { fromB64url, toHex } from "../src/bytes.js";
import * as K from "../src/keys.js";

const RANGE = Uint8Array.from({ length: 32 }, (_, i) => i);

test("X-Wing public key of a seed equals Python's xwing_public_bytes", async () => {
  const seed = fromB64url("ufVkl0BS7tklfkvlrFzaMnyfUGKvTVnI9wfl5Yjjvdc"); // the vectors' recipient seed
  const pk = await K.xwingPublicFromSeed(seed);
  assert.equal(pk.length, 1216);
  assert.equal(toHex(sha256(pk)), "017f1c44cb79d5c4324931ddbd0705ea26842a6060b882661f92ded129008df1");
  assert.equal(K.keyIdFor(pk), "AX8cRMt51cQySTHdvQcF6g");
});

test("X25519 and Ed25519 public keys and key ids equal Python's", () => {
  assert.equal(toHex(K.x25519PublicFromPrivate(RANGE)), "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f");
  assert.equal(toHex(K.ed25519PublicFromPrivate(RANGE)), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  assert.equal(K.keyIdFor(RANGE), "Yw3NKWbEM2aRElRIu7JbTw");
  assert.match(K.keyIdFor(new Uint8Array(1216)), /^[A-Za-z0-9_-]{22}$/);
});

test("generateIdentity makes 32-byte keys whose public halves derive", async () => {
  const identity = await K.generateIdentity({ x25519: true });
  assert.deepEqual([identity.encryptionSeed.length, identity.signingKey.length, identity.x25519Private.length], [32, 32, 32]);
  const pub = await K.publicKeys(identity);
  assert.equal(pub.encryptionPublic.length, 1216);
  assert.equal(pub.signingPublic.length, 32);
  assert.equal(pub.x25519Public.length, 32);
  assert.equal(pub.encryptionKeyId, K.keyIdFor(pub.encryptionPublic));
  assert.deepEqual(await K.xwingPublicFromSeed(identity.encryptionSeed), pub.encryptionPublic);
  const plain = await K.generateIdentity();
  assert.equal(plain.x25519Private, undefined);
  assert.notDeepEqual(plain.encryptionSeed, identity.encryptionSeed);
  assert.equal(K.privateKeyFor(identity, 0x647a), identity.encryptionSeed);
  assert.equal(K.privateKeyFor(identity, 0x0020), identity.x25519Private);
  assert.equal(K.privateKeyFor(plain, 0x0020), null);
});

test("identity JSON is Python's Identity.to_json", async () => {
  const identity = { encryptionSeed: RANGE, signingKey: RANGE.map((b) => 255 - b) };
  const json = K.identityToJson(identity);
  assert.deepEqual(Object.keys(json), ["encryption_seed", "signing_key"]);
  assert.equal(json.encryption_seed, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  assert.deepEqual(K.identityFromJson(json), identity);
  assert.throws(() => K.identityFromJson({ ...json, signing_key: "AAEC" }), RangeError);
  assert.throws(() => K.identityFromJson({ ...json, encryption_seed: "not base64!" }), RangeError);
});

test("base64url is canonical and unpadded", () => {
  assert.equal(K.b64url(new Uint8Array([0xfb, 0xff])), "-_8");
  assert.deepEqual(K.fromB64url("-_8"), new Uint8Array([0xfb, 0xff]));
  assert.deepEqual(K.fromB64url("-_8="), new Uint8Array([0xfb, 0xff]));
  assert.throws(() => K.fromB64url("-_9"), RangeError); // non-zero trailing bits
  assert.throws(() => K.fromB64url("+/8"), RangeError); // standard alphabet
  assert.throws(() => K.fromB64url("A"), RangeError);
});
