// NAV's acts a message makes (docs/api.md, "NAV's request and summons"): metadata sent
// beside the sealed envelope so the server can register them in the same transaction
// as the message, never the content.
//
//   nav_request          → {nav_request: {addressee_ids, categories, reference, answer_by}}
//   meeting_invitation   → {nav_summons: {meeting_type}} when NAV calls dialogue meeting 2 or 3
//
// The follow-up plan's metadata goes the same way (docs/follow-up-plan.md):
//   follow_up_plan in the plan thread        → {plan: {evaluation_date}}
//   follow_up_plan_ack in the plan thread    → {plan: {acknowledgement}}
//   follow_up_plan in a share thread         → {plan: {shares: <the version's message id>}}
//
// And the words for a missing basis where the law could apply (statutory_possible).

import { me, s } from "./common.js";

const NAV_ROLES = ["nav_adviser", "ia_contact"];
const SUMMONED_MEETINGS = ["dialogue_meeting_2", "dialogue_meeting_3"];

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The metadata NAV's act needs, from the form's values (read here, in the browser). */
export function navActs(kind, form, { reference = "" } = {}) {
  const myRole = document.getElementById("page")?.dataset.myRole ?? "";
  if (kind === "nav_request") {
    const addressees = [...document.querySelectorAll('#members [data-health="true"]')]
      .map((li) => li.dataset.actorId).filter((id) => id && id !== me());
    if (!addressees.length) throw new Error(s("nav_no_addressee"));
    const answerBy = new Date();
    answerBy.setDate(answerBy.getDate() + Number(form.answer_within_days ?? 21));
    return { nav_request: { addressee_ids: addressees, categories: form.requested_categories, reference, answer_by: isoDay(answerBy) } };
  }
  const topic = document.getElementById("page")?.dataset.topic ?? "";
  if (topic === "follow_up_plan" && kind === "follow_up_plan") return { plan: { evaluation_date: form.evaluation_date } };
  if (topic === "follow_up_plan" && kind === "follow_up_plan_ack") return { plan: { acknowledgement: form.acknowledgement } };
  if (topic === "follow_up_plan_shared" && kind === "follow_up_plan") {
    const shares = new URLSearchParams(location.search).get("shares");
    return shares ? { plan: { shares } } : {};
  }
  if (kind === "meeting_invitation" && NAV_ROLES.includes(myRole) && SUMMONED_MEETINGS.includes(form.meeting_type)) {
    return { nav_summons: { meeting_type: form.meeting_type } };
  }
  return {};
}

/** The reason to show for one missing basis that a law could cover once NAV asks. */
export function statutoryText(problem) {
  const hint = problem.statutory_possible;
  return hint ? s(`statutory.${hint.act}`, { law: hint.law }) : null;
}

/** Adjust the missing-basis box: where the law could apply to every row, its words say
 * so (and the caller offers no consent request: returns whether that is the case); for
 * NAV, the way to the request form. */
export function showStatutoryBox(box, problems) {
  const h = box.querySelector("h3");
  const lead = box.querySelector("#consent-missing-lead");
  h.dataset.consentText ??= h.textContent;
  lead.dataset.consentText ??= lead.textContent;
  const lawful = problems.length > 0 && problems.every((p) => p.statutory_possible);
  h.textContent = lawful ? s("basis_missing_title") : h.dataset.consentText;
  lead.textContent = lawful ? s("basis_missing_lead") : lead.dataset.consentText;
  const act = box.querySelector("#statutory-act");
  act.hidden = !problems.some((p) => p.statutory_possible?.act === "send_nav_request");
  act.querySelector("a").textContent = s("statutory.send_link");
  return lawful;
}
