// Envelope v1 in JS beyond the vectors: seal → view → open round trips, consent by
// cryptography, errors, and caller-input checks (mirrors tests/unit/messaging/test_envelope.py).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { sha256 } from "@noble/hashes/sha2.js";

import { concat, equal, utf8 } from "../src/bytes.js";
import * as E from "../src/envelope.js";
import * as K from "../src/keys.js";

const id = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const SIGNING_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const SENDER_PUBLIC = K.ed25519PublicFromPrivate(SIGNING_KEY);
const HEADER = {
  messageId: id(1), caseId: id(2), threadId: id(3), senderId: id(4), senderKeyId: "sender-key",
  kind: "dialogue_meeting.v1", inReplyTo: null, createdAt: new Date("2026-01-05T08:00:00.250Z"),
};
const SECTIONS = [
  { category: "functional_ability", plaintext: utf8("four hours a day") },
  { category: "diagnosis", plaintext: utf8("Z00.0") },
];

class Key {
  constructor(n, kemId) {
    this.private = sha256(utf8(`test key ${n}`));
    this.recipientId = id(0x100 + n);
    this.keyId = `key-${n}`;
    this.kemId = kemId;
  }

  async init() {
    this.public = this.kemId === E.KEM_XWING ? await K.xwingPublicFromSeed(this.private) : K.x25519PublicFromPrivate(this.private);
    return this;
  }

  reads(...sectionIds) {
    return { recipientId: this.recipientId, keyId: this.keyId, kemId: this.kemId, publicKey: this.public, sectionIds };
  }

  open(env, withhold = []) {
    const view = E.viewFor(env, this.recipientId, this.keyId, { withhold });
    return E.openView(view, {
      encryptionPrivate: this.private, senderPublicKey: SENDER_PUBLIC, recipientId: this.recipientId, keyId: this.keyId,
    });
  }
}

const XWING = await new Key(1, E.KEM_XWING).init();
const XWING_2 = await new Key(2, E.KEM_XWING).init();
const X25519 = await new Key(3, E.KEM_X25519).init();

const seal = (recipients, sections = SECTIONS, header = HEADER) => E.seal({ header, sections, recipients, signingKey: SIGNING_KEY });
const text = (opened) => opened.sections.map((s) => (s.plaintext === null ? null : new TextDecoder().decode(s.plaintext)));

describe("seal and open", () => {
  for (const key of [XWING, X25519]) {
    test(`a recipient reads what was sealed for it (${key.kemId === E.KEM_XWING ? "X-Wing" : "X25519"})`, async () => {
      const data = await seal([key.reads(0, 1)]);
      const env = E.verify(data, SENDER_PUBLIC);
      const opened = await key.open(env);
      assert.deepEqual(text(opened), ["four hours a day", "Z00.0"]);
      assert.deepEqual(opened.sections.map((s) => s.category), ["functional_ability", "diagnosis"]);
      assert.deepEqual(opened.header, HEADER);
      assert.equal(opened.kemId, key.kemId);
    });
  }

  test("mixed recipients are sorted on the wire and each reads its own sections", async () => {
    const env = E.verify(await seal([X25519.reads(0), XWING.reads(0, 1)]), SENDER_PUBLIC);
    assert.deepEqual(env.recipients.map((r) => [r.kemId, r.wraps.map((w) => w.sectionId)]), [[E.KEM_XWING, [0, 1]], [E.KEM_X25519, [0]]]);
    assert.deepEqual(text(await XWING.open(env)), ["four hours a day", "Z00.0"]);
    assert.deepEqual((await X25519.open(env)).sections.map((s) => s.sectionId), [0]);
  });

  test("a recipient without a wrap never gets the section in its view", async () => {
    const env = E.parse(await seal([XWING.reads(0, 1), X25519.reads(0)]));
    const view = E.viewFor(env, X25519.recipientId, X25519.keyId);
    const hidden = env.sections[1].ciphertext;
    const asText = Buffer.from(view).toString("latin1");
    assert.equal(asText.includes(Buffer.from(hidden.subarray(0, 64)).toString("latin1")), false);
    assert.equal(asText.includes(Buffer.from(sha256(hidden)).toString("latin1")), false);
  });

  test("a withheld section is null and the view still verifies", async () => {
    const opened = await XWING.open(await seal([XWING.reads(0, 1)]), [1]);
    assert.deepEqual(text(opened), ["four hours a day", null]);
    const all = await XWING.open(await seal([XWING.reads(0, 1)]), [0, 1]);
    assert.deepEqual(text(all), [null, null]);
  });

  test("a view for another key is no match", async () => {
    const data = await seal([XWING.reads(0, 1), XWING_2.reads(0)]);
    const view = E.viewFor(data, XWING_2.recipientId, XWING_2.keyId);
    const base = { encryptionPrivate: XWING.private, senderPublicKey: SENDER_PUBLIC };
    await assert.rejects(E.openView(view, { ...base, recipientId: XWING.recipientId }), E.NoMatchingKey);
    await assert.rejects(E.openView(view, { ...base, keyId: XWING.keyId }), E.NoMatchingKey);
    await assert.rejects(E.openView(view, { ...base, kemId: E.KEM_X25519 }), E.NoMatchingKey);
    await assert.rejects(E.openView(view, base), E.NoMatchingKey); // the first wrap does not open
    assert.throws(() => E.viewFor(data, X25519.recipientId, X25519.keyId), E.NoMatchingKey);
  });

  test("another sender's key is a header auth failure; a changed byte anywhere is caught", async () => {
    const data = await seal([XWING.reads(0, 1)]);
    const other = K.ed25519PublicFromPrivate(new Uint8Array(32).fill(7));
    assert.throws(() => E.verify(data, other), E.HeaderAuthFailed);
    const view = E.viewFor(data, XWING.recipientId, XWING.keyId);
    await assert.rejects(E.openView(view, { encryptionPrivate: XWING.private, senderPublicKey: other }), E.HeaderAuthFailed);
    for (const at of [30, 200, data.length - 100, data.length - 1]) {
      const bad = data.slice();
      bad[at] ^= 1;
      assert.throws(() => E.verify(bad, SENDER_PUBLIC), E.EnvelopeError);
    }
    const badView = view.slice();
    badView[view.length - 10] ^= 1; // inside the last wrap
    await assert.rejects(E.openView(badView, { encryptionPrivate: XWING.private, senderPublicKey: SENDER_PUBLIC }), E.PayloadAuthFailed);
  });

  test("parse rejects trailing bytes and truncation; serialize(parse(x)) is x", async () => {
    const data = await seal([XWING.reads(0), X25519.reads(1)]);
    assert.ok(equal(E.serialize(E.parse(data)), data));
    assert.throws(() => E.parse(concat(data, new Uint8Array(1))), E.MalformedEnvelope);
    assert.throws(() => E.parse(data.subarray(0, data.length - 1)), E.MalformedEnvelope);
    assert.throws(() => E.parseView(data), E.MalformedEnvelope); // an envelope is not a view
    assert.throws(() => E.parse("not bytes"), E.MalformedEnvelope);
  });

  test("createdAt keeps milliseconds; a reply and upper-case ids round-trip", async () => {
    const header = { ...HEADER, inReplyTo: id(9).toUpperCase(), messageId: `{${id(77).toUpperCase()}}`, createdAt: 1767600000250.9 };
    const env = E.parse(await seal([X25519.reads(0, 1)], SECTIONS, header));
    assert.equal(env.header.inReplyTo, id(9));
    assert.equal(env.header.messageId, id(77));
    assert.equal(env.header.createdAt.getTime(), 1767600000250);
    assert.deepEqual(text(await X25519.open(env)), ["four hours a day", "Z00.0"]);
  });

  test("sizes follow docs/envelope.md: an X-Wing wrap costs 1173 bytes, an X25519 wrap 85", async () => {
    const one = await seal([XWING.reads(0)], SECTIONS.slice(0, 1));
    const two = await seal([XWING.reads(0), XWING_2.reads(0)], SECTIONS.slice(0, 1));
    const x = await seal([XWING.reads(0), { ...X25519.reads(0), keyId: "key-1" }], SECTIONS.slice(0, 1));
    const entry = (k) => 16 + 1 + k.length + 2 + 1 + 64;
    assert.equal(two.length - one.length, entry("key-2") + 1173);
    assert.equal(x.length - one.length, entry("key-1") + 85);
    const expected = 23 + (16 * 4 + 1 + 10 + 1 + 19 + 16 + 8) + 1 + (1 + 1 + 18 + 4 + 48 + 16) + 2 + entry("key-1") + 1173 + 64;
    assert.equal(one.length, expected);
  });

  test("fixed content keys give the same section ciphertexts (the deterministic seam)", async () => {
    const contentKeys = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const a = E.parse(await E.seal({ header: HEADER, sections: SECTIONS, recipients: [X25519.reads(0, 1)], signingKey: SIGNING_KEY, contentKeys }));
    const b = E.parse(await E.seal({ header: HEADER, sections: SECTIONS, recipients: [X25519.reads(0, 1)], signingKey: SIGNING_KEY, contentKeys }));
    assert.deepEqual(a.sections, b.sections);
    assert.notDeepEqual(a.recipients[0].wraps, b.recipients[0].wraps); // HPKE stays randomized
  });

  test("keys sliced out of a larger buffer work (the @hpke importKey pitfall)", async () => {
    const big = new Uint8Array(4000);
    big.set(XWING.public, 100);
    const publicKey = big.subarray(100, 100 + 1216);
    const seedBuffer = new Uint8Array(64);
    seedBuffer.set(XWING.private, 16);
    const data = await seal([{ ...XWING.reads(0, 1), publicKey }]);
    const view = E.viewFor(data, XWING.recipientId, XWING.keyId);
    const opened = await E.openView(view, { encryptionPrivate: seedBuffer.subarray(16, 48), senderPublicKey: SENDER_PUBLIC });
    assert.deepEqual(text(opened), ["four hours a day", "Z00.0"]);
  });

  const BAD = [
    ["section 1 readable by nobody", () => [[X25519.reads(0)], SECTIONS]],
    ["the same key twice", () => [[X25519.reads(0, 1), X25519.reads(0)], SECTIONS]],
    ["no section 2", () => [[X25519.reads(0, 2)], SECTIONS]],
    ["a key that reads nothing", () => [[X25519.reads()], SECTIONS]],
    ["a category with a space", () => [[X25519.reads(0)], [{ category: "has space", plaintext: new Uint8Array() }]]],
    ["no sections", () => [[X25519.reads(0)], []]],
    ["an unknown KEM", () => [[{ ...X25519.reads(0), kemId: 0x0041 }], SECTIONS.slice(0, 1)]],
    ["an X-Wing key of 32 bytes", () => [[{ ...X25519.reads(0), kemId: E.KEM_XWING }], SECTIONS.slice(0, 1)]],
    ["33 sections", () => [[X25519.reads(0)], Array(33).fill(SECTIONS[0])]],
  ];
  for (const [name, make] of BAD) {
    test(`seal rejects unrepresentable input: ${name}`, async () => {
      const [recipients, sections] = make();
      await assert.rejects(seal(recipients, sections), (e) => e instanceof RangeError || e instanceof TypeError);
    });
  }

  test("seal rejects nil ids, a nil reply id and out-of-range times", async () => {
    const nil = "00000000-0000-0000-0000-000000000000";
    for (const header of [{ ...HEADER, messageId: nil }, { ...HEADER, inReplyTo: nil }, { ...HEADER, createdAt: -1 },
      { ...HEADER, createdAt: E.MAX_CREATED_AT + 1 }, { ...HEADER, createdAt: "2026-01-05T08:00:00" }, { ...HEADER, caseId: "case-1" }]) {
      await assert.rejects(seal([X25519.reads(0, 1)], SECTIONS, header), (e) => e instanceof RangeError || e instanceof TypeError);
    }
    await assert.rejects(E.seal({ header: HEADER, sections: SECTIONS, recipients: [X25519.reads(0, 1)], signingKey: new Uint8Array(31) }), RangeError);
  });

  test("errors carry one fixed message each", () => {
    assert.equal(new E.MalformedEnvelope().message, "malformed envelope");
    assert.equal(new E.NoMatchingKey().message, "no matching key");
    assert.equal(new E.HeaderAuthFailed().message, "signature verification failed");
    assert.equal(new E.PayloadAuthFailed().message, "payload authentication failed");
    assert.ok(new E.PayloadAuthFailed() instanceof E.EnvelopeError);
  });
});
