// Disclosure log v2 in the browser (docs/disclosure-log.md): the employee's own Merkle
// tree, checked here and not taken on trust.
//
// - leafHash: SHA-256(0x00 || the leaf string's UTF-8 bytes), exactly the bytes the page
//   then shows (JSON.parse(leaf)); no canonicalisation happens in JavaScript;
// - verifyInclusion / verifyConsistency: RFC 9162 §2.1.3.2 and §2.1.4.2, line by line
//   the checks of consent/merkle.py;
// - verifyHead: a signed tree head's Ed25519 signature over
//   "samband.no/v2/tree-head\n" log_id "\n" tree_size "\n" root_hash "\n" signed_at;
// - verifyEntries / verifyLog: all of the above for a GET /consent/log answer.
//
// Hashing is synchronous (@noble/hashes, already in the bundle for the envelope): a
// proof in a tree of 1 000 leaves is ~11 hashes, far below a millisecond, where
// WebCrypto's digest would cost a promise per node.  Failures throw LogProofError
// with a `code` the page turns into words (and a technical message for the fold).

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { equal, fromB64url, toHex, utf8 } from "./bytes.js";

export const HASH_SIZE = 32;
export const EMPTY_ROOT = sha256(new Uint8Array(0));
const HEAD_LABEL = "samband.no/v2/tree-head\n";
const LOG_ID_LABEL = "samband.no/v2/log-id\n";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** A check that failed. `code`: leaf | inclusion | consistency | signature | key | size | malformed. */
export class LogProofError extends Error {
  constructor(code, message, detail = {}) {
    super(message);
    this.name = "LogProofError";
    this.code = code;
    this.detail = detail;
  }
}

/** SHA-256(0x00 || leaf); `leaf` is the leaf string (hashed as UTF-8) or its bytes. */
export function leafHash(leaf) {
  const bytes = typeof leaf === "string" ? utf8(leaf) : leaf;
  const buf = new Uint8Array(1 + bytes.length);
  buf.set(bytes, 1); // buf[0] is 0x00, the leaf prefix
  return sha256(buf);
}

const nodeBuf = new Uint8Array(1 + 2 * HASH_SIZE);
nodeBuf[0] = 1; // the node prefix

/** SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 1 + HASH_SIZE);
  return sha256(nodeBuf);
}

/** The log id of a subject: hex SHA-256("samband.no/v2/log-id\n" || subject id). */
export function logIdFor(subjectId) {
  return toHex(sha256(utf8(LOG_ID_LABEL + subjectId)));
}

// Lowercase hex digit -> value (255: not a digit); a table, since a page checks
// thousands of proof nodes and bytes.fromHex parses each pair with parseInt.
const HEX_VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

function hex32(text) {
  const out = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++) {
    const hi = HEX_VALUE[text.charCodeAt(2 * i)] ?? 255;
    const lo = HEX_VALUE[text.charCodeAt(2 * i + 1)] ?? 255;
    if ((hi | lo) === 255) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hash32(value, what) {
  if (value instanceof Uint8Array) {
    if (value.length !== HASH_SIZE) throw new LogProofError("malformed", `${what} is not 32 bytes`);
    return value;
  }
  const out = typeof value === "string" && value.length === 2 * HASH_SIZE ? hex32(value) : null;
  if (out === null) throw new LogProofError("malformed", `${what} is not 64 lowercase hex digits`);
  return out;
}

function size(value, what) {
  if (!Number.isSafeInteger(value) || value < 0) throw new LogProofError("malformed", `${what} is not a non-negative integer`);
  return value;
}

function path(proof, what) {
  if (!Array.isArray(proof)) throw new LogProofError("malformed", `${what} is not a list`);
  return proof.map((p, i) => hash32(p, `${what}[${i}]`));
}

// Index arithmetic in BigInt-free form: tree sizes are safe integers, so halve with
// Math.floor instead of >> (which truncates to 32 bits).
const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;

/** RFC 9162 §2.1.3.2 for an already hashed leaf; throws LogProofError("inclusion"). */
export function verifyInclusion(leaf, index, treeSize, proof, root) {
  const lh = hash32(leaf, "the leaf hash");
  size(index, "the leaf index");
  size(treeSize, "the tree size");
  const nodes = path(proof, "the inclusion proof");
  const expected = hash32(root, "the root hash");
  if (index >= treeSize) throw new LogProofError("inclusion", `leaf ${index} is not in a tree of ${treeSize}`);
  let fn = index;
  let sn = treeSize - 1;
  let r = lh;
  for (const p of nodes) {
    if (sn === 0) throw new LogProofError("inclusion", "the inclusion proof is longer than the tree is deep");
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (fn !== 0 && !odd(fn)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0 || !equal(r, expected)) throw new LogProofError("inclusion", "the inclusion proof does not lead to the signed root");
}

/** How many nodes the inclusion proof of leaf `index` in a tree of `treeSize` has
 * (the iterations of §2.1.3.2's loop until sn reaches 0). */
function inclusionLength(index, treeSize) {
  let fn = index;
  let sn = treeSize - 1;
  let n = 0;
  while (sn !== 0) {
    if (fn === sn && !odd(fn)) {
      while (!odd(fn)) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    n += 1;
  }
  return n;
}

/**
 * verifyInclusion for many leaves of one tree (one size, one root): every node a
 * verified proof computed is kept in `verified` by its place (shifts so far, fn), and a
 * later proof that computes the same node at the same place is proven there, without
 * hashing on up to the root (the root above that node was already reached from it).
 * A different hash at a verified place fails at once.  The proof must still have
 * exactly the RFC's length.  Checking a page of 1 000 entries hashes ~2 000 nodes
 * instead of ~10 000.
 */
function verifyInclusionShared(leaf, index, treeSize, proof, root, verified) {
  size(index, "the leaf index");
  size(treeSize, "the tree size");
  const nodes = path(proof, "the inclusion proof");
  const expected = hash32(root, "the root hash");
  if (index >= treeSize) throw new LogProofError("inclusion", `leaf ${index} is not in a tree of ${treeSize}`);
  if (nodes.length !== inclusionLength(index, treeSize)) {
    throw new LogProofError("inclusion", `the inclusion proof has ${nodes.length} nodes, not ${inclusionLength(index, treeSize)}`);
  }
  let fn = index;
  let sn = treeSize - 1;
  let shifts = 0;
  let r = hash32(leaf, "the leaf hash");
  const seen = [];
  for (const p of nodes) {
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (fn !== 0 && !odd(fn)) {
        fn = half(fn);
        sn = half(sn);
        shifts += 1;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
    shifts += 1;
    const place = `${shifts}:${fn}`;
    const known = verified.get(place);
    if (known !== undefined) {
      if (!equal(known, r)) throw new LogProofError("inclusion", "the inclusion proof does not lead to the signed root");
      break; // proven: this node is on a path already verified up to the root
    }
    seen.push([place, r]);
  }
  if (seen.length === nodes.length && (sn !== 0 || !equal(r, expected))) {
    throw new LogProofError("inclusion", "the inclusion proof does not lead to the signed root");
  }
  for (const [place, node] of seen) verified.set(place, node);
}

/** RFC 9162 §2.1.4.2; throws LogProofError("consistency") unless tree `second` extends tree `first`. */
export function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  size(first, "the first size");
  size(second, "the second size");
  const r1 = hash32(firstRoot, "the first root");
  const r2 = hash32(secondRoot, "the second root");
  const nodes = path(proof, "the consistency proof");
  if (first > second) throw new LogProofError("consistency", `a tree of ${second} cannot extend one of ${first}`);
  if (first === second) {
    if (nodes.length || !equal(r1, r2)) throw new LogProofError("consistency", "two heads of the same size have different roots");
    return;
  }
  if (first === 0) {
    if (nodes.length) throw new LogProofError("consistency", "an empty tree needs no consistency proof");
    return;
  }
  const p = isPowerOfTwo(first) ? [r1, ...nodes] : nodes; // a power of two: the first root starts the path
  if (!p.length) throw new LogProofError("consistency", "the consistency proof is empty");
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = p[0];
  let sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0) throw new LogProofError("consistency", "the consistency proof is longer than the tree is deep");
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (fn !== 0 && !odd(fn)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0 || !equal(fr, r1) || !equal(sr, r2)) {
    throw new LogProofError("consistency", "the newer head does not extend the older one: the log was rewritten or cut");
  }
}

function isPowerOfTwo(n) {
  while (n > 1) {
    if (odd(n)) return false;
    n = half(n);
  }
  return n === 1;
}

/** The message a tree head's signature covers (docs/disclosure-log.md). */
export function headMessage(head) {
  return utf8(`${HEAD_LABEL}${head.log_id}\n${head.tree_size}\n${head.root_hash}\n${head.signed_at}`);
}

function checkHeadShape(head) {
  if (!head || typeof head !== "object") throw new LogProofError("malformed", "the tree head is missing");
  if (typeof head.log_id !== "string" || !HEX64.test(head.log_id)) throw new LogProofError("malformed", "the head's log id is not 64 hex digits");
  size(head.tree_size, "the head's tree size");
  hash32(head.root_hash, "the head's root hash");
  if (typeof head.signed_at !== "string" || !TIMESTAMP.test(head.signed_at)) throw new LogProofError("malformed", "the head's time is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
  if (typeof head.signature !== "string") throw new LogProofError("malformed", "the head has no signature");
}

/** Throws LogProofError("signature") unless `head` is signed by `publicKey` (raw 32 bytes or base64url). */
export function verifyHead(head, publicKey) {
  checkHeadShape(head);
  let key;
  let sig;
  try {
    key = typeof publicKey === "string" ? fromB64url(publicKey) : publicKey;
    sig = fromB64url(head.signature);
  } catch {
    throw new LogProofError("signature", "the head's signature or the public key is not base64url");
  }
  let ok = false;
  if (key.length === 32 && sig.length === 64) {
    try {
      ok = ed25519.verify(sig, headMessage(head), key, { zip215: false });
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new LogProofError("signature", `the tree head of size ${head.tree_size} is not signed by the log's key`);
}

/**
 * Check entries of a GET /consent/log answer against `head` (whose signature the caller
 * checked): each leaf's hash and inclusion proof lead to the head's root, and each leaf
 * names this log, its own index and its entry. Returns [{entry, leaf}] with the parsed leaf.
 */
export function verifyEntries(head, entries) {
  const root = hash32(head.root_hash, "the head's root hash");
  const verifiedNodes = new Map();
  const out = [];
  for (const entry of entries) {
    if (typeof entry?.leaf !== "string") throw new LogProofError("malformed", "an entry has no leaf");
    const index = size(entry.index, "an entry's index");
    try {
      verifyInclusionShared(leafHash(entry.leaf), index, head.tree_size, entry.inclusion_proof, root, verifiedNodes);
    } catch (err) {
      if (err instanceof LogProofError) throw new LogProofError("leaf", `entry ${index}: ${err.message}`, { index, entryId: entry.entry_id });
      throw err;
    }
    let leaf;
    try {
      leaf = JSON.parse(entry.leaf);
    } catch {
      throw new LogProofError("leaf", `entry ${index}: its leaf is not JSON`, { index });
    }
    if (leaf.index !== index || leaf.log_id !== head.log_id) {
      throw new LogProofError("leaf", `entry ${index}: its leaf names index ${leaf.index} of log ${leaf.log_id}`, { index });
    }
    if (entry.entry_id !== undefined && leaf.entry_id !== entry.entry_id) {
      throw new LogProofError("leaf", `entry ${index}: its leaf is entry ${leaf.entry_id}, not ${entry.entry_id}`, { index });
    }
    out.push({ entry, leaf });
  }
  return out;
}

/** A consistency answer ({first, second, proof}) between two heads both signed by `publicKey`. */
export function verifyConsistencyAnswer(answer, publicKey) {
  const { first, second, proof } = answer ?? {};
  verifyHead(first, publicKey);
  verifyHead(second, publicKey);
  if (first.log_id !== second.log_id) throw new LogProofError("consistency", "the two heads belong to different logs");
  verifyConsistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof);
}

/** Two heads of the same log and size are the same head (same root): `a` equal to `b` as a tree. */
export function sameTree(a, b) {
  return a.log_id === b.log_id && a.tree_size === b.tree_size && a.root_hash === b.root_hash;
}
