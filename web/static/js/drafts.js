// Drafts kept in this browser only: a message stopped by a missing consent waits here
// (localStorage, per person and thread) and is sent with one tap once consent arrives.
// Nothing of it goes to the server until it is sealed and sent like any message.

import { me } from "./common.js";

function slot(threadId) {
  return `samband:draft:${me()}:${threadId}`;
}

export function saveDraft(threadId, { kind, values, inReplyTo = null }) {
  try {
    localStorage.setItem(slot(threadId), JSON.stringify({ kind, values, inReplyTo, savedAt: new Date().toISOString() }));
    return true;
  } catch {
    return false; // storage full or refused: the page says nothing was kept
  }
}

export function loadDraft(threadId) {
  try {
    const raw = localStorage.getItem(slot(threadId));
    const draft = raw ? JSON.parse(raw) : null;
    return draft && typeof draft.kind === "string" && draft.values && typeof draft.values === "object" ? draft : null;
  } catch {
    return null;
  }
}

export function deleteDraft(threadId) {
  try {
    localStorage.removeItem(slot(threadId));
  } catch {
    // nothing to do
  }
}
