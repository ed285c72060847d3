// On every page: a form that is sent cannot be sent again while it is on its way (the
// server's idempotency key is the real guard, see web/idempotency.py); after a form,
// focus and view move to what it answered (the error summary, the undo, the flash
// message); the undo after a withdrawal counts down.

import { s } from "./common.js";

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
  // After this event's handlers: a handler may have taken the submit over (fetch).
  setTimeout(() => {
    if (event.defaultPrevented) return;
    for (const button of form.querySelectorAll('button[type="submit"], button:not([type])')) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
  }, 0);
});

// Back to a page from the history: its buttons work again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll('button[aria-busy="true"]')) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
});

function focusAnswer() {
  const first = ["#form-errors", "#undo h2", "#flashes [data-testid=flash]", "#confirm-h"];
  const target = first.map((sel) => document.querySelector(sel)).find(Boolean);
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "center" });
}

function countDown() {
  const box = document.getElementById("undo");
  if (!box) return;
  let left = Number(box.dataset.seconds) || 0;
  const status = document.getElementById("undo-time");
  const form = document.getElementById("undo-form");
  const tick = () => {
    if (left <= 0) {
      form?.remove();
      if (status) status.textContent = s("undo_gone");
      box.dataset.expired = "true";
      return;
    }
    if (status) status.textContent = s("undo_left", { seconds: left });
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

// After the browser has scrolled to the URL's #fragment (which also moves focus), so
// the answer is where focus and view end up.
if (document.readyState === "complete") requestAnimationFrame(focusAnswer);
else window.addEventListener("load", () => requestAnimationFrame(focusAnswer), { once: true });
countDown();
