// Charts drawn as inline SVG: no library, nothing fetched. Each chart carries role="img" and a label that says
// in words what it shows, and every line is also told apart by its dash pattern, not only by its colour.
"use strict";

const NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(width, height, label, cls) {
  const box = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: cls, role: "img", "aria-label": label });
  box.append(svg("title", {}, label));
  return box;
}

// A line chart over time. series: [{cls, points: [{x: ms, y: number|null}]}]. A null y (no contacts in that
// bucket) is not a zero: it is left out, and the line joins the points on either side.
export function lineChart({ label, width = 640, height = 220, xMin, xMax, yMin, yMax, series, reference, xFormat, yFormat }) {
  const pad = { left: 52, right: 14, top: 12, bottom: 28 };
  const box = frame(width, height, label, "chart");
  const span = Math.max(1, xMax - xMin);
  const x = (v) => pad.left + ((v - xMin) / span) * (width - pad.left - pad.right);
  const clamp = (v) => Math.max(yMin, Math.min(yMax, v));
  const y = (v) => pad.top + (1 - (clamp(v) - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const axis = svg("g", { class: "axis", "aria-hidden": "true" });
  for (const v of [yMin, (yMin + yMax) / 2, yMax]) {
    axis.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    axis.append(svg("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end" }, yFormat(v)));
  }
  for (const [v, anchor] of [[xMin, "start"], [(xMin + xMax) / 2, "middle"], [xMax, "end"]]) {
    axis.append(svg("text", { x: x(v), y: height - 8, "text-anchor": anchor }, xFormat(v)));
  }
  box.append(axis);
  if (reference && reference.y !== null && reference.y !== undefined) {
    const g = svg("g", { class: "reference", "aria-hidden": "true" });
    g.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(reference.y), y2: y(reference.y) }));
    g.append(svg("text", { x: width - pad.right, y: y(reference.y) - 5, "text-anchor": "end" }, reference.label));
    box.append(g);
  }
  for (const s of series) {
    const known = s.points.filter((p) => p.y !== null && p.y !== undefined);
    const g = svg("g", { class: `series ${s.cls}`, "aria-hidden": "true" });
    g.append(svg("polyline", { points: known.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ") }));
    for (const p of known) g.append(svg("circle", { cx: x(p.x).toFixed(1), cy: y(p.y).toFixed(1), r: 3 }));
    box.append(g);
  }
  return box;
}

// A small sentiment line (-1..+1) over a call: customer solid, agent dashed.
export function sparkline(points, label) {
  const W = 160;
  const H = 40;
  const pad = 3;
  const box = frame(W, H, label, "spark");
  box.setAttribute("width", W);
  box.setAttribute("height", H);
  const y = (v) => pad + ((1 - Math.max(-1, Math.min(1, v))) / 2) * (H - 2 * pad);
  box.append(svg("line", { x1: 0, x2: W, y1: y(0), y2: y(0), class: "spark-zero" }));
  const maxOffset = Math.max(1, ...points.map((p) => p.offset_ms || 0));
  const x = (p) => pad + ((p.offset_ms || 0) / maxOffset) * (W - 2 * pad);
  for (const [speaker, cls] of [["agent", "spark-agent"], ["customer", "spark-customer"]]) {
    const series = points.filter((p) => p.speaker === speaker);
    if (!series.length) continue;
    box.append(svg("polyline", { points: series.map((p) => `${x(p).toFixed(1)},${y(p.value).toFixed(1)}`).join(" "), class: cls }));
  }
  const customer = points.filter((p) => p.speaker === "customer");
  if (customer.length) {
    const last = customer[customer.length - 1];
    const tone = last.value <= -0.05 ? "neg" : last.value >= 0.05 ? "pos" : "neu";
    box.append(svg("circle", { cx: x(last).toFixed(1), cy: y(last.value).toFixed(1), r: 3, class: `spark-dot ${tone}` }));
  }
  return box;
}

// One bar for the whole call: talk, holds shaded, transfers as ticks, with the time under each mark.
export function timelineBar({ label, total, holds, transfers, marks, format }) {
  const W = 640;
  const H = 64;
  const pad = 10;
  const box = frame(W, H, label, "timeline-bar");
  const span = Math.max(1, total);
  const x = (s) => pad + (Math.max(0, Math.min(span, s)) / span) * (W - 2 * pad);
  box.append(svg("rect", { x: pad, y: 14, width: W - 2 * pad, height: 16, class: "tl-talk", rx: 3 }));
  for (const h of holds) {
    box.append(svg("rect", { x: x(h.from), y: 14, width: Math.max(2, x(h.to) - x(h.from)), height: 16, class: "tl-hold" }));
  }
  for (const t of transfers) box.append(svg("line", { x1: x(t), x2: x(t), y1: 8, y2: 36, class: "tl-transfer" }));
  for (const m of marks) {
    box.append(svg("line", { x1: x(m.at), x2: x(m.at), y1: 30, y2: 38, class: "tl-mark" }));
    const anchor = m.at <= 0 ? "start" : m.at >= span ? "end" : "middle";
    box.append(svg("text", { x: x(m.at), y: 52, "text-anchor": anchor }, `${m.label} ${format(m.at)}`));
  }
  return box;
}

// A Pareto chart: causes as bars, largest first, with the cumulative share as a line on a 0-100 % axis at the
// right and a dashed mark at 80 %. `geometry` is loop-figures.js paretoGeometry; `names` label the bars.
export function paretoChart({ label, items, names, geometry, countFormat, shareFormat, width = 760, height = 300 }) {
  const pad = { left: 44, right: 48, top: 14, bottom: 74 };
  const box = frame(width, height, label, "chart pareto");
  const g = geometry(items, { width, height, pad });
  const axis = svg("g", { class: "axis", "aria-hidden": "true" });
  for (const share of [0, 0.5, 1]) {
    const y = g.shareY(share);
    axis.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    axis.append(svg("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end" }, countFormat(Math.round(g.maxCount * share))));
    axis.append(svg("text", { x: width - pad.right + 6, y: y + 4, "text-anchor": "start" }, shareFormat(share)));
  }
  box.append(axis);
  const bars = svg("g", { class: "bars", "aria-hidden": "true" });
  g.bars.forEach((b, n) => {
    const rect = svg("rect", { x: b.x.toFixed(1), y: b.y.toFixed(1), width: b.width.toFixed(1), height: Math.max(0, b.height).toFixed(1), rx: 2 });
    rect.dataset.cause = b.cause;
    bars.append(rect);
    const name = names[n].length > 18 ? `${names[n].slice(0, 17)}…` : names[n];
    bars.append(svg("text", { x: b.centre.toFixed(1), y: height - pad.bottom + 14, "text-anchor": "end", transform: `rotate(-30 ${b.centre.toFixed(1)} ${height - pad.bottom + 14})` }, name));
  });
  box.append(bars);
  const mark = svg("g", { class: "reference", "aria-hidden": "true" });
  mark.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: g.shareY(0.8), y2: g.shareY(0.8) }));
  box.append(mark);
  const line = svg("g", { class: "series s-cumulative", "aria-hidden": "true" });
  line.append(svg("polyline", { points: g.line.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ") }));
  for (const p of g.line) line.append(svg("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 3.5 }));
  box.append(line);
  return box;
}
