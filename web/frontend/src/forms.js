// Message-kind forms in the browser: the same bytes as Python's messaging/kinds.split,
// the same reading as messaging/kinds.join.
//
// The browser seals each information category of a form as its own envelope section.
// `split` validates the form against the kinds catalog (GET /message-kinds, Python's
// `kinds.catalog()`) and returns one canonical JSON section per category, in the
// catalog's category order:
//   - a JSON object, keys sorted (by code point), separators "," and ":", UTF-8 without
//     \u escapes for non-ASCII (Python's json.dumps(sort_keys=True,
//     separators=(",", ":"), ensure_ascii=False));
//   - text NFC-normalised, "\r\n" → "\n", trimmed of Python's whitespace, control
//     characters other than tab and line breaks rejected (kinds._clean_text);
//   - empty fields (null, undefined, [], blank text) left out, defaults filled in (as
//     pydantic's model_dump does), dates as YYYY-MM-DD, times as pydantic writes them
//     (seconds always, microseconds when non-zero, "Z" for UTC, else ±HH:MM), URLs as
//     WHATWG serialises them (pydantic's Rust `url` crate follows the same standard).
// What Python accepts and this module rejects: non-string dates and times (pydantic also
// takes Unix timestamps), dates written as midnight datetimes.  Everything this module
// accepts, Python accepts with identical bytes (tests/unit/frontend/test_interop.py).
//
// The cross-field rules of the Python forms (their model validators) are mirrored in
// RULES below, under the validators' own names; the interop test fails if Python gains
// a validator this table lacks.

import { fromUtf8, utf8 } from "./bytes.js";

export const SENDER_CHOSEN = "sender_chosen";
/** The key under which a section's JSON carries its attachment references (Python: kinds.ATTACHMENTS). */
export const ATTACHMENTS = "_attachments";

/** A form or section that does not fit its kind; `field` names the field when known. */
export class KindError extends Error {
  /**
   * `message` is English, as Python's; `problem` is a stable code and `params` its
   * values (`{max: 100}`), so a page can say the same in its own language.
   */
  constructor(message, { kind = null, field = null, problem = null, params = {} } = {}) {
    super(message);
    this.name = "KindError";
    this.code = "INVALID_FORM";
    this.kind = kind;
    this.field = field;
    this.problem = problem;
    this.params = params;
  }
}

/** A value's problem: English text plus a code and parameters for translation. */
class Problem extends Error {
  constructor(message, problem, params = {}) {
    super(message);
    this.problem = problem;
    this.params = params;
  }
}

// --- the catalog ---------------------------------------------------------------------------

let registered = new Map();

/** Register the catalog (the JSON of GET /message-kinds) for `split(kindName, ...)` calls. */
export function useCatalog(catalog) {
  const entries = Array.isArray(catalog) ? catalog : Object.values(catalog ?? {});
  registered = new Map(entries.map((e) => [e.kind, e]));
  return registered;
}

/** Fetch and register the catalog. */
export async function loadCatalog(url = "/message-kinds", fetchImpl = globalThis.fetch) {
  const response = await fetchImpl(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return useCatalog(await response.json());
}

/** The catalog entry of a kind: the entry itself, or a kind name looked up in the registered catalog. */
export function kindSpec(kind) {
  if (kind !== null && typeof kind === "object" && Array.isArray(kind.fields)) return kind;
  const spec = registered.get(kind);
  if (spec === undefined) {
    const known = [...registered.keys()].join(", ");
    throw new KindError(`unknown message kind ${JSON.stringify(String(kind).slice(0, 40))}; known kinds: ${known}`, { field: "kind" });
  }
  return spec;
}

// --- text and values -----------------------------------------------------------------------

// Python's str.strip() and str.isspace(): these code points, no others (JS trim() differs).
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** Python's str.strip() with no argument. */
export function pyStrip(text) {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

/** kinds._clean_text: NFC, CRLF → LF, trimmed; throws on control characters. */
export function cleanText(value) {
  if (typeof value !== "string") return value;
  if (!wellFormed(value)) throw new Problem("is not valid Unicode text (a lone surrogate)", "unicode");
  const text = pyStrip(value.normalize("NFC").replaceAll("\r\n", "\n"));
  if (CONTROL.test(text)) throw new Problem("contains control characters; only text, line breaks and tabs are allowed", "control");
  return text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(text) {
  return !LONE_SURROGATE.test(text); // String.prototype.isWellFormed, for older browsers too
}

function isEmpty(value) {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0) ||
    (typeof value === "string" && pyStrip(value) === "");
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

function codePoints(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Canonical JSON text, as Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
export function canonicalJson(value) {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("only integers are canonical numbers");
    return String(value);
  }
  if (typeof value === "string") {
    if (!wellFormed(value)) throw new TypeError("lone surrogate in text");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort((a, b) => comparePoints(a, b));
    return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  throw new TypeError(`cannot write ${typeof value} as canonical JSON`);
}

function comparePoints(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

/** UTF-8 bytes of the canonical JSON of an object. */
export function canonicalBytes(obj) {
  return utf8(canonicalJson(obj));
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

function validDate(y, m, d) {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** A date as pydantic dumps it (YYYY-MM-DD); throws on anything else. */
export function normaliseDate(value) {
  const m = typeof value === "string" ? DATE.exec(value) : null;
  if (!m || !validDate(+m[1], +m[2], +m[3])) throw new Problem("must be a date, YYYY-MM-DD", "date");
  return value;
}

/** A time with a zone as pydantic dumps an AwareDatetime; throws on anything else. */
export function normaliseDateTime(value) {
  const m = typeof value === "string" ? DATETIME.exec(value) : null;
  if (!m || !validDate(+m[1], +m[2], +m[3])) {
    throw new Problem("must be a date and time with a time zone offset, e.g. 2026-03-10T09:00:00+01:00", "datetime");
  }
  const [, y, mo, d, hh, mi, ss = "00", frac = "", z, sign, oh, om] = m;
  if (+hh > 23 || +mi > 59 || +ss > 59 || (sign && (+oh > 23 || +om > 59))) throw new Problem("is not a valid time", "time");
  const micro = frac.slice(0, 6).padEnd(6, "0");
  const fraction = /^0+$/.test(micro) ? "" : `.${micro}`;
  const zone = z || (+oh === 0 && +om === 0) ? "Z" : `${sign}${oh}:${om}`;
  return `${y}-${mo}-${d}T${hh}:${mi}:${ss}${fraction}${zone}`;
}

/** An https URL as pydantic's HttpsUrl dumps it (WHATWG serialisation); throws on anything else. */
export function normaliseUrl(value, maxLength = 2000) {
  if (typeof value !== "string" || value.length > maxLength) throw new Problem(`must be an https URL of at most ${maxLength} characters`, "url_long", { max: maxLength });
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Problem("must be an https URL", "url");
  }
  if (url.protocol !== "https:" || !url.hostname) throw new Problem("URL scheme should be 'https'", "url");
  if (url.href.length > maxLength) throw new Problem(`must be an https URL of at most ${maxLength} characters`, "url_long", { max: maxLength });
  return url.href;
}

// --- validation ------------------------------------------------------------------------------

function fail(spec, field, message, problem = null, params = {}) {
  throw new KindError(`${spec.kind}: '${field}' ${message}`, { kind: spec.kind, field, problem, params });
}

function checkValue(spec, field, value, where) {
  const c = field.constraints ?? {};
  const type = field.type;
  try {
    if (type === "text") {
      if (typeof value !== "string") throw new Problem("must be text", "text");
      const text = cleanText(value);
      const n = codePoints(text);
      if (c.min_length !== undefined && n < c.min_length) throw new Problem(`is too short; at least ${c.min_length} characters`, "too_short", { min: c.min_length });
      if (c.max_length !== undefined && n > c.max_length) throw new Problem(`is too long; at most ${c.max_length} characters`, "too_long", { max: c.max_length });
      return text;
    }
    if (type === "choice") {
      if (typeof value !== "string" || !field.choices.includes(value)) throw new Problem(`must be one of ${field.choices.join(", ")}`, "choice");
      return value;
    }
    if (type === "integer") {
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new Problem("must be a whole number", "whole_number");
      if (c.min !== undefined && value < c.min) throw new Problem(`must be at least ${c.min}`, "min", { min: c.min });
      if (c.max !== undefined && value > c.max) throw new Problem(`must be at most ${c.max}`, "max", { max: c.max });
      return value;
    }
    if (type === "boolean") {
      if (typeof value !== "boolean") throw new Problem("must be true or false", "boolean");
      return value;
    }
    if (type === "date") return normaliseDate(value);
    if (type === "datetime") return normaliseDateTime(value);
    if (type === "url") return normaliseUrl(value, c.max_length);
    if (type.startsWith("list[")) {
      if (!Array.isArray(value)) throw new Problem("must be a list", "list");
      if (c.min_items !== undefined && value.length < c.min_items) throw new Problem(`needs at least ${c.min_items} items`, "min_items", { min: c.min_items });
      if (c.max_items !== undefined && value.length > c.max_items) throw new Problem(`has too many items; at most ${c.max_items}`, "max_items", { max: c.max_items });
      const item = { ...field, type: type.slice(5, -1), constraints: {} };
      return value.map((v, i) => checkValue(spec, item, v, `${where}[${i}]`));
    }
    if (type === "object") {
      if (!isPlainObject(value)) throw new Problem("must be an object", "object");
      return validateFields(spec, field.item_fields, value, `${where}.`);
    }
  } catch (e) {
    if (e instanceof KindError) throw e;
    fail(spec, where, e.message, e.problem ?? null, e.params ?? {});
  }
  throw new KindError(`${spec.kind}: '${where}' has a type this page does not know (${type})`, { kind: spec.kind, field: where });
}

function validateFields(spec, fields, form, prefix = "") {
  if (!isPlainObject(form)) throw new KindError(`${spec.kind}: the form must be an object of fields`, { kind: spec.kind });
  const byName = new Map(fields.map((f) => [f.name, f]));
  const given = Object.fromEntries(Object.entries(form).filter(([, v]) => !isEmpty(v)));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) {
      const allowed = prefix ? "" : `; allowed fields: ${fields.map((f) => f.name).join(", ")}`;
      throw new KindError(`${spec.kind}: unknown field '${prefix}${name}'${allowed}`, { kind: spec.kind, field: `${prefix}${name}`, problem: "unknown_field" });
    }
  }
  const out = {};
  for (const field of fields) {
    const where = `${prefix}${field.name}`;
    if (field.name in given) out[field.name] = checkValue(spec, field, given[field.name], where);
    else if ("default" in field) out[field.name] = field.default; // defaults are strings and numbers
    else if (field.required) fail(spec, where, "is required", "required");
  }
  return out;
}

function duplicates(list) {
  return Array.isArray(list) && new Set(list).size !== list.length;
}

/** The forms' cross-field rules, by kind and under the names of the Python model validators. */
export const RULES = {
  adaptation_question: {
    _asks_something(f) {
      if (!f.questions?.length && !f.other_question) return "ask at least one of 'questions' or 'other_question'";
      if (duplicates(f.questions)) return "'questions' lists the same question twice";
      return null;
    },
  },
  nav_request: {
    _unique(f) {
      return duplicates(f.requested_categories) ? "'requested_categories' lists the same category twice" : null;
    },
  },
  nav_request_answer: {
    _answers_something(f, spec) {
      const names = spec.fields.map((x) => x.name);
      return names.some((n) => f[n]) ? null : `fill in at least one of ${names.join(", ")}`;
    },
  },
  meeting_invitation: {
    _where(f) {
      return f.place === undefined && f.video_link === undefined ? "give a 'place' or a 'video_link' (or both)" : null;
    },
  },
  meeting_change: {
    _where(f) {
      return f.place === undefined && f.video_link === undefined ? "give a 'place' or a 'video_link' (or both)" : null;
    },
  },
  follow_up_plan: {
    _contribution(f) {
      if (!f.employee_contributed && !f.employee_not_contributed_reason) {
        return "'employee_not_contributed_reason' is required when 'employee_contributed' is false";
      }
      if (f.employee_contributed && f.employee_not_contributed_reason) {
        return "'employee_not_contributed_reason' is only for plans the employee did not contribute to";
      }
      return null;
    },
  },
  follow_up_plan_ack: {
    _comment_given(f) {
      return f.acknowledgement === "read_with_comments" && !f.comment
        ? "'comment' is required when the answer is 'read_with_comments'" : null;
    },
  },
};

/**
 * The validated form as JSON values (Python's kinds.validate): empty fields left out,
 * defaults filled in, text and times normalised, in the catalog's field order.
 *
 * @throws KindError naming the field
 */
export function validate(kind, form) {
  const spec = kindSpec(kind);
  const values = validateFields(spec, spec.fields, form);
  for (const [name, rule] of Object.entries(RULES[spec.kind] ?? {})) {
    const problem = rule(values, spec);
    if (problem) throw new KindError(`${spec.kind}: ${problem}`, { kind: spec.kind, problem: `rule.${spec.kind}.${name}` });
  }
  return values;
}

function categoryOf(spec, name, values) {
  const field = spec.fields.find((f) => f.name === name);
  return field.category === SENDER_CHOSEN ? values.category : field.category;
}

/**
 * Validate `form` and return one canonical JSON section per category it fills, in the
 * catalog's category order: exactly the sections for `envelope.seal`.
 *
 * @param kind a kind name (registered catalog) or a catalog entry
 * @param {object} form field name → value
 * @returns {{category: string, plaintext: Uint8Array}[]}
 * @throws KindError
 */
export function split(kind, form, attachments = {}) {
  const spec = kindSpec(kind);
  const values = validate(spec, form);
  const grouped = new Map();
  for (const [name, value] of Object.entries(values)) {
    const category = categoryOf(spec, name, values);
    if (!grouped.has(category)) grouped.set(category, {});
    grouped.get(category)[name] = value;
  }
  // Attachment references travel inside their section (docs/envelope.md, "Attachments").
  for (const [category, refs] of Object.entries(attachments ?? {})) {
    if (!refs || refs.length === 0) continue;
    if (!spec.categories.includes(category)) {
      throw new KindError(`${spec.kind} has no section '${String(category).slice(0, 40)}'; it uses ${spec.categories.join(", ")}`, { kind: spec.kind });
    }
    if (!grouped.has(category)) grouped.set(category, {});
    grouped.get(category)[ATTACHMENTS] = [...refs];
  }
  return spec.categories.filter((c) => grouped.has(c)).map((c) => ({ category: c, plaintext: canonicalBytes(grouped.get(c)) }));
}

function sectionEntries(sections) {
  if (sections instanceof Map) return [...sections.entries()];
  if (Array.isArray(sections)) return sections.map((s) => [s.category, s.plaintext ?? null]);
  return Object.entries(sections ?? {});
}

function parseSection(spec, category, data) {
  let obj;
  let canonical = false;
  try {
    if (!(data instanceof Uint8Array)) throw new TypeError("not bytes");
    obj = JSON.parse(fromUtf8(data));
    canonical = isPlainObject(obj) && canonicalJson(obj) === fromUtf8(data);
  } catch {
    throw new KindError(`${spec.kind}: section '${category}' is not UTF-8 JSON`, { kind: spec.kind });
  }
  if (!isPlainObject(obj) || Object.keys(obj).length === 0) {
    throw new KindError(`${spec.kind}: section '${category}' must be a non-empty JSON object`, { kind: spec.kind });
  }
  if (!canonical) {
    throw new KindError(`${spec.kind}: section '${category}' is not canonical JSON (sorted keys, no whitespace, UTF-8)`, { kind: spec.kind });
  }
  const refs = obj[ATTACHMENTS];
  if (refs !== undefined && (!Array.isArray(refs) || refs.length === 0 || !refs.every(isPlainObject))) {
    throw new KindError(`${spec.kind}: section '${category}' has a malformed '${ATTACHMENTS}' list`, { kind: spec.kind });
  }
  for (const name of Object.keys(obj)) {
    if (name === ATTACHMENTS) continue;
    const field = spec.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new KindError(`${spec.kind}: unknown field '${name}' in section '${category}'`, { kind: spec.kind, field: name });
    }
    const belongs = field.category === SENDER_CHOSEN ? obj.category : field.category;
    if (belongs !== category) {
      throw new KindError(`${spec.kind}: field '${name}' does not belong in section '${category}'`, { kind: spec.kind, field: name });
    }
  }
  return obj;
}

/**
 * Rebuild a form from its sections; a null plaintext marks a section the reader may not
 * open (withheld).  Python's kinds.join.
 *
 * @param kind a kind name (registered catalog) or a catalog entry
 * @param sections `openView(...).sections` ([{category, plaintext}]), a Map or an object
 *   category → Uint8Array|null
 * @returns {{kind: string, form: object, withheld: string[], attachments?: object}} attachments
 *   (when any): category → attachment references sealed in that section
 * @throws KindError for a section split() could not have made
 */
export function join(kind, sections) {
  const spec = kindSpec(kind);
  const collected = {};
  const withheld = new Set();
  const attached = {};
  for (const [category, data] of sectionEntries(sections)) {
    if (!spec.categories.includes(category)) {
      throw new KindError(`${spec.kind} has no section '${String(category).slice(0, 40)}'; it uses ${spec.categories.join(", ")}`, { kind: spec.kind });
    }
    if (data === null || data === undefined) {
      withheld.add(category);
      continue;
    }
    const fields = { ...parseSection(spec, category, data) };
    if (ATTACHMENTS in fields) {
      attached[category] = fields[ATTACHMENTS];
      delete fields[ATTACHMENTS];
    }
    for (const [name, value] of Object.entries(fields)) {
      if (name in collected) throw new KindError(`${spec.kind}: field '${name}' appears in two sections`, { kind: spec.kind, field: name });
      collected[name] = value;
    }
  }
  let form;
  if (withheld.size > 0) {
    form = {};
    for (const field of spec.fields) {
      if (field.name in collected) {
        form[field.name] = checkValue(spec, field, collected[field.name], field.name);
      }
    }
  } else {
    form = validate(spec, collected);
  }
  const joined = { kind: spec.kind, form, withheld: spec.categories.filter((c) => withheld.has(c)) };
  if (Object.keys(attached).length > 0) joined.attachments = attached;
  return joined;
}

/**
 * Turn the strings of HTML inputs into the catalog's types before `split`: integers
 * ("50" → 50), booleans ("true"/"on"/"false"/checkbox), times from a datetime-local input
 * (no zone: the browser's zone is added), lists from multi-selects.  Empty inputs stay
 * empty (split leaves them out).  Unknown names are passed through for split to reject.
 */
export function fromInputs(kind, raw) {
  const spec = kindSpec(kind);
  const out = {};
  for (const [name, value] of Object.entries(raw)) {
    const field = spec.fields.find((f) => f.name === name);
    out[name] = field === undefined ? value : coerce(field, value);
  }
  return out;
}

function coerce(field, value) {
  if (typeof value === "string" && pyStrip(value) === "") return null;
  if (field.type === "integer" && typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return Number(value.trim());
  if (field.type === "boolean" && typeof value === "string") {
    if (["true", "on", "yes", "1"].includes(value)) return true;
    if (["false", "off", "no", "0"].includes(value)) return false;
  }
  if (field.type === "datetime" && typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) {
    const local = new Date(value); // no zone: local time
    if (!Number.isNaN(local.getTime())) {
      const off = -local.getTimezoneOffset();
      const sign = off < 0 ? "-" : "+";
      const abs = Math.abs(off);
      return `${value}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    }
  }
  if (field.type.startsWith("list[") && typeof value === "string") return [value];
  return value;
}
