// What this person may not ask the employee for (consent/limits.py), as the server
// rendered it for the thread page: <template id="ask-limits"> with one
// <span data-category data-reason> per category.  The "ask for consent" box leaves
// those out and says why; the server refuses them all the same (422 EMPLOYER_MAY_NOT_ASK).

import { s } from "./common.js";

let limits = null;

/** category → reason code, for the signed-in person. */
export function askLimits() {
  if (limits) return limits;
  limits = new Map();
  const holder = document.getElementById("ask-limits");
  if (holder && "content" in holder) {
    for (const node of holder.content.querySelectorAll("[data-category]")) limits.set(node.dataset.category, node.dataset.reason);
  }
  return limits;
}

/** Mark the rows of the missing list this person may not ask for, with the reason. */
export function annotateMissing(list) {
  const refused = askLimits();
  let askable = 0;
  for (const row of list.querySelectorAll("[data-category]")) {
    const reason = refused.get(row.dataset.category);
    if (!reason) {
      askable += 1;
      continue;
    }
    row.dataset.limited = "true";
    row.append(" ", Object.assign(document.createElement("strong"), { className: "limit-reason", textContent: s(`limit.${reason}`) }));
  }
  return askable;
}

/** The categories among `categories` this person may ask for. */
export function askable(categories) {
  const refused = askLimits();
  return [...categories].filter((c) => !refused.has(c));
}
