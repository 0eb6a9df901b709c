// The review loop's figures without the page: which KPI is what kind of number and on which scale, whether a
// case is late, what became of a corrective action, where a node sits in the KPI tree, and the bars and
// cumulative line of a Pareto chart. Pure functions over the API's answers (tested in tests/unit with node).
"use strict";

// Every KPI of GET /v1/kpis/tree, in the order the centre reads them: what kind of figure it is and the fixed
// scale its chart is drawn on (null: from the data and the target).
export const KPIS = [
  { key: "service_level", kind: "ratio", yMin: 0, yMax: 1 },
  { key: "average_speed_of_answer", kind: "seconds", yMin: 0, yMax: null },
  { key: "abandonment_rate", kind: "ratio", yMin: 0, yMax: 1 },
  { key: "compliance_rate", kind: "ratio", yMin: 0, yMax: 1 },
  { key: "quality_score", kind: "points", yMin: 0, yMax: 100 },
  { key: "csat", kind: "ratio", yMin: 0, yMax: 1 },
  { key: "nps", kind: "nps", yMin: -100, yMax: 100 },
  { key: "first_contact_resolution", kind: "ratio", yMin: 0, yMax: 1 },
  { key: "overdue_ticket_ratio", kind: "ratio", yMin: 0, yMax: 1 },
];

// The metrics a corrective action targets (the standard's review.action_metrics) are alert metrics: their kind.
const METRIC_KINDS = {
  service_level: "ratio",
  abandonment_rate: "ratio",
  compliance_rate: "ratio",
  overdue_ticket_ratio: "ratio",
  customer_sentiment: "sentiment",
  quality_score: "points",
};

export function metricKind(metric) {
  return METRIC_KINDS[metric] || "points";
}

// A chart's y scale: the KPI's own, or for seconds from 0 to a little above the largest value and the target.
export function kpiScale(spec, values, target) {
  if (spec.yMax !== null) return { yMin: spec.yMin, yMax: spec.yMax };
  const top = Math.max(1, target || 0, ...values.filter((v) => v !== null && v !== undefined));
  return { yMin: spec.yMin, yMax: Math.ceil(top * 1.2) };
}

export const ACTIVE_STATUSES = ["open", "investigating"];

// A case is overdue while it is not yet reviewed (open or investigating) and its due time has passed.
export function isOverdue(c, now) {
  return ACTIVE_STATUSES.includes(c.status) && new Date(c.due_at).getTime() <= now.getTime();
}

// pending (not verified yet), worked, did_not_work, inconclusive (a period without data): as the API counts them.
export function actionOutcome(a) {
  if (a.status !== "verified") return "pending";
  if (a.worked === true) return "worked";
  if (a.worked === false) return "did_not_work";
  return "inconclusive";
}

// The node of the tree a drill-down names: the centre, a team, an agent of a team, or a queue.
export function findNode(tree, { team = null, agent = null, queue = null } = {}) {
  const byId = (nodes, id) => (nodes || []).find((n) => (n.id ?? "") === id) || null;
  if (queue !== null) return byId(tree.queues, queue);
  if (team === null) return tree.centre;
  const teamNode = byId(tree.centre.children, team);
  if (!teamNode || agent === null) return teamNode;
  return byId(teamNode.children, agent);
}

// Bars (count, left to right, largest first) and the cumulative-share line over them, in a box of
// `width` x `height` drawn from `pad`; the count axis runs to the largest count, the share axis to 100 %.
export function paretoGeometry(items, { width, height, pad }) {
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxCount = Math.max(1, ...items.map((i) => i.count));
  const slot = items.length ? plotW / items.length : plotW;
  const barW = Math.max(2, slot * 0.7);
  const bars = items.map((item, n) => {
    const h = (item.count / maxCount) * plotH;
    const centre = pad.left + slot * n + slot / 2;
    return { cause: item.cause, x: centre - barW / 2, y: pad.top + plotH - h, width: barW, height: h, centre };
  });
  const line = items.map((item, n) => ({ x: bars[n].centre, y: pad.top + (1 - item.cumulative_share) * plotH }));
  return { bars, line, maxCount, shareY: (share) => pad.top + (1 - share) * plotH };
}

// The causes that make up the first `share` (80 % by default) of all failures: the "vital few".
export function vitalFew(items, share = 0.8) {
  const out = [];
  for (const item of items) {
    out.push(item.cause);
    if (item.cumulative_share >= share) break;
  }
  return out;
}
