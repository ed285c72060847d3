// Writing a message: the browser port of messaging/client.py SambandClient.seal/send.
//
//   1. the form (rendered by the server from GET /message-kinds) → values → forms.split:
//      one canonical section per information category;
//   2. the key hand-out (POST /cases/{c}/threads/{t}/keys): for each other member, the
//      categories they may receive, with their public keys when at least one is allowed;
//   3. a section nobody may read stops here, before anything is sent, and the page shows
//      exactly what is missing (recipient, category, reason) with "ask the employee";
//   4. seal: each section for every device (encryption key) of the recipients allowed it,
//      plus a copy for each of the author's own devices; signed with the private signing key kept in IndexedDB;
//   5. POST /cases/{c}/threads/{t}/messages {envelope: base64url}.  The server checks
//      every wrap again; a 403 CONSENT_REQUIRED lists what is missing the same way.
//
// Meeting invitations are answered with three buttons (coming / new_time_wanted /
// cannot_come), each a meeting_response sent the same way; a follow-up plan is answered
// the same way with a follow_up_plan_ack (the form's data-kind; the button names the field).
//
// Files chosen under "Legg ved fil" (one input per section) are checked (PDF, PNG or JPEG
// by their first bytes; at most 25 MB) before anything is sent, then — once the person
// sends — encrypted chunk by chunk from File.slice() and uploaded chunk by chunk
// (attachments.sealFile), and their references sealed into their sections; the send
// names the uploads with their section ids (docs/envelope.md, "Attachments").
//
// The bundle API used: loadCatalog, split, forms.fromInputs, seal, publicKeys, b64url,
// fromB64url, KEM_XWING, KEM_X25519, attachments (and KindError's name).

import * as bundle from "/static/build/samband.js";

import { ApiError, api, apiJson, choiceLabel, el, errorText, me, s, say } from "./common.js";
import { deleteDraft, loadDraft, saveDraft } from "./drafts.js";
import { loadIdentity } from "./keystore.js";
import { annotateMissing, askable } from "./limits.js";
import { navActs, showStatutoryBox, statutoryText } from "./navacts.js";
import { closePreview, showPreview } from "./preview.js";

const { KEM_X25519, KEM_XWING, attachments, b64url, forms, fromB64url, loadCatalog, publicKeys, seal, split } = bundle;
const SUPPORTED_KEMS = [KEM_XWING, KEM_X25519]; // the suites this page seals to

const page = document.getElementById("page");
const caseId = page.dataset.caseId;
const threadId = page.dataset.threadId;
const employeeId = page.dataset.employeeId;
const composeForm = document.getElementById("compose");
const missingSection = document.getElementById("consent-missing");

let catalog = null;
let identity = null;
let ownKeys = null;
let lastMissing = { problems: [], purpose: null };

class ConsentMissing extends Error {
  constructor(problems, purpose) {
    super("consent missing");
    this.name = "ConsentMissing";
    this.problems = problems;
    this.purpose = purpose;
  }
}

/** The encryption keys this page can seal to, one per device of the recipient. */
function usableKeys(keys) {
  return keys.filter((k) => SUPPORTED_KEMS.includes(k.kem_id));
}

async function ready() {
  if (!identity) {
    identity = await loadIdentity(me());
    if (!identity) {
      document.getElementById("keys-needed").hidden = false;
      throw new Error(s("no_keys"));
    }
    ownKeys = await publicKeys(identity);
  }
  if (!catalog) catalog = await loadCatalog();
}

// --- sealing and sending -------------------------------------------------------------------------

/**
 * Seal `form` of `kind` for everyone in the thread who may read each part, and send it.
 * Resolves to {id, partial: [{recipient_name, category, reason}]}; rejects with
 * ConsentMissing (nothing sent), a KindError (form invalid) or an ApiError.
 */
export async function sealAndSend(kind, form, { inReplyTo = null, reference = "", meeting = null } = {}) {
  return sendPlan(await prepare(kind, form, { reference, meeting }), { inReplyTo });
}

/**
 * The key hand-out for `form` of `kind`: who may get which part (for the preview),
 * before anything is sealed or sent.  Rejects with ConsentMissing when a part has no
 * reader at all.
 */
export async function prepare(kind, form, { reference = "", meeting = null, files = {} } = {}) {
  await ready();
  const spec = catalog.get(kind);
  const purpose = spec.default_purpose;
  // The sections the files go in must be there when the keys are handed out.
  const sections = split(kind, form, Object.fromEntries(Object.keys(files).map((c) => [c, [{}]])));
  const categories = sections.map((x) => x.category);
  const index = new Map(categories.map((c, i) => [c, i]));
  // NAV's request or summons, and the meeting the message belongs to: metadata, made with the message.
  const acts = { ...navActs(kind, form, { reference }), ...(meeting ? { meeting } : {}) };
  const handout = await apiJson("POST", `/cases/${caseId}/threads/${threadId}/keys`, {
    json: { categories, purpose, purposes: {}, ...(acts.nav_summons ? { nav_summons: acts.nav_summons } : {}) },
  });
  const recipients = [];
  const readers = categories.map(() => 0);
  for (const offer of handout.recipients) {
    const allowed = offer.allowed.filter((a) => index.has(a.category)).map((a) => index.get(a.category));
    const keys = usableKeys(offer.keys);
    if (!allowed.length || !keys.length) continue;
    for (const key of keys) { // every device of the recipient
      recipients.push({ recipientId: offer.recipient_id, keyId: key.key_id, kemId: key.kem_id, publicKey: fromB64url(key.public_key), sectionIds: allowed });
    }
    for (const i of allowed) readers[i] += 1;
  }
  const denied = handout.recipients.flatMap((o) => o.denied.map((d) => ({ recipient_id: o.recipient_id, recipient_name: o.name, ...d })));
  const unread = categories.filter((_, i) => readers[i] === 0);
  if (unread.length) throw new ConsentMissing(denied.filter((d) => unread.includes(d.category)), purpose);
  return { kind, form, files, purpose, sections, categories, recipients, handout, denied, unread, usableKeys, acts };
}

/** Encrypt and upload one file chunk by chunk; its reference for the section. */
async function uploadFile(file, mediaType) {
  const base = `/cases/${caseId}/threads/${threadId}/attachments`;
  const upload = await apiJson("POST", base, { json: { size: file.size, chunk_size: attachments.CHUNK_SIZE } });
  const put = (index, chunk) => api("PUT", `${base}/${upload.id}/chunks/${index}`, {
    body: chunk, headers: { "Content-Type": "application/octet-stream" },
  });
  const progress = (done) => say("compose-status", s("attach_progress", { name: file.name, percent: Math.floor(done * 100) }));
  const ref = await attachments.sealFile(file, upload.id, mediaType, put, { onProgress: progress });
  await apiJson("POST", `${base}/${upload.id}/complete`);
  return ref;
}

/** The files chosen per section ({category: [File]}), each checked; a problem is shown
 * at its input and thrown. */
async function chosenFiles(formEl, values) {
  const out = {};
  for (const input of formEl.querySelectorAll('input[type="file"][name="attach"]')) {
    const slot = input.parentElement.querySelector(".field-error");
    slot.hidden = true;
    input.removeAttribute("aria-invalid");
    const category = input.dataset.category === "*" ? values.category : input.dataset.category;
    for (const file of input.files) {
      try {
        file.mediaType = await attachments.checkFile(file);
      } catch (error) {
        const text = s(`attach_${error.reason ?? "type"}`, { name: file.name });
        slot.textContent = text;
        slot.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        throw Object.assign(new Error(text), { shown: true });
      }
      (out[category] ??= []).push(file);
    }
  }
  return out;
}

/** Seal a prepared message for the recipients the hand-out allowed, and send it. */
export async function sendPlan(plan, { inReplyTo = null } = {}) {
  const { kind, form, files, purpose, categories, handout, denied, unread, acts } = plan;
  let { sections } = plan;
  const recipients = [...plan.recipients];
  // A copy for the author's own devices; this browser's key must be one of them.
  if (!handout.own_keys.some((k) => k.key_id === ownKeys.encryptionKeyId)) {
    document.getElementById("keys-needed").hidden = false;
    throw new Error(s("keys_published_elsewhere"));
  }
  for (const own of usableKeys(handout.own_keys)) {
    recipients.push({ recipientId: me(), keyId: own.key_id, kemId: own.kem_id, publicKey: fromB64url(own.public_key), sectionIds: categories.map((_, i) => i) });
  }
  const named = {}; // upload id -> section id
  if (Object.keys(files ?? {}).length) {
    const refs = {};
    for (const [category, list] of Object.entries(files)) {
      for (const file of list) {
        const ref = await uploadFile(file, file.mediaType);
        (refs[category] ??= []).push(ref);
        named[ref.id] = categories.indexOf(category);
      }
    }
    sections = split(kind, form, refs);
  }
  const createdAt = new Date();
  const header = {
    messageId: crypto.randomUUID(), caseId, threadId, senderId: me(), senderKeyId: ownKeys.signingKeyId,
    kind, inReplyTo: inReplyTo || null, createdAt,
  };
  const sealed = await seal({ header, sections, recipients, signingKey: identity.signingKey });
  let sent;
  try {
    sent = await apiJson("POST", `/cases/${caseId}/threads/${threadId}/messages`, {
      json: { envelope: b64url(sealed), purpose, purposes: {}, ...acts, ...(Object.keys(named).length ? { attachments: named } : {}) },
      idempotencyKey: `message:${header.messageId}`,
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === "CONSENT_REQUIRED") throw new ConsentMissing(error.problems, purpose);
    throw error;
  }
  document.dispatchEvent(new CustomEvent("samband:sent", { detail: { id: sent.id, kind, inReplyTo, createdAt } }));
  return { id: sent.id, partial: denied.filter((d) => !unread.includes(d.category)) };
}

// --- the meeting a message belongs to (docs/meetings.md) -------------------------------------------

/**
 * The `meeting` metadata for a message composed in `formEl`: a new meeting for an
 * invitation; for a change, cancellation or minutes the meeting named by the form (the
 * card's link), and for minutes each task's owner and due date (ids made here; the
 * tasks are listed in the order of the minutes' tasks).  Null for other messages.
 */
function meetingAct(formEl, kind, values) {
  if (kind === "meeting_invitation") return { meeting_id: crypto.randomUUID(), meeting_type: values.meeting_type };
  const meetingId = formEl.elements.meeting_id?.value;
  if (!meetingId) return null;
  if (kind !== "minutes") return { meeting_id: meetingId };
  const tasks = [];
  for (let i = 0; formEl.elements[`tasks.${i}.task`]; i += 1) {
    if (!formEl.elements[`tasks.${i}.task`].value.trim()) continue;
    const owner = formEl.elements[`task_owner_${i}`]?.value;
    if (!owner) {
      formEl.elements[`task_owner_${i}`]?.focus();
      throw new Error(s("meeting_task_owner", { n: i + 1 }));
    }
    const due = formEl.elements[`tasks.${i}.due_date`]?.value || null;
    tasks.push({ task_id: crypto.randomUUID(), owner_id: owner, due_date: due });
  }
  return { meeting_id: meetingId, tasks };
}

// --- the compose form -----------------------------------------------------------------------------

function fieldLabel(spec, path) {
  const [name, , sub] = path.split(".");
  const field = spec.fields.find((f) => f.name === name);
  if (!field) return path;
  const label = field[`title_${document.documentElement.lang === "en" ? "en" : "nb"}`] || name;
  if (sub && field.item_fields) {
    const inner = field.item_fields.find((f) => f.name === sub);
    return `${label}: ${inner?.[`title_${document.documentElement.lang === "en" ? "en" : "nb"}`] ?? sub}`;
  }
  return label;
}

/** The form's values by the catalog's fields; rows of objects from name.N.sub inputs. */
function valuesOf(formEl, spec) {
  const data = new FormData(formEl);
  const raw = {};
  for (const field of spec.fields) {
    if (field.item_fields) {
      const rows = [];
      for (let i = 0; formEl.querySelector(`[name^="${field.name}.${i}."]`); i++) {
        const row = {};
        for (const sub of field.item_fields) {
          const value = data.get(`${field.name}.${i}.${sub.name}`);
          if (value !== null && String(value).trim() !== "") row[sub.name] = String(value);
        }
        if (Object.keys(row).length) rows.push(row);
      }
      if (rows.length) raw[field.name] = rows;
    } else if (field.type.startsWith("list[")) {
      const values = data.getAll(field.name).map(String).filter((v) => v !== "");
      if (values.length) raw[field.name] = values;
    } else {
      const value = data.get(field.name);
      if (value !== null && String(value) !== "") raw[field.name] = String(value);
    }
  }
  return forms.fromInputs(spec.kind, raw);
}

function clearErrors(formEl) {
  for (const p of formEl.querySelectorAll("[data-field] > .field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const node of formEl.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function showFormError(formEl, spec, error) {
  const message = error.problem ? errorText(error) : /is required$/.test(error.message) ? s("required") : error.message.replace(/^[a-z_]+: /, "");
  const path = (error.field ?? "").replace(/\[(\d+)\]/g, ".$1");
  const holder = path ? formEl.querySelector(`[data-field="${CSS.escape(path)}"]`) ?? formEl.querySelector(`[data-field="${CSS.escape(path.split(".")[0])}"]`) : null;
  const text = path ? s("form_error", { label: fieldLabel(spec, path), message }) : s("form_error_plain", { message });
  say("compose-error", text, { error: true });
  if (holder) {
    const slot = holder.querySelector(":scope > .field-error");
    if (slot) {
      slot.textContent = text;
      slot.hidden = false;
    }
    const control = holder.matches("input, select, textarea") ? holder : holder.querySelector("input, select, textarea");
    control?.setAttribute("aria-invalid", "true");
    control?.focus();
  }
}

function reasonText(code) {
  return s(`missing.${code}`) === `missing.${code}` ? s("missing.no_basis") : s(`missing.${code}`);
}

function showMissing(problems, purpose) {
  lastMissing = { problems, purpose };
  const ul = document.getElementById("missing-list");
  ul.replaceChildren(...problems.map((p) =>
    el("li", { dataset: { testid: "missing-row", recipientId: p.recipient_id, category: p.category, reason: p.reason, statutory: p.statutory_possible?.act ?? "" } },
      s("missing_row", { name: p.recipient_name, category: s(`category.${p.category}`), reason: statutoryText(p) ?? reasonText(p.reason) }))));
  const lawful = showStatutoryBox(missingSection, problems); // the law, not consent, could be the basis
  say("request-status", "");
  say("request-error", "");
  const canAsk = annotateMissing(ul) > 0; // what this person may not ask for is named, not offered
  const askForm = document.getElementById("consent-request-form"); // not on the employee's own page
  if (askForm) askForm.hidden = lawful || !canAsk;
  if (askForm && !lawful && !canAsk) say("request-status", s("limit_nothing_to_ask"));
  missingSection.hidden = false;
  missingSection.querySelector("h3").setAttribute("tabindex", "-1");
  missingSection.querySelector("h3").focus();
}

function problemText(error) {
  return error?.name === "KindError" ? s("form_error_plain", { message: errorText(error) }) : s("error", { message: errorText(error) });
}

async function onCompose(event) {
  event.preventDefault();
  const formEl = event.currentTarget;
  if (formEl.dataset.busy === "true") return; // a second tap while the first is on its way
  formEl.dataset.busy = "true";
  try {
    await compose(formEl);
  } finally {
    delete formEl.dataset.busy;
  }
}

async function compose(formEl) {
  const button = formEl.querySelector('button[type="submit"]');
  closePreview();
  clearErrors(formEl);
  say("compose-error", "");
  missingSection.hidden = true;
  let spec;
  let values;
  let files = {};
  try {
    await ready();
    spec = catalog.get(formEl.dataset.kind);
    values = valuesOf(formEl, spec);
    split(spec.kind, values); // validate here, with the field named, before asking for keys
    files = await chosenFiles(formEl, values); // wrong type or too large: said at the input, nothing sent
  } catch (error) {
    if (error?.shown) return say("compose-error", error.message, { error: true });
    if (error?.name === "KindError" && spec) return showFormError(formEl, spec, error);
    return say("compose-error", problemText(error), { error: true });
  }
  let meeting;
  try {
    meeting = meetingAct(formEl, spec.kind, values);
  } catch (error) {
    return say("compose-error", error.message, { error: true });
  }
  button.disabled = true;
  const inReplyTo = formEl.elements.in_reply_to?.value || null;
  const reference = formEl.elements.nav_reference?.value.trim() ?? "";
  try {
    const plan = await prepare(spec.kind, values, { reference, meeting, files });
    button.disabled = false;
    if (!(await showPreview(formEl, plan))) { // "Endre": back to the form, nothing sent
      formEl.querySelector("input, select, textarea")?.focus();
      return;
    }
    say("compose-status", s("sending"));
    const { partial } = await sendPlan(plan, { inReplyTo });
    closePreview();
    formEl.reset();
    const notes = partial.map((p) => s("partial", { name: p.recipient_name, category: s(`category.${p.category}`), reason: reasonText(p.reason) }));
    say("compose-status", [s("sent"), ...notes].join(" "));
  } catch (error) {
    closePreview();
    say("compose-status", "");
    if (error instanceof ConsentMissing) {
      // Kept in this browser; sent with one tap once the consent is there.
      if (saveDraft(threadId, { kind: spec.kind, values, inReplyTo, reference, meeting })) {
        showDraft();
        say("compose-status", s("draft_saved"));
      }
      showMissing(error.problems, error.purpose);
    } else say("compose-error", problemText(error), { error: true });
  } finally {
    button.disabled = false;
  }
}

// --- a draft waiting for consent ---------------------------------------------------------------

function showDraft() {
  document.getElementById("draft")?.remove();
  const draft = loadDraft(threadId);
  if (!draft || !composeForm) return;
  const kindTitle = catalog?.get(draft.kind)?.[`title_${document.documentElement.lang === "en" ? "en" : "nb"}`] ?? draft.kind;
  const send = el("button", { type: "button", class: "button-primary", id: "draft-send", dataset: { testid: "draft-send" } }, s("draft_send"));
  const drop = el("button", { type: "button", id: "draft-delete", dataset: { testid: "draft-delete" } }, s("draft_delete"));
  const status = el("p", { class: "form-status", role: "status", id: "draft-status", dataset: { testid: "draft-status" } });
  const box = el("section", { id: "draft", class: "notice draft", "aria-labelledby": "draft-h", dataset: { testid: "draft" } },
    el("h3", { id: "draft-h" }, s("draft_title")),
    el("p", {}, s("draft_what", { kind: kindTitle, time: new Date(draft.savedAt).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "nb-NO") })),
    el("div", { class: "button-row" }, send, drop), status);
  composeForm.before(box);
  send.addEventListener("click", async () => {
    if (send.disabled) return;
    send.disabled = true;
    say(status, s("sending"));
    try {
      await sealAndSend(draft.kind, draft.values, { inReplyTo: draft.inReplyTo, reference: draft.reference ?? "", meeting: draft.meeting ?? null });
      deleteDraft(threadId);
      box.remove();
      missingSection.hidden = true;
      say("compose-status", s("draft_sent"));
      document.getElementById("compose-status")?.focus?.();
    } catch (error) {
      say(status, "");
      send.disabled = false;
      if (error instanceof ConsentMissing) showMissing(error.problems, error.purpose);
      else say(status, problemText(error), { error: true });
    }
  });
  drop.addEventListener("click", () => {
    deleteDraft(threadId);
    box.remove();
    say("compose-status", s("draft_deleted"));
  });
}

async function onAnswer(event) {
  const formEl = event.target.closest?.("form.meeting-response");
  if (!formEl) return;
  event.preventDefault();
  const answer = event.submitter?.value;
  const status = formEl.querySelector(".form-status");
  if (!answer) return;
  // A meeting response, or (data-kind) another answer form: the button names the field.
  const field = event.submitter.name || "answer";
  const form = { [field]: answer };
  const comment = formEl.elements.comment?.value.trim();
  if (comment) form.comment = comment;
  const needs = event.submitter.dataset.needs;
  if (needs && !form[needs]) {
    say(status, s("empthreads_comment_needed"), { error: true });
    formEl.elements[needs]?.focus();
    return;
  }
  for (const b of formEl.querySelectorAll("button")) b.disabled = true;
  say(status, s("sending"));
  try {
    const meeting = formEl.dataset.meetingId && field === "answer" ? { meeting_id: formEl.dataset.meetingId, answer } : null;
    await sealAndSend(formEl.dataset.kind || "meeting_response", form, { inReplyTo: formEl.dataset.replyTo, meeting });
    say(status, `${s("sent")} (${choiceLabel(field, answer)})`);
  } catch (error) {
    say(status, "");
    for (const b of formEl.querySelectorAll("button")) b.disabled = false;
    if (error instanceof ConsentMissing) showMissing(error.problems, error.purpose);
    else say(status, problemText(error), { error: true });
  }
}

/** "Ask the employee for consent": one request per recipient, for exactly what was missing. */
async function onAskConsent(event) {
  event.preventDefault();
  const formEl = event.currentTarget;
  const reason = formEl.elements.reason.value.trim();
  say("request-error", "");
  if (reason.length < 3) {
    say("request-error", s("request_reason_short"), { error: true });
    formEl.elements.reason.focus();
    return;
  }
  const weeks = Number(formEl.elements.weeks.value) || 8;
  if (formEl.dataset.intentWeeks !== String(weeks)) delete formEl.dataset.intent; // a different request
  if (!formEl.dataset.intent) {
    formEl.dataset.validTo = new Date(Date.now() + weeks * 7 * 24 * 3600 * 1000).toISOString();
    formEl.dataset.intentWeeks = String(weeks);
  }
  const validTo = formEl.dataset.validTo;
  const byRecipient = new Map();
  for (const p of lastMissing.problems) {
    if (!askable([p.category]).length) continue; // not this person's to ask for (consent/limits.py)
    if (!byRecipient.has(p.recipient_id)) byRecipient.set(p.recipient_id, new Set());
    byRecipient.get(p.recipient_id).add(p.category);
  }
  const button = formEl.querySelector('button[type="submit"]');
  if (formEl.dataset.busy === "true") return;
  formEl.dataset.busy = "true";
  button.disabled = true;
  // One key per request this person means to make: a double tap asks once.
  formEl.dataset.intent ||= crypto.randomUUID();
  try {
    for (const [recipientId, categories] of byRecipient) {
      await apiJson("POST", "/consent/requests", {
        idempotencyKey: `consent-request:${formEl.dataset.intent}:${recipientId}`,
        json: {
          subject_id: employeeId,
          grant: {
            recipient: { kind: "person", id: recipientId },
            discloser: { kind: "person", id: me() },
            direction: "one_way",
            categories: [...categories],
            purposes: [lastMissing.purpose],
            valid_to: validTo,
            case_id: caseId,
          },
          reason,
        },
      });
    }
    formEl.reset();
    delete formEl.dataset.intent;
    say("request-status", s("request_sent"));
  } catch (error) {
    say("request-error", s("error", { message: errorText(error) }), { error: true });
  } finally {
    button.disabled = false;
    delete formEl.dataset.busy;
  }
}

composeForm?.addEventListener("submit", onCompose);
ready().then(showDraft, () => {}); // a draft kept from before, waiting for consent
document.addEventListener("submit", onAnswer);
document.getElementById("consent-request-form")?.addEventListener("submit", onAskConsent);
