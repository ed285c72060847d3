// A thread page: open every message in the browser.
//
// The server rendered only metadata and an empty <dl class="message-body"> per message.
// For each one this script fetches the recipient's sealed view (GET /messages/{id}/view,
// for this browser's key), checks that it is the message it claims to be, verifies the
// sender's signature with their key from the directory, opens it with the private key
// kept in IndexedDB, rebuilds the form from its sections (forms.join) and shows the
// fields — with textContent, never innerHTML.  Then it sends the read receipt
// (POST /messages/{id}/read with the CSRF header).
//
// New messages, receipts and recalls arrive from live.js as "samband:event" DOM
// events; messages this browser sends arrive from compose.js as "samband:sent".
//
// Attachments sealed in a section this reader opened are listed under the fields; a
// download (GET /attachments/{id}, from samband's own page like a view) is decrypted
// chunk by chunk as it streams in (attachments.openStream) into a Blob, saved by a link.
//
// The bundle API used: loadCatalog, parseView, openView, privateKeyFor, publicKeys, join,
// fromB64url, KEM_XWING, attachments.

import { attachments, fromB64url, join, loadCatalog, openView, parseView, privateKeyFor, publicKeys } from "/static/build/samband.js";

import { api, apiJson, ApiError, choiceLabel, csrfToken, el, errorText, formatDate, formatDateTime, lang, me, s, say } from "./common.js";
import { loadIdentity } from "./keystore.js";

const page = document.getElementById("page");
const list = document.getElementById("messages");
const caseId = page.dataset.caseId;
const threadId = page.dataset.threadId;
const threadUrl = page.dataset.threadUrl;

// Events that arrive before the keys are loaded wait here.
const early = [];
let ready = null;
document.addEventListener("samband:event", (e) => (ready ? ready(e.detail) : early.push(e.detail)));
document.addEventListener("samband:sent", (e) => (ready ? onSent(e.detail) : early.push({ type: "sent", ...e.detail })));

let identity = null;
let ownKeys = null;
let catalog = new Map();
const signingKeys = new Map();

function memberName(actorId) {
  const node = document.querySelector(`#members [data-actor-id="${CSS.escape(actorId)}"]`);
  return node?.dataset.name || s("someone");
}

function kindTitle(kind) {
  const spec = catalog.get(kind);
  return spec ? spec[`title_${lang()}`] || spec.title_nb : kind;
}

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

// --- showing a form's fields ---------------------------------------------------------------

function valueNode(field, value) {
  if (value === null || value === undefined) return "";
  const type = field.type ?? "text";
  if (type.startsWith("list[")) {
    const items = Array.isArray(value) ? value : [value];
    const inner = { ...field, type: type.slice(5, -1) };
    return el("ul", {}, ...items.map((item) => el("li", {}, valueNode(inner, item))));
  }
  if (type === "object" || (typeof value === "object" && !Array.isArray(value))) {
    const parts = (field.item_fields ?? []).filter((f) => value[f.name] !== undefined)
      .map((f) => `${f[`title_${lang()}`] || f.name}: ${textOf(f, value[f.name])}`);
    return parts.join(" · ");
  }
  return textOf(field, value);
}

function textOf(field, value) {
  const type = field.type ?? "text";
  if (type === "choice" || field.choices) return choiceLabel(field.name, value);
  if (type === "boolean") return value ? s("yes") : s("no");
  if (type === "datetime") return formatDateTime(value);
  if (type === "date") return formatDate(value);
  return String(value);
}

function showForm(li, joined) {
  const body = li.querySelector(".message-body");
  const spec = catalog.get(joined.kind);
  body.replaceChildren();
  for (const field of spec?.fields ?? []) {
    if (!(field.name in joined.form)) continue;
    body.append(el("dt", {}, field[`title_${lang()}`] || field.name), el("dd", { dataset: { field: field.name } }, valueNode(field, joined.form[field.name])));
  }
  const status = li.querySelector(".message-status");
  if (joined.withheld.length) {
    say(status, s("withheld", { categories: joined.withheld.map((c) => s(`category.${c}`)).join(", ") }), { error: true });
  } else {
    say(status, "");
  }
  showAttachments(li, joined.attachments ?? {});
  li.dataset.opened = "true";
  prefillReply(li, joined);
  // The meeting cards (meetings.js) take time and place from here: decrypted, in this page only.
  document.dispatchEvent(new CustomEvent("samband:opened", { detail: { id: li.dataset.messageId, kind: joined.kind, form: joined.form } }));
}

function sizeText(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

function showAttachments(li, bySection) {
  li.querySelector(".message-attachments")?.remove();
  const refs = Object.values(bySection).flat();
  if (!refs.length) return;
  const status = el("p", { class: "form-status", role: "status", dataset: { testid: "attachment-status" } });
  const items = refs.map((ref) => {
    const button = el("button", { type: "button", class: "button-link", dataset: { testid: "attachment", attachmentId: ref.id } },
      s("attach_download", { name: ref.filename, size: sizeText(ref.size) }));
    button.addEventListener("click", () => download(ref, button, status));
    return el("li", {}, button);
  });
  li.querySelector(".message-body").after(el("div", { class: "message-attachments" },
    el("p", { class: "form-title" }, s("attachments")), el("ul", { dataset: { testid: "attachments" } }, ...items), status));
}

async function download(ref, button, status) {
  if (button.disabled) return;
  button.disabled = true;
  try {
    // Like a view: logged as a disclosure, so asked for only from samband's own page.
    const response = await api("GET", `/attachments/${encodeURIComponent(ref.id)}`, {
      headers: { Accept: "application/octet-stream", "X-CSRF-Token": csrfToken() },
    });
    const progress = (done) => say(status, s("attach_downloading", { name: ref.filename, percent: Math.floor(done * 100) }));
    const blob = await attachments.openStream(ref, response.body, { onProgress: progress });
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: ref.filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(status, s("attach_done", { name: ref.filename }));
  } catch (error) {
    if (error instanceof ApiError && [404, 410].includes(error.status)) say(status, s("attach_gone"), { error: true });
    else if (error?.name === "AttachmentError") say(status, s("attach_altered", { name: ref.filename }), { error: true });
    else say(status, s("error", { message: errorText(error) }), { error: true });
  } finally {
    button.disabled = false;
  }
}

/** Writing one's own version of a plan (?kind=follow_up_plan&reply_to=id): start from the
 * plan being answered, in the fields still empty. */
function prefillReply(li, joined) {
  const compose = document.getElementById("compose");
  if (!compose || compose.dataset.kind !== joined.kind || compose.elements.in_reply_to?.value !== li.dataset.messageId) return;
  for (const [name, value] of Object.entries(joined.form)) {
    if (value === null || typeof value === "object") continue;
    const controls = [...compose.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    if (controls.length === 1 && controls[0].matches("input:not([type=radio]):not([type=checkbox]), textarea") && !controls[0].value) {
      controls[0].value = String(value);
    } else if (controls.length && controls.every((c) => c.type === "radio") && !controls.some((c) => c.checked)) {
      const match = controls.find((c) => c.value === String(value));
      if (match) match.checked = true;
    }
  }
}

function showProblem(li, text) {
  say(li.querySelector(".message-status"), text, { error: true });
  li.querySelector(".message-body")?.replaceChildren();
  li.dataset.opened = "error";
}

// --- opening ---------------------------------------------------------------------------------

async function fetchView(id) {
  const response = await api("GET", `/messages/${encodeURIComponent(id)}/view?key_id=${encodeURIComponent(ownKeys.encryptionKeyId)}`, {
    // Reading logs a disclosure, so the server takes the view only from samband's own pages:
    // Fetch Metadata says so, and the CSRF header says so where a browser lacks it.
    headers: { Accept: "application/octet-stream", "X-CSRF-Token": csrfToken() },
  });
  return new Uint8Array(await response.arrayBuffer());
}

async function openMessage(li, viewBytes = null) {
  const id = li.dataset.messageId;
  say(li.querySelector(".message-status"), s("opening"));
  let bytes = viewBytes;
  try {
    if (!bytes) bytes = await fetchView(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 410) return markRecalled(li);
    if (error instanceof ApiError && error.code === "CONSENT_REQUIRED") return showProblem(li, s("consent_gone"));
    if (error instanceof ApiError && error.status === 404) return showProblem(li, s("open_failed"));
    return showProblem(li, s("error", { message: errorText(error) }));
  }
  let joined;
  try {
    const peek = parseView(bytes);
    // The view must be the message this container is for, in this thread, from the
    // sender shown: the server routes views but cannot be trusted to route them right.
    const h = peek.header;
    if (h.messageId !== id || h.threadId !== threadId || h.caseId !== caseId || (li.dataset.senderId && h.senderId !== li.dataset.senderId)) {
      return showProblem(li, s("tampered"));
    }
    const opened = await openView(bytes, {
      encryptionPrivate: privateKeyFor(identity, peek.kemId), kemId: peek.kemId,
      senderPublicKey: await senderKey(h.senderId, h.senderKeyId), recipientId: me(),
    });
    joined = join(opened.header.kind, opened.sections);
  } catch (error) {
    const name = error?.name ?? "";
    return showProblem(li, name === "NoMatchingKey" ? s("open_failed") : s("tampered"));
  }
  showForm(li, joined);
  if (li.dataset.unread === "true" && li.dataset.mine !== "true") await markRead(li);
}

async function markRead(li) {
  try {
    await api("POST", `/messages/${encodeURIComponent(li.dataset.messageId)}/read`);
    li.dataset.unread = "false";
    li.classList.remove("message-unread");
    li.querySelector('[data-testid="unread-mark"]')?.remove();
  } catch {
    // The receipt is a courtesy to the sender; reading worked, so stay quiet.
  }
}

function markRecalled(li) {
  li.dataset.recalled = "true";
  li.querySelector(".message-body")?.remove();
  li.querySelector(".meeting-response")?.remove();
  li.querySelector(".recall-form")?.remove();
  li.querySelector(".reply-link")?.closest("p")?.remove();
  let status = li.querySelector(".message-status");
  if (!status) {
    status = el("p", { class: "recalled", dataset: { testid: "recalled" } });
    li.append(status);
  }
  status.className = "recalled";
  status.dataset.testid = "recalled";
  status.textContent = s("recalled");
}

// --- new messages: build the same container the server renders ---------------------------

function shell({ id, senderId, kind, createdAt, mine, unread, inReplyTo }) {
  const meta = el("p", { class: "message-meta" },
    el("strong", { class: "message-sender" }, s("from", { name: memberName(senderId) })), " · ",
    el("span", { class: "message-kind" }, kindTitle(kind)), " · ",
    el("time", { datetime: new Date(createdAt).toISOString() }, formatDateTime(createdAt)));
  const li = el("li", {
    class: `message card${mine ? " message-mine" : ""}${unread ? " message-unread" : ""}`, id: `msg-${id}`,
    dataset: { testid: "message", messageId: id, kind, senderId, mine: String(mine), recalled: "false", unread: String(unread), hasSections: "true" },
  }, meta);
  if (inReplyTo) li.append(el("p", { class: "muted" }, el("a", { href: `#msg-${inReplyTo}` }, kindTitle(kind))));
  li.append(
    el("p", { class: "message-status", id: `status-${id}`, dataset: { testid: "message-status" } }, s("opening")),
    el("dl", { class: "message-body", id: `body-${id}`, dataset: { testid: "message-body" } }),
  );
  if (kind === "meeting_invitation" && !mine) {
    const buttons = ["coming", "new_time_wanted", "cannot_come"].map((a) =>
      el("button", { type: "submit", name: "answer", value: a, dataset: { testid: `answer-${a}` } }, s(`choice.answer.${a}`)));
    li.append(el("form", { class: "meeting-response", id: `answer-${id}`, dataset: { testid: "meeting-response", replyTo: id } },
      el("p", { class: "form-title" }, s("answer_title")), el("div", { class: "button-row" }, ...buttons),
      el("p", { class: "form-status", role: "status" })));
  }
  if (kind === "follow_up_plan" && !mine && page.dataset.canAck === "true") li.append(ackForm(id));
  if (mine) {
    li.append(el("p", { class: "recall-form", id: `recall-${id}` },
      el("a", { href: `/inbox/messages/${id}/recall`, class: "button-link button-danger", dataset: { testid: "recall" } }, s("recall"))));
  } else {
    li.append(el("p", {}, el("a", { href: `${threadUrl}?kind=note&reply_to=${id}#compose-section`, class: "reply-link" }, s("reply", { kind: kindTitle(kind) }))));
  }
  return li;
}

/** The answer to a plan (the same form thread.html renders; compose.js sends it). */
function ackForm(id) {
  const buttons = ["read_and_agree", "read_with_comments"].map((a) =>
    el("button", { type: "submit", name: "acknowledgement", value: a, dataset: { testid: `ack-${a}`, ...(a === "read_with_comments" ? { needs: "comment" } : {}) } },
      s(`choice.acknowledgement.${a}`)));
  return el("form", { class: "meeting-response plan-answer", id: `ack-${id}`, dataset: { testid: "plan-ack", replyTo: id, kind: "follow_up_plan_ack" } },
    el("p", { class: "form-title" }, s("empthreads_ack_title")),
    el("div", { class: "field" }, el("label", { for: `ack-comment-${id}` }, s("empthreads_ack_comment")),
      el("textarea", { id: `ack-comment-${id}`, name: "comment", rows: "3", maxlength: "1000" })),
    el("div", { class: "button-row" }, ...buttons), el("p", { class: "form-status", role: "status" }));
}

function insert(li) {
  document.getElementById("no-messages").hidden = true;
  list.append(li);
}

async function onSent({ id, kind, inReplyTo, createdAt }) {
  if (document.getElementById(`msg-${id}`)) return;
  const li = shell({ id, senderId: me(), kind, createdAt, mine: true, unread: false, inReplyTo });
  insert(li);
  await openMessage(li);
}

async function onEvent(event) {
  if (event.type === "sent") return onSent(event);
  if (event.thread_id !== threadId) return;
  const li = document.getElementById(`msg-${event.message_id}`);
  if (event.type === "message") {
    if (li) return;
    const fresh = shell({ id: event.message_id, senderId: event.sender_id, kind: event.kind, createdAt: new Date(), mine: false, unread: true });
    insert(fresh);
    say("live-status", s("new_message", { name: memberName(event.sender_id) }));
    // The push carries one view; if it is for another device of ours, fetch this one's.
    let view = event.view ? fromB64url(event.view) : null;
    try {
      if (view && parseView(view).keyId !== ownKeys.encryptionKeyId) view = null;
    } catch {
      view = null;
    }
    await openMessage(fresh, view);
  } else if (event.type === "recall" && li) {
    markRecalled(li);
  } else if (event.type === "receipt" && li) {
    updateReceipt(li, event);
  }
}

function updateReceipt(li, event) {
  let ul = li.querySelector('[data-testid="receipts"]');
  if (!ul) {
    ul = el("ul", { id: `receipts-${li.dataset.messageId}`, dataset: { testid: "receipts" } });
    li.querySelector(".message-body")?.after(el("details", { class: "receipts" }, el("summary", {}, s("receipts")), ul));
  }
  let line = ul.querySelector(`[data-recipient-id="${CSS.escape(event.recipient_id)}"]`);
  const name = line?.dataset.name || memberName(event.recipient_id);
  if (!line) {
    line = el("li", { dataset: { recipientId: event.recipient_id, name } });
    ul.append(line);
  }
  if (event.receipt === "read" || line.dataset.state !== "read") {
    line.dataset.state = event.receipt;
    line.textContent = s(event.receipt === "read" ? "receipt_read" : "receipt_delivered", { name });
  }
}

// --- the follow-up plan: print view, sending a version on ---------------------------------------

/** "Skriv ut / lagre som PDF": the print view of the latest version (print CSS shows
 * only the message marked print-target), then the browser's own print dialog. */
function wirePrint() {
  document.getElementById("print-plan")?.addEventListener("click", () => {
    const latest = list.querySelector("li.plan-latest") ?? list.querySelector(`li[id="msg-${CSS.escape(page.dataset.printTarget ?? "")}"]`);
    if (latest) {
      for (const li of list.querySelectorAll("li.print-target")) li.classList.remove("print-target");
      latest.classList.add("print-target");
      page.dataset.printTarget = latest.dataset.messageId;
    }
    window.print();
  });
}

/** Sending a version on (?kind=follow_up_plan&shares=id in a share thread): open that
 * version (our own sealed copy, from the plan thread) and fill the form with it. */
async function prefillShare() {
  const shares = new URLSearchParams(location.search).get("shares");
  const compose = document.getElementById("compose");
  if (!shares || !compose || compose.dataset.kind !== "follow_up_plan" || page.dataset.topic !== "follow_up_plan_shared") return;
  say("compose-status", s("plan_share_loading"));
  const bytes = await fetchView(shares);
  const peek = parseView(bytes);
  const h = peek.header;
  if (h.messageId !== shares || h.caseId !== caseId || h.kind !== "follow_up_plan") throw new Error(s("tampered"));
  const opened = await openView(bytes, {
    encryptionPrivate: privateKeyFor(identity, peek.kemId), kemId: peek.kemId,
    senderPublicKey: await senderKey(h.senderId, h.senderKeyId), recipientId: me(),
  });
  const joined = join(opened.header.kind, opened.sections);
  for (const [name, value] of Object.entries(joined.form)) {
    if (value === null || typeof value === "object") continue;
    const controls = [...compose.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    if (controls.length === 1 && controls[0].matches("input:not([type=radio]):not([type=checkbox]), textarea, select")) {
      controls[0].value = String(value);
    } else if (controls.length === 1 && controls[0].type === "checkbox") {
      controls[0].checked = Boolean(value);
    } else if (controls.length && controls.every((c) => c.type === "radio")) {
      for (const c of controls) c.checked = c.value === String(value);
    }
  }
  compose.dataset.prefilled = "true";
  say("compose-status", s("plan_share_ready"));
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  identity = await loadIdentity(me()).catch(() => null);
  if (!identity) {
    document.getElementById("keys-needed").hidden = false;
    for (const status of document.querySelectorAll(".message-status")) say(status, s("no_keys"), { error: true });
    document.getElementById("compose")?.setAttribute("data-disabled", "true");
    return;
  }
  ownKeys = await publicKeys(identity);
  catalog = await loadCatalog();
  const pending = [...list.querySelectorAll('li[data-has-sections="true"][data-recalled="false"]')];
  for (const li of pending) await openMessage(li);
  await prefillShare().catch((error) => say("compose-error", s("error", { message: error.message }), { error: true }));
  ready = (detail) => onEvent(detail).catch(() => {});
  for (const detail of early.splice(0)) ready(detail);
}

wirePrint();
start().catch((error) => say("live-status", s("error", { message: error.message }), { error: true }));
