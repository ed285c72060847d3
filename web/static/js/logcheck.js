// The employee's browser checks his own disclosure log (docs/disclosure-log.md) and
// does not take the server's word for it.
//
// On /portal/log: fetch GET /consent/log (his log's signed head, the log key, every
// entry with its leaf and inclusion proof), page by page until every entry the page
// shows has been found, and check
//   - the log is his (its id is SHA-256 of "samband.no/v2/log-id\n" + his actor id);
//   - the head is signed by the log key this browser pinned the first time it saw his log;
//   - every entry shown: its leaf hashes, through its proof, to the head's root; the
//     leaf names this entry (id, index, tag, outcome, time) as the page shows it;
//   - the entries run without a gap from the newest down (none removed);
//   - the head extends the newest head this browser verified before (the same root at
//     the same size, or a consistency proof from GET /consent/log/consistency), and
//     is not smaller (the tail was not cut).
// Then he sees "Loggen er kontrollert i nettleseren din" with the head's size and time,
// the detail folded away, and the head is kept (localStorage, per log id) for next time.
// Anything that fails: a plain warning that his log was changed or cut, what that
// means and whom to contact; the saved head is NOT replaced, so the warning stays
// until someone looks into it. A network failure is not a broken log: it says so.

import { logproof } from "/static/build/samband.js";
import { lang, me, s } from "./common.js";

const { LogProofError } = logproof;

const API = "/consent/log";
const PAGE = 500; // the API's largest page
const MAX_PAGES = 40; // 20 000 entries: more than /portal/log ever shows on one page
const STORE_PREFIX = "samband.log.v2:";

/** A head's time as the portal shows times: Norwegian wall-clock time, whatever the device's zone. */
function formatDateTime(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "nb-NO", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Oslo" }).format(d);
}

/** A failed check, with the words he reads (`reason`) and the technical detail. */
class Broken extends Error {
  constructor(reason, message, detail = {}) {
    super(message);
    this.reason = reason;
    this.detail = detail;
  }
}

const box = document.getElementById("log-check");
if (box) run();

function saved(logId) {
  try {
    const raw = localStorage.getItem(STORE_PREFIX + logId);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function save(logId, record) {
  try {
    localStorage.setItem(STORE_PREFIX + logId, JSON.stringify(record));
  } catch {
    // Storage full or off (private mode): the next visit checks without a saved head.
  }
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, ok: response.ok, body };
}

class Unavailable extends Error {}

async function page(before) {
  const url = before === null ? `${API}?limit=${PAGE}` : `${API}?limit=${PAGE}&before=${before}`;
  const got = await getJson(url);
  if (!got.ok || !got.body) throw new Unavailable(`GET ${url}: ${got.status}`);
  return got.body;
}

function shownEntries() {
  return [...document.querySelectorAll("[data-testid=log-entry][data-entry-id]")];
}

/** The page's own entries run without a gap (when it shows them all, not one person's):
 * entries are never deleted, so a missing number is an entry removed, whatever the
 * server answers after. */
function checkShownRun() {
  if (box.dataset.whole !== "true") return;
  const indices = shownEntries().map((el) => Number(el.dataset.index)).filter(Number.isSafeInteger).sort((a, b) => b - a);
  for (let i = 1; i < indices.length; i++) {
    if (indices[i] !== indices[i - 1] - 1) {
      throw new Broken("gap", `the page shows entries ${indices[i - 1]} and ${indices[i]}, but not ${indices[i - 1] - 1}`);
    }
  }
}

/** Check one page's head and entries; returns the verified entries by entry id. */
function checkPage(data, logId, key, expectTop) {
  if (data.log_id !== logId || data.head?.log_id !== logId) {
    throw new Broken("not_yours", `the server sent log ${data.log_id}, not ${logId}`);
  }
  try {
    logproof.verifyHead(data.head, key);
  } catch (err) {
    throw new Broken("signature", err.message);
  }
  let verified;
  try {
    verified = logproof.verifyEntries(data.head, data.entries ?? []);
  } catch (err) {
    if (!(err instanceof LogProofError)) throw err;
    throw new Broken("entry", err.message, err.detail);
  }
  // Newest first, without a gap: the first page starts at the head's last leaf.
  let expect = expectTop;
  for (const { entry } of verified) {
    if (entry.index !== expect) {
      throw new Broken(entry.index < expect ? "gap" : "entry", `expected entry ${expect} next, the server sent entry ${entry.index}`);
    }
    expect -= 1;
  }
  return verified;
}

async function checkEntries(logId, key, newest) {
  const wanted = new Map(shownEntries().map((el) => [el.dataset.entryId, el]));
  const found = new Map();
  let first = null;
  let before = null;
  let top = null;
  for (let n = 0; n < MAX_PAGES; n++) {
    const data = n === 0 ? newest : await page(before);
    if (first === null) {
      first = data;
      top = data.head.tree_size - 1;
    } else if (!logproof.sameTree(first.head, data.head)) {
      return null; // the log grew while we read it: start again
    }
    const verified = checkPage(data, logId, key, top);
    for (const { entry, leaf } of verified) found.set(entry.entry_id, leaf);
    top -= verified.length;
    if (![...wanted.keys()].some((id) => !found.has(id)) || data.next_before === null || data.next_before === undefined) break;
    before = data.next_before;
  }
  if (first === null) throw new Unavailable("no answer");
  // Every entry the page shows is in the signed log, as the page shows it.
  for (const [id, el] of wanted) {
    const leaf = found.get(id);
    if (!leaf) throw new Broken("missing", `entry ${id} on the page is not in the signed log of ${first.head.tree_size}`);
    const d = el.dataset;
    const differs = [["tag", d.tag], ["outcome", d.outcome], ["index", d.index === undefined ? undefined : Number(d.index)],
      ["occurred_at", d.at]].filter(([field, shown]) => shown !== undefined && leaf[field] !== shown);
    if (differs.length) {
      throw new Broken("entry", `entry ${leaf.index} is shown with ${differs.map(([f, v]) => `${f}=${v}`).join(", ")}, `
        + `but its leaf says ${differs.map(([f]) => `${f}=${leaf[f]}`).join(", ")}`);
    }
  }
  return { data: first, checked: wanted.size };
}

async function checkAgainstSaved(record, head, key) {
  if (!record?.head) return null;
  const old = record.head;
  if (old.tree_size > head.tree_size) {
    throw new Broken("cut", `this browser verified a head of ${old.tree_size} entries; the server now signs ${head.tree_size}`, { old });
  }
  if (old.tree_size === head.tree_size) {
    if (old.root_hash !== head.root_hash) throw new Broken("rewritten", `two heads of ${head.tree_size} entries have different roots`, { old });
    return old;
  }
  const got = await getJson(`${API}/consistency?first=${old.tree_size}&second=${head.tree_size}`);
  if (got.status === 422) {
    // The server has no head of the size this browser saw: it was removed.
    throw new Broken("rewritten", `the server cannot prove its log of ${head.tree_size} extends the one of ${old.tree_size}: `
      + (got.body?.detail ?? got.body?.message ?? "422"), { old });
  }
  if (!got.ok || !got.body) throw new Unavailable(`consistency: ${got.status}`);
  const answer = got.body;
  try {
    if (!logproof.sameTree(answer.first, old)) throw new LogProofError("consistency", `the server's head of ${old.tree_size} entries has another root than the one this browser verified`);
    if (!logproof.sameTree(answer.second, head)) throw new LogProofError("consistency", "the consistency proof ends at another head");
    logproof.verifyConsistencyAnswer(answer, key);
  } catch (err) {
    if (!(err instanceof LogProofError)) throw err;
    throw new Broken("rewritten", err.message, { old });
  }
  return old;
}

function line(list, text) {
  list.append(Object.assign(document.createElement("li"), { textContent: text }));
}

function showOk(head, key, checked, since) {
  const status = document.getElementById("log-check-status");
  const time = formatDateTime(head.signed_at);
  status.textContent = s(head.tree_size === 1 ? "logcheck_ok_one" : "logcheck_ok", { n: head.tree_size, time });
  status.dataset.state = "ok";
  box.dataset.state = "ok";
  box.dataset.size = String(head.tree_size);
  const lines = document.getElementById("log-check-lines");
  lines.replaceChildren();
  line(lines, s("logcheck_detail_entries", { n: checked, size: head.tree_size }));
  line(lines, since
    ? s("logcheck_detail_since", { n: since.tree_size, time: formatDateTime(since.signed_at) })
    : s("logcheck_detail_first"));
  line(lines, s("logcheck_detail_log", { id: head.log_id }));
  line(lines, s("logcheck_detail_root", { root: head.root_hash }));
  line(lines, s("logcheck_detail_key", { key: key.key_id, raw: key.ed25519 }));
  document.getElementById("log-check-detail").hidden = false;
}

function showBroken(err) {
  box.dataset.state = "broken";
  box.dataset.reason = err.reason;
  const status = document.getElementById("log-check-status");
  status.textContent = "";
  status.dataset.state = "broken";
  document.getElementById("log-check-detail").hidden = true;
  const old = err.detail?.old;
  document.getElementById("log-broken-reason").textContent = s(`logcheck_reason_${err.reason}`, {
    old: old?.tree_size ?? "", time: old ? formatDateTime(old.signed_at) : "",
  });
  const lines = document.getElementById("log-broken-lines");
  lines.replaceChildren();
  line(lines, err.message);
  document.getElementById("log-broken").hidden = false;
  const claim = document.getElementById("log-signed"); // the server's own word that the log is signed
  if (claim) claim.hidden = true;
}

function showUnavailable(err) {
  const status = document.getElementById("log-check-status");
  status.textContent = s("logcheck_unavailable", { message: err.message });
  status.dataset.state = "unavailable";
  box.dataset.state = "unavailable";
}

async function run() {
  box.hidden = false;
  const status = document.getElementById("log-check-status");
  status.textContent = s("logcheck_checking");
  box.dataset.state = "checking";
  const logId = logproof.logIdFor(me());
  const record = saved(logId);
  try {
    checkShownRun();
    let result = null;
    for (let attempt = 0; attempt < 3 && result === null; attempt++) {
      // The key: the one pinned at first sight, else the one the server names now.
      const probe = await page(null); // the newest page
      const key = record?.key ?? probe.public_key;
      if (record?.key && probe.public_key?.ed25519 !== record.key.ed25519) {
        throw new Broken("key", `the log is now signed with key ${probe.public_key?.key_id}, not ${record.key.key_id} as this browser first saw`);
      }
      const checked = await checkEntries(logId, key.ed25519, probe);
      if (checked === null) continue;
      const since = await checkAgainstSaved(record, checked.data.head, key.ed25519);
      result = { ...checked, key, since };
    }
    if (result === null) throw new Unavailable("the log kept changing while it was read");
    save(logId, { key: result.key, head: result.data.head, checked_at: new Date().toISOString() });
    showOk(result.data.head, result.key, result.checked, result.since);
  } catch (err) {
    if (err instanceof Broken) showBroken(err);
    else showUnavailable(err);
  }
}
