// The console's only way to callqa: the /v1 API with the key the supervisor typed, kept in this tab only.
"use strict";

const KEY_STORAGE = "callqa.apiKey";

let apiKey = sessionStorage.getItem(KEY_STORAGE);
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export function hasKey() {
  return Boolean(apiKey);
}

export function useKey(key, keep) {
  apiKey = key;
  if (keep) sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  apiKey = null;
  sessionStorage.removeItem(KEY_STORAGE);
}

export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export function authHeaders(extra) {
  return Object.assign({ Authorization: `Bearer ${apiKey}` }, extra);
}

export async function errorOf(res) {
  let detail = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (body && typeof body.detail === "string") detail = body.detail;
  } catch (_) {
    // not JSON (a proxy's error page): the status line says enough
  }
  if (res.status === 401) onUnauthorized(detail);
  return new ApiError(res.status, detail);
}

export async function api(path, { method = "GET", body } = {}) {
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

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

// Server-Sent Events parsed by hand (EventSource cannot send an Authorization header), following the
// WHATWG rules: lines end in CRLF, LF or CR; a blank line dispatches; ":" starts a comment; the id is
// remembered only when its event is dispatched, so a drop mid-event resumes before that event.
export async function readEvents(body, signal, startId, onMessage) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  let data = [];
  let type = "";
  let pendingId = startId;
  const line = (text) => {
    if (text === "") {
      if (data.length) onMessage({ type: type || "message", data: data.join("\n"), id: pendingId });
      else onMessage({ type: "id", id: pendingId });
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
