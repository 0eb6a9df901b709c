// Disputes: an agent's key sees its own and how each was decided; a supervisor sees the queue and upholds or
// overturns each with a note (POST /v1/disputes/{id}/decision). Overturning changes the reviewed score only.
"use strict";

import { api, query } from "./api.js";
import { choices, consoleLink, el, errorLine, timeEl, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { itemLabel } from "./sentences.js";

const STATES = ["open", "upheld", "overturned"];

// What became of a dispute, in a sentence built from its fields: who filed it and why, who decided and how.
export function disputeLines(d) {
  const wrap = el("div", "dp-lines");
  const filed = el("p", "dp-reason");
  filed.append(el("q", "", d.reason), " ", timeEl(d.filed_at, t("dp.filed", { who: d.filed_by, time: fmt.time(d.filed_at) })));
  wrap.append(filed);
  if (d.status === "open") {
    wrap.append(el("p", "dp-decision waiting", t("dp.waiting")));
    return wrap;
  }
  const key = d.status === "overturned" ? "dp.overturnedBy" : "dp.upheldBy";
  const decided = el("p", `dp-decision ${d.status}`, t(key, { who: d.decided_by, time: fmt.time(d.decided_at), to: t(`status.${d.overturned_to}`) }));
  if (d.decision_note) decided.append(" ", el("q", "note", d.decision_note));
  wrap.append(decided);
  return wrap;
}

export function disputeBadge(status) {
  return el("span", `badge dp-${status}`, t(`dp.state.${status}`));
}

function decisionControls(d, ctx, replace) {
  const box = el("div", "dp-decide");
  const noteId = `dp-note-${d.id}`;
  const noteLabel = el("label", "", t("dp.note"));
  noteLabel.htmlFor = noteId;
  const note = el("input", "dp-note");
  note.id = noteId;
  note.maxLength = 2000;
  const toId = `dp-to-${d.id}`;
  const toLabel = el("label", "", t("dp.overturnTo"));
  toLabel.htmlFor = toId;
  const to = choices(toId, ["pass", "not_applicable"].map((s) => [s, t(`status.${s}`)]), "pass");
  to.className = "dp-to";
  const uphold = el("button", "dp-uphold quiet", t("dp.uphold"));
  const overturn = el("button", "dp-overturn", t("dp.overturn"));
  uphold.type = overturn.type = "button";
  const error = errorLine();
  const decide = async (decision) => {
    uphold.disabled = overturn.disabled = true;
    try {
      const body = { decision, overturned_to: to.value, note: note.value.trim() || null };
      const done = await api(`/v1/disputes/${d.id}/decision`, { method: "POST", body });
      ctx.announce(t(decision === "overturn" ? "dp.announce.overturned" : "dp.announce.upheld", { id: done.interaction_id }));
      replace(done);
    } catch (e) {
      error.textContent = t("action.failed", { action: t("dp.action"), detail: e.detail || e.message });
      uphold.disabled = overturn.disabled = false;
    }
  };
  uphold.addEventListener("click", () => decide("uphold"));
  overturn.addEventListener("click", () => decide("overturn"));
  const noteBox = el("div", "field");
  noteBox.append(noteLabel, note);
  const toBox = el("div", "field");
  toBox.append(toLabel, to);
  const buttons = el("div", "field buttons");
  buttons.append(uphold, overturn);
  box.append(noteBox, toBox, buttons, error);
  return box;
}

function card(d, ctx) {
  const li = el("li", `dispute dp-${d.status}`);
  li.dataset.disputeId = d.id;
  li.dataset.status = d.status;
  const head = el("p", "dp-head");
  head.append(
    consoleLink({ view: "interaction", id: d.interaction_id }, t("dp.interaction", { id: d.interaction_id }), "dp-link"),
    " · ",
    el("span", "dp-item", itemLabel(d.item_id, ctx.standard())),
    " · ",
    el("span", "dp-agent", t("agent", { id: d.agent_id || "–" })),
    " ",
    disputeBadge(d.status),
  );
  li.append(head, disputeLines(d));
  if (d.status === "open" && ctx.can("supervise")) {
    li.append(decisionControls(d, ctx, (done) => li.replaceWith(card(done, ctx))));
  }
  return li;
}

export function mountDisputes(host, ctx) {
  const supervisor = ctx.can("supervise");
  const asked = ctx.params().get("status");
  const status = asked === null ? (supervisor ? "open" : "") : STATES.includes(asked) ? asked : "";
  const section = el("section", "disputes-view");
  section.setAttribute("aria-labelledby", "disputes-heading");
  const heading = viewHeading(supervisor ? "dp.heading" : "dp.heading.mine");
  heading.id = "disputes-heading";
  const intro = el("p", "rv-intro", t(supervisor ? "dp.intro" : "dp.intro.mine"));
  const controls = el("div", "field inline");
  const label = el("label", "", t("f.state"));
  label.htmlFor = "dp-status";
  const select = choices("dp-status", ["", ...STATES].map((s) => [s, s ? t(`dp.state.${s}`) : t("f.any")]), status);
  select.addEventListener("change", () => ctx.navigate({ status: select.value || (supervisor ? "any" : "") }, { replace: true }));
  controls.append(label, select);
  const error = errorLine();
  const list = el("ul", "disputes");
  list.id = "disputes";
  section.append(heading, intro, controls, error, list);
  host.append(section);
  let gone = false;
  (async () => {
    try {
      const body = await api(`/v1/disputes${query({ status, limit: 200 })}`);
      if (gone) return;
      list.replaceChildren(...body.items.map((d) => card(d, ctx)));
      if (!body.items.length) list.append(el("li", "empty", t("dp.empty")));
      list.dataset.loaded = "true";
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("disputes", e);
    }
  })();
  return () => { gone = true; };
}
