// Calibration (/v1/calibrations): a supervisor sets up a panel; each reviewer on it scores the same interactions
// blind: the scoring form shows the conversation and the items, never callqa's statuses or another reviewer's,
// and the server keeps the report closed until every reviewer has scored everything. The report: agreement per
// item (percent and kappa) and each reviewer's deviation from the panel and from callqa.
"use strict";

import { api } from "./api.js";
import { consoleLink, dataTable, el, errorLine, timeEl, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { HUMAN_STATUSES, idList, kappaBand, nameList } from "./review-logic.js";
import { itemLabel } from "./sentences.js";

const TEXT_EVENTS = new Set(["call.utterance", "ticket.created", "ticket.replied"]);

function labelled(id, key, control) {
  const box = el("div", "field");
  const label = el("label", "", t(key));
  label.htmlFor = id;
  control.id = id;
  box.append(label, control);
  return box;
}

// ---------- the list, and a new panel ----------

function createForm(ctx) {
  const form = el("form", "filters cal-form");
  form.id = "cal-form";
  const name = el("input");
  name.required = true;
  name.maxLength = 200;
  const ids = el("input", "wide");
  ids.required = true;
  const reviewers = el("input", "wide");
  reviewers.required = true;
  const submit = el("button", "", t("cal.create"));
  submit.type = "submit";
  const buttons = el("div", "field buttons");
  buttons.append(submit);
  const error = errorLine();
  form.append(
    labelled("cal-name", "cal.name", name),
    labelled("cal-ids", "cal.ids", ids),
    labelled("cal-reviewers", "cal.reviewers", reviewers),
    buttons,
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const body = { name: name.value.trim(), interaction_ids: idList(ids.value), reviewers: nameList(reviewers.value) };
      const made = await api("/v1/calibrations", { method: "POST", body });
      ctx.navigate({ id: made.id });
    } catch (e) {
      error.textContent = t("action.failed", { action: t("cal.action.create"), detail: e.detail || e.message });
      submit.disabled = false;
    }
  });
  return form;
}

function progressText(cal) {
  return fmt.list(cal.reviewers.map((r) => t("cal.progressOf", { who: r, done: fmt.int(cal.scored[r] || 0), total: fmt.int(cal.interaction_ids.length) })));
}

function panelList(panels) {
  const list = el("ul", "cal-list");
  list.id = "cal-list";
  for (const cal of panels) {
    const li = el("li", `cal-item ${cal.complete ? "complete" : ""}`);
    li.dataset.calibrationId = cal.id;
    const head = el("p", "cal-head");
    head.append(consoleLink({ view: "calibration", id: cal.id }, cal.name, "cal-link"), " ", el("span", `badge ${cal.complete ? "cal-done" : "cal-open"}`, t(cal.complete ? "cal.complete" : "cal.inProgress")));
    li.append(
      head,
      el("p", "cal-meta", t("cal.meta", { count: fmt.int(cal.interaction_ids.length), who: cal.created_by, time: fmt.time(cal.created_at) })),
      el("p", "cal-progress", progressText(cal)),
    );
    list.append(li);
  }
  if (!panels.length) list.append(el("li", "empty", t("cal.none")));
  return list;
}

function mountList(section, ctx) {
  const error = errorLine();
  const holder = el("div", "");
  const create = el("details", "cal-new");
  create.append(el("summary", "", t("cal.new")), createForm(ctx));
  section.append(el("p", "rv-intro", t("cal.intro")), create, error, holder);
  (async () => {
    try {
      holder.replaceChildren(panelList(await api("/v1/calibrations")));
      holder.dataset.loaded = "true";
    } catch (e) {
      error.textContent = ctx.failed("calibration", e);
    }
  })();
}

// ---------- one panel ----------

function pct(x) {
  return fmt.pct(x);
}

function kappaText(k) {
  if (k === null || k === undefined) return t("cal.kappaNone");
  return `${fmt.signed(k)} (${t(`cal.band.${kappaBand(k)}`)})`;
}

function meter(share) {
  const bar = el("span", "meter");
  bar.setAttribute("aria-hidden", "true");
  const fill = el("span", "meter-fill");
  fill.style.width = `${Math.max(0, Math.min(1, share || 0)) * 100}%`;
  bar.append(fill);
  return bar;
}

function report(r, ctx) {
  const wrap = el("div", "cal-report");
  wrap.id = "cal-report";
  const o = r.overall;
  const top = el("div", "rv-scores");
  const figure = (id, title, value, note) => {
    const box = el("div", "rv-score");
    box.id = id;
    box.append(el("p", "rv-score-title", title), el("p", "rv-score-value", value), el("p", "rv-score-note", note));
    return box;
  };
  top.append(
    figure("cal-agreement", t("cal.agreement"), pct(o.percent_agreement), t("cal.overallNote", { subjects: fmt.int(o.subjects), raters: fmt.int(o.raters) })),
    figure("cal-kappa", t(`cal.kappa.${o.method}`), o.kappa === null ? "–" : fmt.signed(o.kappa), o.kappa === null ? t("cal.kappaNone") : t(`cal.band.${kappaBand(o.kappa)}`)),
  );
  top.querySelector("#cal-kappa").dataset.kappa = o.kappa === null ? "" : String(o.kappa);
  const itemRows = r.items.map((i) => {
    const tr = el("tr");
    tr.dataset.item = i.item_id;
    const th = el("th", "", itemLabel(i.item_id, ctx.standard()));
    th.scope = "row";
    const agree = el("td", "num");
    agree.append(meter(i.percent_agreement), ` ${pct(i.percent_agreement)}`);
    tr.append(th, el("td", "num", fmt.int(i.subjects)), agree, el("td", "num kappa", kappaText(i.kappa)));
    return tr;
  });
  const reviewerRows = r.reviewers.map((v) => {
    const tr = el("tr");
    tr.dataset.reviewer = v.reviewer;
    const th = el("th", "", v.reviewer);
    th.scope = "row";
    const share = (x, n) => (x === null ? "–" : t("cal.share", { share: pct(x), count: fmt.int(n) }));
    tr.append(
      th,
      el("td", "num", share(v.deviation_from_panel, v.compared_with_panel)),
      el("td", "num", share(v.deviation_from_automated, v.compared_with_automated)),
      el("td", "num", fmt.signed(v.mean_score_minus_panel)),
      el("td", "num", fmt.signed(v.mean_score_minus_automated)),
    );
    return tr;
  });
  wrap.append(
    top,
    el("h3", "", t("cal.perItem")),
    dataTable("cal-items", "cal-table", ["cal.col.item", "cal.col.subjects", "cal.col.agreement", "cal.col.kappa"], itemRows),
    el("h3", "", t("cal.perReviewer")),
    el("p", "rv-intro", t("cal.deviationNote")),
    dataTable("cal-reviewers", "cal-table", ["cal.col.reviewer", "cal.col.fromPanel", "cal.col.fromAutomated", "cal.col.scorePanel", "cal.col.scoreAutomated"], reviewerRows),
  );
  return wrap;
}

function todo(cal, ctx) {
  const me = ctx.me().name;
  const box = el("div", "cal-todo");
  box.id = "cal-todo";
  if (!cal.reviewers.includes(me)) {
    box.append(el("p", "rv-intro", t("cal.notOnPanel", { who: me })));
    return box;
  }
  const list = el("ul", "cal-mine");
  for (const iid of cal.interaction_ids) {
    const li = el("li", "");
    li.dataset.interactionId = iid;
    if (cal.scored_by_you.includes(iid)) {
      li.dataset.done = "true";
      li.append(el("span", "badge cal-done", t("cal.scored")), ` ${iid}`);
    } else {
      li.append(consoleLink({ view: "calibration", id: cal.id, score: iid }, t("cal.scoreIt", { id: iid }), "cal-score-link"));
    }
    list.append(li);
  }
  box.append(el("h3", "", t("cal.yours")), list);
  return box;
}

function mountPanel(section, heading, ctx, id) {
  const error = errorLine();
  const body = el("div", "cal-panel");
  section.append(consoleLink({ view: "calibration" }, `← ${t("cal.back")}`, "back"), error, body);
  section.prepend(heading);
  (async () => {
    try {
      const cal = await api(`/v1/calibrations/${id}`);
      heading.textContent = t("cal.panelHeading", { name: cal.name });
      const parts = [el("p", "cal-progress", progressText(cal)), todo(cal, ctx)];
      if (cal.complete) {
        parts.push(report(await api(`/v1/calibrations/${id}/report`), ctx));
      } else {
        parts.push(el("p", "cal-blind", t("cal.blind")));
      }
      body.replaceChildren(...parts);
      body.dataset.loaded = "true";
    } catch (e) {
      error.textContent = ctx.failed("calibration", e);
    }
  })();
}

// ---------- blind scoring ----------

function plainTranscript(d) {
  const list = el("ol", "transcript");
  for (const e of d.timeline) {
    const text = e.payload && e.payload.text;
    if (!TEXT_EVENTS.has(e.type) || !text) continue;
    const speaker = e.payload.speaker || (e.type === "ticket.created" ? "customer" : "agent");
    const li = el("li", `utterance from-${speaker}`);
    const who = el("p", "who");
    who.append(el("span", "speaker", t(`speaker.${speaker}`)), " ", timeEl(e.occurred_at, e.payload.offset_ms !== undefined ? fmt.offset(e.payload.offset_ms) : fmt.time(e.occurred_at)));
    li.append(who, el("p", "utterance-text", text));
    list.append(li);
  }
  return list;
}

function mountScoring(section, heading, ctx, id, iid) {
  heading.textContent = t("cal.scoreHeading", { id: iid });
  const error = errorLine();
  const grid = el("div", "ia-grid");
  section.append(heading, consoleLink({ view: "calibration", id }, `← ${t("cal.backPanel")}`, "back"), el("p", "cal-blind", t("cal.blindForm")), error, grid);
  (async () => {
    let d;
    try {
      d = await api(`/v1/interactions/${encodeURIComponent(iid)}`);
    } catch (e) {
      error.textContent = ctx.failed("interaction", e);
      return;
    }
    const form = el("form", "ia-section cal-score-form");
    form.id = "cal-score-form";
    const rows = [];
    for (const item of d.score.items) {
      const tr = el("tr", "rv-item");
      tr.dataset.item = item.id;
      const th = el("th", "", itemLabel(item.id, ctx.standard()));
      th.scope = "row";
      const choice = el("select", "rv-choice");
      choice.required = true;
      choice.setAttribute("aria-label", t("rv.choice.label", { item: item.id }));
      const blank = el("option", "", t("cal.choose"));
      blank.value = "";
      choice.append(blank, ...HUMAN_STATUSES.map((s) => Object.assign(el("option", "", t(`status.${s}`)), { value: s })));
      const note = el("input", "rv-comment");
      note.maxLength = 2000;
      note.placeholder = t("rv.comment.placeholder");
      note.setAttribute("aria-label", t("rv.comment.label", { item: item.id }));
      const td = el("td", "");
      const box = el("div", "rv-input");
      box.append(choice, note);
      td.append(box);
      tr.append(th, td);
      rows.push(tr);
    }
    const submit = el("button", "", t("cal.submit"));
    submit.type = "submit";
    const formError = errorLine();
    form.append(el("h3", "", t("cal.items")), dataTable("cal-score-items", "cal-table", ["rv.col.item", "rv.col.yours"], rows), submit, formError);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const items = rows.map((tr) => {
        const comment = tr.querySelector(".rv-comment").value.trim();
        return { item_id: tr.dataset.item, status: tr.querySelector(".rv-choice").value, ...(comment ? { comment } : {}) };
      });
      submit.disabled = true;
      try {
        await api(`/v1/calibrations/${id}/reviews`, { method: "POST", body: { interaction_id: iid, items } });
        ctx.announce(t("cal.announce.scored", { id: iid }));
        ctx.navigate({ score: "" });
      } catch (e) {
        formError.textContent = t("action.failed", { action: t("cal.action.score"), detail: e.detail || e.message });
        submit.disabled = false;
      }
    });
    const words = el("section", "ia-section");
    words.append(el("h3", "", t("ia.transcript")), plainTranscript(d));
    grid.append(form, words);
    grid.dataset.loaded = "true";
  })();
}

export function mountCalibration(host, ctx) {
  const p = ctx.params();
  const id = /^\d+$/.test(p.get("id") || "") ? p.get("id") : "";
  const score = p.get("score") || "";
  const section = el("section", "calibration-view");
  section.setAttribute("aria-labelledby", "calibration-heading");
  const heading = viewHeading("cal.heading");
  heading.id = "calibration-heading";
  host.append(section);
  if (id && score) mountScoring(section, heading, ctx, id, score);
  else if (id) mountPanel(section, heading, ctx, id);
  else {
    section.append(heading);
    mountList(section, ctx);
  }
}
