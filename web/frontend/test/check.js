// One envelope vector (tests/vectors/envelope/*.txt), read and checked the same way
// wherever JavaScript runs it: node's test runner (vectors.test.js) and Chromium
// (tests/browser/test_envelope_vectors_browser.py, which loads this file into a page).
// So it imports nothing: the envelope module is passed in, and SHA-256 comes from
// WebCrypto, which node and the browser both have.

/** The error class name for each `expect:` value. */
export const EXPECT = Object.freeze({
  "header failure": "MalformedEnvelope",
  "no match": "NoMatchingKey",
  "header auth failure": "HeaderAuthFailed",
  "payload failure": "PayloadAuthFailed",
});

const fromB64 = (text) => Uint8Array.from(atob(text.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
const fromB64url = (text) => fromB64(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const sha256Hex = async (bytes) => hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A vector file's text as {meta, data}; `payload` and `recipient` lines are lists. */
export function parseVector(text) {
  const at = text.indexOf("\n\n");
  const meta = { payload: [], recipient: [] };
  for (const line of text.slice(0, at).split("\n")) {
    const sep = line.indexOf(": ");
    const key = sep < 0 ? line : line.slice(0, sep);
    const value = sep < 0 ? "" : line.slice(sep + 2);
    if (key === "payload" || key === "recipient") meta[key].push(value);
    else meta[key] = value;
  }
  return { meta, data: fromB64(text.slice(at + 2)) };
}

function check(condition, what) {
  if (!condition) throw new Error(`vector check failed: ${what}`);
}

/**
 * Do what the vector says and check its payload: verify an envelope (it must re-serialize
 * to the same bytes) and open each listed recipient key's view of it, or open a view
 * with its identity.  Resolves when everything holds; rejects with the envelope error.
 */
export async function checkVector(E, meta, data) {
  const sender = fromB64url(meta.sender_public_key);
  if (meta.type === "envelope") {
    const env = E.verify(data, sender);
    check(same(E.serialize(env), data), "serialize(verify(data)) gives the same bytes");
    const opened = new Set();
    for (const line of meta.recipient) {
      const [recipientId, keyId, kem, identity] = line.split(" ");
      const view = E.viewFor(env, recipientId, keyId);
      const got = await E.openView(view, {
        encryptionPrivate: fromB64url(identity), kemId: parseInt(kem, 16), senderPublicKey: sender, recipientId, keyId,
      });
      for (const s of got.sections) {
        check((await sha256Hex(s.plaintext)) === meta.payload[s.sectionId], `payload of section ${s.sectionId}`);
        opened.add(s.sectionId);
      }
    }
    check(opened.size === meta.payload.length, "every section with a payload was opened");
    return;
  }
  const opened = await E.openView(data, { encryptionPrivate: fromB64url(meta.identity), senderPublicKey: sender });
  check(opened.kemId === parseInt(meta.kem, 16), "the view's KEM is the vector's");
  const got = [];
  for (const s of opened.sections) got.push(s.plaintext === null ? "withheld" : await sha256Hex(s.plaintext));
  check(JSON.stringify(got) === JSON.stringify(meta.payload), "payload");
}

/** "success", or the `expect:` value of the envelope error the vector raised. */
export async function outcome(E, meta, data) {
  try {
    await checkVector(E, meta, data);
    return "success";
  } catch (error) {
    // By class, not by name: a minified bundle renames classes.
    const expect = Object.keys(EXPECT).find((k) => error?.constructor === E[EXPECT[k]]);
    if (!(error instanceof E.EnvelopeError) || expect === undefined) throw error;
    return expect;
  }
}
