// On every page: signing out takes this browser's keys out of reach before the server
// session ends (docs/decisions/0012-sessions.md).
//
// - A form marked data-signs-out (the header's "Logg ut", the sign-out page, "Logg ut
//   på alle enheter") first cleans up, then is sent.  On a shared computer (the
//   person said so at sign-in: <body data-shared-computer>) the person's sealed keys
//   and the wrapping key are deleted from IndexedDB; otherwise they stay sealed, and
//   locked: they open only with the server's half of the lock, which needs a live
//   sign-in.
// - The page after a shared computer's sign-out (<body data-forget-keys="<actor>">)
//   deletes them again, in case the form was sent without this script.

import { forgetIdentity, lockIdentity } from "./keystore.js";

const body = document.body;
const shared = body.dataset.sharedComputer === "true";

async function cleanUp(actorId) {
  lockIdentity();
  if (shared && actorId) await forgetIdentity(actorId);
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-signs-out")) return;
  if (form.dataset.cleaned === "true") return;
  event.preventDefault();
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  const send = () => {
    form.dataset.cleaned = "true";
    form.submit();
  };
  // Sign out whatever happens: a failed clean-up is repeated on the next page.
  cleanUp(body.dataset.me).then(send, send);
});

const forget = body.dataset.forgetKeys;
if (forget) {
  forgetIdentity(forget).then(
    () => body.removeAttribute("data-forget-keys"),
    () => {},
  );
}
