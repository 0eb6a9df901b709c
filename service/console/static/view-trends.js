// Trends over the shift: service level, script compliance and customer sentiment per bucket, each against the
// standard's target, from GET /v1/trends. The figures are also in a table for readers who do not see charts.
"use strict";

import { api, query } from "./api.js";
import { lineChart } from "./charts.js";
import { dataTable, el, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";

const SPANS = [4, 8, 12, 24];
const DEFAULT_HOURS = 8;
const EVERY_MS = 60000;

function bucketFor(hours) {
  return hours <= 8 ? 900 : hours <= 12 ? 1800 : 3600;
}

const CHARTS = [
  { key: "service_level", title: "trends.sl", ref: "trends.target", yMin: 0, yMax: 1, format: (v) => fmt.pct(v) },
  { key: "compliance_rate", title: "trends.compliance", ref: "trends.target", yMin: 0, yMax: 1, format: (v) => fmt.pct(v) },
  { key: "customer_sentiment", title: "trends.sentiment", ref: "trends.limit", yMin: -1, yMax: 1, format: (v) => fmt.signed(v) },
];

function chartFor(spec, body) {
  const from = new Date(body.from).getTime();
  const to = new Date(body.to).getTime();
  const points = body.buckets.map((b) => ({ x: new Date(b.start).getTime() + (body.bucket_seconds * 1000) / 2, y: b[spec.key] }));
  const withData = points.filter((p) => p.y !== null && p.y !== undefined);
  const target = body.targets[spec.key];
  const targetText = t(spec.ref, { value: spec.format(target) });
  const label = t("trends.chart", {
    what: t(spec.title),
    minutes: fmt.int(body.bucket_seconds / 60),
    from: fmt.hm(new Date(from)),
    to: fmt.hm(new Date(to)),
    points: fmt.int(withData.length),
    latest: withData.length ? spec.format(withData[withData.length - 1].y) : t("trends.nodata"),
    target: targetText,
  });
  const figure = el("figure", "chart-wrap trend");
  figure.dataset.metric = spec.key;
  const caption = el("figcaption", "", t(spec.title));
  caption.append(" ", el("span", "sub", targetText));
  figure.append(
    caption,
    lineChart({
      label,
      xMin: from,
      xMax: to,
      yMin: spec.yMin,
      yMax: spec.yMax,
      series: [{ cls: `s-${spec.key}`, points }],
      reference: { y: target, label: targetText },
      xFormat: (v) => fmt.hm(new Date(v)),
      yFormat: spec.format,
    }),
  );
  return figure;
}

function table(body) {
  const details = el("details", "trend-table");
  details.append(el("summary", "", t("trends.table")));
  const rows = body.buckets.map((b) => {
    const tr = el("tr");
    const when = el("th", "", fmt.hm(new Date(b.start)));
    when.scope = "row";
    tr.append(when, el("td", "num", fmt.pct(b.service_level)), el("td", "num", fmt.pct(b.compliance_rate)), el("td", "num", fmt.signed(b.customer_sentiment)), el("td", "num", fmt.int(b.interactions)));
    return tr;
  });
  details.append(dataTable(null, "", ["trends.col.time", "trends.sl", "trends.compliance", "trends.sentiment", "trends.col.count"], rows));
  return details;
}

export function mountTrends(host, ctx) {
  const asked = Number(ctx.params().get("hours"));
  const hours = SPANS.includes(asked) ? asked : DEFAULT_HOURS;
  const section = el("section", "trends-view");
  section.setAttribute("aria-labelledby", "trends-heading");
  const heading = viewHeading("trends.heading");
  heading.id = "trends-heading";
  const controls = el("div", "field inline");
  const label = el("label", "", t("trends.span"));
  label.htmlFor = "trend-span";
  const select = el("select");
  select.id = "trend-span";
  for (const h of SPANS) {
    const o = el("option", "", t("trends.hours", { hours: fmt.int(h) }));
    o.value = String(h);
    select.append(o);
  }
  select.value = String(hours);
  select.addEventListener("change", () => ctx.navigate({ hours: select.value }, { replace: true }));
  controls.append(label, select);
  const error = el("p", "error");
  const charts = el("div", "charts");
  charts.id = "trend-charts";
  section.append(heading, controls, error, charts);
  host.append(section);
  ctx.schedule(async () => {
    const now = new Date();
    const from = new Date(now.getTime() - hours * 3600 * 1000);
    try {
      const body = await api(`/v1/trends${query({ from: from.toISOString(), to: now.toISOString(), bucket_seconds: bucketFor(hours) })}`);
      error.textContent = "";
      if (charts.contains(document.activeElement)) return; // the open table keeps its place
      charts.replaceChildren(...CHARTS.map((spec) => chartFor(spec, body)), table(body));
    } catch (e) {
      error.textContent = ctx.failed("trends", e);
    }
  }, EVERY_MS);
}
