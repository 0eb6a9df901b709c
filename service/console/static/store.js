// Every alert the console has seen, merged from the list, the stream and action answers. Views subscribe and
// filter; the store never drops an update because a view is not showing it.
"use strict";

import { api, query } from "./api.js";

const LIST_LIMIT = 200;
const STATE_RANK = { open: 0, acknowledged: 1, resolved: 2 };

export function matches(a, f) {
  return (
    (!f.severity || a.severity === f.severity) &&
    (!f.state || a.state === f.state) &&
    (!f.queue_id || a.queue_id === f.queue_id) &&
    (!f.team_id || a.team_id === f.team_id)
  );
}

// Copies of one alert arrive in any order; its state only moves forward, so the copy furthest along wins
// and a late, older copy cannot undo an update.
function merge(old, incoming) {
  if (!old) return incoming;
  if ((STATE_RANK[incoming.state] ?? 0) < (STATE_RANK[old.state] ?? 0)) return old;
  const merged = { ...old, ...incoming };
  if (!merged.escalated_at && old.escalated_at) merged.escalated_at = old.escalated_at;
  return merged;
}

export class AlertStore {
  constructor() {
    this.alerts = new Map();
    this.listeners = new Set();
    this.filters = {};
    this.lastEventId = null;
    this.generation = 0;
    this.loaded = false;
    this.error = null;
  }

  clear() {
    this.generation += 1;
    this.alerts.clear();
    this.lastEventId = null;
    this.loaded = false;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    for (const listener of this.listeners) listener(event);
  }

  setFilters(filters) {
    this.filters = filters;
    this.requestReload();
  }

  async requestReload() {
    const mine = this.generation;
    try {
      const body = await api(`/v1/alerts${query({ ...this.filters, limit: LIST_LIMIT })}`);
      if (mine !== this.generation) return;
      for (const a of [...body.items].reverse()) this.upsert(a, false); // oldest first: each lands above
      this.error = null;
    } catch (e) {
      if (mine === this.generation) this.error = e;
    }
    if (mine !== this.generation) return;
    this.loaded = true;
    this.emit({ type: "loaded" });
  }

  onStreamMessage(msg) {
    this.lastEventId = msg.id;
    if (msg.type !== "alert") return;
    let payload;
    try {
      payload = JSON.parse(msg.data);
    } catch (_) {
      return; // one bad message must not stop the feed
    }
    if (payload && payload.alert) this.upsert(payload.alert, true);
  }

  upsert(incoming, live) {
    const old = this.alerts.get(incoming.id);
    const alert = merge(old, incoming);
    this.alerts.set(alert.id, alert);
    this.emit({ type: "upsert", alert, isNew: !old, live });
    return alert;
  }

  matching(filters) {
    return [...this.alerts.values()].filter((a) => matches(a, filters)).sort((a, b) => b.id - a.id);
  }
}
