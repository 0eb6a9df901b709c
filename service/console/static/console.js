// callqa supervisor console: plain browser JavaScript, no build step, no third-party code.
// Everything it shows comes from the /v1 API, read with the API key the supervisor types in.
// Untrusted text (transcripts, ids, notes) only ever goes into the page through textContent.
"use strict";

(() => {
  const KEY_STORAGE = "callqa.apiKey";
  const QUEUES_EVERY_MS = 10000;
  const CALLS_EVERY_MS = 5000;
  const LIST_LIMIT = 100;
  const FEED_MAX = 200; // older cards are dropped so a busy day cannot slow the page down
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const STATE_RANK = { open: 0, acknowledged: 1, resolved: 2 };
  const AMBER_BAND_BP = 1000; // amber within 10 points below target, in basis points

  const $ = (id) => document.getElementById(id);
  const feed = $("feed");

  let apiKey = sessionStorage.getItem(KEY_STORAGE);
  let filters = { severity: "", state: "", queue_id: "", team_id: "" };
  const cards = new Map(); // alert id -> { alert, li }
  let streamAbort = null;
  let lastEventId = null;
  let stops = []; // how to stop each poll of the current view
  // Bumped whenever the view is reset (new filters, new key): answers still in flight for the old view
  // see a different number and are dropped instead of painting stale alerts into the new one.
  let view = 0;

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
      this.detail = detail;
    }
  }

  // ---------- HTTP ----------

  function authHeaders(extra) {
    return Object.assign({ Authorization: `Bearer ${apiKey}` }, extra);
  }

  async function errorOf(res) {
    let detail = `${res.status} ${res.statusText}`.trim();
    try {
      const body = await res.json();
      if (body && typeof body.detail === "string") detail = body.detail;
    } catch (_) {
      // not JSON (a proxy's error page): the status line says enough
    }
    if (res.status === 401) signOut(`Key not accepted: ${detail}`);
    return new ApiError(res.status, detail);
  }

  async function api(path, { method = "GET", body } = {}) {
    const headers = authHeaders({ Accept: "application/json" });
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
    });
  }

  // ---------- key ----------

  function showKeyPanel(message) {
    $("console").hidden = true;
    $("sign-out").hidden = true;
    $("key-panel").hidden = false;
    $("key-error").textContent = message || "";
    setConnection("idle", "Not connected");
    $("api-key").focus();
  }

  function signOut(message) {
    apiKey = null;
    sessionStorage.removeItem(KEY_STORAGE);
    stopAll();
    showKeyPanel(message);
  }

  async function onKeySubmit(ev) {
    ev.preventDefault();
    const input = $("api-key");
    const key = input.value.trim();
    if (!key) return;
    apiKey = key;
    $("key-error").textContent = "";
    try {
      // Check the key before keeping it, so a typo is reported here and not as an empty console.
      await api(`/v1/alerts${query({ limit: 1 })}`);
    } catch (e) {
      apiKey = null;
      const why = e instanceof ApiError ? e.detail : `cannot reach callqa (${e.message})`;
      const lead = { 401: "Key not accepted: ", 403: "This key may not read alerts: " }[e.status] || "";
      $("key-error").textContent = lead + why;
      input.focus();
      return;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    input.value = "";
    start({ focusFeed: true });
  }

  // ---------- lifecycle ----------

  function start({ focusFeed = false } = {}) {
    $("key-panel").hidden = true;
    $("console").hidden = false;
    $("sign-out").hidden = false;
    resetFeed();
    startStream();
    schedule(refreshQueues, QUEUES_EVERY_MS);
    schedule(refreshCalls, CALLS_EVERY_MS);
    if (focusFeed) $("feed-heading").focus();
  }

  function stopAll() {
    view += 1;
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
    for (const stop of stops) stop();
    stops = [];
  }

  // A poll runs now and then every `ms`, never twice at once, and not while the tab is hidden.
  function schedule(task, ms) {
    let busy = false;
    const run = async () => {
      if (busy || document.hidden || !apiKey) return;
      busy = true;
      try {
        await task(view);
      } finally {
        busy = false;
      }
    };
    run();
    const timer = setInterval(run, ms);
    document.addEventListener("visibilitychange", run);
    stops.push(() => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", run);
    });
  }

  // ---------- alert stream ----------

  function setConnection(state, text) {
    const el = $("connection");
    el.dataset.state = state;
    el.textContent = text;
  }

  function streamUrl() {
    // The state filter is applied here in the page, not by the server: an alert acknowledged elsewhere
    // must still reach the page so its card can leave an "open only" view. The other filters are fixed
    // properties of an alert, so the server may drop what does not match.
    const { severity, queue_id, team_id } = filters;
    return `/v1/alerts/stream${query({ severity, queue_id, team_id })}`;
  }

  function startStream() {
    const controller = new AbortController();
    streamAbort = controller;
    const myView = view;
    let delay = BACKOFF_MIN_MS;
    let listed = false;
    (async () => {
      while (!controller.signal.aborted) {
        let reason;
        try {
          setConnection("connecting", "Connecting…");
          const headers = authHeaders({ Accept: "text/event-stream" });
          if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
          const res = await fetch(streamUrl(), { headers, signal: controller.signal, cache: "no-store" });
          if (!res.ok) throw await errorOf(res);
          if (!(res.headers.get("content-type") || "").startsWith("text/event-stream")) {
            throw new Error("the server did not answer with an event stream");
          }
          setConnection("live", "Live");
          delay = BACKOFF_MIN_MS;
          // With no event id to resume from, the list is read after the stream is open, so an alert
          // raised in between is in one or the other; merging keeps whichever state is furthest along.
          if (lastEventId === null) {
            listed = true;
            loadList(myView);
          }
          await readEvents(res.body, controller.signal, (msg) => onStreamMessage(msg, myView));
          reason = "the server closed the stream";
        } catch (e) {
          if (controller.signal.aborted) return;
          if (e instanceof ApiError && e.status === 401) return; // signed out; retrying cannot help
          reason = e instanceof ApiError ? e.detail : e.message;
        }
        if (controller.signal.aborted) return;
        // Show what is known even while the stream is down.
        if (!listed) {
          listed = true;
          loadList(myView);
        }
        // Jittered exponential backoff, so a restarted server is not hit by every console at once.
        const wait = delay / 2 + Math.random() * (delay / 2);
        setConnection("retrying", `Disconnected (${reason}); retrying in ${Math.ceil(wait / 1000)} s`);
        await sleep(wait, controller.signal);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    })();
  }

  // Server-Sent Events parsed by hand (EventSource cannot send an Authorization header), following the
  // WHATWG rules: lines end in CRLF, LF or CR; a blank line dispatches; ":" starts a comment; the id is
  // remembered only when its event is dispatched, so a drop mid-event resumes before that event.
  async function readEvents(body, signal, onMessage) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    const cancel = () => reader.cancel().catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    let buffer = "";
    let data = [];
    let type = "";
    let pendingId = lastEventId;
    const line = (text) => {
      if (text === "") {
        lastEventId = pendingId;
        if (data.length) onMessage({ type: type || "message", data: data.join("\n"), id: pendingId });
        data = [];
        type = "";
        return;
      }
      if (text.startsWith(":")) return; // keepalive comment
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") type = value;
      else if (field === "id" && !value.includes("\0")) pendingId = value;
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        const re = /\r\n|\n|\r/g;
        let pos = 0;
        let m;
        while ((m = re.exec(buffer)) !== null) {
          // A CR at the very end may be the first half of a CRLF split across two chunks.
          if (m[0] === "\r" && m.index === buffer.length - 1) break;
          line(buffer.slice(pos, m.index));
          pos = re.lastIndex;
        }
        buffer = buffer.slice(pos);
      }
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  }

  function onStreamMessage(msg, myView) {
    if (myView !== view || msg.type !== "alert") return;
    let payload;
    try {
      payload = JSON.parse(msg.data);
    } catch (_) {
      return; // one bad message must not stop the feed
    }
    if (payload && payload.alert) upsert(payload.alert);
  }

  async function loadList(myView) {
    try {
      const body = await api(`/v1/alerts${query({ ...filters, limit: LIST_LIMIT })}`);
      if (myView !== view) return;
      // Oldest first, so each lands above the one before it.
      for (const a of [...body.items].reverse()) upsert(a);
      $("feed-error").textContent = "";
    } catch (e) {
      if (myView === view) $("feed-error").textContent = `Could not load alerts: ${e.detail || e.message}`;
    } finally {
      if (myView === view) feed.setAttribute("aria-busy", "false");
    }
  }

  // ---------- feed ----------

  function matches(a) {
    return (
      (!filters.severity || a.severity === filters.severity) &&
      (!filters.state || a.state === filters.state) &&
      (!filters.queue_id || a.queue_id === filters.queue_id) &&
      (!filters.team_id || a.team_id === filters.team_id)
    );
  }

  // Copies of one alert arrive from the list, the stream and action answers in any order; its state only
  // ever moves forward, so the copy furthest along wins and a late, older copy cannot undo an update.
  function merge(old, incoming) {
    if (!old) return incoming;
    const rankOld = STATE_RANK[old.state] ?? 0;
    const rankNew = STATE_RANK[incoming.state] ?? 0;
    if (rankNew < rankOld) return old;
    const merged = { ...incoming };
    if (!merged.escalated_at && old.escalated_at) merged.escalated_at = old.escalated_at;
    return merged;
  }

  function upsert(incoming) {
    const entry = cards.get(incoming.id);
    const alert = merge(entry && entry.alert, incoming);
    if (!matches(alert)) {
      if (entry) removeCard(incoming.id);
      updateCounts();
      return;
    }
    if (entry) {
      entry.alert = alert;
      fillCard(entry.li, alert);
    } else {
      const li = buildCard(alert);
      fillCard(li, alert);
      cards.set(alert.id, { alert, li });
      insertInOrder(li, alert.id);
      trimFeed();
    }
    updateCounts();
  }

  function insertInOrder(li, id) {
    // Newest (highest id) first; the stream normally brings the newest, so this stops at the first card.
    for (const other of feed.children) {
      if (Number(other.dataset.alertId) < id) {
        feed.insertBefore(li, other);
        return;
      }
    }
    feed.appendChild(li);
  }

  function trimFeed() {
    while (feed.children.length > FEED_MAX) removeCard(Number(feed.lastElementChild.dataset.alertId));
  }

  function removeCard(id) {
    const entry = cards.get(id);
    if (!entry) return;
    if (entry.li.contains(document.activeElement)) $("feed-heading").focus();
    entry.li.remove();
    cards.delete(id);
  }

  function resetFeed() {
    cards.clear();
    feed.replaceChildren();
    feed.setAttribute("aria-busy", "true");
    lastEventId = null;
    updateCounts();
  }

  function updateCounts() {
    let open = 0;
    for (const { alert } of cards.values()) if (alert.state === "open") open += 1;
    $("feed-count").textContent = cards.size ? `${open} open · ${cards.size} shown` : "";
    $("feed-empty").hidden = cards.size > 0;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function words(id) {
    const s = String(id || "").replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const dayFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

  function timeEl(iso) {
    const t = el("time");
    if (!iso) return t;
    const d = new Date(iso);
    t.dateTime = iso;
    const sameDay = d.toDateString() === new Date().toDateString();
    t.textContent = sameDay ? timeFmt.format(d) : `${dayFmt.format(d)} ${timeFmt.format(d)}`;
    return t;
  }

  function offset(ms) {
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function evidenceText(e) {
    const quoted = e.matched_text || e.text;
    if (quoted) {
      const where = [e.speaker, e.offset_ms !== undefined && e.offset_ms !== null ? `at ${offset(e.offset_ms)}` : ""];
      const tail = where.filter(Boolean).join(" ");
      return `“${quoted}”${tail ? ` — ${tail}` : ""}`;
    }
    if (e.note) return e.note;
    return e.value !== undefined ? String(e.value) : "";
  }

  function subjectText(a) {
    const parts = [];
    if (a.subject_kind && a.subject_kind !== "interaction") parts.push(`${words(a.subject_kind)} ${a.subject_id}`);
    else if (a.interaction_id) parts.push(`Interaction ${a.interaction_id}`);
    if (a.agent_id) parts.push(`agent ${a.agent_id}`);
    if (a.queue_id && a.subject_kind !== "queue") parts.push(`queue ${a.queue_id}`);
    if (a.team_id && a.subject_kind !== "team") parts.push(`team ${a.team_id}`);
    return parts.join(" · ");
  }

  // The parts of a card that never change are built once; fillCard() updates the rest in place, so a
  // note being typed or a focused button survives every stream update.
  function buildCard(a) {
    const li = el("li", `alert sev-${a.severity}`);
    li.dataset.alertId = a.id;
    const article = el("article");
    article.tabIndex = -1;
    const titleId = `alert-${a.id}-title`;
    article.setAttribute("aria-labelledby", titleId);

    const head = el("header", "alert-head");
    head.append(el("span", "badge sev", words(a.severity)));
    const title = el("h3", "alert-title", words(a.rule));
    title.id = titleId;
    head.append(title, el("span", "badge state"), el("span", "badge escalated", "Escalated"));
    const when = el("span", "when", "raised ");
    when.append(timeEl(a.raised_at));
    head.append(when);

    const message = el("p", "message", a.message);
    const subject = el("p", "subject", subjectText(a));
    const evidence = el("ul", "evidence");
    evidence.setAttribute("aria-label", "Evidence");
    const items = a.evidence || [];
    for (const e of items.slice(0, 3)) evidence.append(el("li", "", evidenceText(e)));
    if (items.length > 3) evidence.append(el("li", "more", `and ${items.length - 3} more`));

    const audit = el("ul", "audit");
    audit.setAttribute("aria-label", "History");

    const actions = el("div", "actions");
    const noteId = `alert-${a.id}-note`;
    const label = el("label", "visually-hidden", `Note for alert ${a.id} (optional)`);
    label.htmlFor = noteId;
    const note = el("input", "note");
    note.id = noteId;
    note.type = "text";
    note.placeholder = "Note (optional)";
    note.maxLength = 1000;
    const ack = el("button", "ack", "Acknowledge");
    ack.type = "button";
    ack.dataset.action = "ack";
    const resolve = el("button", "resolve", "Resolve");
    resolve.type = "button";
    resolve.dataset.action = "resolve";
    for (const b of [ack, resolve]) b.setAttribute("aria-describedby", titleId);
    actions.append(label, note, ack, resolve);

    const error = el("p", "error");
    error.setAttribute("role", "alert");

    article.append(head, message, subject, evidence, audit, actions, error);
    li.append(article);
    return li;
  }

  function fillCard(li, a) {
    li.dataset.state = a.state;
    li.querySelector(".badge.state").textContent = words(a.state);
    li.querySelector(".badge.escalated").hidden = !a.escalated_at;
    const audit = li.querySelector(".audit");
    const rows = [];
    if (a.acknowledged_at) rows.push(["Acknowledged", a.acknowledged_by, a.acknowledged_at]);
    if (a.resolved_at) rows.push(["Resolved", a.resolved_by || "automatically", a.resolved_at]);
    audit.replaceChildren(
      ...rows.map(([what, who, at]) => {
        const row = el("li", "", `${what} by ${who || "someone"} at `);
        row.append(timeEl(at));
        return row;
      }),
    );
    const ack = li.querySelector("button.ack");
    const resolve = li.querySelector("button.resolve");
    const focused = document.activeElement;
    ack.hidden = a.state !== "open";
    resolve.hidden = a.state === "resolved";
    li.querySelector(".actions").hidden = a.state === "resolved";
    // Keep keyboard users in place when the button they pressed goes away.
    if (focused && li.contains(focused) && focused.offsetParent === null) {
      (resolve.hidden ? li.querySelector("article") : resolve).focus();
    }
  }

  async function onFeedClick(ev) {
    const button = ev.target.closest("button[data-action]");
    if (!button) return;
    const li = button.closest("li.alert");
    const id = Number(li.dataset.alertId);
    const action = button.dataset.action;
    const note = li.querySelector("input.note");
    const error = li.querySelector(".error");
    const buttons = li.querySelectorAll(".actions button");
    error.textContent = "";
    for (const b of buttons) b.disabled = true;
    try {
      const text = note.value.trim();
      const updated = await api(`/v1/alerts/${id}/${action}`, { method: "POST", body: text ? { note: text } : {} });
      note.value = "";
      upsert(updated);
      announce(`Alert ${id} ${action === "ack" ? "acknowledged" : "resolved"}.`);
    } catch (e) {
      error.textContent = `Could not ${action === "ack" ? "acknowledge" : "resolve"}: ${e.detail || e.message}`;
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  function announce(text) {
    $("announce").textContent = text;
  }

  // ---------- filters ----------

  function readFilters() {
    const form = $("filters");
    return {
      severity: form.elements.severity.value,
      state: form.elements.state.value,
      queue_id: form.elements.queue_id.value.trim(),
      team_id: form.elements.team_id.value.trim(),
    };
  }

  function applyFilters() {
    filters = readFilters();
    stopAll();
    start();
  }

  // ---------- queues ----------

  function level(serviceLevel, target) {
    if (serviceLevel === null || serviceLevel === undefined) return ["none", "No calls against a target"];
    // Whole basis points, so 0.70 against a 0.80 target is amber and not lost to 0.7000000000000001.
    const sl = Math.round(serviceLevel * 10000);
    const t = Math.round(target * 10000);
    if (sl >= t) return ["ok", "On target"];
    if (sl >= t - AMBER_BAND_BP) return ["warn", "Near target"];
    return ["bad", "Below target"];
  }

  // A no-break space keeps "80 %" on one line in the narrow tiles.
  const pct = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}\u00a0%`);

  // One poll's answer, or null when it failed (said in `errorId`) or the view changed while it was asked.
  async function poll(myView, path, errorId, what) {
    let body = null;
    let problem = "";
    try {
      body = await api(path);
    } catch (e) {
      problem = `Could not load ${what}: ${e.detail || e.message}`;
    }
    if (myView !== view) return null;
    $(errorId).textContent = problem;
    return body;
  }

  async function refreshQueues(myView) {
    const body = await poll(myView, "/v1/queues/live", "queues-error", "queues");
    if (!body) return;
    if (body.window_seconds) $("queues-window").textContent = String(Math.round(body.window_seconds / 60));
    const items = [...body.items].sort((a, b) => String(a.queue_id).localeCompare(String(b.queue_id)));
    $("known-queues").replaceChildren(...items.map((q) => Object.assign(el("option"), { value: q.queue_id })));
    const shown = items.filter((q) => !filters.queue_id || q.queue_id === filters.queue_id);
    $("queues").replaceChildren(
      ...shown.map((q) => {
        const [cls, verdict] = level(q.service_level, q.target);
        const li = el("li", `tile level-${cls}`);
        li.dataset.queueId = q.queue_id;
        li.append(
          el("h3", "", q.queue_id),
          el("p", "big", pct(q.service_level)),
          el("p", "verdict", `${verdict} of ${pct(q.target)}`),
          el("p", "small", `${q.answered_within_limit} of ${q.offered} answered in time · ${pct(q.abandonment_rate)} abandoned`),
        );
        return li;
      }),
    );
    if (!shown.length) $("queues").append(el("li", "empty", "No calls offered in this window."));
  }

  // ---------- live calls ----------

  const CHECK = {
    pass: ["✓", "done"],
    fail: ["✗", "missed"],
    pending: ["…", "pending"],
    not_applicable: ["–", "not applicable"],
  };

  function elapsed(iso) {
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const mmss = `${String(m).padStart(h ? 2 : 1, "0")}:${String(s % 60).padStart(2, "0")}`;
    return h ? `${h}:${mmss}` : mmss;
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  // A small line chart of sentiment (-1..+1) over the call: customer solid, agent dashed.
  function sparkline(points) {
    const W = 160;
    const H = 40;
    const pad = 3;
    const customer = points.filter((p) => p.speaker === "customer");
    const latest = customer.length ? customer[customer.length - 1].value : null;
    const box = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "spark", role: "img" });
    const label = customer.length
      ? `Customer sentiment over ${customer.length} utterance(s), latest ${latest.toFixed(2)}` +
        (customer.length > 1 ? `, first ${customer[0].value.toFixed(2)}` : "")
      : "No customer sentiment yet";
    box.setAttribute("aria-label", label);
    const title = svg("title", {});
    title.textContent = label;
    box.append(title);
    const y = (v) => pad + ((1 - Math.max(-1, Math.min(1, v))) / 2) * (H - 2 * pad);
    box.append(svg("line", { x1: 0, x2: W, y1: y(0), y2: y(0), class: "spark-zero" }));
    const maxOffset = Math.max(1, ...points.map((p) => p.offset_ms || 0));
    const x = (p) => pad + ((p.offset_ms || 0) / maxOffset) * (W - 2 * pad);
    for (const [speaker, cls] of [["agent", "spark-agent"], ["customer", "spark-customer"]]) {
      const series = points.filter((p) => p.speaker === speaker);
      if (!series.length) continue;
      const coords = series.map((p) => `${x(p).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
      box.append(svg("polyline", { points: coords, class: cls }));
    }
    if (latest !== null) {
      const last = customer[customer.length - 1];
      const tone = latest <= -0.05 ? "neg" : latest >= 0.05 ? "pos" : "neu";
      box.append(svg("circle", { cx: x(last).toFixed(1), cy: y(latest).toFixed(1), r: 3, class: `spark-dot ${tone}` }));
    }
    return box;
  }

  function buildCall(c) {
    const li = el("li", "call");
    li.dataset.interactionId = c.id;
    const head = el("div", "call-head");
    head.append(el("h3", "", `${words(c.kind || "call")} ${c.id}`));
    const meta = [c.agent_id ? `agent ${c.agent_id}` : "no agent yet", c.queue_id ? `queue ${c.queue_id}` : "", words(c.status)];
    if (c.started_at) meta.push(elapsed(c.started_at));
    head.append(el("p", "meta", meta.filter(Boolean).join(" · ")));
    const q = c.quality_score;
    head.append(el("p", "quality", q === null || q === undefined ? "Quality –" : `Quality ${Math.round(q)}`));
    li.append(head);

    const checklist = el("ul", "checklist");
    checklist.setAttribute("aria-label", `Compliance checklist of ${c.id}`);
    const misses = [];
    for (const item of c.checklist || []) {
      const [icon, said] = CHECK[item.status] || ["?", item.status];
      const row = el("li", `ck ck-${item.status}`);
      row.dataset.item = item.id;
      row.dataset.status = item.status;
      const mark = el("span", "ck-icon", icon);
      mark.setAttribute("aria-hidden", "true");
      row.append(mark, document.createTextNode(` ${words(item.id)} `), el("span", "visually-hidden", said));
      if (item.detail) row.title = item.detail;
      checklist.append(row);
      if (item.status === "fail" && item.detail) misses.push(`${words(item.id)}: ${item.detail}`);
    }
    li.append(checklist);
    if (misses.length) {
      const ul = el("ul", "misses");
      for (const m of misses) ul.append(el("li", "", m));
      li.append(ul);
    }
    const trend = el("div", "trend");
    const points = c.sentiment || [];
    trend.append(sparkline(points));
    const latest = points.filter((p) => p.speaker === "customer").pop();
    const caption = el("p", "trend-caption", latest ? `customer ${latest.value.toFixed(2)}` : "no customer turns yet");
    caption.setAttribute("aria-hidden", "true"); // the chart's label says the same
    trend.append(caption);
    li.append(trend);
    return li;
  }

  async function refreshCalls(myView) {
    const body = await poll(myView, "/v1/interactions/live", "calls-error", "live calls");
    if (!body) return;
    const shown = body.items.filter(
      (c) => (!filters.queue_id || c.queue_id === filters.queue_id) && (!filters.team_id || !c.team_id || c.team_id === filters.team_id),
    );
    // Nothing in a call card takes focus, so rebuilding them all every few seconds loses no one's place.
    $("calls").replaceChildren(...shown.map(buildCall));
    if (!shown.length) $("calls").append(el("li", "empty", "No live calls."));
    $("calls-count").textContent = shown.length ? String(shown.length) : "";
  }

  // ---------- wiring ----------

  $("key-form").addEventListener("submit", onKeySubmit);
  $("sign-out").addEventListener("click", () => signOut(""));
  feed.addEventListener("click", onFeedClick);
  $("filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    applyFilters();
  });
  // "reset" fires before the fields are cleared; apply once they are.
  $("filters").addEventListener("reset", () => setTimeout(applyFilters, 0));

  if (apiKey) start();
  else showKeyPanel("");
})();
