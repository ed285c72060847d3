// "Last ned alt om meg" on /portal: everything samband holds about the employee, in one
// JSON file made HERE, in his browser, before a closed case's content is purged.
//
// - his messages: for every thread of his cases, each message's sealed view
//   (GET /messages/{id}/view for this browser's key), verified against the sender's
//   signing key and opened with his private key from IndexedDB (keystore.js), then the
//   form rebuilt from its sections (forms.join).  The plaintext never leaves the page:
//   nothing is posted anywhere, the file is a Blob saved by the browser;
// - his disclosure log: every page of GET /consent/log, each entry with its leaf and
//   inclusion proof against the signed head, as the API gives them;
// - his consents: GET /consent/grants and each one as an HL7 FHIR R5 Consent
//   (GET /consent/grants/{id}/fhir).
//
// The bundle API used: loadCatalog, parseView, openView, privateKeyFor, publicKeys, join, fromB64url.

import { fromB64url, join, loadCatalog, openView, parseView, privateKeyFor, publicKeys } from "/static/build/samband.js";

import { api, apiJson, ApiError, csrfToken, errorText, me, s, say } from "./common.js";
import { loadIdentity } from "./keystore.js";

const FORMAT = "samband-export/1";
const button = document.getElementById("download-all");
const status = document.getElementById("download-status");

const signingKeys = new Map();

async function senderKey(actorId, keyId) {
  const cacheKey = `${actorId}/${keyId}`;
  if (!signingKeys.has(cacheKey)) {
    const keys = await apiJson("GET", `/directory/actors/${encodeURIComponent(actorId)}/keys?include_revoked=true`);
    for (const k of keys) if (k.purpose === "signing") signingKeys.set(`${actorId}/${k.key_id}`, fromB64url(k.public_key));
  }
  const key = signingKeys.get(cacheKey);
  if (!key) throw new Error("no signing key");
  return key;
}

async function openOne(message, identity, ownKeys) {
  const out = {
    id: message.id, kind: message.kind, sender_id: message.sender_id, created_at: message.created_at,
    in_reply_to: message.in_reply_to,
  };
  if (message.recalled) return { ...out, status: "recalled" };
  if (!message.my_sections.length) return { ...out, status: "no_sections_for_you" };
  if (!identity) return { ...out, status: "no_keys_in_this_browser" };
  let bytes;
  try {
    const response = await api("GET", `/messages/${encodeURIComponent(message.id)}/view?key_id=${encodeURIComponent(ownKeys.encryptionKeyId)}`, {
      headers: { Accept: "application/octet-stream", "X-CSRF-Token": csrfToken() },
    });
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (error instanceof ApiError) return { ...out, status: (error.code || String(error.status)).toLowerCase() };
    throw error;
  }
  try {
    const peek = parseView(bytes);
    const h = peek.header;
    if (h.messageId !== message.id || h.senderId !== message.sender_id) return { ...out, status: "tampered" };
    const opened = await openView(bytes, {
      encryptionPrivate: privateKeyFor(identity, peek.kemId), kemId: peek.kemId,
      senderPublicKey: await senderKey(h.senderId, h.senderKeyId), recipientId: me(),
    });
    const joined = join(opened.header.kind, opened.sections);
    return { ...out, status: "opened", form: joined.form, withheld: joined.withheld };
  } catch (error) {
    return { ...out, status: error?.name === "NoMatchingKey" ? "no_key" : "could_not_open" };
  }
}

async function wholeLog() {
  const pages = [];
  let before = null;
  for (;;) {
    const query = before === null ? "?limit=500" : `?limit=500&before=${before}`;
    const page = await apiJson("GET", `/consent/log${query}`);
    pages.push(page);
    if (page.next_before === null || page.next_before === undefined) return pages;
    before = page.next_before;
  }
}

function fileName() {
  return `samband-alt-om-meg-${new Date().toISOString().slice(0, 10)}.json`;
}

function save(bundle) {
  const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName();
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function build() {
  const identity = await loadIdentity(me()).catch(() => null);
  const ownKeys = identity ? await publicKeys(identity) : null;
  if (identity) await loadCatalog();
  const cases = (await apiJson("GET", "/cases")).filter((c) => c.employee_id === me());
  const work = [];
  const out = [];
  for (const c of cases) {
    const detail = await apiJson("GET", `/cases/${encodeURIComponent(c.id)}`);
    const threads = await apiJson("GET", `/cases/${encodeURIComponent(c.id)}/threads`);
    const threadsOut = [];
    for (const t of threads) {
      const messages = await apiJson("GET", `/cases/${encodeURIComponent(c.id)}/threads/${encodeURIComponent(t.id)}/messages`);
      const entry = { id: t.id, topic: t.topic, member_ids: t.member_ids, created_at: t.created_at, messages: [] };
      for (const m of messages) work.push([entry, m]);
      threadsOut.push(entry);
    }
    out.push({ case: detail, threads: threadsOut });
  }
  if (!identity) say(status, s("export.no_keys"));
  let done = 0;
  for (const [entry, m] of work) {
    if (identity) say(status, s("export.working", { done, total: work.length }));
    entry.messages.push(await openOne(m, identity, ownKeys));
    done += 1;
  }
  say(status, s("export.log"));
  const log = await wholeLog();
  const grants = await apiJson("GET", "/consent/grants");
  const fhir = [];
  for (const g of grants) fhir.push(await apiJson("GET", `/consent/grants/${encodeURIComponent(g.id)}/fhir`));
  return {
    format: FORMAT, exported_at: new Date().toISOString(), actor_id: me(),
    note: "Made in your browser: the messages were opened with your own keys and were never sent to samband in the clear.",
    cases: out, log: { pages: log, entries: log.flatMap((p) => p.entries) }, consents: grants,
    consents_fhir: { resourceType: "Bundle", type: "collection", entry: fhir.map((resource) => ({ resource })) },
  };
}

async function onClick() {
  button.disabled = true;
  try {
    const bundle = await build();
    save(bundle);
    const messages = bundle.cases.reduce((n, c) => n + c.threads.reduce((k, t) => k + t.messages.length, 0), 0);
    say(status, s("export.done", { messages, entries: bundle.log.entries.length }));
    status.dataset.done = "true";
  } catch (error) {
    say(status, s("export.failed", { message: errorText(error) }), { error: true });
  } finally {
    button.disabled = false;
  }
}

button?.addEventListener("click", () => onClick());
