// Small DOM helpers. Untrusted text (transcripts, ids, notes) only ever enters the page through textContent.
"use strict";

import { t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// A link inside the console: a real href (open in a new tab works), followed in place on a plain click.
export function consoleLink(params, text, className) {
  const a = el("a", className, text);
  a.href = `/console?${new URLSearchParams(params)}`;
  a.dataset.route = "1";
  return a;
}

export function timeEl(iso, text) {
  const t = el("time", "", text);
  if (iso) t.dateTime = iso;
  return t;
}

export function field(label, value, className) {
  const wrap = el("div", `field-pair ${className || ""}`.trim());
  wrap.append(el("dt", "", label), el("dd", "", value));
  return wrap;
}

// A view's heading: focusable, so moving to a view moves the reader there too.
export function viewHeading(key, sub, vars) {
  const h = el("h2", "view-heading", t(key, vars));
  h.tabIndex = -1;
  if (sub) h.append(" ", sub);
  return h;
}
