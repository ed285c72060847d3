// Shared by the node tests and the interop CLI: where the repository's vectors live and
// how to read them (the format of tests/vectors/envelope/generate.py).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { fromB64 } from "../src/bytes.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const VECTORS = path.join(ROOT, "tests", "vectors", "envelope");

/** Every vector file, sorted by name, as {name, meta, data}. */
export function loadVectors() {
  return fs
    .readdirSync(VECTORS)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((name) => ({ name, ...loadVector(path.join(VECTORS, name)) }));
}

export function loadVector(file) {
  const text = fs.readFileSync(file, "utf8");
  const at = text.indexOf("\n\n");
  const meta = { payload: [] };
  for (const line of text.slice(0, at).split("\n")) {
    const sep = line.indexOf(": ");
    const key = sep < 0 ? line : line.slice(0, sep);
    const value = sep < 0 ? "" : line.slice(sep + 2);
    if (key === "payload") meta.payload.push(value);
    else meta[key] = value;
  }
  return { meta, data: fromB64(text.slice(at + 2)) };
}
