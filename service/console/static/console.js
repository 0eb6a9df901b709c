// callqa supervisor console: plain browser JavaScript modules, no build step, no third-party code.
// Everything it shows comes from the /v1 API, read with the API key the supervisor types in. The view, its
// filters and the language live in the URL, so a reload, a bookmark or a shared link shows the same page.
"use strict";

import { api, ApiError, authHeaders, errorOf, forgetKey, hasKey, query, readEvents, sleep, useKey, whenUnauthorized } from "./api.js";
import { $ } from "./dom.js";
import { lang, pickLang, setLang, t, translatePage } from "./i18n.js";
import { AlertStore } from "./store.js";
import { mountAlerts } from "./view-alerts.js";
import { mountAgents, mountQueues, mountWallboard } from "./view-floor.js";
import { mountInteraction } from "./view-interaction.js";
import { mountKpis, mountPareto } from "./view-kpis.js";
import { mountCase, mountReviews } from "./view-reviews.js";
import { mountTrends } from "./view-trends.js";
import { mountCalibration } from "./view-calibration.js";
import { mountDisputes } from "./view-disputes.js";
import { mountMine, mountOwnInteraction } from "./view-review.js";
import { mountSampling } from "./view-sampling.js";
import { mountStandards } from "./view-standards.js";

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const VIEWS = {
  alerts: mountAlerts,
  interaction: mountInteraction,
  agents: mountAgents,
  queues: mountQueues,
  trends: mountTrends,
  wallboard: mountWallboard,
  reviews: mountReviews,
  case: mountCase,
  kpis: mountKpis,
  pareto: mountPareto,
  mine: mountMine,
  disputes: mountDisputes,
  sampling: mountSampling,
  calibration: mountCalibration,
  standards: mountStandards,
};
// A view reached from another keeps that one's nav entry lit (a case belongs to Reviews).
const NAV_OF = { case: "reviews" };
// Who may open each view (a nav link says it in data-need); unlisted views need supervise. An `agent` key sees
// only its own interactions and disputes; the interaction page shows it only the review of its own.
const NEED = { mine: ["agent"], disputes: ["agent", "supervise"], interaction: ["agent", "supervise"] };

const store = new AlertStore();
let standard = null; // the standard in force, parsed (GET /v1/standards)
let me = null; // the key's name, scopes and agent (GET /v1/me)
let unmount = () => {};
let streamAbort = null;
let stops = [];
let session = 0; // bumped on sign-out: answers of the old session are dropped

function params() {
  return new URLSearchParams(location.search);
}

// An agent key: confined to its own agent's interactions (supervise or admin would lift that).
function ownAgent() {
  return me && me.agent_id && !can("supervise") ? me.agent_id : null;
}

// Whether the key has any of `scopes` (admin has them all). Before GET /v1/me answers, a supervisor's console.
function can(...scopes) {
  const have = (me && me.scopes) || ["supervise"];
  return have.includes("admin") || scopes.some((s) => have.includes(s));
}

function mayView(view) {
  if (view === "mine") return Boolean(ownAgent());
  return can(...(NEED[view] || ["supervise"]));
}

function currentView() {
  const fallback = ownAgent() ? "mine" : "alerts";
  const v = params().get("view") || fallback;
  return v in VIEWS && mayView(v) ? v : fallback;
}

// Change the URL (pushed, so Back works; replaced for filter tweaks) and show what it names.
function navigate(changes, { replace = false } = {}) {
  const next = params();
  for (const [k, v] of Object.entries(changes)) {
    if (v === "" || v === null || v === undefined) next.delete(k);
    else next.set(k, v);
  }
  const url = `/console${next.toString() ? `?${next}` : ""}`;
  history[replace ? "replaceState" : "pushState"](null, "", url);
  render();
}

function announce(text) {
  // Cleared first, so the same words said twice are read twice.
  const region = $("announce");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

// A poll runs now and then every `ms`, never twice at once, and not while the tab is hidden.
function schedule(task, ms) {
  let busy = false;
  const mine = session;
  const run = async () => {
    if (busy || document.hidden || !hasKey() || mine !== session) return;
    busy = true;
    try {
      await task();
    } finally {
      busy = false;
    }
  };
  run();
  const timer = setInterval(run, ms);
  document.addEventListener("visibilitychange", run);
  const stop = () => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", run);
  };
  stops.push(stop);
  return stop;
}

const ctx = {
  store,
  navigate,
  announce,
  schedule,
  params,
  standard: () => standard,
  setStandard: (current) => { standard = current; }, // the standards view reads it anew (an activation changes it)
  me: () => me || { name: "", scopes: ["supervise"], agent_id: null },
  can,
  failed: (what, e) => t("load.failed", { what: t(`what.${what}`), detail: e.detail || e.message }),
};

function render() {
  unmount();
  for (const stop of stops) stop();
  stops = [];
  const view = currentView();
  const wall = view === "wallboard";
  document.body.classList.toggle("wallboard", wall);
  for (const a of document.querySelectorAll("#nav a")) {
    a.hidden = !mayView(a.dataset.view);
    if (a.dataset.view === (NAV_OF[view] || view)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const host = $("view");
  host.replaceChildren();
  if (!hasKey()) return;
  const mount = view === "interaction" && ownAgent() ? mountOwnInteraction : VIEWS[view];
  unmount = mount(host, ctx) || (() => {});
}

// ---------- language ----------

function applyLanguage(code, remember) {
  setLang(code, remember);
  translatePage();
  const sw = $("lang-switch");
  sw.textContent = t("lang.switch");
  sw.setAttribute("aria-label", t("lang.switch.label"));
  sw.lang = lang() === "zh" ? "en" : "zh-CN";
  setConnection($("connection").dataset.state || "idle");
}

function switchLanguage() {
  const next = lang() === "zh" ? "en" : "zh";
  applyLanguage(next, true);
  navigate({ lang: next }, { replace: true });
}

// ---------- key ----------

function showKeyPanel(message) {
  $("key-panel").hidden = false;
  $("sign-out").hidden = true;
  $("key-error").textContent = message || "";
  setConnection("idle");
  render();
  $("api-key").focus();
}

function signOut(message) {
  session += 1;
  me = null;
  forgetKey();
  if (streamAbort) streamAbort.abort();
  streamAbort = null;
  store.clear();
  showKeyPanel(message);
}

async function onKeySubmit(ev) {
  ev.preventDefault();
  const input = $("api-key");
  const key = input.value.trim();
  if (!key) return;
  useKey(key, false);
  $("key-error").textContent = "";
  try {
    // Check the key before keeping it, so a typo is reported here and not as an empty console; a key that is
    // not an agent's must read alerts, the console's first view.
    me = await api("/v1/me");
    if (!ownAgent()) await api(`/v1/alerts${query({ limit: 1 })}`);
  } catch (e) {
    me = null;
    forgetKey();
    const detail = e instanceof ApiError ? e.detail : e.message;
    const lead = { 401: "key.refused", 403: "key.forbidden" }[e.status] || "key.unreachable";
    $("key-error").textContent = t(lead, { detail });
    input.focus();
    return;
  }
  useKey(key, true);
  input.value = "";
  await start();
  const heading = document.querySelector("#view h2");
  if (heading) heading.focus();
}

async function start() {
  $("key-panel").hidden = true;
  $("sign-out").hidden = false;
  const mine = session;
  try {
    if (!me) me = await api("/v1/me");
  } catch (_) {
    me = null; // an older server: the console as it was, for supervisors
  }
  if (mine !== session) return;
  if (ownAgent()) {
    // An agent's console reads no alerts and no standard: its own reviews and disputes only.
    setConnection("agent", { id: ownAgent() });
    render();
    return;
  }
  try {
    const body = await api("/v1/standards");
    if (mine === session) standard = body.current;
  } catch (_) {
    standard = null; // sentences fall back to the alert's own figures
  }
  if (mine !== session) return;
  startStream();
  await followAlertLink();
  render();
}

// Links sent out with an alert (Alertmanager's generatorURL) end in #alert-<id>: open its call, or its queue's
// or team's alerts for a window rule.
async function followAlertLink() {
  const m = /^#alert-(\d+)$/.exec(location.hash);
  if (!m) return;
  try {
    const a = await api(`/v1/alerts/${m[1]}`);
    const next = a.interaction_id
      ? { view: "interaction", id: a.interaction_id }
      : { view: "alerts", queue_id: a.queue_id || "", team_id: a.team_id || "" };
    const lang = params().get("lang");
    history.replaceState(null, "", `/console${query({ ...next, lang })}`);
  } catch (_) {
    history.replaceState(null, "", `/console${location.search}`); // gone or not allowed: the alerts view says so
  }
}

// ---------- alert stream ----------

let connectionVars = {};

function setConnection(state, vars) {
  const node = $("connection");
  if (vars || state !== node.dataset.state) connectionVars = vars || {};
  node.dataset.state = state;
  node.textContent = t(`conn.${state}`, connectionVars);
}

function startStream() {
  const controller = new AbortController();
  streamAbort = controller;
  let delay = BACKOFF_MIN_MS;
  (async () => {
    while (!controller.signal.aborted) {
      let reason;
      try {
        setConnection("connecting");
        const headers = authHeaders({ Accept: "text/event-stream" });
        if (store.lastEventId !== null) headers["Last-Event-ID"] = store.lastEventId;
        const res = await fetch("/v1/alerts/stream", { headers, signal: controller.signal, cache: "no-store" });
        if (!res.ok) throw await errorOf(res);
        if (!(res.headers.get("content-type") || "").startsWith("text/event-stream")) {
          throw new Error("the server did not answer with an event stream");
        }
        setConnection("live");
        delay = BACKOFF_MIN_MS;
        // With no event id to resume from, the list is read after the stream is open, so an alert raised in
        // between is in one or the other; merging keeps whichever state is furthest along.
        if (store.lastEventId === null) store.requestReload();
        await readEvents(res.body, controller.signal, store.lastEventId, (msg) => store.onStreamMessage(msg));
        reason = "the server closed the stream";
      } catch (e) {
        if (controller.signal.aborted) return;
        if (e instanceof ApiError && e.status === 401) return; // signed out; retrying cannot help
        reason = e instanceof ApiError ? e.detail : e.message;
      }
      if (controller.signal.aborted) return;
      store.requestReload(); // show what is known even while the stream is down
      // Jittered exponential backoff, so a restarted server is not hit by every console at once.
      const wait = delay / 2 + Math.random() * (delay / 2);
      setConnection("retrying", { reason, seconds: Math.ceil(wait / 1000) });
      await sleep(wait, controller.signal);
      delay = Math.min(delay * 2, BACKOFF_MAX_MS);
    }
  })();
}

// ---------- wiring ----------

whenUnauthorized((detail) => signOut(t("key.refused", { detail })));
$("key-form").addEventListener("submit", onKeySubmit);
$("sign-out").addEventListener("click", () => signOut(""));
$("lang-switch").addEventListener("click", switchLanguage);
// A page left (reload, another address) lets go of its stream at once: the browser allows a site only a few
// connections, and a stream it kept open a little longer would hold one of them.
window.addEventListener("pagehide", () => {
  if (streamAbort) streamAbort.abort();
});
window.addEventListener("popstate", () => {
  applyLanguage(pickLang(params().get("lang")), false);
  render();
});
// Links inside the console are followed in place (the stream and the key stay), unless opened elsewhere.
document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-route]");
  if (!a || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  const next = new URL(a.href);
  const keep = params().get("lang");
  if (keep && !next.searchParams.has("lang")) next.searchParams.set("lang", keep);
  history.pushState(null, "", `${next.pathname}${next.search}`);
  render();
  window.scrollTo(0, 0);
  const heading = document.querySelector("#view h2");
  if (heading) heading.focus({ preventScroll: true });
});

applyLanguage(pickLang(params().get("lang")), false);
if (hasKey()) start();
else showKeyPanel("");
