// Standards (GET /v1/standards): the version in force now, every recorded version, every activation with its
// effective time and whether it is in force, scheduled or superseded. An admin key activates a version from a
// time on (POST /v1/standards/activations), without a restart; a version whose fixture cases fail is refused,
// and the refusal is shown case by case.
"use strict";

import { api, authHeaders } from "./api.js";
import { dataTable, el, errorLine, timeEl, viewHeading } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { activationStates } from "./review-logic.js";

function when(iso) {
  const td = el("td", "");
  td.append(timeEl(iso, fmt.time(iso)));
  return td;
}

function inForce(body) {
  const std = body.current;
  const since = activationStates(body.activations, new Date()).find((a) => a.state === "in_force");
  const box = el("div", "rv-score ok std-now");
  box.id = "std-now";
  box.dataset.version = std.version;
  box.append(el("p", "rv-score-title", t("std.now")), el("p", "rv-score-value", std.version));
  const name = std.name ? `${std.name} · ` : "";
  box.append(el("p", "rv-score-note", since ? `${name}${t("std.since", { time: fmt.time(since.effective_at), who: since.activated_by })}` : name));
  return box;
}

function versionsTable(body) {
  const rows = body.versions.map((v) => {
    const tr = el("tr", v.current ? "current" : "");
    tr.dataset.version = v.version;
    const th = el("th", "", v.version);
    th.scope = "row";
    if (v.current) th.append(" ", el("span", "badge std-in_force", t("std.state.in_force")));
    const sha = el("td", "mono", v.sha256.slice(0, 12));
    sha.title = v.sha256;
    tr.append(th, el("td", "", v.name || "–"), sha, when(v.first_loaded_at));
    return tr;
  });
  return dataTable("std-versions", "std-table", ["std.col.version", "std.col.name", "std.col.sha", "std.col.loaded"], rows);
}

function activationsTable(body) {
  const rows = activationStates(body.activations, new Date()).reverse().map((a) => {
    const tr = el("tr", `act-${a.state}`);
    tr.dataset.activationId = a.id;
    tr.dataset.state = a.state;
    const th = el("th", "", a.version);
    th.scope = "row";
    tr.append(th, when(a.effective_at), when(a.activated_at), el("td", "", a.activated_by));
    const state = el("td", "");
    state.append(el("span", `badge std-${a.state}`, t(`std.state.${a.state}`)));
    tr.append(state);
    return tr;
  });
  return dataTable("std-activations", "std-table", ["std.col.version", "std.col.effective", "std.col.activated", "std.col.by", "std.col.state"], rows);
}

function refusal(answer) {
  const box = el("div", "std-refused");
  box.id = "std-refused";
  box.setAttribute("role", "alert");
  box.append(el("p", "error", t("std.refused", { detail: answer.detail })));
  if (answer.failures && answer.failures.length) {
    const rows = answer.failures.map((f) => {
      const tr = el("tr");
      const th = el("th", "", f.case);
      th.scope = "row";
      tr.append(th, el("td", "", f.item), el("td", "", t(`status.${f.expected}`)), el("td", "", t(`status.${f.got}`)), el("td", "", f.detail));
      return tr;
    });
    box.append(dataTable("std-failures", "std-table", ["std.col.case", "std.col.item", "std.col.expected", "std.col.got", "std.col.detail"], rows));
  }
  return box;
}

// POST with the refusal's whole body kept (api() keeps only `detail`; the failures are what the admin needs).
async function activate(body) {
  const res = await fetch("/v1/standards/activations", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
    body: JSON.stringify(body),
    cache: "no-store",
  });
  let answer = {};
  try {
    answer = await res.json();
  } catch (_) {
    answer = { detail: `${res.status} ${res.statusText}` };
  }
  return { ok: res.ok, answer };
}

function activationForm(body, ctx, reload) {
  const form = el("form", "ia-section std-form");
  form.id = "std-form";
  const h = el("h3", "", t("std.activate"));
  const sourceBox = el("fieldset", "std-source");
  sourceBox.append(el("legend", "", t("std.source")));
  const pick = (value, key) => {
    const wrap = el("label", "radio");
    const radio = el("input");
    radio.type = "radio";
    radio.name = "std-source";
    radio.value = value;
    radio.id = `std-source-${value}`;
    wrap.append(radio, ` ${t(key)}`);
    return { wrap, radio };
  };
  const recorded = pick("version", "std.source.version");
  const text = pick("file", "std.source.file");
  recorded.radio.checked = true;
  sourceBox.append(recorded.wrap, text.wrap);
  const version = el("select");
  version.id = "std-version";
  for (const v of body.versions) {
    const o = el("option", "", v.version);
    o.value = v.version;
    version.append(o);
  }
  const versionBox = el("div", "field");
  const versionLabel = el("label", "", t("std.col.version"));
  versionLabel.htmlFor = version.id;
  versionBox.append(versionLabel, version);
  const yaml = el("textarea", "std-yaml");
  yaml.id = "std-yaml";
  yaml.rows = 10;
  yaml.spellcheck = false;
  const yamlBox = el("div", "field");
  const yamlLabel = el("label", "", t("std.yaml"));
  yamlLabel.htmlFor = yaml.id;
  yamlBox.append(yamlLabel, yaml);
  yamlBox.hidden = true;
  const show = () => {
    versionBox.hidden = !recorded.radio.checked;
    yamlBox.hidden = !text.radio.checked;
  };
  recorded.radio.addEventListener("change", show);
  text.radio.addEventListener("change", show);
  const effective = el("input");
  effective.type = "datetime-local";
  effective.id = "std-effective";
  effective.step = 1;
  const effBox = el("div", "field");
  const effLabel = el("label", "", t("std.effective"));
  effLabel.htmlFor = effective.id;
  effBox.append(effLabel, effective, el("p", "hint", t("std.effective.hint")));
  const submit = el("button", "", t("std.activate.button"));
  submit.type = "submit";
  const outcome = el("div", "std-outcome");
  outcome.id = "std-outcome";
  form.append(h, el("p", "rv-intro", t("std.activate.intro")), sourceBox, versionBox, yamlBox, effBox, submit, outcome);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const asked = recorded.radio.checked ? { version: version.value } : { standard: yaml.value };
    if (effective.value) asked.effective_at = new Date(effective.value).toISOString();
    submit.disabled = true;
    outcome.replaceChildren();
    try {
      const { ok, answer } = await activate(asked);
      if (ok) {
        const done = t("std.activated", {
          version: answer.version, time: fmt.time(answer.effective_at), cases: fmt.int(answer.fixture_cases), checks: fmt.int(answer.fixture_checks),
        });
        ctx.announce(done);
        reload(done);
        return;
      }
      outcome.append(refusal(answer));
    } catch (e) {
      outcome.append(refusal({ detail: e.message }));
    }
    submit.disabled = false;
  });
  return form;
}

export function mountStandards(host, ctx) {
  const section = el("section", "standards-view");
  section.setAttribute("aria-labelledby", "standards-heading");
  const heading = viewHeading("std.heading");
  heading.id = "standards-heading";
  const error = errorLine();
  const done = el("p", "std-done");
  done.id = "std-done";
  done.setAttribute("role", "status");
  const body = el("div", "std-body");
  section.append(heading, el("p", "rv-intro", t("std.intro")), done, error, body);
  host.append(section);
  let gone = false;
  const load = async (message) => {
    try {
      const answer = await api("/v1/standards");
      if (gone) return;
      ctx.setStandard(answer.current);
      done.textContent = message || "";
      const main = el("div", "std-main");
      main.append(inForce(answer), el("h3", "", t("std.activations")), activationsTable(answer), el("h3", "", t("std.versions")), versionsTable(answer));
      const grid = el("div", "std-grid");
      grid.append(main, ctx.can("admin") ? activationForm(answer, ctx, load) : el("p", "rv-intro std-admin-only", t("std.adminOnly")));
      body.replaceChildren(grid);
      body.dataset.loaded = "true";
    } catch (e) {
      if (!gone) error.textContent = ctx.failed("standard", e);
    }
  };
  load("");
  return () => { gone = true; };
}
