// Shared by the node tests and the interop CLI: where the repository's vectors live and
// how to read them (the format of tests/vectors/envelope/generate.py).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parseVector } from "./check.js";

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
  return parseVector(fs.readFileSync(file, "utf8"));
}
