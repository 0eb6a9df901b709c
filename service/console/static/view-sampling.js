// The week's review sample (GET /v1/review-samples): random N per agent from a seed, every critical failure and
// the lowest customer sentiment, by the standard's rules unless overridden here. The form lives in the URL, so
// the same link shows the same sample to anyone: the same week, rules and seed always pick the same calls.
"use strict";

import { api, query } from "./api.js";
import { consoleLink, dataTable, el, errorLine, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { isoWeek } from "./review-logic.js";

function input(id, labelKey, attrs) {
  const box = el("div", "field");
  const label = el("label", "", t(labelKey));
  label.htmlFor = id;
  const field = el("input");
  field.id = id;
  Object.assign(field, attrs);
  box.append(label, field);
  return { box, field };
}

function rulesOf(ctx) {
  const std = ctx.standard();
  return (std && std.review && std.review.sampling) || { random_per_agent_per_week: 2, all_critical_failures: true, lowest_sentiment: 5 };
}

function results(body) {
  const wrap = el("div", "sample-results");
  const rules = body.rules;
  wrap.append(
    el("p", "sample-summary", t("sm.summary", {
      count: fmt.int(body.items.length), week: body.week, seed: body.seed,
      random: fmt.int(rules.random_per_agent_per_week), lowest: fmt.int(rules.lowest_sentiment),
      critical: t(rules.all_critical_failures ? "sm.critical.yes" : "sm.critical.no"),
    })),
  );
  const rows = [];
  for (const p of body.items) {
    const tr = el("tr");
    tr.dataset.interactionId = p.interaction_id;
    const name = el("th", "");
    name.scope = "row";
    name.append(consoleLink({ view: "interaction", id: p.interaction_id }, p.interaction_id));
    const reasons = el("td", "");
    const chips = el("ul", "chips");
    for (const r of p.reasons) {
      const chip = el("li", `chip reason-${r}`, t(`sm.reason.${r}`));
      chip.dataset.reason = r;
      chips.append(chip);
    }
    reasons.append(chips);
    tr.append(name, el("td", "", p.agent_id || "–"), reasons);
    rows.push(tr);
  }
  wrap.append(dataTable("sample", "sample", ["sm.col.interaction", "sm.col.agent", "sm.col.reasons"], rows, t("sm.empty")));
  return wrap;
}

export function mountSampling(host, ctx) {
  const p = ctx.params();
  const rules = rulesOf(ctx);
  const week = /^\d{4}-W\d{2}$/.test(p.get("week") || "") ? p.get("week") : isoWeek(new Date());
  const seed = p.get("seed") || "callqa";
  const random = p.get("random") ?? String(rules.random_per_agent_per_week);
  const lowest = p.get("lowest") ?? String(rules.lowest_sentiment);
  const critical = p.has("critical") ? p.get("critical") === "true" : rules.all_critical_failures;

  const section = el("section", "sampling-view");
  section.setAttribute("aria-labelledby", "sampling-heading");
  const heading = viewHeading("sm.heading");
  heading.id = "sampling-heading";
  const form = el("form", "filters sample-form");
  form.id = "sample-form";
  const weekIn = input("sm-week", "sm.week", { type: "week", value: week, required: true });
  const seedIn = input("sm-seed", "sm.seed", { type: "text", value: seed, required: true, maxLength: 200 });
  const randomIn = input("sm-random", "sm.random", { type: "number", value: random, min: 0, max: 1000 });
  const lowestIn = input("sm-lowest", "sm.lowest", { type: "number", value: lowest, min: 0, max: 1000 });
  const criticalBox = el("div", "field check");
  const criticalIn = el("input");
  criticalIn.type = "checkbox";
  criticalIn.id = "sm-critical";
  criticalIn.checked = critical;
  const criticalLabel = el("label", "", t("sm.critical"));
  criticalLabel.htmlFor = criticalIn.id;
  criticalBox.append(criticalIn, criticalLabel);
  const buttons = el("div", "field buttons");
  const run = el("button", "", t("sm.run"));
  run.type = "submit";
  buttons.append(run);
  form.append(weekIn.box, seedIn.box, randomIn.box, lowestIn.box, criticalBox, buttons);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ctx.navigate({
      week: weekIn.field.value, seed: seedIn.field.value.trim(), random: randomIn.field.value,
      lowest: lowestIn.field.value, critical: String(criticalIn.checked),
    });
  });
  const error = errorLine();
  const out = el("div", "sample-out");
  out.id = "sample-out";
  section.append(heading, el("p", "rv-intro", t("sm.intro")), form, error, out);
  host.append(section);
  let gone = false;
  (async () => {
    try {
      const asked = { week, seed, random_per_agent: random, lowest_sentiment: lowest, critical_failures: String(critical) };
      const body = await api(`/v1/review-samples${query(asked)}`);
      if (gone) return;
      out.replaceChildren(results(body));
      out.dataset.loaded = "true";
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("sample", e);
    }
  })();
  return () => { gone = true; };
}
