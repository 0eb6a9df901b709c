// The KPI tree and the Pareto view. KPIs: centre -> team -> agent, or per queue, over 7/30/90 days in day, week
// or month buckets; each KPI with its value, its target from the standard, met or not, and a chart of its series;
// which standard versions judged the figures. Pareto: failure causes (failed rules, or review cases' root
// causes) as bars largest first with the cumulative share, per team, queue and period.
// From GET /v1/kpis/tree and GET /v1/kpis/pareto; drill-down and filters live in the URL.
"use strict";

import { api, query } from "./api.js";
import { lineChart, paretoChart } from "./charts.js";
import { consoleLink, el, viewHeading } from "./dom.js";
import { filterButtons, filterForm, labelled, option } from "./forms.js";
import { fmt, lang, t, tn } from "./i18n.js";
import { KPIS, findNode, kpiScale, paretoGeometry, vitalFew } from "./loop-figures.js";
import { itemLabel } from "./sentences.js";

const PERIODS = [7, 30, 90];
const DEFAULT_DAYS = 30;
const BUCKETS = ["day", "week", "month"];
const CAUSES = ["rules", "root_causes"];

function selectField(id, labelKey, values, current) {
  const s = el("select");
  s.append(...values.map(([v, text]) => option(v, text)));
  const wrap = labelled(t(labelKey), s, id);
  s.value = current;
  return [wrap, s];
}

function textField(id, labelKey, current) {
  const input = el("input");
  input.spellcheck = false;
  input.value = current;
  return [labelled(t(labelKey), input, id), input];
}

function periodDays(ctx) {
  const asked = Number(ctx.params().get("days"));
  return PERIODS.includes(asked) ? asked : DEFAULT_DAYS;
}

// The range ends now; the buckets' days are the centre's (the standard's time_zone), whoever reads them.
function range(days) {
  const to = new Date();
  return { from: new Date(to.getTime() - days * 86400000).toISOString(), to: to.toISOString() };
}

export function kpiValue(spec, value) {
  if (spec.kind === "ratio") return fmt.pct(value);
  if (spec.kind === "seconds") return fmt.duration(value);
  if (spec.kind === "nps") return value === null || value === undefined ? "–" : `${value > 0 ? "+" : ""}${fmt.num(value)}`;
  return fmt.num(value);
}

function metText(met) {
  return met === null || met === undefined ? t("kpi.nodata") : met ? t("kpi.met") : t("kpi.missed");
}

function metClass(met) {
  return met === null || met === undefined ? "none" : met ? "met" : "missed";
}

function targetText(spec, k) {
  return t(`kpi.target.${k.direction}`, { value: kpiValue(spec, k.target) });
}

// ---------- the KPI tree ----------

function nodeName(node, level) {
  if (level === "centre") return t("kpi.centre");
  return node.id === null ? t(`kpi.none.${level}`) : t(`kpi.level.${level}`, { id: node.id });
}

function kpiCard(spec, node, body) {
  const k = node.total[spec.key];
  const card = el("figure", `kpi-card ${metClass(k.met)}`);
  card.dataset.kpi = spec.key;
  card.dataset.met = String(k.met);
  const caption = el("figcaption");
  caption.append(el("span", "kpi-name", t(`kpi.${spec.key}`)), el("span", `badge kpi-met ${metClass(k.met)}`, metText(k.met)));
  const value = el("p", "kpi-value", kpiValue(spec, k.value));
  const meta = el("p", "kpi-meta", `${targetText(spec, k)} · ${tn(`kpi.count.${spec.key}`, k.count)}`);
  const points = node.series.map((p) => ({ x: (new Date(p.from).getTime() + new Date(p.to).getTime()) / 2, y: p.kpis[spec.key].value }));
  const { yMin, yMax } = kpiScale(spec, points.map((p) => p.y), k.target);
  const withData = points.filter((p) => p.y !== null && p.y !== undefined);
  const dayFormat = new Intl.DateTimeFormat(lang() === "zh" ? "zh-CN" : "en", { month: "short", day: "numeric" });
  const label = t("kpi.chart", {
    what: t(`kpi.${spec.key}`),
    bucket: t(`kpi.bucket.${body.bucket}`),
    points: fmt.int(withData.length),
    latest: withData.length ? kpiValue(spec, withData[withData.length - 1].y) : t("trends.nodata"),
    target: targetText(spec, k),
  });
  const chart = lineChart({
    label,
    width: 360,
    height: 150,
    xMin: new Date(body.from).getTime(),
    xMax: new Date(body.to).getTime(),
    yMin,
    yMax,
    series: [{ cls: `s-kpi ${metClass(k.met)}`, points }],
    reference: { y: k.target, label: targetText(spec, k) },
    xFormat: (v) => dayFormat.format(new Date(v)),
    yFormat: (v) => kpiValue(spec, v),
  });
  card.append(caption, value, meta, chart);
  return card;
}

function childrenTable(nodes, level, linkOf) {
  const table = el("table", "kpi-table");
  table.id = "kpi-children";
  const head = el("tr");
  const first = el("th", "", t(`kpi.col.${level}`));
  first.scope = "col";
  head.append(first);
  for (const spec of KPIS) {
    const th = el("th", "num", t(`kpi.short.${spec.key}`));
    th.scope = "col";
    th.title = t(`kpi.${spec.key}`);
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  for (const node of nodes) {
    const tr = el("tr");
    tr.dataset.node = node.id ?? "";
    const name = el("th");
    name.scope = "row";
    const link = linkOf(node);
    name.append(link ? consoleLink(link, nodeName(node, level)) : nodeName(node, level));
    tr.append(name);
    for (const spec of KPIS) {
      const k = node.total[spec.key];
      const td = el("td", `num ${metClass(k.met)}`);
      td.dataset.kpi = spec.key;
      td.append(kpiValue(spec, k.value));
      if (k.met !== null && k.met !== undefined) {
        const mark = el("span", "mark", k.met ? " ✓" : " ✗");
        mark.setAttribute("aria-hidden", "true");
        td.append(mark, el("span", "visually-hidden", ` ${metText(k.met)}`));
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(thead, tbody);
  return table;
}

export function mountKpis(host, ctx) {
  const p = ctx.params();
  const days = periodDays(ctx);
  const bucket = BUCKETS.includes(p.get("bucket")) ? p.get("bucket") : days > 31 ? "week" : "day";
  const has = (k) => p.has(k);
  const at = { team: has("team") ? p.get("team") : null, agent: has("agent") ? p.get("agent") : null, queue: has("queue") ? p.get("queue") : null };
  const byQueue = p.get("by") === "queue" || at.queue !== null;

  const section = el("section", "kpis-view");
  section.setAttribute("aria-labelledby", "kpis-heading");
  const sub = el("span", "sub");
  const heading = viewHeading("kpi.heading", sub);
  heading.id = "kpis-heading";
  const form = filterForm("kpi-filters");
  const [periodWrap, period] = selectField("kpi-days", "kpi.period", PERIODS.map((d) => [String(d), t("kpi.days", { days: fmt.int(d) })]), String(days));
  const [bucketWrap, bucketSel] = selectField("kpi-bucket", "kpi.bucketBy", BUCKETS.map((b) => [b, t(`kpi.bucket.${b}`)]), bucket);
  form.append(periodWrap, bucketWrap, filterButtons(false).buttons);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ctx.navigate({ days: period.value, bucket: bucketSel.value }, { replace: true });
  });
  const tabs = el("nav", "tabs");
  tabs.setAttribute("aria-label", t("kpi.tabs"));
  const keep = { view: "kpis", days: String(days), bucket };
  const tree = consoleLink(keep, t("kpi.tab.tree"), "tab");
  const queues = consoleLink({ ...keep, by: "queue" }, t("kpi.tab.queues"), "tab");
  (byQueue ? queues : tree).setAttribute("aria-current", "page");
  tabs.append(tree, queues);
  const path = el("nav", "crumbs");
  path.id = "kpi-path";
  path.setAttribute("aria-label", t("kpi.path"));
  const versions = el("p", "versions");
  versions.id = "kpi-versions";
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  const cards = el("div", "kpi-cards");
  cards.id = "kpi-cards";
  const childHeading = el("h3", "kpi-children-heading");
  const children = el("div", "kpi-children-wrap");
  section.append(heading, form, tabs, path, versions, error, cards, childHeading, children);
  host.append(section);

  let gone = false;
  (async () => {
    let body;
    try {
      body = await api(`/v1/kpis/tree${query({ ...range(days), bucket })}`);
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("kpis", e);
      return;
    }
    if (gone) return;
    sub.textContent = t("kpi.targets", { version: body.standard_version });
    const node = findNode(body, byQueue ? { queue: at.queue } : { team: at.team, agent: at.agent });
    // Breadcrumbs: every level above the one shown is a link back up.
    const crumbs = [[t("kpi.centre"), byQueue ? { ...keep, by: "queue" } : keep]];
    if (at.team !== null) crumbs.push([nodeName({ id: at.team || null }, "team"), { ...keep, team: at.team }]);
    if (at.agent !== null) crumbs.push([nodeName({ id: at.agent || null }, "agent"), null]);
    if (at.queue !== null) crumbs.push([nodeName({ id: at.queue || null }, "queue"), null]);
    crumbs.forEach(([text, link], n) => {
      if (n) path.append(el("span", "sep", " › "));
      const last = n === crumbs.length - 1;
      if (last || !link) {
        const here = el("span", "here", text);
        if (last) here.setAttribute("aria-current", "location");
        path.append(here);
      } else path.append(consoleLink(link, text));
    });
    if (!node) {
      error.textContent = t("kpi.noNode");
      return;
    }
    const judged = Object.entries(node.judged_by || {}).map(([v, n]) => t("kpi.judgedOne", { version: v, count: fmt.int(n) }));
    versions.textContent = judged.length ? t("kpi.judged", { list: fmt.list(judged) }) : t("kpi.judgedNone");
    cards.replaceChildren(...KPIS.map((spec) => kpiCard(spec, node, body)));
    // The level below: teams of the centre, agents of a team, or the queues.
    let rows = [];
    let level = null;
    let linkOf = () => null;
    if (byQueue && at.queue === null) {
      [rows, level] = [body.queues, "queue"];
      linkOf = (n) => ({ ...keep, queue: n.id ?? "" });
    } else if (!byQueue && at.team === null) {
      [rows, level] = [node.children || [], "team"];
      linkOf = (n) => ({ ...keep, team: n.id ?? "" });
    } else if (!byQueue && at.agent === null) {
      [rows, level] = [node.children || [], "agent"];
      linkOf = (n) => ({ ...keep, team: at.team, agent: n.id ?? "" });
    }
    if (level) {
      childHeading.textContent = t(`kpi.children.${level}`);
      children.replaceChildren(rows.length ? childrenTable(rows, level, linkOf) : el("p", "empty", t("kpi.noChildren")));
    }
    section.dataset.loaded = "true";
  })();
  return () => { gone = true; };
}

// ---------- Pareto ----------

function causeName(item, standard) {
  if (item.labels) return item.labels[lang()] || item.labels.en || item.cause;
  return itemLabel(item.cause, standard);
}

function paretoTable(items, names) {
  const table = el("table", "pareto-table");
  table.id = "pareto-table";
  const head = el("tr");
  for (const key of ["rank", "cause", "count", "share", "cumulative"]) {
    const th = el("th", key === "cause" ? "" : "num", t(`pareto.col.${key}`));
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const tbody = el("tbody");
  items.forEach((item, n) => {
    const tr = el("tr");
    tr.dataset.cause = item.cause;
    const name = el("th", "", names[n]);
    name.scope = "row";
    tr.append(el("td", "num", fmt.int(n + 1)), name, el("td", "num", fmt.int(item.count)), el("td", "num", fmt.pct(item.share)), el("td", "num", fmt.pct(item.cumulative_share)));
    tbody.append(tr);
  });
  table.append(thead, tbody);
  return table;
}

export function mountPareto(host, ctx) {
  const p = ctx.params();
  const days = periodDays(ctx);
  const causes = CAUSES.includes(p.get("causes")) ? p.get("causes") : "rules";
  const team = p.get("team_id") || "";
  const queue = p.get("queue_id") || "";
  const section = el("section", "pareto-view");
  section.setAttribute("aria-labelledby", "pareto-heading");
  const heading = viewHeading("pareto.heading");
  heading.id = "pareto-heading";
  const form = filterForm("pareto-filters");
  const [causeWrap, causeSel] = selectField("pareto-causes", "pareto.causes", CAUSES.map((c) => [c, t(`pareto.causes.${c}`)]), causes);
  const [teamWrap, teamInput] = textField("pareto-team", "f.team", team);
  const [queueWrap, queueInput] = textField("pareto-queue", "f.queue", queue);
  const [periodWrap, period] = selectField("pareto-days", "kpi.period", PERIODS.map((d) => [String(d), t("kpi.days", { days: fmt.int(d) })]), String(days));
  form.append(causeWrap, teamWrap, queueWrap, periodWrap, filterButtons(false).buttons);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ctx.navigate({ causes: causeSel.value, team_id: teamInput.value.trim(), queue_id: queueInput.value.trim(), days: period.value });
  });
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  const said = el("p", "pareto-summary");
  said.id = "pareto-summary";
  const chart = el("figure", "chart-wrap pareto-wrap");
  chart.id = "pareto-chart";
  const figures = el("div");
  section.append(heading, form, error, said, chart, figures);
  host.append(section);

  let gone = false;
  (async () => {
    let body;
    try {
      body = await api(`/v1/kpis/pareto${query({ ...range(days), causes, team_id: team, queue_id: queue })}`);
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("pareto", e);
      return;
    }
    if (gone) return;
    const [periodBody] = body.periods;
    const items = periodBody.items;
    const standard = ctx.standard();
    const names = items.map((i) => causeName(i, standard));
    const scope = [team && t("team", { id: team }), queue && t("queue", { id: queue })].filter(Boolean);
    if (!items.length) {
      said.textContent = t("pareto.empty");
    } else {
      const few = vitalFew(items);
      said.textContent = t("pareto.summary", {
        total: fmt.int(periodBody.total),
        causes: t(`pareto.causes.${causes}`),
        scope: scope.length ? ` (${fmt.list(scope)})` : "",
        count: fmt.int(few.length),
        share: fmt.pct(items[few.length - 1].cumulative_share),
        names: fmt.list(names.slice(0, few.length).map((n) => n.replace(/[.。]$/, ""))),
      });
      const label = t("pareto.chart", { count: fmt.int(items.length), top: names[0], topCount: fmt.int(items[0].count) });
      chart.replaceChildren(
        paretoChart({ label, items, names, geometry: paretoGeometry, countFormat: fmt.int, shareFormat: fmt.pct }),
      );
      const legend = el("figcaption", "legend");
      legend.append(el("span", "key k-bar", t("pareto.legend.count")), el("span", "key k-cumulative", t("pareto.legend.cumulative")), el("span", "key k-eighty", t("pareto.legend.eighty")));
      chart.append(legend);
      figures.replaceChildren(paretoTable(items, names));
    }
    section.dataset.loaded = "true";
  })();
  return () => { gone = true; };
}
