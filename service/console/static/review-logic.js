// Pure helpers of the review views (human review, disputes, sampling, calibration, standards): no DOM, no fetch,
// so a test can import this module in the browser and check each one against worked examples.
"use strict";

export const HUMAN_STATUSES = ["pass", "fail", "not_applicable"];

// The ISO week ("2026-W49") a date falls in, in UTC, as GET /v1/review-samples and <input type="week"> take it.
export function isoWeek(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = d.getUTCDay() || 7; // Monday 1 .. Sunday 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of its week decides the year
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

// Ids typed into one field, separated by commas, spaces or new lines; each once, in the order typed.
export function idList(text) {
  return [...new Set(String(text || "").split(/[\s,，、]+/).filter(Boolean))];
}

// Key names typed into one field (they may hold spaces): separated by commas or new lines; each once.
export function nameList(text) {
  return [...new Set(String(text || "").split(/[,，、\n]+/).map((s) => s.trim()).filter(Boolean))];
}

// Landis & Koch (1977) bands of kappa, the words reviewers are used to: null when kappa is undefined.
export function kappaBand(kappa) {
  if (kappa === null || kappa === undefined || Number.isNaN(kappa)) return null;
  if (kappa < 0) return "poor";
  if (kappa <= 0.2) return "slight";
  if (kappa <= 0.4) return "fair";
  if (kappa <= 0.6) return "moderate";
  if (kappa <= 0.8) return "substantial";
  return "almost_perfect";
}

// Each activation with its state at `now`: the one in force (the latest whose effective time has come),
// scheduled (effective later) or superseded (an earlier one replaced since). Activations in the order made.
export function activationStates(activations, now) {
  const at = (a) => new Date(a.effective_at).getTime();
  const started = activations.filter((a) => at(a) <= now.getTime());
  // The latest effective time wins; made later wins a tie (as the server's book orders them).
  const inForce = started.reduce((best, a) => (!best || at(a) > at(best) || (at(a) === at(best) && a.id > best.id) ? a : best), null);
  return activations.map((a) => ({
    ...a,
    state: at(a) > now.getTime() ? "scheduled" : a === inForce ? "in_force" : "superseded",
  }));
}

// An item's status a reviewer starts from: the reviewed one if any, else callqa's own when it is one a human
// may give (a pending item starts unjudged: "").
export function startingStatus(automated, reviewed) {
  const own = reviewed || automated;
  return HUMAN_STATUSES.includes(own) ? own : "";
}

// The items a review sends: only those the reviewer judged, with their comment when there is one.
export function reviewItems(rows) {
  return rows
    .filter((r) => HUMAN_STATUSES.includes(r.status))
    .map((r) => (r.comment && r.comment.trim() ? { item_id: r.item_id, status: r.status, comment: r.comment.trim() } : { item_id: r.item_id, status: r.status }));
}

// An agent may dispute an item that currently fails (reviewed, else automated) and has no open dispute.
export function disputable(item, disputes) {
  const now = item.reviewed || item.automated || item.status;
  return now === "fail" && !disputes.some((d) => d.item_id === item.id && d.status === "open");
}
