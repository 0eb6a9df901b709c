// Review cases and their corrective actions: the list (filters by status, assignee and overdue in the URL,
// paged by cursor) and one case (status moves the workflow allows, assignee, root cause from the standard's
// taxonomy, 5-Whys notes, what it links, its actions with their verification, the audit trail). Also the small
// "open a review / add to case" control the alerts view and the interaction page carry.
// From /v1/reviews, /v1/reviews/{id}, /v1/reviews/root-causes and /v1/actions/{id}/verify.
"use strict";

import { api, query } from "./api.js";
import { consoleLink, el, field, timeEl, viewHeading } from "./dom.js";
import { filterButtons, filterForm, labelled, option } from "./forms.js";
import { fmt, lang, t } from "./i18n.js";
import { actionOutcome, isOverdue, metricKind } from "./loop-figures.js";
import { alertSentence } from "./sentences.js";

const STATUSES = ["open", "investigating", "action_planned", "verified", "closed"];
const PAGE_SIZE = 25;
const PAGE_SIZES = [5, 10, 25, 50, 100];
const WHYS = 5;
const OPEN_CASES_LIMIT = 100;

// ---------- shared bits ----------

// A time with the reader's own zone named, so a due time read in Shanghai and in London says which clock.
export function zoned(iso) {
  if (!iso) return "–";
  const locale = lang() === "zh" ? "zh-CN" : "en";
  const format = new Intl.DateTimeFormat(locale, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
  });
  return format.format(new Date(iso));
}

// A length of time in days and hours when it is that long (a 7-day window), else as the console says spans.
export function longSpan(seconds) {
  if (seconds === null || seconds === undefined || seconds < 86400) return fmt.span(seconds);
  const locale = lang() === "zh" ? "zh-CN" : "en";
  const days = Math.floor(seconds / 86400);
  const hours = Math.round((seconds % 86400) / 3600);
  return new Intl.DurationFormat(locale, { style: "short" }).format(hours ? { days, hours } : { days });
}

function zonedEl(iso) {
  return timeEl(iso, zoned(iso));
}

export function metricValue(metric, value) {
  const kind = metricKind(metric);
  if (kind === "ratio") return fmt.pct(value);
  if (kind === "sentiment") return fmt.signed(value);
  return fmt.num(value);
}

function statusBadge(status) {
  const b = el("span", `badge case-st st-case-${status}`, t(`cs.${status}`));
  b.dataset.status = status;
  return b;
}

function errorLine(id) {
  const p = el("p", "error");
  p.setAttribute("role", "alert");
  if (id) p.id = id;
  return p;
}

function failedText(action, e) {
  return t("case.failed", { action: t(`case.act.${action}`), detail: e.detail || e.message });
}

function subjectText(c) {
  return t(`case.subject.${c.subject_kind}`, { id: c.subject_id });
}

// ---------- open a review / add to case (alerts view, interaction page) ----------

// `subject` is {alert_id} or {interaction_id}. Opening goes to the case (a subject with an open case joins it);
// adding links the subject to a case chosen from the cases not closed, and says so with a link to it.
export function reviewControl(subject, ctx) {
  const key = subject.alert_id ? `a${subject.alert_id}` : `i${String(subject.interaction_id).replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const wrap = el("div", "review-control");
  const toggle = el("button", "quiet review-toggle", t("rc.review"));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  const panel = el("div", "review-panel");
  panel.id = `rc-${key}`;
  panel.hidden = true;
  toggle.setAttribute("aria-controls", panel.id);
  const open = el("button", "rc-open", t("rc.open"));
  open.type = "button";
  const select = el("select", "rc-case");
  select.append(option("", t("rc.loading")));
  const add = el("button", "quiet rc-add", t("rc.add"));
  add.type = "button";
  const message = el("p", "rc-message");
  message.setAttribute("role", "status");
  const error = errorLine();
  const row = el("div", "rc-row");
  row.append(labelled(t("rc.case"), select, `rc-${key}-case`), add);
  panel.append(open, row, message, error);
  wrap.append(toggle, panel);

  let loaded = false;
  async function loadCases() {
    if (loaded) return;
    loaded = true;
    try {
      const body = await api(`/v1/reviews${query({ limit: OPEN_CASES_LIMIT })}`);
      const active = body.items.filter((c) => c.status !== "closed");
      select.replaceChildren(
        option("", active.length ? t("rc.pick") : t("rc.none")),
        ...active.map((c) => option(String(c.id), t("rc.caseOption", { id: c.id, status: t(`cs.${c.status}`), subject: subjectText(c) }))),
      );
    } catch (e) {
      loaded = false;
      error.textContent = ctx.failed("reviews", e);
    }
  }
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) loadCases();
  });
  open.addEventListener("click", async () => {
    error.textContent = "";
    open.disabled = true;
    try {
      const c = await api("/v1/reviews", { method: "POST", body: subject });
      ctx.announce(t("rc.opened", { id: c.id }));
      ctx.navigate({ view: "case", id: c.id });
    } catch (e) {
      error.textContent = failedText("open", e);
    } finally {
      open.disabled = false;
    }
  });
  add.addEventListener("click", async () => {
    error.textContent = "";
    message.replaceChildren();
    if (!select.value) {
      error.textContent = t("rc.pickFirst");
      select.focus();
      return;
    }
    try {
      const c = await api(`/v1/reviews/${select.value}/links`, { method: "POST", body: subject });
      message.append(t("rc.added", { id: c.id }), " ", consoleLink({ view: "case", id: c.id }, t("rc.show", { id: c.id })));
      ctx.announce(t("rc.added", { id: c.id }));
    } catch (e) {
      error.textContent = failedText("link", e);
    }
  });
  return wrap;
}

// The cases an interaction is part of, for its page.
export function casesOfInteraction(interactionId, ctx) {
  const wrap = el("div", "ia-cases");
  const list = el("ul", "case-links");
  list.id = "ia-cases";
  const error = errorLine();
  wrap.append(list, error, reviewControl({ interaction_id: interactionId }, ctx));
  (async () => {
    try {
      const body = await api(`/v1/reviews${query({ interaction_id: interactionId, limit: OPEN_CASES_LIMIT })}`);
      list.replaceChildren(
        ...body.items.map((c) => {
          const li = el("li");
          li.dataset.caseId = c.id;
          li.append(consoleLink({ view: "case", id: c.id }, t("case.heading", { id: c.id })), " ", statusBadge(c.status), " ", el("span", "sub", t("case.dueAt", { time: zoned(c.due_at) })));
          return li;
        }),
      );
      if (!body.items.length) list.append(el("li", "empty", t("ia.noCases")));
    } catch (e) {
      error.textContent = ctx.failed("reviews", e);
    }
  })();
  return wrap;
}

// ---------- the list ----------

function caseRow(c, now) {
  const tr = el("tr", `case-row st-case-${c.status}`);
  tr.dataset.caseId = c.id;
  const name = el("th");
  name.scope = "row";
  name.append(consoleLink({ view: "case", id: c.id }, t("case.heading", { id: c.id })), el("p", "case-title", c.title));
  const subject = el("td");
  subject.append(c.subject_kind === "interaction" ? consoleLink({ view: "interaction", id: c.subject_id }, subjectText(c)) : subjectText(c));
  const who = [c.agent_id && t("agent", { id: c.agent_id }), c.team_id && t("team", { id: c.team_id })].filter(Boolean).join(" · ");
  if (who) subject.append(el("p", "sub", who));
  const status = el("td");
  status.append(statusBadge(c.status));
  const due = el("td");
  due.append(zonedEl(c.due_at));
  if (isOverdue(c, now)) due.append(" ", el("span", "badge overdue", t("case.overdue")));
  const opened = el("td");
  opened.append(zonedEl(c.opened_at), el("p", "sub", c.opened_by));
  tr.append(name, subject, status, el("td", "", c.assignee || "–"), due, opened);
  return tr;
}

export function mountReviews(host, ctx) {
  const p = ctx.params();
  const filters = { status: p.get("status") || "", assignee: p.get("assignee") || "", overdue: p.get("overdue") === "true" ? "true" : "" };
  const cursor = p.get("cursor") || "";
  const limit = PAGE_SIZES.includes(Number(p.get("limit"))) ? Number(p.get("limit")) : PAGE_SIZE;
  const section = el("section", "reviews-view");
  section.setAttribute("aria-labelledby", "reviews-heading");
  const heading = viewHeading("reviews.heading");
  heading.id = "reviews-heading";

  const form = filterForm("review-filters");
  const status = el("select");
  status.name = "status";
  status.append(option("", t("f.any")), ...STATUSES.map((s) => option(s, t(`cs.${s}`))));
  status.value = filters.status;
  const assignee = el("input");
  assignee.name = "assignee";
  assignee.spellcheck = false;
  assignee.value = filters.assignee;
  const overdueWrap = el("div", "field check");
  const overdue = el("input");
  overdue.type = "checkbox";
  overdue.id = "rf-overdue";
  overdue.name = "overdue";
  overdue.checked = filters.overdue === "true";
  const overdueLabel = el("label", "", t("reviews.overdueOnly"));
  overdueLabel.htmlFor = overdue.id;
  overdueWrap.append(overdue, overdueLabel);
  const { buttons, clear } = filterButtons();
  form.append(labelled(t("f.state"), status, "rf-status"), labelled(t("reviews.assignee"), assignee, "rf-assignee"), overdueWrap, buttons);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ctx.navigate({ status: status.value, assignee: assignee.value.trim(), overdue: overdue.checked ? "true" : "", cursor: "" });
  });
  clear.addEventListener("click", () => ctx.navigate({ status: "", assignee: "", overdue: "", cursor: "" }));

  const error = errorLine("reviews-error");
  const table = el("table", "cases");
  table.id = "cases";
  const caption = el("caption", "visually-hidden", t("reviews.heading"));
  const headRow = el("tr");
  for (const key of ["case", "subject", "status", "assignee", "due", "opened"]) {
    const th = el("th", "", t(`reviews.col.${key}`));
    th.scope = "col";
    headRow.append(th);
  }
  const thead = el("thead");
  thead.append(headRow);
  const body = el("tbody");
  table.append(caption, thead, body);
  table.setAttribute("aria-busy", "true");
  const empty = el("p", "empty", t("reviews.empty"));
  empty.hidden = true;
  const pager = el("nav", "pager");
  pager.setAttribute("aria-label", t("reviews.pages"));
  section.append(heading, form, error, table, empty, pager);
  host.append(section);

  let gone = false;
  (async () => {
    try {
      const page = await api(`/v1/reviews${query({ ...filters, limit, cursor })}`);
      if (gone) return;
      const now = new Date();
      body.replaceChildren(...page.items.map((c) => caseRow(c, now)));
      empty.hidden = page.items.length > 0;
      const here = Object.fromEntries(ctx.params());
      if (cursor) pager.append(consoleLink({ ...here, cursor: "" }, `« ${t("reviews.first")}`, "first-page"));
      if (page.next_cursor) pager.append(consoleLink({ ...here, cursor: page.next_cursor }, `${t("reviews.next")} »`, "next-page"));
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("reviews", e);
    }
    table.setAttribute("aria-busy", "false");
  })();
  return () => { gone = true; };
}

// ---------- one case ----------

function section(id, key) {
  const s = el("section", `ia-section case-sec-${id}`);
  const h = el("h3", "", t(key));
  h.id = `case-${id}-heading`;
  s.setAttribute("aria-labelledby", h.id);
  s.append(h);
  return s;
}

function summary(c) {
  const dl = el("dl", "ia-summary");
  const subject = c.subject_kind === "interaction" ? consoleLink({ view: "interaction", id: c.subject_id }, subjectText(c)) : subjectText(c);
  const subjectField = field(t("case.subject"), "");
  subjectField.querySelector("dd").append(subject);
  const due = field(t("case.due"), "", isOverdue(c, new Date()) ? "bad" : "");
  due.querySelector("dd").append(zonedEl(c.due_at));
  if (isOverdue(c, new Date())) due.querySelector("dd").append(" ", el("span", "badge overdue", t("case.overdue")));
  due.id = "case-due";
  dl.append(
    subjectField,
    field(t("ia.agent"), c.agent_id || "–"),
    field(t("ia.team"), c.team_id || "–"),
    field(t("ia.queue"), c.queue_id || "–"),
    field(t("case.opened"), `${zoned(c.opened_at)} · ${c.opened_by}`),
    due,
    field(t("case.assignee"), c.assignee || "–"),
    field(t("ia.standard"), c.standard_version),
  );
  if (c.closed_at) dl.append(field(t("case.closed"), zoned(c.closed_at)));
  return dl;
}

// A linked alert said in words; the alert callqa raises when this very review is late, by how late it is.
function linkedSentence(a, standard) {
  if (a.rule === "review_overdue") return t("case.overdueAlert", { late: longSpan(a.value) });
  return alertSentence(a, standard, null);
}

function causeLabel(id, causes) {
  if (!id) return "–";
  const found = causes.find((c) => c.id === id);
  return (found && found.labels && (found.labels[lang()] || found.labels.en)) || id;
}

function changeSentence(ch, causes) {
  const d = ch.detail || {};
  switch (ch.change) {
    case "opened": return t("audit.opened", { due: zoned(d.due_at) });
    case "linked": return t(`audit.linked.${d.kind}`, { ref: d.ref });
    case "assignee": return t("audit.assignee", { old: d.old || "–", new: d.new || "–" });
    case "root_cause": return t("audit.root_cause", { old: causeLabel(d.old, causes), new: causeLabel(d.new, causes) });
    case "five_whys": return t("audit.five_whys", { count: fmt.int((d.new || []).length) });
    case "status": return t("audit.status", { old: t(`cs.${d.old}`), new: t(`cs.${d.new}`) }) + (d.note ? ` “${d.note}”` : "");
    case "action_added": return t("audit.action_added", { id: d.action_id, metric: t(`metric.${d.metric}`), owner: d.owner });
    case "action_verified": return t(`audit.action_verified.${d.worked === true ? "worked" : d.worked === false ? "did_not_work" : "inconclusive"}`, { id: d.action_id });
    case "overdue": return t("audit.overdue", { late: longSpan(d.late_seconds) });
    default: return ch.change;
  }
}

function auditTrail(c, causes) {
  const list = el("ol", "history case-history");
  list.id = "case-history";
  for (const ch of c.history) {
    const li = el("li");
    li.dataset.change = ch.change;
    li.append(zonedEl(ch.at), ` · ${ch.actor} · `, changeSentence(ch, causes));
    list.append(li);
  }
  return list;
}

function actionCard(a, onVerify) {
  const li = el("li", `action outcome-${actionOutcome(a)}`);
  li.dataset.actionId = a.id;
  li.dataset.outcome = actionOutcome(a);
  li.append(el("p", "action-title", a.description));
  const meta = el("dl", "ia-summary action-meta");
  const subject = t(`case.subject.${a.subject_kind}`, { id: a.subject_id });
  meta.append(
    field(t("action.owner"), a.owner),
    field(t("action.due"), zoned(a.due_at)),
    field(t("action.metric"), t("action.metricOf", { metric: t(`metric.${a.metric}`), subject })),
    field(t("action.target"), a.target === null ? "–" : metricValue(a.metric, a.target)),
    field(t("action.window"), t("action.windowText", { span: longSpan(a.window_seconds), from: zoned(a.starts_at) })),
  );
  li.append(meta);
  const outcome = actionOutcome(a);
  const result = el("p", `action-result ${outcome}`);
  result.append(el("span", `badge outcome ${outcome}`, t(`outcome.${outcome}`)), " ");
  if (outcome === "pending") {
    const ends = new Date(new Date(a.starts_at).getTime() + a.window_seconds * 1000).toISOString();
    result.append(t("action.verifyAfter", { time: zoned(ends) }));
    const verify = el("button", "quiet verify", t("action.verify"));
    verify.type = "button";
    verify.addEventListener("click", () => onVerify(a, verify));
    li.append(result, verify);
  } else {
    result.append(
      t("action.beforeAfter", {
        metric: t(`metric.${a.metric}`),
        before: metricValue(a.metric, a.before_value),
        beforeCount: fmt.int(a.before_count),
        after: metricValue(a.metric, a.after_value),
        afterCount: fmt.int(a.after_count),
      }),
    );
    li.append(result, el("p", "sub", t("action.verifiedBy", { who: a.verified_by || "callqa", time: zoned(a.verified_at) })));
  }
  return li;
}

function actionForm(c, standard, onSubmit) {
  const form = el("form", "action-form");
  form.id = "action-form";
  form.setAttribute("aria-label", t("action.new"));
  const description = el("input");
  description.name = "description";
  description.required = true;
  description.maxLength = 4000;
  const owner = el("input");
  owner.name = "owner";
  owner.required = true;
  owner.value = c.assignee || "";
  const due = el("input");
  due.name = "due";
  due.type = "datetime-local";
  due.required = true;
  // An action already taken (a coaching session last week) is recorded with the time it took effect.
  const starts = el("input");
  starts.name = "starts";
  starts.type = "datetime-local";
  const metric = el("select");
  metric.name = "metric";
  const metrics = [...((standard && standard.review && standard.review.action_metrics) || ["compliance_rate"])].sort();
  metric.append(...metrics.map((m) => option(m, t(`metric.${m}`))));
  if (metrics.includes("compliance_rate")) metric.value = "compliance_rate";
  const kind = el("select");
  kind.name = "subject_kind";
  kind.append(...["agent", "team", "queue"].map((k) => option(k, t(`action.kind.${k}`))));
  const subjectId = el("input");
  subjectId.name = "subject_id";
  subjectId.required = true;
  const fill = () => { subjectId.value = c[`${kind.value}_id`] || ""; };
  kind.value = c.agent_id ? "agent" : c.team_id ? "team" : "queue";
  fill();
  kind.addEventListener("change", fill);
  const windowDays = el("input");
  windowDays.name = "window_days";
  windowDays.type = "number";
  windowDays.min = "1";
  windowDays.max = "366";
  windowDays.step = "1";
  const defaultWindow = standard && standard.review ? standard.review.verification_window_seconds : 604800;
  windowDays.value = String(Math.round(defaultWindow / 86400));
  const submit = el("button", "", t("action.add"));
  submit.type = "submit";
  const grid = el("div", "form-grid");
  grid.append(
    labelled(t("action.description"), description, "af-description"),
    labelled(t("action.owner"), owner, "af-owner"),
    labelled(t("action.dueLocal"), due, "af-due"),
    labelled(t("action.metric"), metric, "af-metric"),
    labelled(t("action.subjectKind"), kind, "af-kind"),
    labelled(t("action.subjectId"), subjectId, "af-subject"),
    labelled(t("action.windowDays"), windowDays, "af-window"),
    labelled(t("action.startsLocal"), starts, "af-starts"),
  );
  const error = errorLine("action-error");
  form.append(grid, submit, error);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const when = new Date(due.value);
    if (Number.isNaN(when.getTime())) {
      error.textContent = t("action.badDue");
      due.focus();
      return;
    }
    const from = starts.value ? new Date(starts.value) : null;
    submit.disabled = true;
    try {
      await onSubmit({
        ...(from && !Number.isNaN(from.getTime()) ? { starts_at: from.toISOString() } : {}),
        description: description.value.trim(),
        owner: owner.value.trim(),
        due_at: when.toISOString(),
        metric: metric.value,
        subject_kind: kind.value,
        subject_id: subjectId.value.trim(),
        window_seconds: Number(windowDays.value) * 86400,
      });
    } catch (e) {
      error.textContent = failedText("action", e);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export function mountCase(host, ctx) {
  const id = ctx.params().get("id") || "";
  const page = el("article", "case-view");
  const back = consoleLink({ view: "reviews" }, `← ${t("case.back")}`, "back");
  const heading = viewHeading("case.heading", null, { id });
  heading.id = "case-heading";
  const error = errorLine("case-error");
  const body = el("div", "case-body");
  page.append(back, heading, error, body);
  host.append(page);
  let gone = false;
  let causes = [];

  async function change(action, path, init, done) {
    const c = await api(path, init);
    if (gone) return;
    ctx.announce(done || t("case.saved"));
    await load(action);
    return c;
  }

  async function load(focusAction) {
    let c;
    try {
      c = await api(`/v1/reviews/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!gone) error.textContent = e.status === 404 ? t("case.notfound", { id }) : ctx.failed("case", e);
      return;
    }
    const alerts = await Promise.all(c.links.filter((l) => l.kind === "alert").map((l) => api(`/v1/alerts/${l.ref}`).catch(() => null)));
    if (gone) return;
    render(c, alerts.filter(Boolean));
    page.dataset.status = c.status;
    page.dataset.loaded = "true";
    // A keyboard user stays where they were: on the control that did it, redrawn, or else on the heading.
    if (focusAction) (body.querySelector(`[data-focus='${focusAction}']`) || heading).focus({ preventScroll: true });
  }

  function render(c, alerts) {
    const standard = ctx.standard();
    heading.replaceChildren(t("case.heading", { id: c.id }), " ", statusBadge(c.status));
    const grid = el("div", "ia-grid");
    const left = el("div", "ia-main");
    const right = el("div", "ia-side");

    // workflow: the moves allowed from here, with an optional note; the assignee
    const flow = section("workflow", "case.workflow");
    const headline = alerts.length ? linkedSentence(alerts[0], standard) : c.title;
    flow.append(el("p", "case-title big-title", headline));
    const steps = el("ol", "steps");
    steps.setAttribute("aria-label", t("case.steps"));
    const at = STATUSES.indexOf(c.status);
    for (const [n, s] of STATUSES.entries()) {
      const li = el("li", n < at ? "done" : n === at ? "current" : "later", t(`cs.${s}`));
      if (n === at) li.setAttribute("aria-current", "step");
      steps.append(li);
    }
    flow.append(steps);
    const moveError = errorLine("status-error");
    const note = el("input");
    note.maxLength = 4000;
    note.placeholder = t("note.placeholder");
    const moves = el("div", "moves");
    moves.id = "case-moves";
    for (const next of c.next_statuses) {
      const b = el("button", next === "closed" && c.status === "investigating" ? "quiet move" : "move", t("case.moveTo", { status: t(`cs.${next}`) }));
      b.type = "button";
      b.dataset.status = next;
      if (!moves.children.length) b.dataset.focus = "status"; // after a move, focus lands on the next one
      b.addEventListener("click", async () => {
        moveError.textContent = "";
        b.disabled = true;
        try {
          const payload = { status: next, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
          await change("status", `/v1/reviews/${c.id}/status`, { method: "POST", body: payload }, t("case.moved", { status: t(`cs.${next}`) }));
        } catch (e) {
          moveError.textContent = failedText("status", e);
          b.disabled = false;
        }
      });
      moves.append(b);
    }
    if (c.next_statuses.length) flow.append(labelled(t("case.note"), note, "case-note"), moves, moveError);
    else flow.append(el("p", "empty", t("case.final")));
    const assign = el("form", "inline-form");
    assign.id = "assign-form";
    const who = el("input");
    who.value = c.assignee || "";
    who.maxLength = 128;
    const assignBtn = el("button", "quiet", t("case.assign"));
    assignBtn.type = "submit";
    assignBtn.dataset.focus = "assign";
    const assignError = errorLine("assign-error");
    assign.append(labelled(t("case.assignee"), who, "case-assignee"), assignBtn);
    assign.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      assignError.textContent = "";
      try {
        await change("assign", `/v1/reviews/${c.id}`, { method: "PATCH", body: { assignee: who.value.trim() } });
      } catch (e) {
        assignError.textContent = failedText("assign", e);
      }
    });
    flow.append(assign, assignError);

    // root cause (the standard's taxonomy) and the 5 Whys
    const cause = section("cause", "case.cause");
    const form = el("form", "cause-form");
    form.id = "cause-form";
    const pick = el("select");
    pick.append(option("", t("case.noCause")), ...causes.map((k) => option(k.id, causeLabel(k.id, causes))));
    pick.value = c.root_cause || "";
    const whys = el("ol", "whys");
    const inputs = [];
    for (let n = 0; n < WHYS; n += 1) {
      const li = el("li");
      const input = el("input", "why");
      input.maxLength = 4000;
      input.value = c.five_whys[n] || "";
      inputs.push(input);
      li.append(labelled(t("case.why", { n: n + 1 }), input, `case-why-${n + 1}`));
      whys.append(li);
    }
    const save = el("button", "", t("case.saveCause"));
    save.type = "submit";
    save.dataset.focus = "cause";
    const causeError = errorLine("cause-error");
    form.append(labelled(t("case.rootCause"), pick, "case-root-cause"), el("p", "hint", t("case.whysHint")), whys, save, causeError);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      causeError.textContent = "";
      const changes = { five_whys: inputs.map((i) => i.value.trim()).filter(Boolean) };
      if (pick.value) changes.root_cause = pick.value;
      try {
        await change("cause", `/v1/reviews/${c.id}`, { method: "PATCH", body: changes });
      } catch (e) {
        causeError.textContent = failedText("cause", e);
      }
    });
    cause.append(form);

    // corrective actions
    const acts = section("actions", "case.actions");
    const list = el("ul", "actions");
    list.id = "case-actions";
    const verifyError = errorLine("verify-error");
    const onVerify = async (a, button) => {
      verifyError.textContent = "";
      button.disabled = true;
      try {
        await change("verify", `/v1/actions/${a.id}/verify`, { method: "POST" }, t("action.verified", { id: a.id }));
      } catch (e) {
        verifyError.textContent = failedText("verify", e);
        button.disabled = false;
      }
    };
    list.append(...c.actions.map((a) => actionCard(a, onVerify)));
    if (!c.actions.length) list.append(el("li", "empty", t("case.noActions")));
    acts.append(list, verifyError);
    if (["investigating", "action_planned"].includes(c.status)) {
      const details = el("details", "new-action");
      details.open = c.actions.length === 0 && c.status === "investigating";
      details.append(el("summary", "", t("action.new")));
      details.append(actionForm(c, standard, (spec) => change("action", `/v1/reviews/${c.id}/actions`, { method: "POST", body: spec }, t("action.added"))));
      acts.append(details);
    } else if (c.status === "open") acts.append(el("p", "hint", t("case.actionsLater")));

    // what the case links, and its history
    const links = section("links", "case.links");
    const linkList = el("ul", "ia-alerts case-linked");
    linkList.id = "case-links";
    for (const a of alerts) {
      const li = el("li", `ia-alert sev-${a.severity}`);
      li.dataset.alertId = a.id;
      const line = el("p", "alert-line");
      line.append(el("span", "badge sev", t(`sev.${a.severity}`)), " ", el("span", "sentence", linkedSentence(a, standard)), " ", el("span", "badge state", t(`state.${a.state}`)));
      const to = a.interaction_id ? { view: "interaction", id: a.interaction_id } : { view: "alerts", queue_id: a.queue_id || "", team_id: a.team_id || "" };
      li.append(line, consoleLink(to, a.interaction_id ? t("case.openInteraction", { id: a.interaction_id }) : t("case.openAlerts"), "small-link"));
      linkList.append(li);
    }
    for (const l of c.links.filter((x) => x.kind === "interaction")) {
      const li = el("li", "linked-interaction");
      li.dataset.interactionId = l.ref;
      li.append(consoleLink({ view: "interaction", id: l.ref }, t("case.subject.interaction", { id: l.ref })), " ", el("span", "sub", t("case.linkedBy", { who: l.linked_by, time: zoned(l.linked_at) })));
      linkList.append(li);
    }
    if (!linkList.children.length) linkList.append(el("li", "empty", t("case.noLinks")));
    links.append(linkList);
    const sum = section("summary", "ia.summary");
    sum.append(summary(c));
    const trail = section("history", "case.history");
    trail.append(auditTrail(c, causes));

    left.append(flow, cause, acts);
    right.append(sum, links, trail);
    grid.append(left, right);
    body.replaceChildren(grid);
  }

  (async () => {
    try {
      causes = (await api("/v1/reviews/root-causes")).items;
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("causes", e);
    }
    if (!gone) await load(null);
  })();
  return () => { gone = true; };
}
