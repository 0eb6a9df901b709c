// The floor: queue tiles, live calls, the agent table and the wallboard, from /v1/queues/live,
// /v1/interactions/live and /v1/agents/live.
"use strict";

import { api, query } from "./api.js";
import { sparkline } from "./charts.js";
import { consoleLink, el, viewHeading } from "./dom.js";
import { fmt, t, tn } from "./i18n.js";
import { itemLabel } from "./sentences.js";

const QUEUES_EVERY_MS = 10000;
const CALLS_EVERY_MS = 5000;
const AGENTS_EVERY_MS = 10000;
const ROTATE_MS = 10000;
const AMBER_BAND_BP = 1000; // amber within 10 points below target, in basis points

// ---------- queue tiles ----------

// A tile is coloured only once the window holds the standard's minimum sample: one unlucky call is not 0 %.
export function level(q, minOffered) {
  if (q.service_level === null || q.service_level === undefined || !q.offered) return ["none", t("tile.none")];
  if (q.offered < minOffered) return ["few", t("tile.few", { offered: fmt.int(q.offered), min: fmt.int(minOffered) })];
  // Whole basis points, so 0.70 against a 0.80 target is amber and not lost to 0.7000000000000001.
  const sl = Math.round(q.service_level * 10000);
  const target = Math.round(q.target * 10000);
  if (sl >= target) return ["ok", t("tile.ok")];
  if (sl >= target - AMBER_BAND_BP) return ["warn", t("tile.warn")];
  return ["bad", t("tile.bad")];
}

function figure(label, value, cls) {
  const wrap = el("div", `figure ${cls || ""}`.trim());
  wrap.append(el("dt", "", label), el("dd", "", value));
  return wrap;
}

export function queueTile(q, body, { large = false } = {}) {
  const [cls, verdict] = level(q, body.min_offered || 1);
  const li = el(large ? "section" : "li", `tile level-${cls}${large ? " large" : ""}`);
  li.dataset.queueId = q.queue_id;
  const heading = el(large ? "h2" : "h3", "", q.queue_id);
  li.append(heading, el("p", "big", fmt.pct(q.service_level)));
  li.append(el("p", "verdict", `${verdict} · ${t("tile.target", { target: fmt.pct(q.target) })}`));
  li.append(
    el("p", "small", t("tile.answered", {
      within: fmt.int(q.answered_within_limit),
      offered: fmt.int(q.offered),
      abandoned: fmt.pct(q.abandonment_rate),
    })),
  );
  const figures = el("dl", "figures");
  figures.append(
    figure(t("tile.waiting"), fmt.int(q.waiting ?? 0), q.waiting ? "attention" : ""),
    figure(t("tile.oldest"), fmt.duration(q.oldest_waiting_seconds)),
    figure(t("tile.asa"), fmt.duration(q.average_speed_of_answer_seconds)),
    figure(t("tile.aht"), fmt.duration(q.average_handle_seconds)),
    figure(t("tile.onContacts"), fmt.int(q.agents_on_contacts ?? 0)),
  );
  li.append(figures);
  if (q.stale_calls) li.append(el("p", "stale-note", tn("tile.stale", q.stale_calls)));
  return li;
}

async function loadQueues() {
  return api("/v1/queues/live");
}

// Tiles in a list, refreshed on a timer; `only` narrows to one queue (the alerts view's queue filter).
export function queueTilesPanel(list, errorLine, ctx, { only = "", onWindow } = {}) {
  return ctx.schedule(async () => {
    let body;
    try {
      body = await loadQueues();
      errorLine.textContent = "";
    } catch (e) {
      errorLine.textContent = ctx.failed("queues", e);
      return;
    }
    if (onWindow) onWindow(body);
    const shown = body.items.filter((q) => !only || q.queue_id === only);
    list.replaceChildren(...shown.map((q) => queueTile(q, body)));
    if (!shown.length) list.append(el("li", "empty", t("queues.empty")));
  }, QUEUES_EVERY_MS);
}

// ---------- live calls ----------

const CHECK_ICON = { pass: "✓", fail: "✗", pending: "…", not_applicable: "–" };

function sparkLabel(points) {
  const customer = points.filter((p) => p.speaker === "customer");
  if (!customer.length) return t("spark.none");
  return t("spark.label", { count: fmt.int(customer.length), latest: fmt.signed(customer[customer.length - 1].value) });
}

export function buildCall(c, standard, now) {
  const li = el("li", `call${c.stale ? " stale" : ""}`);
  li.dataset.interactionId = c.id;
  li.dataset.status = c.status;
  const head = el("div", "call-head");
  const title = el("h3");
  title.append(consoleLink({ view: "interaction", id: c.id }, `${t(`kind.${c.kind || "call"}`)} ${c.id}`));
  head.append(title);
  const meta = [
    c.agent_id ? t("agent", { id: c.agent_id }) : t("calls.noAgent"),
    c.queue_id ? t("queue", { id: c.queue_id }) : "",
    t(`status.${c.status}`),
    c.started_at ? fmt.duration((now - new Date(c.started_at)) / 1000) : "",
  ];
  head.append(el("p", "meta", meta.filter(Boolean).join(" · ")));
  const q = c.quality_score;
  head.append(el("p", "quality", q === null || q === undefined ? t("calls.noQuality") : t("calls.quality", { score: fmt.int(q) })));
  li.append(head);
  if (c.stale) {
    const silent = c.last_event_at ? (now - new Date(c.last_event_at)) / 1000 : null;
    li.append(el("p", "stale-note", t("calls.stale", { duration: fmt.duration(silent) })));
  }
  const checklist = el("ul", "checklist");
  checklist.setAttribute("aria-label", t("calls.checklist", { id: c.id }));
  for (const item of c.checklist || []) {
    const row = el("li", `ck ck-${item.status}`);
    row.dataset.item = item.id;
    row.dataset.status = item.status;
    const mark = el("span", "ck-icon", CHECK_ICON[item.status] || "?");
    mark.setAttribute("aria-hidden", "true");
    row.append(mark, document.createTextNode(` ${itemLabel(item.id, standard)} `), el("span", "visually-hidden", t(`check.${item.status}`)));
    checklist.append(row);
  }
  li.append(checklist);
  li.append(sparkline(c.sentiment || [], sparkLabel(c.sentiment || [])));
  return li;
}

export function liveCallsPanel(list, errorLine, countEl, ctx, { queue = "", team = "" } = {}) {
  return ctx.schedule(async () => {
    let body;
    try {
      body = await api("/v1/interactions/live");
      errorLine.textContent = "";
    } catch (e) {
      errorLine.textContent = ctx.failed("calls", e);
      return;
    }
    const shown = body.items.filter(
      (c) => (!queue || c.queue_id === queue) && (!team || !c.team_id || c.team_id === team),
    );
    const now = Date.now();
    // Nothing in a call card keeps focus but its link: rebuild unless a link is focused.
    if (list.contains(document.activeElement)) return;
    list.replaceChildren(...shown.map((c) => buildCall(c, ctx.standard(), now)));
    if (!shown.length) list.append(el("li", "empty", t("calls.empty")));
    countEl.textContent = shown.length ? fmt.int(shown.length) : "";
  }, CALLS_EVERY_MS);
}

// ---------- the queues view ----------

export function mountQueues(host, ctx) {
  const windowNote = el("span", "sub");
  const section = el("section", "queues-view");
  section.setAttribute("aria-labelledby", "queues-heading");
  const heading = viewHeading("queues.heading", windowNote);
  heading.id = "queues-heading";
  const error = el("p", "error");
  const list = el("ul", "tiles wide");
  list.id = "queue-tiles";
  section.append(heading, error, list);
  host.append(section);
  queueTilesPanel(list, error, ctx, {
    onWindow: (body) => { windowNote.textContent = t("side.window", { minutes: fmt.int(body.window_seconds / 60) }); },
  });
}

// ---------- the agent table ----------

// "Today" is the reader's own day: since local midnight, unless the URL asks for the last `hours`.
function periodStart(ctx) {
  const hours = Number(ctx.params().get("hours"));
  if (hours > 0 && hours <= 24) return new Date(Date.now() - hours * 3600 * 1000);
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
}

export function mountAgents(host, ctx) {
  const since = periodStart(ctx);
  const section = el("section", "agents-view");
  section.setAttribute("aria-labelledby", "agents-heading");
  const heading = viewHeading("agents.heading", el("span", "sub", t("agents.since", { time: fmt.hm(since) })));
  heading.id = "agents-heading";
  const error = el("p", "error");
  const table = el("table", "agents");
  table.id = "agents";
  const caption = el("caption", "visually-hidden", t("agents.heading"));
  const head = el("thead");
  const row = el("tr");
  for (const key of ["agent", "team", "state", "contact", "time", "handled", "quality", "sentiment"]) {
    const th = el("th", `col-${key}`, t(`agents.col.${key}`));
    th.scope = "col";
    row.append(th);
  }
  head.append(row);
  const body = el("tbody");
  table.append(caption, head, body);
  const empty = el("p", "empty", t("agents.empty"));
  empty.hidden = true;
  section.append(heading, error, table, empty);
  host.append(section);

  let rows = [];
  let fetchedAt = Date.now();
  const paint = () => {
    const elapsed = (Date.now() - fetchedAt) / 1000;
    body.replaceChildren(
      ...rows.map((a) => {
        const tr = el("tr", `agent state-${a.state}`);
        tr.dataset.agentId = a.agent_id;
        const name = el("th", "", a.agent_id);
        name.scope = "row";
        const state = el("td");
        state.append(el("span", `badge st-${a.state}`, t(`status.${a.state}`)));
        if (a.stale_calls) state.append(" ", el("span", "badge stale", tn("tile.stale", a.stale_calls)));
        const contact = el("td");
        if (a.current_interaction_id) contact.append(consoleLink({ view: "interaction", id: a.current_interaction_id }, a.current_interaction_id));
        else contact.textContent = "–";
        const inState = a.seconds_in_state === null ? null : a.seconds_in_state + elapsed;
        const cells = [
          el("td", "", a.team_id || "–"),
          state,
          contact,
          el("td", "num", fmt.duration(inState)),
          el("td", "num", fmt.int(a.handled)),
          el("td", "num", fmt.num(a.average_quality)),
          el("td", "num", fmt.signed(a.average_customer_sentiment)),
        ];
        tr.append(name, ...cells);
        return tr;
      }),
    );
    empty.hidden = rows.length > 0;
  };
  ctx.schedule(async () => {
    try {
      const answer = await api(`/v1/agents/live${query({ from: since.toISOString() })}`);
      rows = answer.items;
      fetchedAt = Date.now();
      error.textContent = "";
      paint();
    } catch (e) {
      error.textContent = ctx.failed("agents", e);
    }
  }, AGENTS_EVERY_MS);
  // Time in state ticks every second between polls (nothing in the table holds focus but links).
  const ticker = setInterval(() => { if (!body.contains(document.activeElement)) paint(); }, 1000);
  return () => clearInterval(ticker);
}

// ---------- the wallboard ----------

// Large type, no controls: the open alert counts, the clock, and one queue at a time in turn, with every
// queue's service level along the bottom.
export function mountWallboard(host, ctx) {
  const board = el("section", "wall");
  board.setAttribute("aria-labelledby", "wall-heading");
  const heading = el("h2", "visually-hidden", t("wall.heading"));
  heading.id = "wall-heading";
  heading.tabIndex = -1;
  const top = el("div", "wall-top");
  const clock = el("p", "wall-clock");
  clock.setAttribute("aria-label", t("wall.clock"));
  const counts = el("ul", "wall-counts");
  counts.setAttribute("aria-label", t("wall.open"));
  top.append(counts, clock);
  const stage = el("div", "wall-stage");
  stage.setAttribute("aria-live", "off");
  const strip = el("ul", "wall-strip");
  const error = el("p", "error");
  board.append(heading, top, error, stage, strip);
  host.append(board);

  const tickClock = () => { clock.textContent = fmt.hm(new Date()); };
  const paintCounts = () => {
    const open = ctx.store.matching({ state: "open" });
    counts.replaceChildren(
      ...["critical", "warning", "info"].map((sev) => {
        const li = el("li", `wall-count sev-${sev}`);
        li.dataset.severity = sev;
        li.append(el("span", "n", fmt.int(open.filter((a) => a.severity === sev).length)), el("span", "label", t(`sev.${sev}`)));
        return li;
      }),
    );
  };
  let body = null;
  let index = 0;
  const paintStage = () => {
    if (!body) return;
    const queues = body.items;
    if (!queues.length) {
      stage.replaceChildren(el("p", "empty", t("wall.none")));
      strip.replaceChildren();
      return;
    }
    index %= queues.length;
    const q = queues[index];
    const tile = queueTile(q, body, { large: true });
    tile.setAttribute("aria-label", t("wall.queue", { id: q.queue_id, index: index + 1, count: queues.length }));
    stage.replaceChildren(tile);
    strip.replaceChildren(
      ...queues.map((other, i) => {
        const [cls] = level(other, body.min_offered || 1);
        const li = el("li", `strip-item level-${cls}${i === index ? " current" : ""}`);
        li.dataset.queueId = other.queue_id;
        li.append(el("span", "name", other.queue_id), el("span", "value", fmt.pct(other.service_level)));
        return li;
      }),
    );
  };
  ctx.store.setFilters({});
  const unsubscribe = ctx.store.subscribe(paintCounts);
  paintCounts();
  tickClock();
  ctx.schedule(async () => {
    try {
      body = await loadQueues();
      error.textContent = "";
      paintStage();
    } catch (e) {
      error.textContent = ctx.failed("queues", e);
    }
  }, QUEUES_EVERY_MS);
  const rotateMs = Math.max(3000, Number(ctx.params().get("rotate") || 0) * 1000 || ROTATE_MS);
  const rotate = setInterval(() => {
    index += 1;
    paintStage();
  }, rotateMs);
  const clockTimer = setInterval(tickClock, 1000);
  return () => {
    unsubscribe();
    clearInterval(rotate);
    clearInterval(clockTimer);
  };
}
