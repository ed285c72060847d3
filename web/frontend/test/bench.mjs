#!/usr/bin/env node
// Timings of the browser code under node (sequential, ms per operation, median of runs):
//   node web/frontend/test/bench.mjs
import { randomBytes } from "../src/bytes.js";
import * as B from "../src/backup.js";
import * as E from "../src/envelope.js";
import * as K from "../src/keys.js";

const id = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

async function time(name, runs, fn) {
  await fn(); // warm up
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${ms[Math.floor(ms.length / 2)].toFixed(2).padStart(9)} ms  (n=${runs})`);
}

const sender = await K.generateIdentity();
const people = await Promise.all([1, 2, 3].map(() => K.generateIdentity({ x25519: true })));
const pubs = await Promise.all(people.map((p) => K.publicKeys(p)));
const header = { messageId: id(1), caseId: id(2), threadId: id(3), senderId: id(4), senderKeyId: "sender-key", kind: "note", inReplyTo: null, createdAt: new Date() };
const sections = [{ category: "functional_ability", plaintext: randomBytes(1024) }];
const xwing = pubs.map((p, i) => ({ recipientId: id(0x100 + i), keyId: p.encryptionKeyId, kemId: E.KEM_XWING, publicKey: p.encryptionPublic, sectionIds: [0] }));
const x25519 = pubs.map((p, i) => ({ recipientId: id(0x100 + i), keyId: p.x25519KeyId, kemId: E.KEM_X25519, publicKey: p.x25519Public, sectionIds: [0] }));
const senderPublic = K.ed25519PublicFromPrivate(sender.signingKey);

await time("keygen: generateIdentity (X-Wing seed + Ed25519)", 20, () => K.generateIdentity());
await time("keys: publicKeys (X-Wing public from seed, Ed25519, X25519)", 20, () => K.publicKeys(people[0]));
const sealX = () => E.seal({ header, sections, recipients: xwing, signingKey: sender.signingKey });
const sealC = () => E.seal({ header, sections, recipients: x25519, signingKey: sender.signingKey });
await time("seal: 1 KiB, 1 section, 3 X-Wing recipients", 20, sealX);
await time("seal: 1 KiB, 1 section, 3 X25519 recipients", 20, sealC);
const envX = await sealX();
const envC = await sealC();
await time("verify: 3-recipient envelope (4 Ed25519 verifications)", 20, () => E.verify(envX, senderPublic));
const viewX = E.viewFor(envX, xwing[0].recipientId, xwing[0].keyId);
const viewC = E.viewFor(envC, x25519[0].recipientId, x25519[0].keyId);
await time("openView: X-Wing, 1 KiB section", 20, () => E.openView(viewX, { encryptionPrivate: people[0].encryptionSeed, senderPublicKey: senderPublic }));
await time("openView: X25519, 1 KiB section", 20, () => E.openView(viewC, { encryptionPrivate: people[0].x25519Private, senderPublicKey: senderPublic }));
const bs = await B.wrap(people[0], "passphrase");
const bp = await B.wrap(people[0], "passphrase", { kdf: "pbkdf2-sha256" });
await time("backup wrap: scrypt N=2^17 r=8 p=1", 3, () => B.wrap(people[0], "passphrase"));
await time("backup unwrap: scrypt N=2^17 r=8 p=1", 3, () => B.unwrap(bs, "passphrase"));
await time("backup wrap: PBKDF2-SHA256 600k (WebCrypto)", 3, () => B.wrap(people[0], "passphrase", { kdf: "pbkdf2-sha256" }));
await time("backup unwrap: PBKDF2-SHA256 600k (WebCrypto)", 3, () => B.unwrap(bp, "passphrase"));
console.log(`envelope bytes: X-Wing ${envX.length}, X25519 ${envC.length}; view bytes: X-Wing ${viewX.length}, X25519 ${viewC.length}`);
