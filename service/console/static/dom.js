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

// An error line a screen reader hears as soon as it is filled.
export function errorLine() {
  const p = el("p", "error");
  p.setAttribute("role", "alert");
  return p;
}

// A table: a header row of column names (message keys) over `rows` (<tr>s); with no rows, `emptyText` across
// every column.
export function dataTable(id, className, columns, rows, emptyText) {
  const table = el("table", className);
  if (id) table.id = id;
  const head = el("tr");
  for (const key of columns) {
    const th = el("th", "", t(key));
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  tbody.append(...rows);
  if (!rows.length && emptyText) {
    const tr = el("tr", "empty");
    const td = el("td", "", emptyText);
    td.colSpan = columns.length;
    tr.append(td);
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

// A <select> of [value, text] pairs with `value` chosen.
export function choices(id, options, value) {
  const select = el("select");
  if (id) select.id = id;
  for (const [v, text] of options) {
    const o = el("option", "", text);
    o.value = v;
    select.append(o);
  }
  select.value = value;
  return select;
}
