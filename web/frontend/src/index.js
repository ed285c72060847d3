// samband's browser cryptography: the bundle the pages load (web/static/build/samband.js).
//
//   import { envelope, keys, backup, forms } from "/static/build/samband.js";
//
// envelope: envelope v1 (docs/envelope.md), byte-exact with messaging/envelope
// keys:     identity keys (X-Wing seed, Ed25519, optional X25519), key ids, base64url
// backup:   passphrase-wrapped private keys, the format of messaging/backup.py
// forms:    message-kind forms ↔ canonical per-category sections (messaging/kinds)
// bytes:    Uint8Array helpers (UTF-8, base64url, hex)
// attachments: files sealed in AES-GCM chunks (STREAM) inside a section, messaging/attachments
// logproof: disclosure log v2 checks (docs/disclosure-log.md): leaf hashes, RFC 9162
//           inclusion and consistency proofs, signed tree heads

export * as envelope from "./envelope.js";
export * as keys from "./keys.js";
export * as backup from "./backup.js";
export * as forms from "./forms.js";
export * as bytes from "./bytes.js";
export * as logproof from "./logproof.js";
export * as attachments from "./attachments.js";

export {
  EnvelopeError, HeaderAuthFailed, KEM_X25519, KEM_XWING, MalformedEnvelope, NoMatchingKey, PayloadAuthFailed,
  openView, parse, parseView, seal, serialize, verify, viewFor,
} from "./envelope.js";
export {
  generateIdentity, identityFromJson, identityToJson, keyIdFor, privateKeyFor, publicKeys, xwingPublicFromSeed,
} from "./keys.js";
export { MalformedBackup, WrongPassphrase, unwrap, wrap } from "./backup.js";
export { KindError, join, loadCatalog, split, useCatalog, validate } from "./forms.js";
export { b64url, fromB64url, fromUtf8, utf8 } from "./bytes.js";

export const VERSION = "samband-frontend/1";
