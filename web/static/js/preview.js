// Before a message is sent: who will get which part, from the key hand-out.
//   "Lise Berg får: Funksjonsevne, Arbeidsoppgaver; får ikke: Diagnose (ingen samtykke)"
// The panel sits right after the compose form; "Send" confirms, "Endre" goes back.

import { el, s } from "./common.js";

function shortReason(code) {
  return s(`short.${code}`) === `short.${code}` ? s("short.no_basis") : s(`short.${code}`);
}

/** One line per other member of the thread: what they get and what they do not. */
export function previewLines(plan) {
  const lines = [];
  for (const offer of plan.handout.recipients) {
    const wanted = new Set(plan.categories);
    const allowed = offer.allowed.map((a) => a.category).filter((c) => wanted.has(c));
    const denied = offer.denied.filter((d) => wanted.has(d.category));
    const hasKeys = plan.usableKeys(offer.keys).length > 0;
    const gets = hasKeys ? allowed : [];
    const notItems = denied.map((d) => s("preview_item", { category: s(`category.${d.category}`), reason: shortReason(d.reason) }));
    if (!hasKeys) notItems.push(...allowed.map((c) => s("preview_item", { category: s(`category.${c}`), reason: s("short.no_keys") })));
    let text;
    if (gets.length) {
      text = s("preview_gets", { name: offer.name, categories: gets.map((c) => s(`category.${c}`)).join(", ") });
      if (notItems.length) text += `; ${s("preview_gets_not", { list: notItems.join(", ") })}`;
    } else {
      text = s("preview_nothing", { name: offer.name, list: notItems.join(", ") });
    }
    lines.push({ recipientId: offer.recipient_id, text, gets });
  }
  return lines;
}

/** Show the preview after `formEl`; resolves true for "Send", false for "Endre". */
export function showPreview(formEl, plan) {
  document.getElementById("compose-preview")?.remove();
  return new Promise((resolve) => {
    const send = el("button", { type: "button", class: "button-primary", id: "compose-confirm", dataset: { testid: "compose-confirm" } }, s("preview_send"));
    const edit = el("button", { type: "button", id: "compose-edit", dataset: { testid: "compose-edit" } }, s("preview_edit"));
    const heading = el("h3", { id: "compose-preview-h", tabindex: "-1" }, s("preview_title"));
    const panel = el("section", { id: "compose-preview", class: "notice preview", "aria-labelledby": "compose-preview-h", dataset: { testid: "compose-preview" } },
      heading, el("p", {}, s("preview_lead")),
      el("ul", { dataset: { testid: "preview-lines" } }, ...previewLines(plan).map((l) =>
        el("li", { dataset: { testid: "preview-line", recipientId: l.recipientId } }, l.text))),
      el("div", { class: "button-row" }, send, edit));
    formEl.after(panel);
    heading.focus();
    panel.scrollIntoView({ block: "nearest" });
    const done = (answer) => {
      send.disabled = true;
      edit.disabled = true;
      resolve(answer);
    };
    send.addEventListener("click", () => done(true), { once: true });
    edit.addEventListener("click", () => {
      panel.remove();
      done(false);
    }, { once: true });
  });
}

export function closePreview() {
  document.getElementById("compose-preview")?.remove();
}
