// Live updates over the websocket /ws (protocol: web/ws.py).
//
// The browser sends the session cookie with the handshake; the server checks that the
// page is one of samband's own (Origin).  The first frame resumes from the cursor the
// server rendered into the page (data-ws-cursor: the newest event when the page was
// made), so nothing from before is replayed and nothing after is missed; after a drop
// it resumes from the last seq seen.
//
// Every event is re-dispatched as a "samband:event" DOM event (thread.js opens new
// messages, applies receipts and recalls).  On the inbox page (and the employee's list
// of conversations on /portal) this script itself bumps the unread count of the thread
// and says so in the live region.

import { s, say } from "./common.js";

// The page's root: #page, or on /portal the conversations section (data-page="threads").
const page = document.getElementById("page") ?? document.querySelector("[data-ws-cursor]");
const MAX_BACKOFF = 30000;

function onInbox(event) {
  if (event.type !== "message") return;
  const badge = document.getElementById(`unread-${event.thread_id}`);
  const link = document.getElementById(`thread-link-${event.thread_id}`);
  if (!badge || !link) {
    say("live-status", s("new_thread"));
    return;
  }
  const item = badge.closest("li");
  const count = Number(item.dataset.unread || "0") + 1;
  item.dataset.unread = String(count);
  item.classList.add("thread-unread");
  badge.hidden = false;
  badge.textContent = s("unread", { n: count });
  item.parentElement.prepend(item); // unread first
  say("live-status", s("new_message_in", { topic: link.textContent.trim() }));
}

function connect(startCursor) {
  let cursor = startCursor;
  let backoff = 1000;
  let socket = null;

  const open = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "resume", cursor })));
    socket.addEventListener("message", (frame) => {
      let event;
      try {
        event = JSON.parse(frame.data);
      } catch {
        return;
      }
      if (typeof event.seq === "number") cursor = Math.max(cursor, event.seq);
      if (event.type === "ready") {
        backoff = 1000;
        if (page.dataset.live === "closed") say("live-status", "");
        page.dataset.live = "connected";
        return;
      }
      if (event.type === "ping") {
        if (typeof event.cursor === "number") cursor = Math.max(cursor, event.cursor);
        socket.send(JSON.stringify({ type: "pong" }));
        return;
      }
      if (page.dataset.page === "inbox" || page.dataset.page === "threads") onInbox(event);
      document.dispatchEvent(new CustomEvent("samband:event", { detail: event }));
    });
    socket.addEventListener("close", (closed) => {
      page.dataset.live = "closed";
      if (closed.code === 4401 || closed.code === 4403) return; // signed out, or not our page: stop
      say("live-status", s("live_lost"));
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF);
    });
  };
  open();
  window.addEventListener("pagehide", () => socket?.close());
}

if (page && page.dataset.wsCursor !== undefined && "WebSocket" in window) {
  connect(Number(page.dataset.wsCursor) || 0);
}
