// The samband envelope, version 1, in the browser: byte-exact with docs/envelope.md and
// with the Python package messaging/envelope/ (the vectors in tests/vectors/envelope/
// test both).
//
// Verbs, bytes in and bytes out:
//   - the sender: `seal` (async);
//   - anyone: `parse` / `serialize` (structure only, no key), `verify` (every signature);
//   - the server's delivery step, for tests and tools: `viewFor`;
//   - the recipient: `parseView` (peek at the header and KEM to choose a key) and
//     `openView` (async).
//
// Untrusted input fails with exactly one of MalformedEnvelope, NoMatchingKey,
// HeaderAuthFailed, PayloadAuthFailed (all EnvelopeError, each with one fixed message, the
// same as Python's).  Bad *caller* input (an invalid UUID, a category with a space, a key
// of the wrong length) is a RangeError or TypeError, as Python raises ValueError.
//
// Values: ids are lower-case hyphenated UUID strings, `createdAt` a Date (whole
// milliseconds), every byte string a Uint8Array.  Nothing returned shares a buffer with
// the input.

import { CipherSuite, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";
import { XWing } from "@hpke/hybridkem-x-wing";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { compareBytes, concat, constantTimeEqual, equal, randomBytes, toBytes, toHex, u16, u32, u64, u8, utf8 } from "./bytes.js";

// --- constants (docs/envelope.md "Labels", "Layout") ---------------------------------------

export const MAGIC = utf8("samband.no/envelope/v1\n");
export const VIEW_MAGIC = utf8("samband.no/envelope-view/v1\n");
const SECTION_KEYS_LABEL = utf8("samband.no/v1/section-keys\n");
const SECTION_AAD_LABEL = utf8("samband.no/v1/section\n");
const WRAP_INFO_LABEL = utf8("samband.no/v1/wrap\n");
const VIEW_SIGNATURE_LABEL = utf8("samband.no/v1/view-signature\n");
const ENVELOPE_SIGNATURE_LABEL = utf8("samband.no/v1/envelope-signature\n");

export const KEM_XWING = 0x647a;
export const KEM_X25519 = 0x0020;
export const MAX_SECTIONS = 32;
export const MAX_RECIPIENTS = 512;
const MIN_CIPHERTEXT = 32 + 16; // key commitment + Poly1305 tag
const MAX_CIPHERTEXT = 1 << 20;
export const MAX_PLAINTEXT = MAX_CIPHERTEXT - MIN_CIPHERTEXT;
export const MAX_CREATED_AT = 253402300799999; // 9999-12-31T23:59:59.999Z in ms
const SIGNATURE_BYTES = 64;
const ZERO_NONCE = new Uint8Array(12);
const NIL = new Uint8Array(16);
const STR8 = /^[A-Za-z0-9._-]{1,64}$/;

/** The two KEMs of v1: HPKE KEM id → enc length, public and private key lengths. */
export const KEMS = Object.freeze({
  [KEM_XWING]: Object.freeze({ kemId: KEM_XWING, name: "X-Wing", encLen: 1120, publicLen: 1216, privateLen: 32, wrapLen: 1168 }),
  [KEM_X25519]: Object.freeze({ kemId: KEM_X25519, name: "X25519", encLen: 32, publicLen: 32, privateLen: 32, wrapLen: 80 }),
});

// --- errors ---------------------------------------------------------------------------------

/** An envelope or view was rejected.  Each subclass has one fixed message: no oracle detail. */
export class EnvelopeError extends Error {
  static message = "invalid envelope";
  constructor() {
    super(new.target.message);
    this.name = new.target.name;
  }
}

/** Structure, length, non-canonical encoding, unknown KEM, ordering or trailing bytes. */
export class MalformedEnvelope extends EnvelopeError {
  static message = "malformed envelope";
}

/** The envelope or view is not for this recipient key. */
export class NoMatchingKey extends EnvelopeError {
  static message = "no matching key";
}

/** An Ed25519 signature (envelope or view) does not verify. */
export class HeaderAuthFailed extends EnvelopeError {
  static message = "signature verification failed";
}

/** A hash, HPKE, key-commitment or AEAD check failed. */
export class PayloadAuthFailed extends EnvelopeError {
  static message = "payload authentication failed";
}

// --- encoding (RangeError / TypeError on values that cannot be represented) --------------------

/** The 16 bytes of a UUID given as text (hyphens and braces optional, any case), as Python's uuid.UUID. */
export function uuidBytes(value, field = "id") {
  if (typeof value !== "string") throw new TypeError(`${field} must be a UUID string`);
  const hex = value.replace(/^urn:/i, "").replace(/^uuid:/i, "").replace(/^\{|\}$/g, "").replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`${field} is not a UUID: ${JSON.stringify(value).slice(0, 60)}`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The canonical text form (lower-case, hyphenated) of 16 UUID bytes. */
export function uuidText(bytes) {
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function id(value, field) {
  const raw = uuidBytes(value, field);
  if (equal(raw, NIL)) throw new RangeError(`${field} must not be the nil UUID`);
  return raw;
}

function replyId(value) {
  if (value === null || value === undefined) return NIL;
  const raw = uuidBytes(value, "inReplyTo");
  if (equal(raw, NIL)) throw new RangeError("inReplyTo: use null, not the nil UUID");
  return raw;
}

/** `len:u8 || ASCII` of a string of 1 to 64 characters of A-Z a-z 0-9 . _ - */
export function str8(value, field = "string") {
  if (typeof value !== "string" || !STR8.test(value)) {
    throw new RangeError(`${field} ${JSON.stringify(String(value)).slice(0, 80)} is not 1 to 64 characters of A-Z a-z 0-9 . _ -`);
  }
  return concat(u8(value.length), utf8(value));
}

function bytes32(value) {
  return concat(u32(value.length), value);
}

/** Milliseconds since the epoch of a Date, a number of ms, or an ISO 8601 string with a zone. */
export function toMillis(at) {
  let ms;
  if (at instanceof Date) ms = at.getTime();
  else if (typeof at === "number") ms = Math.floor(at);
  else if (typeof at === "string" && /(Z|[+-]\d\d:?\d\d)$/i.test(at)) ms = Date.parse(at);
  else throw new TypeError("createdAt must be a Date, a number of milliseconds, or an ISO 8601 time with a zone");
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_CREATED_AT) throw new RangeError("createdAt is out of range");
  return ms;
}

/** The `header` production: what the section aad and the view signature cover. */
export function headerBytes(h) {
  return concat(
    id(h.messageId, "messageId"), id(h.caseId, "caseId"), id(h.threadId, "threadId"), id(h.senderId, "senderId"),
    str8(h.senderKeyId, "senderKeyId"), str8(h.kind, "kind"), replyId(h.inReplyTo), u64(toMillis(h.createdAt)),
  );
}

/** Everything the envelope signature covers, written as given (no ordering checks). */
function unsignedBytes(env) {
  const out = [MAGIC, headerBytes(env.header), u8(env.sections.length)];
  for (const s of env.sections) out.push(u8(s.sectionId), str8(s.category, "category"), bytes32(s.ciphertext));
  out.push(u16(env.recipients.length));
  for (const r of env.recipients) {
    out.push(id(r.recipientId, "recipientId"), str8(r.keyId, "keyId"), u16(r.kemId), u8(r.wraps.length));
    for (const w of r.wraps) out.push(u8(w.sectionId), bytes32(w.wrap));
    out.push(r.viewSignature);
  }
  return concat(...out);
}

/** The envelope's bytes; `serialize(parse(data))` equals `data` for every valid `data`. */
export function serialize(env) {
  return concat(unsignedBytes(env), env.signature);
}

function signedItems(env, rec) {
  return rec.wraps.map((w) => {
    const s = env.sections[w.sectionId];
    return [w.sectionId, s.category, sha256(s.ciphertext), sha256(w.wrap)];
  });
}

function viewSignedInput(header, recipientId, keyId, kemId, items) {
  const out = [VIEW_SIGNATURE_LABEL, header, uuidBytes(recipientId), str8(keyId), u16(kemId)];
  for (const [sid, category, ctHash, wrapHash] of items) out.push(u8(sid), str8(category), ctHash, wrapHash);
  return concat(...out);
}

function getRecipient(env, recipientId, keyId) {
  const rid = uuidBytes(recipientId, "recipientId");
  return env.recipients.find((r) => equal(uuidBytes(r.recipientId), rid) && r.keyId === keyId) ?? null;
}

/**
 * What the server sends one recipient key (docs/envelope.md "Views").
 *
 * @param envelope a parsed envelope, or its bytes
 * @param {string} recipientId
 * @param {string} keyId
 * @param {{withhold?: Iterable<number>}} [options] section ids to send as hashes only
 * @returns {Uint8Array} the view
 * @throws MalformedEnvelope (bytes that do not parse), NoMatchingKey (no entry for this key),
 *   RangeError (`withhold` names a section the envelope does not have)
 */
export function viewFor(envelope, recipientId, keyId, { withhold = [] } = {}) {
  const env = envelope instanceof Uint8Array ? parse(envelope) : envelope;
  const withheld = new Set(withhold);
  for (const sid of withheld) {
    if (!Number.isInteger(sid) || sid < 0 || sid >= env.sections.length) {
      throw new RangeError("withhold names a section the envelope does not have");
    }
  }
  const rec = getRecipient(env, recipientId, keyId);
  if (rec === null) throw new NoMatchingKey();
  const out = [VIEW_MAGIC, headerBytes(env.header), uuidBytes(rec.recipientId), str8(rec.keyId), u16(rec.kemId),
    rec.viewSignature, u8(rec.wraps.length)];
  signedItems(env, rec).forEach(([sid, category, ctHash, wrapHash], n) => {
    out.push(u8(sid), str8(category), ctHash, wrapHash);
    if (withheld.has(sid)) out.push(u8(0));
    else out.push(u8(1), bytes32(env.sections[sid].ciphertext), bytes32(rec.wraps[n].wrap));
  });
  return concat(...out);
}

// --- decoding (MalformedEnvelope on anything non-canonical) ----------------------------------

class Reader {
  constructor(data) {
    if (!(data instanceof Uint8Array)) throw new MalformedEnvelope();
    this.data = data;
    this.pos = 0;
  }

  take(n) {
    if (this.pos + n > this.data.length) throw new MalformedEnvelope();
    this.pos += n;
    return this.data.slice(this.pos - n, this.pos);
  }

  magic(expected) {
    if (!equal(this.take(expected.length), expected)) throw new MalformedEnvelope();
  }

  uint(size, lo = 0, hi = Infinity) {
    let value = 0n;
    for (const b of this.take(size)) value = (value << 8n) | BigInt(b);
    if (value < BigInt(lo) || (hi !== Infinity && value > BigInt(hi))) throw new MalformedEnvelope();
    return Number(value);
  }

  id() {
    // Any 16 bytes except all zero: no RFC 9562 version or variant check (docs/envelope.md).
    const raw = this.take(16);
    if (equal(raw, NIL)) throw new MalformedEnvelope();
    return uuidText(raw);
  }

  str8() {
    const raw = this.take(this.uint(1));
    const text = String.fromCharCode(...raw);
    if (!STR8.test(text)) throw new MalformedEnvelope();
    return text;
  }

  bytes32(lo, hi) {
    return this.take(this.uint(4, lo, hi));
  }

  kem() {
    const kemId = this.uint(2);
    if (!(kemId in KEMS)) throw new MalformedEnvelope();
    return kemId;
  }

  end() {
    if (this.pos !== this.data.length) throw new MalformedEnvelope();
  }
}

function readHeader(r) {
  const messageId = r.id();
  const caseId = r.id();
  const threadId = r.id();
  const senderId = r.id();
  const senderKeyId = r.str8();
  const kind = r.str8();
  const reply = r.take(16);
  const createdAt = new Date(r.uint(8, 0, MAX_CREATED_AT));
  const inReplyTo = equal(reply, NIL) ? null : uuidText(reply);
  return { messageId, caseId, threadId, senderId, senderKeyId, kind, inReplyTo, createdAt };
}

/**
 * Strict structural parse of an envelope: no cryptography, no key needed.  Call `verify`
 * before trusting any of it.
 *
 * @param {Uint8Array} data
 * @returns {{header, sections: {sectionId, category, ciphertext}[],
 *   recipients: {recipientId, keyId, kemId, wraps: {sectionId, wrap}[], viewSignature}[], signature}}
 * @throws MalformedEnvelope on any rule of docs/envelope.md "Parsing"
 */
export function parse(data) {
  const r = new Reader(data);
  r.magic(MAGIC);
  const header = readHeader(r);
  const sections = [];
  const sectionCount = r.uint(1, 1, MAX_SECTIONS);
  for (let index = 0; index < sectionCount; index++) {
    r.uint(1, index, index); // section_id MUST equal its index
    const category = r.str8();
    sections.push({ sectionId: index, category, ciphertext: r.bytes32(MIN_CIPHERTEXT, MAX_CIPHERTEXT) });
  }
  const recipients = [];
  const covered = new Set();
  let previous = null;
  const recipientCount = r.uint(2, 1, MAX_RECIPIENTS);
  for (let n = 0; n < recipientCount; n++) {
    const recipientId = r.id();
    const keyId = r.str8();
    const kemId = r.kem();
    const order = [uuidBytes(recipientId), utf8(keyId)];
    if (previous !== null) {
      const c = compareBytes(order[0], previous[0]) || compareBytes(order[1], previous[1]);
      if (c <= 0) throw new MalformedEnvelope();
    }
    previous = order;
    const wrapLen = KEMS[kemId].wrapLen;
    const wraps = [];
    let last = -1;
    const wrapCount = r.uint(1, 1, sections.length);
    for (let i = 0; i < wrapCount; i++) {
      last = r.uint(1, last + 1, sections.length - 1); // strictly ascending, existing section
      wraps.push({ sectionId: last, wrap: r.bytes32(wrapLen, wrapLen) });
      covered.add(last);
    }
    recipients.push({ recipientId, keyId, kemId, wraps, viewSignature: r.take(SIGNATURE_BYTES) });
  }
  const signature = r.take(SIGNATURE_BYTES);
  r.end();
  if (covered.size !== sections.length) throw new MalformedEnvelope(); // a section nobody can open
  return { header, sections, recipients, signature };
}

/**
 * Strict structural parse of a view: lets a recipient read the header (sender, kind) and
 * the KEM before choosing a key.  Nothing here is authenticated until `openView`.
 *
 * @returns {{header, headerBytes, recipientId, keyId, kemId, viewSignature,
 *   items: {sectionId, category, ctHash, wrapHash, ciphertext: Uint8Array|null, wrap: Uint8Array|null}[]}}
 * @throws MalformedEnvelope
 */
export function parseView(data) {
  const r = new Reader(data);
  r.magic(VIEW_MAGIC);
  const start = r.pos;
  const header = readHeader(r);
  const rawHeader = r.data.slice(start, r.pos);
  const recipientId = r.id();
  const keyId = r.str8();
  const kemId = r.kem();
  const viewSignature = r.take(SIGNATURE_BYTES);
  const wrapLen = KEMS[kemId].wrapLen;
  const items = [];
  let last = -1;
  const itemCount = r.uint(1, 1, MAX_SECTIONS);
  for (let i = 0; i < itemCount; i++) {
    last = r.uint(1, last + 1, MAX_SECTIONS - 1);
    const category = r.str8();
    const ctHash = r.take(32);
    const wrapHash = r.take(32);
    let ciphertext = null;
    let wrap = null;
    if (r.uint(1, 0, 1)) {
      ciphertext = r.bytes32(MIN_CIPHERTEXT, MAX_CIPHERTEXT);
      wrap = r.bytes32(wrapLen, wrapLen);
    }
    items.push({ sectionId: last, category, ctHash, wrapHash, ciphertext, wrap });
  }
  r.end();
  return { header, headerBytes: rawHeader, recipientId, keyId, kemId, viewSignature, items };
}

// --- cryptography ---------------------------------------------------------------------------

function sectionKeys(contentKey) {
  const okm = hkdf(sha256, contentKey, new Uint8Array(0), SECTION_KEYS_LABEL, 64);
  return [okm.slice(0, 32), okm.slice(32, 64)];
}

function sectionAad(header, sectionId, category) {
  return concat(SECTION_AAD_LABEL, header, u8(sectionId), str8(category));
}

function wrapInfo(messageId, sectionId, recipientId, keyId) {
  return concat(WRAP_INFO_LABEL, uuidBytes(messageId), u8(sectionId), uuidBytes(recipientId), str8(keyId));
}

function encryptSection(contentKey, aad, plaintext) {
  const [payloadKey, commitment] = sectionKeys(contentKey);
  // The all-zero nonce is safe: each content key, hence each payload key, is fresh and
  // random and encrypts exactly one plaintext (one section of one message), never more.
  return concat(commitment, chacha20poly1305(payloadKey, ZERO_NONCE, aad).encrypt(plaintext));
}

function decryptSection(contentKey, aad, ciphertext) {
  const [payloadKey, commitment] = sectionKeys(contentKey);
  if (!constantTimeEqual(commitment, ciphertext.subarray(0, 32))) throw new PayloadAuthFailed();
  try {
    return chacha20poly1305(payloadKey, ZERO_NONCE, aad).decrypt(ciphertext.slice(32));
  } catch {
    throw new PayloadAuthFailed();
  }
}

const suites = new Map();

/** The HPKE suite (kem_id, HKDF-SHA256, ChaCha20-Poly1305) of a v1 KEM id. */
export function suiteFor(kemId) {
  if (!suites.has(kemId)) {
    const params = KEMS[kemId];
    if (params === undefined) throw new RangeError(`unknown KEM id 0x${Number(kemId).toString(16).padStart(4, "0")}`);
    const kem = kemId === KEM_XWING ? new XWing() : new DhkemX25519HkdfSha256();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
    if (suite.kem.id !== kemId || suite.kem.encSize !== params.encLen) throw new Error("HPKE library mismatch");
    suites.set(kemId, suite);
  }
  return suites.get(kemId);
}

function checkKey(bytes, length, what) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes`);
  return bytes.slice(); // a copy with its own buffer: @hpke keeps views and serialises .buffer
}

function ed25519Verify(publicKey, signature, message) {
  let ok = false;
  try {
    // zip215: false is RFC 8032 verification (rejects S >= L), as OpenSSL on the server.
    ok = ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new HeaderAuthFailed();
}

// --- seal, verify, open -------------------------------------------------------------------------

function checkSealInput(sections, recipients, contentKeys) {
  if (!Array.isArray(sections) || sections.length < 1 || sections.length > MAX_SECTIONS) {
    throw new RangeError(`a message has 1 to ${MAX_SECTIONS} sections`);
  }
  if (!Array.isArray(recipients) || recipients.length < 1 || recipients.length > MAX_RECIPIENTS) {
    throw new RangeError(`a message has 1 to ${MAX_RECIPIENTS} recipient keys`);
  }
  if (contentKeys.length !== sections.length || contentKeys.some((k) => !(k instanceof Uint8Array) || k.length !== 32)) {
    throw new RangeError("one 32-byte content key per section");
  }
  for (const s of sections) {
    if (!(s.plaintext instanceof Uint8Array)) throw new TypeError("a section's plaintext must be a Uint8Array");
    if (s.plaintext.length > MAX_PLAINTEXT) throw new RangeError(`a section's plaintext is at most ${MAX_PLAINTEXT} bytes`);
    str8(s.category, "category");
  }
  const seen = new Set();
  const readers = new Set();
  for (const r of recipients) {
    const key = `${toHex(uuidBytes(r.recipientId, "recipientId"))}/${r.keyId}`;
    if (seen.has(key)) throw new RangeError("a recipient key is listed twice");
    seen.add(key);
    const ids = [...(r.sectionIds ?? [])];
    if (ids.length === 0 || ids.some((sid) => !Number.isInteger(sid) || sid < 0 || sid >= sections.length)) {
      throw new RangeError("each recipient key reads at least one existing section");
    }
    ids.forEach((sid) => readers.add(sid));
  }
  if (readers.size !== sections.length) throw new RangeError("every section must be wrapped for at least one recipient key");
}

/**
 * Encrypt, wrap and sign a message (docs/envelope.md).
 *
 * @param {object} args
 * @param {{messageId, caseId, threadId, senderId, senderKeyId, kind, inReplyTo?: string|null,
 *   createdAt: Date|number|string}} args.header
 * @param {{category: string, plaintext: Uint8Array}[]} args.sections in order; a section's id is its index
 * @param {{recipientId: string, keyId: string, kemId: number, publicKey: Uint8Array,
 *   sectionIds: Iterable<number>}[]} args.recipients every section readable by at least one; any order
 * @param {Uint8Array} args.signingKey the sender's 32-byte Ed25519 private key, named by header.senderKeyId
 * @param {Uint8Array[]} [args.contentKeys] fixed content keys (tests only; default: fresh random keys)
 * @returns {Promise<Uint8Array>} the envelope
 * @throws RangeError / TypeError when the input cannot be represented
 */
export async function seal({ header, sections, recipients, signingKey, contentKeys }) {
  const cks = contentKeys ?? (Array.isArray(sections) ? sections.map(() => randomBytes(32)) : []);
  checkSealInput(sections, recipients, cks);
  const signer = checkKey(signingKey, 32, "signingKey");
  const headerRaw = headerBytes(header);
  const sealed = sections.map((s, i) => ({
    sectionId: i,
    category: s.category,
    ciphertext: encryptSection(cks[i], sectionAad(headerRaw, i, s.category), s.plaintext),
  }));
  const sorted = [...recipients].sort(
    (a, b) => compareBytes(uuidBytes(a.recipientId), uuidBytes(b.recipientId)) || compareBytes(utf8(a.keyId), utf8(b.keyId)),
  );
  const unsigned = { header, sections: sealed };
  const entries = [];
  for (const rk of sorted) {
    const params = KEMS[rk.kemId];
    if (params === undefined) throw new RangeError(`unknown KEM id ${rk.kemId}`);
    const suite = suiteFor(rk.kemId);
    const recipientKey = await suite.kem.deserializePublicKey(checkKey(rk.publicKey, params.publicLen, `${params.name} public key`));
    const recipientId = uuidText(uuidBytes(rk.recipientId));
    str8(rk.keyId, "keyId");
    const wraps = [];
    for (const sid of [...new Set(rk.sectionIds)].sort((a, b) => a - b)) {
      const info = wrapInfo(header.messageId, sid, recipientId, rk.keyId);
      const { enc, ct } = await suite.seal({ recipientPublicKey: recipientKey, info }, cks[sid].slice());
      wraps.push({ sectionId: sid, wrap: concat(new Uint8Array(enc), new Uint8Array(ct)) });
    }
    const rec = { recipientId, keyId: rk.keyId, kemId: rk.kemId, wraps };
    const signed = viewSignedInput(headerRaw, recipientId, rk.keyId, rk.kemId, signedItems(unsigned, rec));
    entries.push({ ...rec, viewSignature: ed25519.sign(signed, signer) });
  }
  const body = unsignedBytes({ header, sections: sealed, recipients: entries });
  return concat(body, ed25519.sign(concat(ENVELOPE_SIGNATURE_LABEL, body), signer));
}

/**
 * Check the envelope signature and every view signature: what the server does on arrival.
 * Synchronous (no HPKE involved).
 *
 * @param envelope the parsed envelope, or its bytes
 * @param {Uint8Array} senderPublicKey the 32-byte Ed25519 key the directory lists for
 *   header.senderId / header.senderKeyId
 * @returns the parsed envelope
 * @throws MalformedEnvelope, HeaderAuthFailed; RangeError if the key is not 32 bytes
 */
export function verify(envelope, senderPublicKey) {
  const env = envelope instanceof Uint8Array ? parse(envelope) : envelope;
  const publicKey = checkKey(senderPublicKey, 32, "senderPublicKey");
  ed25519Verify(publicKey, env.signature, concat(ENVELOPE_SIGNATURE_LABEL, unsignedBytes(env)));
  const headerRaw = headerBytes(env.header);
  for (const rec of env.recipients) {
    const signed = viewSignedInput(headerRaw, rec.recipientId, rec.keyId, rec.kemId, signedItems(env, rec));
    ed25519Verify(publicKey, rec.viewSignature, signed);
  }
  return env;
}

/**
 * Verify and decrypt a view, in the order of docs/envelope.md "Opening a view".  Nothing
 * is returned unless every present section opens.
 *
 * @param {Uint8Array} viewBytes what the server sent
 * @param {object} opts
 * @param {Uint8Array} opts.encryptionPrivate the private key for the view's KEM: the 32-byte
 *   X-Wing seed or the 32 raw bytes of an X25519 key (see `parseView(...).kemId`)
 * @param {number} [opts.kemId] the KEM of `encryptionPrivate`; a view for another KEM is NoMatchingKey
 * @param {Uint8Array} opts.senderPublicKey the sender's 32-byte Ed25519 key from the directory
 * @param {string} [opts.recipientId] if given, the view must be addressed to this recipient
 * @param {string} [opts.keyId] if given, the view must be addressed to this key
 * @returns {Promise<{header, recipientId, keyId, kemId,
 *   sections: {sectionId, category, plaintext: Uint8Array|null}[]}>} null plaintext = withheld
 * @throws MalformedEnvelope, NoMatchingKey, HeaderAuthFailed, PayloadAuthFailed;
 *   RangeError for a key of the wrong length
 */
export async function openView(viewBytes, { encryptionPrivate, kemId, senderPublicKey, recipientId, keyId } = {}) {
  const v = parseView(viewBytes);
  if (
    (recipientId !== undefined && recipientId !== null && !equal(uuidBytes(recipientId, "recipientId"), uuidBytes(v.recipientId))) ||
    (keyId !== undefined && keyId !== null && keyId !== v.keyId) ||
    (kemId !== undefined && kemId !== null && kemId !== v.kemId)
  ) {
    throw new NoMatchingKey();
  }
  const publicKey = checkKey(senderPublicKey, 32, "senderPublicKey");
  const items = v.items.map((i) => [i.sectionId, i.category, i.ctHash, i.wrapHash]);
  ed25519Verify(publicKey, v.viewSignature, viewSignedInput(v.headerBytes, v.recipientId, v.keyId, v.kemId, items));
  const present = v.items.filter((i) => i.ciphertext !== null);
  for (const i of present) {
    const ctOk = constantTimeEqual(sha256(i.ciphertext), i.ctHash);
    const wrapOk = constantTimeEqual(sha256(i.wrap), i.wrapHash);
    if (!(ctOk && wrapOk)) throw new PayloadAuthFailed();
  }
  const plaintexts = new Map();
  if (present.length > 0) {
    const params = KEMS[v.kemId];
    const suite = suiteFor(v.kemId);
    const secret = checkKey(encryptionPrivate, params.privateLen, `${params.name} private key`);
    let recipientKey;
    try {
      recipientKey = await suite.kem.deserializePrivateKey(secret);
    } catch {
      throw new RangeError(`not a valid ${params.name} private key`);
    }
    for (const [n, item] of present.entries()) {
      plaintexts.set(item.sectionId, await openItem(v, item, suite, recipientKey, n === 0));
    }
  }
  return {
    header: v.header,
    recipientId: v.recipientId,
    keyId: v.keyId,
    kemId: v.kemId,
    sections: v.items.map((i) => ({ sectionId: i.sectionId, category: i.category, plaintext: plaintexts.get(i.sectionId) ?? null })),
  };
}

async function openItem(v, item, suite, recipientKey, first) {
  const info = wrapInfo(v.header.messageId, item.sectionId, v.recipientId, v.keyId);
  const encLen = KEMS[v.kemId].encLen;
  let contentKey;
  try {
    contentKey = new Uint8Array(
      await suite.open({ recipientKey, enc: item.wrap.slice(0, encLen), info }, item.wrap.slice(encLen)),
    );
  } catch {
    // The wrap is exactly what the sender signed.  If the first one does not open, this
    // private key is not the one the view was made for; if a later one fails after the
    // first opened, the sender misbehaved.
    throw first ? new NoMatchingKey() : new PayloadAuthFailed();
  }
  if (contentKey.length !== 32) throw new PayloadAuthFailed();
  return decryptSection(contentKey, sectionAad(v.headerBytes, item.sectionId, item.category), item.ciphertext);
}

// Re-exported for callers that want the raw byte-level pieces (tests, tools).
export const _internals = { sectionKeys, wrapInfo, headerBytes, toBytes };
