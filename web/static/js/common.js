// What every page script shares: the CSRF header, JSON calls to samband's API, the
// words of the page (from <template id="js-strings">, rendered by web/i18n.py), and
// who is signed in.  Text is only ever put into the page with textContent.

export const BUNDLE = "/static/build/samband.js";

/** The session's CSRF token (web/csrf.py), sent as X-CSRF-Token on unsafe calls. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

/** The signed-in actor's id (data-me on <body>), or "". */
export function me() {
  return document.body.dataset.me ?? "";
}

export function lang() {
  return document.documentElement.lang === "en" ? "en" : "nb";
}

let words = null;

function loadWords() {
  words = new Map();
  const holder = document.getElementById("js-strings");
  if (holder && "content" in holder) {
    for (const el of holder.content.querySelectorAll("[data-k]")) words.set(el.dataset.k, el.textContent);
  }
  return words;
}

/** A page string by key, with {placeholders} filled in. */
export function s(key, values = {}) {
  const text = (words ?? loadWords()).get(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

export function has(key) {
  return (words ?? loadWords()).has(key);
}

/** The label of a choice value of a form field (the server's words), or the value. */
export function choiceLabel(field, value) {
  if (has(`choice.${field}.${value}`)) return s(`choice.${field}.${value}`);
  if (has(`category.${value}`)) return s(`category.${value}`);
  return String(value);
}

/** Dates and times as people in Norway read them. */
export function formatDateTime(value) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "nb-NO", { dateStyle: "long", timeStyle: "short" }).format(d);
}

export function formatDate(value) {
  const d = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "nb-NO", { dateStyle: "long" }).format(d);
}

/** An error answer of the API: {code, message, problems}. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.code ?? "HTTP_ERROR";
    this.problems = body?.problems ?? [];
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Call samband's API with the session cookie (same origin) and, for unsafe methods,
 * the CSRF header.  Resolves to the Response; rejects with ApiError for 4xx/5xx.
 */
export async function api(method, path, { json, body, headers = {}, idempotencyKey = null } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (UNSAFE.has(method)) init.headers["X-CSRF-Token"] = csrfToken();
  // One key per thing the person means to do: a repeat (a double tap, a retry) acts once.
  if (idempotencyKey) init.headers["Idempotency-Key"] = idempotencyKey;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body; // raw bytes (an attachment chunk); the caller sets Content-Type
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

export async function apiJson(method, path, options) {
  return (await api(method, path, options)).json();
}

/** Make an element: el("p", {class: "x", dataset: {a: "1"}}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "class") node.className = value;
    else if (key === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Say something in a status or alert region (textContent only). */
export function say(target, text, { error = false } = {}) {
  const node = typeof target === "string" ? document.getElementById(target) : target;
  if (!node) return;
  node.textContent = text ?? "";
  node.classList.toggle("is-error", Boolean(error));
}

/**
 * An error as words in the page's language: a form problem by its code, a server
 * answer by its code; the server's English message only on English pages.
 */
export function errorText(error) {
  if (error?.name === "KindError" && error.problem && has(`problem.${error.problem}`)) {
    return s(`problem.${error.problem}`, error.params ?? {});
  }
  if (error instanceof ApiError) {
    if (has(`api.${error.code}`)) return s(`api.${error.code}`);
    return s("api.other", { code: error.code, message: error.message });
  }
  if (error?.name === "KindError") return lang() === "en" ? error.message : s("api.INVALID_INPUT");
  return error?.message ?? String(error); // the page's own words (thrown with s(...)) or the browser's
}
