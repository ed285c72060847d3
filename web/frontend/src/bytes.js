// Byte helpers shared by the modules: Uint8Array only, no Node Buffer, so the same code
// runs in a browser and in node.

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return ENCODER.encode(text);
}

/** A string from UTF-8 bytes; throws TypeError on invalid UTF-8. A leading BOM is kept. */
export function fromUtf8(bytes) {
  return DECODER.decode(bytes);
}

/** The concatenation of Uint8Arrays (a fresh buffer of exactly that length). */
export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A fresh Uint8Array of the bytes of `data` (Uint8Array, other view, or ArrayBuffer). */
export function toBytes(data, what = "value") {
  if (data instanceof Uint8Array) return data.slice();
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  throw new TypeError(`${what} must be a Uint8Array`);
}

export function u8(n) {
  return Uint8Array.of(n);
}

export function u16(n) {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

export function u32(n) {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Big-endian u64 of a non-negative safe integer. */
export function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Byte-wise equality, not constant time (use `constantTimeEqual` for secrets and MACs). */
export function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equality in time that depends only on the lengths. */
export function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Unsigned lexicographic order of two byte strings; a proper prefix sorts first. */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex) {
  if (typeof hex !== "string" || hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new RangeError("not hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function encode64(bytes, alphabet, pad) {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + (pad ? "==" : "");
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + (pad ? "=" : "");
  }
  return out;
}

function decode64(text, alphabet, what) {
  if (typeof text !== "string") throw new TypeError(`${what} must be a string`);
  const s = text.replace(/=+$/, "");
  if (s.length % 4 === 1) throw new RangeError(`${what} is not valid base64`);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const ch of s) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new RangeError(`${what} is not valid base64`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if (acc & ((1 << bits) - 1)) throw new RangeError(`${what} is not canonical base64`);
  return out;
}

/** Canonical unpadded base64url (RFC 4648 §5), as Python's `messaging.keys.b64`. */
export function b64url(bytes) {
  return encode64(bytes, B64URL, false);
}

/** Bytes from base64url, with or without padding; RangeError on anything else. */
export function fromB64url(text, what = "base64url") {
  return decode64(text, B64URL, what);
}

/** Standard padded base64 (RFC 4648 §4). */
export function b64(bytes) {
  return encode64(bytes, B64, true);
}

/** Bytes from standard base64; whitespace (line wrapping) is ignored. */
export function fromB64(text, what = "base64") {
  return decode64(text.replace(/\s+/g, ""), B64, what);
}

/** Cryptographically secure random bytes (WebCrypto). */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}
