// Identity keys in the browser, the same formats as Python's messaging/keys.py:
//   - X-Wing (HPKE KEM 0x647A): the private key is the 32-byte seed, the public key the
//     1216 bytes ML-KEM-768 ek (1184) || X25519 (32), derived exactly as Python's
//     `xwing_public_bytes(seed)` (SHAKE256(seed, 96) → ML-KEM d||z and X25519 scalar);
//   - X25519 (HPKE KEM 0x0020, the optional classical fallback): 32 raw bytes each;
//   - Ed25519 signing: the 32-byte RFC 8032 private key and 32-byte public key.
// Key ids are base64url(SHA-256(raw public key)[:16]) without padding, as the directory's
// `directory.service.key_id_for`.  Seeds move between implementations, never
// `deriveKeyPair` input (the PQ DeriveKeyPair differs between @hpke and the draft).

import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { b64url, fromB64url, randomBytes } from "./bytes.js";
import { KEM_X25519, KEM_XWING, suiteFor } from "./envelope.js";

export { b64url, fromB64url } from "./bytes.js";

export const XWING_SEED_BYTES = 32;
export const XWING_PUBLIC_BYTES = 1216;
export const X25519_KEY_BYTES = 32;
export const ED25519_KEY_BYTES = 32;

function check(bytes, length, what) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes`);
  return bytes.slice();
}

/** A fresh X-Wing seed (32 bytes), via the suite's generateKeyPair + serializePrivateKey. */
export async function generateXWingSeed() {
  const kem = suiteFor(KEM_XWING).kem;
  const pair = await kem.generateKeyPair();
  return new Uint8Array(await kem.serializePrivateKey(pair.privateKey));
}

/** The 1216-byte X-Wing public key of a 32-byte seed (equal to Python's `xwing_public_bytes`). */
export async function xwingPublicFromSeed(seed) {
  const kem = suiteFor(KEM_XWING).kem;
  const pair = await kem.generateKeyPairDerand(check(seed, XWING_SEED_BYTES, "an X-Wing seed"));
  return new Uint8Array(await kem.serializePublicKey(pair.publicKey));
}

/** The 32-byte X25519 public key of a raw private key (RFC 7748). */
export function x25519PublicFromPrivate(raw) {
  return x25519.getPublicKey(check(raw, X25519_KEY_BYTES, "an X25519 private key"));
}

/** The 32-byte Ed25519 public key of a 32-byte private key (RFC 8032). */
export function ed25519PublicFromPrivate(raw) {
  return ed25519.getPublicKey(check(raw, ED25519_KEY_BYTES, "an Ed25519 private key"));
}

/** Sign `message` with a 32-byte Ed25519 private key (64-byte signature). */
export function ed25519Sign(message, signingKey) {
  return ed25519.sign(message, check(signingKey, ED25519_KEY_BYTES, "an Ed25519 private key"));
}

/**
 * A new identity: {encryptionSeed, signingKey[, x25519Private]} (all 32-byte Uint8Arrays),
 * Python's `messaging.keys.Identity`.
 *
 * @param {{x25519?: boolean}} [options] also make the classical X25519 fallback key
 */
export async function generateIdentity({ x25519: withX25519 = false } = {}) {
  const identity = { encryptionSeed: await generateXWingSeed(), signingKey: randomBytes(ED25519_KEY_BYTES) };
  if (withX25519) identity.x25519Private = x25519.utils.randomSecretKey();
  return identity;
}

/**
 * The public half of an identity and its key ids:
 * {encryptionPublic, encryptionKeyId, signingPublic, signingKeyId[, x25519Public, x25519KeyId]}.
 */
export async function publicKeys(identity) {
  const encryptionPublic = await xwingPublicFromSeed(identity.encryptionSeed);
  const signingPublic = ed25519PublicFromPrivate(identity.signingKey);
  const out = {
    encryptionPublic,
    encryptionKeyId: keyIdFor(encryptionPublic),
    signingPublic,
    signingKeyId: keyIdFor(signingPublic),
  };
  if (identity.x25519Private) {
    out.x25519Public = x25519PublicFromPrivate(identity.x25519Private);
    out.x25519KeyId = keyIdFor(out.x25519Public);
  }
  return out;
}

/** The private key of `identity` for a view's KEM (the X-Wing seed or the X25519 key), or null. */
export function privateKeyFor(identity, kemId) {
  if (kemId === KEM_XWING) return identity.encryptionSeed ?? null;
  if (kemId === KEM_X25519) return identity.x25519Private ?? null;
  return null;
}

/** base64url(SHA-256(raw public key)[:16]) without padding: the directory's key id. */
export function keyIdFor(rawPublic) {
  if (!(rawPublic instanceof Uint8Array)) throw new TypeError("a public key must be a Uint8Array");
  return b64url(sha256(rawPublic).slice(0, 16));
}

/** The JSON form of Python's `Identity.to_json`: unpadded base64url fields. */
export function identityToJson(identity) {
  const data = {
    encryption_seed: b64url(check(identity.encryptionSeed, XWING_SEED_BYTES, "encryptionSeed")),
    signing_key: b64url(check(identity.signingKey, ED25519_KEY_BYTES, "signingKey")),
  };
  if (identity.x25519Private) data.x25519_private = b64url(check(identity.x25519Private, X25519_KEY_BYTES, "x25519Private"));
  return data;
}

/** An identity from `identityToJson` / Python's `Identity.to_json`; RangeError on bad fields. */
export function identityFromJson(data) {
  if (data === null || typeof data !== "object") throw new TypeError("an identity is a JSON object");
  const identity = {
    encryptionSeed: check(fromB64url(data.encryption_seed, "encryption_seed"), XWING_SEED_BYTES, "encryption_seed"),
    signingKey: check(fromB64url(data.signing_key, "signing_key"), ED25519_KEY_BYTES, "signing_key"),
  };
  if (data.x25519_private) {
    identity.x25519Private = check(fromB64url(data.x25519_private, "x25519_private"), X25519_KEY_BYTES, "x25519_private");
  }
  return identity;
}
