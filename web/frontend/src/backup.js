// Passphrase-protected backups of an identity's private keys, the same format as
// Python's messaging/backup.py (each side opens the other's backups):
//
//   {"v": 1, "kdf": "scrypt", "params": {"n": 131072, "r": 8, "p": 1},
//    "salt": b64url(16 random bytes), "nonce": b64url(12 random bytes),
//    "ciphertext": b64url(ChaCha20-Poly1305(key, nonce, aad, plaintext))}
//
//   key        = scrypt(NFC(passphrase) as UTF-8, salt, n, r, p, 32 bytes)
//                (or "kdf": "pbkdf2-sha256", "params": {"iterations": >= 600000})
//   aad        = "samband.no/key-backup/v1\n"
//   plaintext  = UTF-8 JSON of Identity.to_json(): {"encryption_seed", "signing_key"[, "x25519_private"]}
//
// Why scrypt (N=2^17, r=8, p=1, OWASP's minimum) and not PBKDF2: scrypt is memory-hard
// (128 MiB per guess), so a stolen backup costs a GPU or ASIC attacker far more than
// PBKDF2-SHA256 at 600 000 iterations, which is cheap to parallelise.  Measured on this
// project's 2-vCPU machine (node 20): @noble/hashes scryptAsync 0.77-0.81 s, WebCrypto
// PBKDF2 600k 0.18-0.19 s (Python: scrypt 0.35 s, PBKDF2 0.08 s).  One second, once per
// backup or restore, is acceptable, and scryptAsync yields to the event loop so the page
// stays responsive.  PBKDF2 stays available (`{kdf: "pbkdf2-sha256"}`) for a device that
// cannot spare 128 MiB, and `unwrap` reads both.  The AEAD key is fresh per backup
// (random salt), so a random 96-bit nonce is never reused under one key.
//
// A wrong passphrase is a `WrongPassphrase` (the AEAD tag does not verify); the backup
// object is never modified, so the user simply tries again.  Anything that is not a
// backup of this format is a `MalformedBackup`.

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";

import { b64url, fromB64url, fromUtf8, randomBytes, utf8 } from "./bytes.js";
import { identityFromJson, identityToJson } from "./keys.js";

export const BACKUP_AAD = "samband.no/key-backup/v1\n";
export const SCRYPT_DEFAULT = Object.freeze({ n: 2 ** 17, r: 8, p: 1 });
export const PBKDF2_DEFAULT = Object.freeze({ iterations: 600000 });
export const PBKDF2_MIN_ITERATIONS = 600000;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;

/** The passphrase does not open this backup (AEAD authentication failed). */
export class WrongPassphrase extends Error {
  constructor() {
    super("wrong passphrase");
    this.name = "WrongPassphrase";
  }
}

/** The input is not a samband key backup (v1). */
export class MalformedBackup extends Error {
  constructor(message = "not a samband key backup") {
    super(message);
    this.name = "MalformedBackup";
  }
}

function isInt(x, lo, hi) {
  return Number.isSafeInteger(x) && x >= lo && x <= hi;
}

/** KDF parameters an `unwrap` accepts: bounded, so a crafted file cannot exhaust memory or time. */
function checkParams(kdf, params) {
  if (params === null || typeof params !== "object" || Array.isArray(params)) throw new MalformedBackup("bad KDF parameters");
  if (kdf === "scrypt") {
    const { n, r, p } = params;
    const keys = Object.keys(params).sort().join(",");
    if (keys !== "n,p,r" || !isInt(n, 2 ** 14, 2 ** 20) || (n & (n - 1)) !== 0 || !isInt(r, 1, 16) || !isInt(p, 1, 4) ||
        128 * n * r > 256 * 1024 * 1024) {
      throw new MalformedBackup("bad scrypt parameters");
    }
    return { n, r, p };
  }
  if (kdf === "pbkdf2-sha256") {
    const keys = Object.keys(params).join(",");
    if (keys !== "iterations" || !isInt(params.iterations, 100000, 10000000)) throw new MalformedBackup("bad PBKDF2 parameters");
    return { iterations: params.iterations };
  }
  throw new MalformedBackup("unknown KDF");
}

function passphraseBytes(passphrase) {
  if (typeof passphrase !== "string" || passphrase.length === 0) throw new TypeError("the passphrase must be a non-empty string");
  return utf8(passphrase.normalize("NFC"));
}

async function deriveKey(kdf, params, passphrase, salt, onProgress) {
  const secret = passphraseBytes(passphrase);
  if (kdf === "scrypt") {
    return scryptAsync(secret, salt, { N: params.n, r: params.r, p: params.p, dkLen: 32, onProgress, maxmem: 2 ** 30 });
  }
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: params.iterations }, base, 256);
  return new Uint8Array(bits);
}

/**
 * Encrypt an identity's private keys under a passphrase, before a backup leaves the device.
 *
 * @param identity {encryptionSeed, signingKey[, x25519Private]} (see keys.js)
 * @param {string} passphrase
 * @param {{kdf?: "scrypt"|"pbkdf2-sha256", params?: object, onProgress?: (fraction: number) => void}} [options]
 * @returns {Promise<{v: 1, kdf: string, params: object, salt: string, nonce: string, ciphertext: string}>}
 */
export async function wrap(identity, passphrase, { kdf = "scrypt", params, onProgress } = {}) {
  const chosen = checkParams(kdf, params ?? (kdf === "scrypt" ? SCRYPT_DEFAULT : PBKDF2_DEFAULT));
  if (kdf === "pbkdf2-sha256" && chosen.iterations < PBKDF2_MIN_ITERATIONS) {
    throw new RangeError(`PBKDF2 needs at least ${PBKDF2_MIN_ITERATIONS} iterations`);
  }
  const plaintext = utf8(JSON.stringify(identityToJson(identity)));
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(kdf, chosen, passphrase, salt, onProgress);
  const ciphertext = chacha20poly1305(key, nonce, utf8(BACKUP_AAD)).encrypt(plaintext);
  key.fill(0);
  plaintext.fill(0);
  return { v: 1, kdf, params: chosen, salt: b64url(salt), nonce: b64url(nonce), ciphertext: b64url(ciphertext) };
}

function field(backup, name, length) {
  let raw;
  try {
    raw = fromB64url(backup[name], name);
  } catch {
    throw new MalformedBackup(`bad ${name}`);
  }
  if (length !== undefined && raw.length !== length) throw new MalformedBackup(`bad ${name}`);
  return raw;
}

/**
 * Decrypt a backup made by `wrap` here or by Python's `messaging.backup.wrap`.
 *
 * @param backup the backup object, or its JSON text
 * @param {string} passphrase
 * @param {{onProgress?: (fraction: number) => void}} [options]
 * @returns {Promise<{encryptionSeed, signingKey, x25519Private?}>}
 * @throws WrongPassphrase (nothing is lost: try again), MalformedBackup
 */
export async function unwrap(backup, passphrase, { onProgress } = {}) {
  let data = backup;
  if (typeof backup === "string") {
    try {
      data = JSON.parse(backup);
    } catch {
      throw new MalformedBackup("not JSON");
    }
  }
  if (data === null || typeof data !== "object" || data.v !== 1) throw new MalformedBackup("not a v1 samband key backup");
  const params = checkParams(data.kdf, data.params);
  const salt = field(data, "salt");
  const nonce = field(data, "nonce", NONCE_BYTES);
  const ciphertext = field(data, "ciphertext");
  if (salt.length < 16 || salt.length > 64 || ciphertext.length < 16) throw new MalformedBackup("bad salt or ciphertext");
  const key = await deriveKey(data.kdf, params, passphrase, salt, onProgress);
  let plaintext;
  try {
    plaintext = chacha20poly1305(key, nonce, utf8(BACKUP_AAD)).decrypt(ciphertext);
  } catch {
    throw new WrongPassphrase();
  } finally {
    key.fill(0);
  }
  try {
    return identityFromJson(JSON.parse(fromUtf8(plaintext)));
  } catch {
    throw new MalformedBackup("the decrypted backup holds no identity");
  } finally {
    plaintext.fill(0);
  }
}
