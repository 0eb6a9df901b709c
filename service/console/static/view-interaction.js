// One interaction, fully explained: its score item by item with the reason, the transcript with the words each
// item matched highlighted, the sentiment curve, the timeline with holds and transfers, its alerts with their
// history, and the standard version that judged it. Everything from GET /v1/interactions/{id} and /v1/alerts/{id}.
"use strict";

import { api } from "./api.js";
import { lineChart, timelineBar } from "./charts.js";
import { consoleLink, el, field, timeEl, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { outcomesPanel } from "./outcomes.js";
import { alertSentence, itemLabel, itemReason } from "./sentences.js";
import { casesOfInteraction } from "./view-reviews.js";
import { judgedBy, reviewPanel } from "./view-review.js";

const TEXT_EVENTS = new Set(["call.utterance", "ticket.created", "ticket.replied"]);
const STATUS_ICON = { pass: "✓", fail: "✗", pending: "…", not_applicable: "–" };

function section(id, key) {
  const s = el("section", `ia-section ia-sec-${id}`);
  const h = el("h3", "", t(key));
  h.id = `ia-${id}-heading`;
  s.setAttribute("aria-labelledby", h.id);
  s.append(h);
  return s;
}

function seconds(from, to) {
  return (new Date(to) - new Date(from)) / 1000;
}

// ---------- summary ----------

function summary(d, standard) {
  const dl = el("dl", "ia-summary");
  const end = d.ended_at || d.scored_at;
  const verdict = d.passed === null || d.passed === undefined ? t("ia.pending") : d.critical_failure ? t("ia.criticalFailed") : d.passed ? t("ia.passed") : t("ia.failed");
  const mark = standard && standard.quality ? t("ia.passMark", { mark: fmt.num(standard.quality.pass_mark) }) : "";
  dl.append(
    field(t("ia.status"), t(`status.${d.status}`)),
    field(t("ia.agent"), d.agent_id || "–"),
    field(t("ia.queue"), d.queue_id || "–"),
    field(t("ia.team"), d.team_id || "–"),
    field(t("ia.started"), fmt.time(d.started_at)),
    field(t("ia.duration"), fmt.duration(seconds(d.started_at, end))),
    field(t("ia.quality"), `${fmt.num(d.quality_score)} · ${verdict}${mark ? ` (${mark})` : ""}`, d.passed === false ? "bad" : d.passed ? "ok" : ""),
    judgedBy(d.standard_version),
  );
  return dl;
}

// ---------- items ----------

function itemsTable(d, standard) {
  const table = el("table", "ia-items");
  table.id = "ia-items";
  const head = el("tr");
  for (const key of ["item", "status", "weight", "reason"]) {
    const th = el("th", "", t(`ia.col.${key}`));
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const body = el("tbody");
  for (const item of (d.score && d.score.items) || []) {
    const tr = el("tr", `item st-${item.status}`);
    tr.dataset.item = item.id;
    tr.dataset.status = item.status;
    const name = el("th", "", itemLabel(item.id, standard));
    name.scope = "row";
    if (item.critical) name.append(" ", el("span", "badge critical-item", t("sev.critical")));
    const status = el("td", "status");
    const icon = el("span", "ck-icon", STATUS_ICON[item.status] || "?");
    icon.setAttribute("aria-hidden", "true");
    status.append(icon, ` ${t(`status.${item.status}`)}`);
    tr.append(name, status, el("td", "num", fmt.num(item.weight)), el("td", "reason", itemReason(item, standard)));
    body.append(tr);
  }
  table.append(thead, body);
  return table;
}

// ---------- transcript ----------

// For each utterance, the words items matched in it (by event id), so they can be marked where they stand.
function matchesByEvent(d, standard) {
  const out = new Map();
  for (const item of (d.score && d.score.items) || []) {
    for (const e of item.evidence || []) {
      if (!e.event_id) continue;
      const list = out.get(e.event_id) || [];
      if (e.matched_text) list.push({ text: e.matched_text, item, label: itemLabel(item.id, standard) });
      else if (e.speaker === "customer" && item.category === "compliance") list.push({ upset: true, item });
      out.set(e.event_id, list);
    }
  }
  return out;
}

function highlighted(text, found) {
  const p = el("p", "utterance-text");
  const spans = [];
  const lower = text.toLowerCase();
  for (const m of found.filter((f) => f.text)) {
    const at = lower.indexOf(m.text.toLowerCase());
    if (at >= 0 && !spans.some((s) => at < s.end && at + m.text.length > s.start)) spans.push({ start: at, end: at + m.text.length, m });
  }
  spans.sort((a, b) => a.start - b.start);
  let pos = 0;
  for (const s of spans) {
    p.append(document.createTextNode(text.slice(pos, s.start)));
    const mark = el("mark", `hl ${s.m.item.requirement === "forbidden" ? "hl-bad" : "hl-good"}`, text.slice(s.start, s.end));
    mark.dataset.item = s.m.item.id;
    mark.title = t("ia.matched", { item: s.m.label });
    p.append(mark, el("span", "visually-hidden", ` (${t("ia.matched", { item: s.m.label })})`));
    pos = s.end;
  }
  p.append(document.createTextNode(text.slice(pos)));
  return p;
}

function transcript(d, standard) {
  const list = el("ol", "transcript");
  list.id = "transcript";
  const found = matchesByEvent(d, standard);
  const sentiment = new Map(((d.score && d.score.sentiment && d.score.sentiment.per_utterance) || []).map((u) => [u.event_id, u.value]));
  for (const e of d.timeline) {
    const text = e.payload && e.payload.text;
    if (!TEXT_EVENTS.has(e.type) || !text) continue;
    const speaker = e.payload.speaker || (e.type === "ticket.created" ? "customer" : "agent");
    const li = el("li", `utterance from-${speaker}`);
    li.dataset.eventId = e.event_id;
    const marks = found.get(e.event_id) || [];
    if (marks.some((m) => m.upset)) li.classList.add("upset");
    const who = el("p", "who");
    const offset = e.payload.offset_ms !== undefined ? fmt.offset(e.payload.offset_ms) : fmt.time(e.occurred_at);
    who.append(el("span", "speaker", t(`speaker.${speaker}`)), " ", timeEl(e.occurred_at, offset));
    if (sentiment.has(e.event_id)) who.append(" ", el("span", "senti", fmt.signed(sentiment.get(e.event_id))));
    li.append(who, highlighted(text, marks));
    list.append(li);
  }
  if (!list.children.length) list.append(el("li", "empty", t("ia.noTranscript")));
  return list;
}

// ---------- sentiment ----------

function sentimentChart(d, standard) {
  const points = (d.score && d.score.sentiment && d.score.sentiment.per_utterance) || [];
  const limit = standard && standard.sentiment ? standard.sentiment.customer_alert_below : null;
  const series = ["customer", "agent"].map((speaker) => ({
    cls: `s-${speaker}`,
    points: points.filter((p) => p.speaker === speaker).map((p) => ({ x: p.offset_ms || 0, y: p.value })),
  }));
  const mean = (s) => (s.points.length ? s.points.reduce((a, p) => a + p.y, 0) / s.points.length : null);
  const label = t("ia.sentiment.label", { customer: fmt.signed(mean(series[0])), agent: fmt.signed(mean(series[1])), limit: fmt.signed(limit) });
  const xMax = Math.max(1000, ...points.map((p) => p.offset_ms || 0));
  const chart = lineChart({
    label,
    xMin: 0,
    xMax,
    yMin: -1,
    yMax: 1,
    series,
    reference: limit === null ? null : { y: limit, label: t("trends.limit", { value: fmt.signed(limit) }) },
    xFormat: (v) => fmt.offset(v),
    yFormat: (v) => fmt.signed(v),
  });
  const wrap = el("figure", "chart-wrap");
  wrap.id = "ia-sentiment-chart";
  const legend = el("figcaption", "legend");
  legend.append(el("span", "key s-customer", t("legend.customer")), el("span", "key s-agent", t("legend.agent")));
  wrap.append(chart, legend);
  return wrap;
}

// ---------- timeline ----------

function timeline(d) {
  const events = d.timeline;
  const start = d.started_at;
  const at = (e) => Math.max(0, seconds(start, e.occurred_at));
  const end = d.ended_at ? seconds(start, d.ended_at) : Math.max(0, ...events.map(at));
  const holds = [];
  let open = null;
  for (const e of events) {
    if (e.type === "call.hold") open = at(e);
    if (e.type === "call.resumed" && open !== null) {
      holds.push({ from: open, to: at(e) });
      open = null;
    }
  }
  if (open !== null) holds.push({ from: open, to: end });
  const transfers = events.filter((e) => e.type === "call.transferred").map(at);
  const marks = events.filter((e) => e.type === "call.answered" || e.type === "call.ended").map((e) => ({ at: at(e), label: t(`event.${e.type}`) }));
  const wrap = el("div", "timeline");
  wrap.id = "ia-timeline";
  wrap.append(
    timelineBar({
      label: t("ia.timeline.label", { duration: fmt.duration(end), holds: fmt.int(holds.length), transfers: fmt.int(transfers.length) }),
      total: end,
      holds,
      transfers,
      marks,
      format: (s) => fmt.offset(s * 1000),
    }),
  );
  const legend = el("p", "legend");
  legend.append(el("span", "key tl-hold", t("legend.hold")), el("span", "key tl-transfer", t("legend.transfer")));
  const list = el("ol", "events");
  for (const e of events.filter((x) => !TEXT_EVENTS.has(x.type))) {
    const li = el("li", `ev ev-${e.type.replace(".", "-")}`);
    li.dataset.type = e.type;
    li.append(timeEl(e.occurred_at, fmt.time(e.occurred_at)), ` ${fmt.offset(at(e) * 1000)} · ${t(`event.${e.type}`)}`);
    if (e.type === "call.transferred" && e.payload && (e.payload.to_queue_id || e.payload.to_agent_id)) {
      li.append(` → ${e.payload.to_queue_id || e.payload.to_agent_id}`);
    }
    if (e.type === "call.resumed") {
      const hold = holds.find((h) => Math.abs(h.to - at(e)) < 0.001);
      if (hold) li.append(` (${t("legend.hold")} ${fmt.duration(hold.to - hold.from)})`);
    }
    list.append(li);
  }
  wrap.append(legend, list);
  return wrap;
}

// ---------- alerts ----------

function alertsList(full, d, standard) {
  const list = el("ul", "ia-alerts");
  list.id = "ia-alerts";
  for (const a of full) {
    const li = el("li", `ia-alert sev-${a.severity}`);
    li.dataset.alertId = a.id;
    li.dataset.state = a.state;
    const head = el("p", "alert-line");
    head.append(el("span", "badge sev", t(`sev.${a.severity}`)), " ", el("span", "sentence", alertSentence(a, standard, d)), " ", el("span", "badge state", t(`state.${a.state}`)));
    const history = el("ol", "history");
    for (const h of a.history || []) {
      const from = h.from_state ? t(`state.${h.from_state}`) : t("ia.created");
      const row = el("li", "", t("ia.history", { time: fmt.time(h.at), from, to: t(`state.${h.to_state}`), who: h.actor || "callqa" }));
      if (h.note) row.append(el("q", "note", h.note));
      history.append(row);
    }
    li.append(head, history);
    list.append(li);
  }
  if (!full.length) list.append(el("li", "empty", t("ia.noAlerts")));
  return list;
}

export function mountInteraction(host, ctx) {
  const id = ctx.params().get("id") || "";
  const page = el("article", "interaction-view");
  const back = consoleLink({ view: "alerts" }, `← ${t("ia.back")}`, "back");
  const heading = viewHeading("ia.heading", null, { kind: t("kind.call"), id });
  heading.id = "ia-heading";
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  page.append(back, heading, error);
  host.append(page);
  let gone = false;
  (async () => {
    let d;
    try {
      d = await api(`/v1/interactions/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!gone) error.textContent = e.status === 404 ? t("notfound", { id }) : ctx.failed("interaction", e);
      return;
    }
    const full = await Promise.all(d.alerts.map((a) => api(`/v1/alerts/${a.id}`).catch(() => ({ ...a, history: [] }))));
    if (gone) return;
    const standard = ctx.standard();
    heading.textContent = t("ia.heading", { kind: t(`kind.${d.kind}`), id: d.id });
    const grid = el("div", "ia-grid");
    const left = el("div", "ia-main");
    const right = el("div", "ia-side");
    const sumSection = section("summary", "ia.summary");
    sumSection.append(summary(d, standard));
    const items = section("items", "ia.items");
    items.append(itemsTable(d, standard));
    const words = section("transcript", "ia.transcript");
    words.append(transcript(d, standard));
    const mood = section("sentiment", "ia.sentiment");
    mood.append(sentimentChart(d, standard));
    const time = section("timeline", "ia.timeline");
    time.append(timeline(d));
    const alerts = section("alerts", "ia.alerts");
    alerts.append(alertsList(full, d, standard));
    const outcome = section("outcomes", "ia.outcomes");
    outcome.append(outcomesPanel(d.id, ctx));
    const cases = section("cases", "ia.cases");
    cases.append(casesOfInteraction(d.id, ctx));
    left.append(items, words);
    right.append(sumSection, outcome, cases, alerts, mood, time);
    grid.append(left, right);
    page.append(grid, reviewPanel(d.id, ctx, "review", (d.score && d.score.items) || []));
    page.dataset.loaded = "true";
  })();
  return () => { gone = true; };
}
