// Encrypted attachments in the browser: messaging/attachments.py, byte for byte.
//
// A file is sealed chunk by chunk with AES-256-GCM (WebCrypto) in the STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár, CRYPTO 2015): chunk i has the nonce
// prefix(8) || uint32_be(i) and the associated data
// "samband-attachment-v1" || attachment id || uint32_be(i) || final(1 byte), so a chunk
// moved, dropped or added after the last fails to open.  Plaintext is read with
// File.slice() one chunk at a time; the SHA-256 of the whole file is computed on the way
// (@noble/hashes, incrementally).  The reference goes into the section's sealed JSON
// (forms.split's third argument).  docs/envelope.md, "Attachments".

import { sha256 } from "@noble/hashes/sha2.js";

import { b64url, concat, fromB64url, toHex, u32, utf8 } from "./bytes.js";

export const CHUNK_SIZE = 64 * 1024;
export const TAG_BYTES = 16;
export const MAX_BYTES = 25 * 1024 * 1024;
const DOMAIN = utf8("samband-attachment-v1");
const MAGIC = [
  ["application/pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["image/jpeg", [0xff, 0xd8, 0xff]],
];

/** A file that may not be attached ("type", "size", "empty"), or ciphertext that does not open ("altered"). */
export class AttachmentError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = "AttachmentError";
    this.reason = reason;
  }
}

export function chunkCount(size, chunkSize = CHUNK_SIZE) {
  return Math.max(1, Math.ceil(size / chunkSize));
}

function nonce(prefix, index) {
  return concat(prefix, u32(index));
}

function additionalData(id, index, final) {
  return concat(DOMAIN, utf8(id), u32(index), new Uint8Array([final ? 1 : 0]));
}

/** The media type a File's first bytes show (PDF, PNG, JPEG); throws AttachmentError otherwise. */
export async function checkFile(file, maxBytes = MAX_BYTES) {
  if (file.size === 0) throw new AttachmentError("the file is empty", "empty");
  if (file.size > maxBytes) throw new AttachmentError(`the file is larger than ${maxBytes / 1048576} MB`, "size");
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  for (const [type, magic] of MAGIC) {
    if (magic.every((b, i) => head[i] === b)) return type;
  }
  throw new AttachmentError("only PDF, PNG and JPEG files can be attached", "type");
}

/**
 * Seal `file` chunk by chunk; `put(index, ciphertext)` sends each before the next is read.
 * Resolves to the reference (JSON) to put in the section.
 */
export async function sealFile(file, attachmentId, mediaType, put, { chunkSize = CHUNK_SIZE, onProgress = () => {} } = {}) {
  const rawKey = crypto.getRandomValues(new Uint8Array(32));
  const prefix = crypto.getRandomValues(new Uint8Array(8));
  const key = await crypto.subtle.importKey("raw", rawKey, "AES-GCM", false, ["encrypt"]);
  const hash = sha256.create();
  const count = chunkCount(file.size, chunkSize);
  for (let i = 0; i < count; i++) {
    const plain = new Uint8Array(await file.slice(i * chunkSize, Math.min(file.size, (i + 1) * chunkSize)).arrayBuffer());
    hash.update(plain);
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce(prefix, i), additionalData: additionalData(attachmentId, i, i === count - 1), tagLength: 128 },
      key, plain);
    await put(i, new Uint8Array(sealed));
    onProgress((i + 1) / count);
  }
  return {
    id: attachmentId, key: b64url(rawKey), nonce_prefix: b64url(prefix), chunk_size: chunkSize, size: file.size,
    sha256: toHex(hash.digest()), filename: file.name, media_type: mediaType,
  };
}

/**
 * Open a ciphertext stream (a fetch Response's body) chunk by chunk into a Blob of the
 * plaintext.  Every chunk's tag, the final chunk and the SHA-256 are checked; throws
 * AttachmentError("altered") otherwise.
 */
export async function openStream(ref, stream, { onProgress = () => {} } = {}) {
  const key = await crypto.subtle.importKey("raw", fromB64url(ref.key), "AES-GCM", false, ["decrypt"]);
  const prefix = fromB64url(ref.nonce_prefix);
  const count = chunkCount(ref.size, ref.chunk_size);
  const step = ref.chunk_size + TAG_BYTES;
  const hash = sha256.create();
  // Plaintext goes into Blobs a few MB at a time, so the page never holds the file twice.
  const blobs = [];
  let parts = [];
  let index = 0;
  const openOne = async (chunk) => {
    if (index >= count) throw new AttachmentError("the attachment has more chunks than its reference says", "altered");
    let plain;
    try {
      plain = new Uint8Array(await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: nonce(prefix, index), additionalData: additionalData(ref.id, index, index === count - 1), tagLength: 128 },
        key, chunk));
    } catch {
      throw new AttachmentError(`chunk ${index} does not open: the attachment was altered, reordered or cut`, "altered");
    }
    hash.update(plain);
    parts.push(plain);
    if (parts.length === 32) {
      blobs.push(new Blob(parts));
      parts = [];
    }
    index += 1;
    onProgress(index / count);
  };
  const reader = stream.getReader();
  let buffer = new Uint8Array(step);
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let offset = 0;
    while (offset < value.length) {
      if (filled === step) { // a full chunk, and more follows: it is not the last
        await openOne(buffer);
        buffer = new Uint8Array(step);
        filled = 0;
      }
      const take = Math.min(step - filled, value.length - offset);
      buffer.set(value.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
  }
  if (filled > 0) await openOne(buffer.subarray(0, filled));
  if (index !== count) throw new AttachmentError("the attachment ends early", "altered");
  if (toHex(hash.digest()) !== ref.sha256) throw new AttachmentError("the attachment's SHA-256 does not match", "altered");
  return new Blob([...blobs, ...parts], { type: ref.media_type });
}
