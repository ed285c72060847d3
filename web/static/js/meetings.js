// The meeting cards of a thread (thread.html, _meeting_cards.html).  The server gives the
// meeting's metadata (state, who is coming, how many changes); the time and place are
// in the encrypted invitation or latest change, which thread.js opens and announces
// ("samband:opened").  From those decrypted details this page shows the time and place
// and makes the calendar file (.ics, RFC 5545) here, in the browser: a Blob and a
// download link, no server involved.
//
//   UID       the meeting id (the same across changes, so a calendar updates its event)
//   DTSTART   the meeting's start in UTC; DTEND = start + duration (60 minutes if not given)
//   SUMMARY   the meeting's type; LOCATION the place, else the video link
//   SEQUENCE  how many times it was changed; STATUS:CANCELLED once cancelled

import { s, say } from "./common.js";

const opened = new Map(); // message id -> decrypted form

function lang() {
  return document.documentElement.lang === "en" ? "en-GB" : "nb-NO";
}

function details(card) {
  return opened.get(card.dataset.detailsId) ?? null;
}

function showWhen(card) {
  const form = details(card);
  const line = card.querySelector(".meeting-when");
  if (!form || !line || !form.starts_at) return;
  const time = new Date(form.starts_at).toLocaleString(lang(), { dateStyle: "full", timeStyle: "short" });
  line.textContent = s("meeting_when", { time, place: form.place || form.video_link || "" });
}

/** 20261220T090000Z */
function utcStamp(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** A TEXT value, escaped (RFC 5545 3.3.11). */
function text(value) {
  return String(value).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** Lines longer than 75 octets are folded: CRLF and one space (RFC 5545 3.1). */
function fold(line) {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts = [];
  let current = "";
  let size = 0;
  for (const ch of line) {
    const n = new TextEncoder().encode(ch).length;
    if (size + n > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = "";
      size = 0;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export function icsFor({ meetingId, title, state, changeCount, form, now = new Date() }) {
  const start = new Date(form.starts_at);
  const end = new Date(start.getTime() + (Number(form.duration_minutes) || 60) * 60_000);
  const lines = [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//samband//meetings//NO", "CALSCALE:GREGORIAN",
    `METHOD:${state === "cancelled" ? "CANCEL" : "PUBLISH"}`,
    "BEGIN:VEVENT",
    `UID:${meetingId}`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART:${utcStamp(start)}`,
    `DTEND:${utcStamp(end)}`,
    `SUMMARY:${text(title)}`,
    ...(form.place || form.video_link ? [`LOCATION:${text(form.place || form.video_link)}`] : []),
    ...(form.video_link ? [`URL:${form.video_link}`] : []),
    `SEQUENCE:${Number(changeCount) || 0}`,
    `STATUS:${state === "cancelled" ? "CANCELLED" : "CONFIRMED"}`,
    "END:VEVENT", "END:VCALENDAR",
  ];
  return lines.map(fold).join("\r\n") + "\r\n";
}

function download(card) {
  const status = card.querySelector('[data-testid="meeting-ics-status"]');
  const form = details(card);
  if (!form) return say(status, s("meeting_not_open"), { error: true });
  say(status, "");
  const ics = icsFor({
    meetingId: card.dataset.meetingId, title: card.dataset.title, state: card.dataset.state,
    changeCount: card.dataset.changeCount, form,
  });
  const url = URL.createObjectURL(new Blob([ics], { type: "text/calendar;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${card.dataset.meetingType}-${card.dataset.meetingId}.ics`;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

document.addEventListener("samband:opened", (event) => {
  const { id, form } = event.detail;
  opened.set(id, form);
  for (const card of document.querySelectorAll(".meeting-card")) {
    if (card.dataset.detailsId === id) showWhen(card);
  }
});

for (const button of document.querySelectorAll(".meeting-ics")) {
  button.addEventListener("click", () => download(button.closest(".meeting-card")));
}
