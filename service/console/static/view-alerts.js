// The alerts view: open alerts counted by severity, grouped by interaction (and by queue or team for window
// rules), each said as a sentence with its figures and the standard's limit; acknowledge one, a group, or all
// shown; filters kept in the URL. Beside it: queue tiles and live calls.
"use strict";

import { api } from "./api.js";
import { consoleLink, el, timeEl, viewHeading } from "./dom.js";
import { filterButtons } from "./forms.js";
import { fmt, t, tn } from "./i18n.js";
import { alertSentence, isWindowAlert } from "./sentences.js";
import { matches } from "./store.js";
import { liveCallsPanel, queueTilesPanel } from "./view-floor.js";
import { reviewControl } from "./view-reviews.js";

const SEVERITIES = ["critical", "warning", "info"];
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const FILTER_KEYS = ["severity", "state", "queue_id", "team_id"];
const REFETCH_DELAY_MS = 400;

function groupKey(a) {
  if (isWindowAlert(a)) return a.queue_id ? `q:${a.queue_id}` : `t:${a.team_id}`;
  return `i:${a.interaction_id || a.id}`;
}

function option(value, label) {
  const o = el("option", "", label);
  o.value = value;
  return o;
}

function filterForm(filters, ctx) {
  const form = el("form", "filters");
  form.id = "filters";
  form.setAttribute("aria-label", t("filters"));
  const select = (name, key, values) => {
    const wrap = el("div", "field");
    const label = el("label", "", t(key));
    label.htmlFor = `f-${name}`;
    const s = el("select");
    s.id = `f-${name}`;
    s.name = name;
    s.append(option("", t("f.any")), ...values.map(([v, k]) => option(v, t(k))));
    s.value = filters[name] || "";
    wrap.append(label, s);
    return wrap;
  };
  const text = (name, key) => {
    const wrap = el("div", "field");
    const label = el("label", "", t(key));
    const input = el("input");
    input.id = `f-${name.replace("_id", "")}`;
    label.htmlFor = input.id;
    input.name = name;
    input.spellcheck = false;
    input.value = filters[name] || "";
    wrap.append(label, input);
    return wrap;
  };
  const { buttons, clear } = filterButtons();
  form.append(
    select("severity", "f.severity", SEVERITIES.map((s) => [s, `sev.${s}`])),
    select("state", "f.state", ["open", "acknowledged", "resolved"].map((s) => [s, `state.${s}`])),
    text("queue_id", "f.queue"),
    text("team_id", "f.team"),
    buttons,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = {};
    for (const k of FILTER_KEYS) next[k] = form.elements[k].value.trim();
    ctx.navigate(next);
  });
  clear.addEventListener("click", () => ctx.navigate(Object.fromEntries(FILTER_KEYS.map((k) => [k, ""]))));
  return form;
}

export function mountAlerts(host, ctx) {
  const p = ctx.params();
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, p.get(k) || ""]));
  const details = new Map(); // interaction id -> { detail, timer }
  const groups = new Map(); // group key -> { li, list, note, ackAll, head }
  const rows = new Map(); // alert id -> li

  // ---- layout ----
  const layout = el("div", "alerts-layout");
  const main = el("section", "feed-panel");
  main.setAttribute("aria-labelledby", "feed-heading");
  const summary = el("span", "count");
  summary.id = "feed-count";
  const heading = viewHeading("alerts.heading", summary);
  heading.id = "feed-heading";
  const counts = el("div", "sev-counts");
  counts.setAttribute("role", "group");
  counts.setAttribute("aria-label", t("counts.label"));
  counts.id = "sev-counts";
  const ackAll = el("button", "ack-all", "");
  ackAll.type = "button";
  ackAll.id = "ack-all";
  const toolbar = el("div", "toolbar");
  toolbar.append(counts, ackAll);
  const error = el("p", "error");
  error.id = "feed-error";
  const empty = el("p", "empty", t("alerts.empty"));
  empty.id = "feed-empty";
  const feed = el("ol", "groups");
  feed.id = "feed";
  feed.setAttribute("aria-busy", "true");
  main.append(heading, filterForm(filters, ctx), toolbar, error, empty, feed);

  const side = el("aside", "side");
  const windowNote = el("span", "sub");
  const qHeading = el("h2", "", t("side.queues"));
  qHeading.append(" ", windowNote);
  const qError = el("p", "error");
  const tiles = el("ul", "tiles");
  tiles.id = "queues";
  const cHeading = el("h2", "", t("side.calls"));
  const cCount = el("span", "count");
  cHeading.append(" ", cCount);
  const cError = el("p", "error");
  const calls = el("ul", "calls");
  calls.id = "calls";
  side.append(qHeading, qError, tiles, cHeading, cError, calls);
  layout.append(main, side);
  host.append(layout);

  // ---- sentences ----
  const sentenceOf = (a) => alertSentence(a, ctx.standard(), a.interaction_id ? (details.get(a.interaction_id) || {}).detail : null);

  function refreshSentences(interactionId) {
    for (const [id, li] of rows) {
      const a = ctx.store.alerts.get(id);
      if (a && a.interaction_id === interactionId) li.querySelector(".sentence").textContent = sentenceOf(a);
    }
  }

  // The score behind an interaction's alerts (measured values, failed items): read once, again after a change.
  function fetchDetail(interactionId, soon) {
    const entry = details.get(interactionId) || {};
    details.set(interactionId, entry);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(async () => {
      try {
        entry.detail = await api(`/v1/interactions/${encodeURIComponent(interactionId)}`);
        refreshSentences(interactionId);
        const group = groups.get(`i:${interactionId}`);
        const link = group && group.li.querySelector("h3 a");
        if (link) link.textContent = t("group.interaction", { kind: t(`kind.${entry.detail.kind}`), id: interactionId });
      } catch (_) {
        // not scored yet, or gone: the sentence keeps the alert's own figures
      }
    }, soon ? REFETCH_DELAY_MS : 0);
  }

  // ---- groups ----
  function buildGroup(key, a) {
    const li = el("li", "group");
    li.dataset.group = key;
    const article = el("article");
    const titleId = `group-${key.replace(/[^A-Za-z0-9_-]/g, "_")}-title`;
    article.setAttribute("aria-labelledby", titleId);
    const head = el("header", "group-head");
    const title = el("h3");
    title.id = titleId;
    if (isWindowAlert(a)) {
      title.textContent = a.queue_id ? t("group.queue", { id: a.queue_id }) : t("group.team", { id: a.team_id });
    } else {
      // Alerts do not say whether they are about a call or a ticket; the score (fetched below) does.
      const kind = t("kind.interaction");
      title.append(consoleLink({ view: "interaction", id: a.interaction_id }, t("group.interaction", { kind, id: a.interaction_id })));
    }
    const meta = el("p", "meta");
    const chips = el("p", "chips");
    const groupAck = el("button", "ack-group", "");
    groupAck.type = "button";
    groupAck.setAttribute("aria-describedby", titleId);
    head.append(title, meta, chips, groupAck);
    const list = el("ul", "group-alerts");
    const noteWrap = el("div", "note-row");
    const noteId = `${titleId}-note`;
    const label = el("label", "visually-hidden", t("note.label"));
    label.htmlFor = noteId;
    const note = el("input", "note");
    note.id = noteId;
    note.type = "text";
    note.maxLength = 1000;
    note.placeholder = t("note.placeholder");
    noteWrap.append(label, note);
    const groupError = el("p", "error");
    groupError.setAttribute("role", "alert");
    article.append(head, list, noteWrap, groupError);
    li.append(article);
    const group = { li, list, note, meta, chips, groupAck, error: groupError, key };
    groupAck.addEventListener("click", () => {
      const open = [...list.children].map((r) => ctx.store.alerts.get(Number(r.dataset.alertId))).filter((x) => x && x.state === "open");
      acknowledge(open, group);
    });
    if (!isWindowAlert(a) && a.interaction_id) fetchDetail(a.interaction_id, false);
    return group;
  }

  function paintGroup(group) {
    const alerts = [...group.list.children].map((r) => ctx.store.alerts.get(Number(r.dataset.alertId))).filter(Boolean);
    const open = alerts.filter((a) => a.state === "open");
    const worst = alerts.reduce((w, a) => (SEVERITY_RANK[a.severity] < SEVERITY_RANK[w] ? a.severity : w), "info");
    group.li.className = `group sev-${worst}`;
    const first = alerts[0] || {};
    const meta = [];
    if (first.agent_id) meta.push(t("agent", { id: first.agent_id }));
    if (first.queue_id && !isWindowAlert(first)) meta.push(t("queue", { id: first.queue_id }));
    if (first.team_id && !isWindowAlert(first)) meta.push(t("team", { id: first.team_id }));
    meta.push(tn("group.alerts", alerts.length));
    group.meta.textContent = meta.join(" · ");
    group.chips.replaceChildren(
      ...SEVERITIES.filter((s) => open.some((a) => a.severity === s)).map((s) =>
        el("span", `chip sev-${s}`, t("counts.chip", { severity: t(`sev.${s}`), count: fmt.int(open.filter((a) => a.severity === s).length) })),
      ),
    );
    group.groupAck.textContent = t("group.ackAll", { count: fmt.int(open.length) });
    group.groupAck.hidden = open.length === 0;
  }

  // ---- rows ----
  function buildRow(a) {
    const li = el("li", `alert sev-${a.severity}`);
    li.dataset.alertId = a.id;
    const sentenceId = `alert-${a.id}-sentence`;
    const badge = el("span", "badge sev", t(`sev.${a.severity}`));
    const body = el("div", "alert-body");
    const sentence = el("p", "sentence");
    sentence.id = sentenceId;
    const evidence = el("ul", "evidence");
    evidence.setAttribute("aria-label", t("evidence"));
    for (const e of (a.evidence || []).filter((x) => x.matched_text || x.text).slice(0, 2)) {
      const speaker = e.speaker ? t(`speaker.${e.speaker}`) : "";
      evidence.append(el("li", "", t("evidence.said", { text: e.matched_text || e.text, speaker, offset: fmt.offset(e.offset_ms) })));
    }
    const audit = el("p", "audit");
    body.append(sentence, evidence, audit, reviewControl({ alert_id: a.id }, ctx));
    const meta = el("div", "alert-meta");
    const when = el("span", "when");
    when.append(timeEl(a.raised_at, t("raised", { time: fmt.time(a.raised_at) })));
    meta.append(el("span", "badge state"), el("span", "badge escalated", t("escalated")), when);
    const actions = el("div", "actions");
    for (const [action, key] of [["ack", "ack"], ["resolve", "resolve"]]) {
      const b = el("button", action, t(key));
      b.type = "button";
      b.dataset.action = action;
      b.setAttribute("aria-describedby", sentenceId);
      actions.append(b);
    }
    li.append(badge, body, meta, actions);
    li.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-action]");
      if (!b) return;
      const alert = ctx.store.alerts.get(a.id);
      const group = groups.get(groupKey(alert));
      if (b.dataset.action === "ack") acknowledge([alert], group);
      else resolve(alert, group);
    });
    return li;
  }

  function paintRow(li, a) {
    li.dataset.state = a.state;
    li.querySelector(".sentence").textContent = sentenceOf(a);
    li.querySelector(".badge.state").textContent = t(`state.${a.state}`);
    li.querySelector(".badge.escalated").hidden = !a.escalated_at;
    const audit = [];
    if (a.acknowledged_at) audit.push(t("acked.by", { who: a.acknowledged_by || "–", time: fmt.time(a.acknowledged_at) }));
    if (a.resolved_at) audit.push(t("resolved.by", { who: a.resolved_by || t("resolved.auto"), time: fmt.time(a.resolved_at) }));
    li.querySelector(".audit").textContent = audit.join(" · ");
    const focused = document.activeElement;
    const ack = li.querySelector("button.ack");
    const res = li.querySelector("button.resolve");
    ack.hidden = a.state !== "open";
    res.hidden = a.state === "resolved";
    // Keep keyboard users in place when the button they pressed goes away.
    if (focused && li.contains(focused) && focused.hidden) (res.hidden ? heading : res).focus();
  }

  function place(a) {
    const key = groupKey(a);
    const existing = rows.get(a.id);
    if (!matches(a, filters)) {
      if (existing) {
        if (existing.contains(document.activeElement)) heading.focus();
        existing.remove();
        rows.delete(a.id);
        const g = groups.get(key);
        if (g && !g.list.children.length) {
          g.li.remove();
          groups.delete(key);
        } else if (g) paintGroup(g);
      }
      return;
    }
    let group = groups.get(key);
    if (!group) {
      group = buildGroup(key, a);
      groups.set(key, group);
      feed.prepend(group.li); // newest activity first; existing groups never move under the reader
    }
    let li = existing;
    if (!li) {
      li = buildRow(a);
      rows.set(a.id, li);
      const after = [...group.list.children].find((r) => Number(r.dataset.alertId) < a.id);
      group.list.insertBefore(li, after || null);
    }
    paintRow(li, a);
    paintGroup(group);
  }

  function paintTotals() {
    const shown = ctx.store.matching(filters);
    const open = shown.filter((a) => a.state === "open");
    summary.textContent = shown.length
      ? t("alerts.summary", { open: fmt.int(open.length), groups: fmt.int(groups.size), shown: fmt.int(shown.length) })
      : "";
    empty.hidden = shown.length > 0;
    // Counts by severity ignore the severity filter, so each chip says what choosing it would show.
    const base = { ...filters, severity: "", state: "open" };
    counts.replaceChildren(
      ...SEVERITIES.map((s) => {
        const n = ctx.store.matching({ ...base, severity: s }).length;
        const b = el("button", `chip sev-${s}`, t("counts.chip", { severity: t(`sev.${s}`), count: fmt.int(n) }));
        b.type = "button";
        b.dataset.severity = s;
        b.setAttribute("aria-pressed", String(filters.severity === s));
        b.addEventListener("click", () => ctx.navigate({ severity: filters.severity === s ? "" : s }));
        return b;
      }),
    );
    ackAll.textContent = t("alerts.ackAll", { count: fmt.int(open.length) });
    ackAll.hidden = open.length === 0;
  }

  // ---- actions ----
  async function acknowledge(alerts, group) {
    if (!alerts.length) return;
    const text = group ? group.note.value.trim() : "";
    if (group) group.error.textContent = "";
    error.textContent = "";
    let done = 0;
    for (const a of alerts) {
      try {
        ctx.store.upsert(await api(`/v1/alerts/${a.id}/ack`, { method: "POST", body: text ? { note: text } : {} }), false);
        done += 1;
      } catch (e) {
        const where = (group && group.error) || error;
        where.textContent = t("action.failed", { action: t("action.ack"), detail: e.detail || e.message });
      }
    }
    if (group && done) group.note.value = "";
    if (done) ctx.announce(t("announce.ack", { count: fmt.int(done) }));
  }

  async function resolve(a, group) {
    const text = group ? group.note.value.trim() : "";
    try {
      ctx.store.upsert(await api(`/v1/alerts/${a.id}/resolve`, { method: "POST", body: text ? { note: text } : {} }), false);
      if (group) group.note.value = "";
      ctx.announce(t("announce.resolve"));
    } catch (e) {
      (group ? group.error : error).textContent = t("action.failed", { action: t("action.resolve"), detail: e.detail || e.message });
    }
  }

  ackAll.addEventListener("click", () => acknowledge(ctx.store.matching({ ...filters, state: "open" }), null));

  // New alerts arrive in bursts (one bad call breaches several items): one announcement per burst, saying how
  // many of each severity and the most serious one in words.
  let arrivals = [];
  let arrivalTimer = null;
  function announceLater(a) {
    arrivals.push(a);
    clearTimeout(arrivalTimer);
    arrivalTimer = setTimeout(() => {
      const burst = arrivals;
      arrivals = [];
      const worst = [...burst].sort((x, y) => SEVERITY_RANK[x.severity] - SEVERITY_RANK[y.severity] || x.id - y.id)[0];
      const bySeverity = SEVERITIES.filter((s) => burst.some((x) => x.severity === s)).map(
        (s) => t("counts.chip", { severity: t(`sev.${s}`), count: fmt.int(burst.filter((x) => x.severity === s).length) }),
      );
      ctx.announce(t("announce.new", { count: fmt.int(burst.length), severities: fmt.list(bySeverity), sentence: sentenceOf(worst) }));
    }, REFETCH_DELAY_MS);
  }

  // ---- wiring ----
  for (const a of ctx.store.matching(filters).reverse()) place(a);
  paintTotals();
  const unsubscribe = ctx.store.subscribe((event) => {
    if (event.type === "loaded") {
      feed.setAttribute("aria-busy", "false");
      error.textContent = ctx.store.error ? ctx.failed("alerts", ctx.store.error) : "";
    } else if (event.type === "upsert") {
      place(event.alert);
      const a = event.alert;
      if (event.live && a.interaction_id && !isWindowAlert(a) && details.has(a.interaction_id)) fetchDetail(a.interaction_id, true);
      if (event.isNew && event.live && matches(a, filters)) announceLater(a);
    }
    paintTotals();
  });
  ctx.store.setFilters(Object.fromEntries(Object.entries(filters).filter(([, v]) => v)));
  queueTilesPanel(tiles, qError, ctx, {
    only: filters.queue_id,
    onWindow: (body) => { windowNote.textContent = t("side.window", { minutes: fmt.int(body.window_seconds / 60) }); },
  });
  liveCallsPanel(calls, cError, cCount, ctx, { queue: filters.queue_id, team: filters.team_id });
  return () => {
    unsubscribe();
    clearTimeout(arrivalTimer);
    for (const entry of details.values()) clearTimeout(entry.timer);
  };
}
