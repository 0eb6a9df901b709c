// Human review on the interaction page: callqa's automated score and the reviewed score side by side, item by
// item (GET /v1/interactions/{id}/review). A reviewer scores the items (pass / fail / not applicable, a comment
// each) with POST .../reviews; an agent disputes a failed item of their own with POST /v1/disputes. The automated
// score is only ever shown, never changed. Also the agent's own pages: their interactions, and one of them.
"use strict";

import { api, query } from "./api.js";
import { choices, consoleLink, dataTable, el, errorLine, timeEl, viewHeading } from "./dom.js";
import { fmt, lang, t } from "./i18n.js";
import { HUMAN_STATUSES, disputable, reviewItems, startingStatus } from "./review-logic.js";
import { itemLabel, itemReason } from "./sentences.js";
import { disputeBadge, disputeLines } from "./view-disputes.js";

// An item's name in the words of the version that judged the interaction (an agent's key reads no standard).
function labelOf(side, id, ctx) {
  const own = side.item_labels && side.item_labels[id];
  return (own && own[lang()]) || itemLabel(id, ctx.standard());
}

function verdict(score) {
  if (!score || score.passed === null || score.passed === undefined) return t("ia.pending");
  if (score.critical_failure) return t("ia.criticalFailed");
  return score.passed ? t("ia.passed") : t("ia.failed");
}

function scoreCard(id, title, score, note) {
  const box = el("div", `rv-score ${score && score.passed === false ? "bad" : score && score.passed ? "ok" : ""}`);
  box.id = id;
  box.dataset.score = score ? String(score.quality_score) : "";
  box.append(el("p", "rv-score-title", title));
  if (score) {
    box.append(el("p", "rv-score-value", fmt.num(score.quality_score)), el("p", "rv-score-verdict", verdict(score)));
  } else {
    box.append(el("p", "rv-score-value none", "–"), el("p", "rv-score-verdict", t("rv.notReviewed")));
  }
  box.append(el("p", "rv-score-note", note));
  return box;
}

// A reviewed status that differs from callqa's says who changed it (a reviewer, or an overturned dispute).
function statusCell(status, source, automated) {
  const td = el("td", `rv-status st-${status}`);
  td.dataset.status = status;
  td.append(t(`status.${status}`));
  if (source && source !== "automated" && status !== automated) td.append(" ", el("span", `badge rv-src src-${source}`, t(`rv.source.${source}`)));
  return td;
}

function reviewedNote(side) {
  if (!side.reviewed) return t("rv.reviewedNone");
  const overturned = side.disputes.filter((d) => d.status === "overturned").length;
  return t("rv.reviewedNote", { reviews: fmt.int(side.reviews.length), overturned: fmt.int(overturned) });
}

// Why callqa gave the item its status: a sentence in the reader's language from the item's own fields where the
// page has them (a supervisor's), else the server's English detail, marked as English for screen readers.
function reasonLine(item, ctx) {
  const full = ctx.scoreItems && ctx.scoreItems.get(item.id);
  if (full) return el("span", "rv-detail", itemReason(full, ctx.standard()));
  const line = el("span", "rv-detail", item.detail || "");
  line.lang = "en";
  return line;
}

// One row per item: the item, callqa's status, the reviewed status, then the reviewer's inputs or the agent's
// dispute button, and the item's disputes.
function itemRows(side, ctx, mode, onDispute) {
  const reviewed = new Map(((side.reviewed && side.reviewed.items) || []).map((i) => [i.id, i]));
  const latest = side.reviews.length ? side.reviews[side.reviews.length - 1] : null;
  const comments = new Map(((latest && latest.items) || []).map((i) => [i.item_id, i.comment || ""]));
  const rows = [];
  for (const item of side.automated.items) {
    const r = reviewed.get(item.id);
    const tr = el("tr", "rv-item");
    tr.dataset.item = item.id;
    const name = el("th", "", labelOf(side, item.id, ctx));
    name.scope = "row";
    name.append(reasonLine(item, ctx));
    tr.append(name, statusCell(item.status), r ? statusCell(r.reviewed, r.source, item.status) : el("td", "rv-status none", "–"));
    if (mode === "review") tr.append(reviewInputs(item, r, comments.get(item.id) || ""));
    const mine = side.disputes.filter((d) => d.item_id === item.id);
    const cell = el("td", "rv-disputes");
    for (const d of mine) {
      const p = el("div", "rv-dispute");
      p.dataset.disputeId = d.id;
      p.dataset.status = d.status;
      p.append(disputeBadge(d.status), disputeLines(d));
      cell.append(p);
    }
    if (mode === "dispute" && disputable({ id: item.id, automated: item.status, reviewed: r && r.reviewed }, side.disputes)) {
      cell.append(disputeForm(side.interaction_id, item.id, onDispute));
    }
    tr.append(cell);
    rows.push(tr);
  }
  return rows;
}

function reviewInputs(item, r, comment) {
  const td = el("td", "");
  const box = el("div", "rv-input");
  const options = [["", t("rv.choice.none")], ...HUMAN_STATUSES.map((s) => [s, t(`status.${s}`)])];
  const select = choices(`rv-choice-${item.id}`, options, startingStatus(item.status, r && r.reviewed));
  select.className = "rv-choice";
  select.setAttribute("aria-label", t("rv.choice.label", { item: item.id }));
  const note = el("input", "rv-comment");
  note.id = `rv-comment-${item.id}`;
  note.maxLength = 2000;
  note.placeholder = t("rv.comment.placeholder");
  note.setAttribute("aria-label", t("rv.comment.label", { item: item.id }));
  note.value = comment;
  box.append(select, note);
  td.append(box);
  return td;
}

function disputeForm(interactionId, itemId, onDispute) {
  const box = el("div", "rv-dispute-form");
  const open = el("button", "quiet rv-dispute-open", t("rv.dispute"));
  open.type = "button";
  const form = el("form", "rv-dispute-fields");
  form.hidden = true;
  const reason = el("textarea", "rv-reason");
  reason.id = `rv-reason-${itemId}`;
  reason.required = true;
  reason.maxLength = 2000;
  reason.rows = 2;
  const label = el("label", "", t("rv.reason"));
  label.htmlFor = reason.id;
  const send = el("button", "", t("rv.dispute.send"));
  send.type = "submit";
  const error = errorLine();
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    reason.focus();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    send.disabled = true;
    try {
      await api("/v1/disputes", { method: "POST", body: { interaction_id: interactionId, item_id: itemId, reason: reason.value.trim() } });
      onDispute(itemId);
    } catch (e) {
      error.textContent = t("action.failed", { action: t("rv.dispute.action"), detail: e.detail || e.message });
      send.disabled = false;
    }
  });
  form.append(label, reason, send, error);
  box.append(open, form);
  return box;
}

function reviewsList(side, ctx) {
  const list = el("ol", "rv-reviews");
  list.id = "rv-reviews";
  for (const r of side.reviews) {
    const li = el("li", "rv-review");
    li.dataset.reviewId = r.id;
    const head = el("p", "");
    head.append(timeEl(r.submitted_at, t("rv.reviewBy", { who: r.reviewer, time: fmt.time(r.submitted_at), score: fmt.num(r.quality_score), verdict: verdict(r) })));
    li.append(head);
    if (r.comment) li.append(el("q", "note", r.comment));
    const said = r.items.filter((i) => i.comment);
    if (said.length) {
      const ul = el("ul", "rv-item-comments");
      for (const i of said) ul.append(el("li", "", `${labelOf(side, i.item_id, ctx)}: ${i.comment}`));
      li.append(ul);
    }
    list.append(li);
  }
  if (!side.reviews.length) list.append(el("li", "empty", t("rv.noReviews")));
  return list;
}

function render(box, side, ctx, mode, reload) {
  const scores = el("div", "rv-scores");
  scores.append(
    scoreCard("rv-automated", t("rv.automated"), side.automated, t("rv.automatedNote")),
    scoreCard("rv-reviewed", t("rv.reviewed"), side.reviewed, reviewedNote(side)),
  );
  const cols = ["item", "automated", "reviewed", ...(mode === "review" ? ["yours"] : []), "disputes"];
  const rows = itemRows(side, ctx, mode, (itemId) => {
    ctx.announce(t("rv.announce.disputed", { item: labelOf(side, itemId, ctx) }));
    reload();
  });
  const table = dataTable("rv-items", "rv-items", cols.map((c) => `rv.col.${c}`), rows);
  const parts = [scores];
  if (mode === "review") {
    const form = el("form", "rv-form");
    form.id = "review-form";
    const overall = el("input", "rv-overall");
    overall.id = "rv-overall";
    overall.maxLength = 2000;
    const label = el("label", "", t("rv.overall"));
    label.htmlFor = overall.id;
    const submit = el("button", "", t("rv.submit"));
    submit.type = "submit";
    const error = errorLine();
    const foot = el("div", "rv-form-foot");
    const commentBox = el("div", "field");
    commentBox.append(label, overall);
    foot.append(commentBox, submit);
    form.append(table, foot, error);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const rows = [...form.querySelectorAll("tr.rv-item")].map((tr) => ({
        item_id: tr.dataset.item,
        status: tr.querySelector(".rv-choice").value,
        comment: tr.querySelector(".rv-comment").value,
      }));
      const items = reviewItems(rows);
      if (!items.length) {
        error.textContent = t("rv.nothing");
        return;
      }
      submit.disabled = true;
      try {
        const body = { items, comment: overall.value.trim() || null };
        const done = await api(`/v1/interactions/${encodeURIComponent(side.interaction_id)}/reviews`, { method: "POST", body });
        ctx.announce(t("rv.announce.saved", { score: fmt.num(done.quality_score) }));
        reload();
      } catch (e) {
        error.textContent = t("action.failed", { action: t("rv.action"), detail: e.detail || e.message });
        submit.disabled = false;
      }
    });
    parts.push(form);
  } else {
    parts.push(table);
  }
  const reviews = el("h4", "", t("rv.reviews"));
  parts.push(reviews, reviewsList(side, ctx));
  box.replaceChildren(...parts);
  box.dataset.loaded = "true";
}

// The review section of an interaction page. `mode`: "review" (a supervisor) or "dispute" (the agent's own);
// `scoreItems`: the automated score's items as the interaction page has them (a supervisor's), for the reasons.
export function reviewPanel(interactionId, ctx, mode, scoreItems = []) {
  const withItems = { ...ctx, scoreItems: new Map(scoreItems.map((i) => [i.id, i])) };
  const section = el("section", "ia-section rv-panel");
  section.id = "review-panel";
  const h = el("h3", "", t("rv.heading"));
  h.id = "ia-review-heading";
  section.setAttribute("aria-labelledby", h.id);
  const body = el("div", "rv-body");
  const error = errorLine();
  section.append(h, el("p", "rv-intro", t(mode === "dispute" ? "rv.intro.agent" : "rv.intro")), error, body);
  const load = async () => {
    try {
      const side = await api(`/v1/interactions/${encodeURIComponent(interactionId)}/review`);
      error.textContent = "";
      render(body, side, withItems, mode, load);
    } catch (e) {
      error.textContent = ctx.failed("review", e);
    }
  };
  load();
  return section;
}

// ---------- the agent's own pages ----------

export function mountOwnInteraction(host, ctx) {
  const id = ctx.params().get("id") || "";
  const page = el("article", "interaction-view own");
  const back = consoleLink({ view: "mine" }, `← ${t("mine.back")}`, "back");
  const heading = viewHeading("ia.heading", null, { kind: t("kind.interaction"), id });
  heading.id = "ia-heading";
  page.append(back, heading, reviewPanel(id, ctx, "dispute"));
  host.append(page);
  page.dataset.loaded = "true";
}

export function mountMine(host, ctx) {
  const failedOnly = ctx.params().get("passed") === "false";
  const section = el("section", "mine-view");
  section.setAttribute("aria-labelledby", "mine-heading");
  const heading = viewHeading("mine.heading", null, { id: ctx.me().agent_id });
  heading.id = "mine-heading";
  const controls = el("div", "field inline");
  const label = el("label", "", t("mine.show"));
  label.htmlFor = "mine-passed";
  const select = choices("mine-passed", [["", t("mine.all")], ["false", t("mine.failed")]], failedOnly ? "false" : "");
  select.addEventListener("change", () => ctx.navigate({ passed: select.value }, { replace: true }));
  controls.append(label, select);
  const error = errorLine();
  const holder = el("div", "");
  section.append(heading, el("p", "rv-intro", t("mine.intro")), controls, error, holder);
  host.append(section);
  let gone = false;
  (async () => {
    try {
      const body = await api(`/v1/interactions${query({ limit: 100, passed: failedOnly ? "false" : "" })}`);
      if (gone) return;
      const rows = body.items.map((i) => {
        const tr = el("tr", i.passed === false ? "bad" : "");
        tr.dataset.interactionId = i.id;
        const name = el("th", "");
        name.scope = "row";
        name.append(consoleLink({ view: "interaction", id: i.id }, `${t(`kind.${i.kind}`)} ${i.id}`));
        tr.append(name, el("td", "", fmt.time(i.started_at)), el("td", "", i.queue_id || "–"), el("td", "num", fmt.num(i.quality_score)), el("td", "", verdict(i)));
        return tr;
      });
      const cols = ["id", "started", "queue", "quality", "result"].map((c) => `mine.col.${c}`);
      const table = dataTable("mine", "mine", cols, rows, t("mine.empty"));
      table.dataset.loaded = "true";
      holder.replaceChildren(table);
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("interactions", e);
    }
  })();
  return () => { gone = true; };
}

// The interaction page's line naming the standard version that judged it, linking to the standards view.
export function judgedBy(version) {
  const dd = el("dd", "");
  dd.append(consoleLink({ view: "standards" }, version, "judged-by"));
  const wrap = el("div", "field-pair");
  wrap.append(el("dt", "", t("ia.standard")), dd);
  return wrap;
}
