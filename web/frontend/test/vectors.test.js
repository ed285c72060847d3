// The browser implementation passes the envelope test vectors: every file in
// tests/vectors/envelope/, run exactly as tests/unit/messaging/test_envelope.py runs it
// (check.js; Chromium runs the same file in tests/browser/test_envelope_vectors_browser.py).

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { equal } from "../src/bytes.js";
import * as E from "../src/envelope.js";
import { checkVector } from "./check.js";
import { loadVectors } from "./helpers.js";

const EXPECT = {
  "header failure": E.MalformedEnvelope,
  "no match": E.NoMatchingKey,
  "header auth failure": E.HeaderAuthFailed,
  "payload failure": E.PayloadAuthFailed,
};
const MESSAGES = {
  "header failure": "malformed envelope",
  "no match": "no matching key",
  "header auth failure": "signature verification failed",
  "payload failure": "payload authentication failed",
};

const VECTORS = loadVectors();

describe("envelope vectors", () => {
  test("the vector directory covers each outcome", () => {
    assert.ok(VECTORS.length >= 55, `only ${VECTORS.length} vectors`);
    assert.deepEqual(new Set(VECTORS.map((v) => v.meta.expect)), new Set(["success", ...Object.keys(EXPECT)]));
  });

  for (const { name, meta, data } of VECTORS) {
    test(`outcome matches expect: ${name}`, async () => {
      if (meta.expect === "success") {
        await checkVector(E, meta, data);
        return;
      }
      const Expected = EXPECT[meta.expect];
      assert.ok(Expected, `unknown expect ${meta.expect}`);
      await assert.rejects(checkVector(E, meta, data), (err) => {
        assert.ok(err instanceof E.EnvelopeError, `${name}: ${err}`);
        assert.equal(err.constructor, Expected, `${name}: got ${err.name}`);
        assert.equal(err.message, MESSAGES[meta.expect]);
        return true;
      });
    });
  }

  const roundTrip = VECTORS.filter(
    (v) => v.meta.type === "envelope" && ["success", "header auth failure", "payload failure"].includes(v.meta.expect),
  );
  for (const { name, data } of roundTrip) {
    test(`parse → serialize round-trips byte for byte: ${name}`, () => {
      assert.ok(equal(E.serialize(E.parse(data)), data));
    });
  }

  test("every non-malformed envelope vector is in the round-trip set", () => {
    const nonMalformed = VECTORS.filter((v) => v.meta.type === "envelope" && v.meta.expect !== "header failure");
    assert.deepEqual(roundTrip.map((v) => v.name), nonMalformed.map((v) => v.name));
    assert.ok(roundTrip.length >= 4);
  });

  test("a view parses without keys: header and KEM for choosing a key", () => {
    const v = VECTORS.find((x) => x.name === "view_x25519_success.txt");
    const peek = E.parseView(v.data);
    assert.equal(peek.kemId, E.KEM_X25519);
    assert.equal(peek.header.kind, "dialogue_meeting.v1");
    assert.equal(peek.header.createdAt.toISOString(), "2026-03-02T09:30:15.123Z");
    assert.equal(peek.header.inReplyTo, null);
  });
});
