// What the customer said of one interaction (CSAT 1-5, NPS 0-10) and why they got in touch (the contact reason),
// with whether that contact was resolved the first time, for the interaction page. GET /v1/interactions/{id}/outcomes.
"use strict";

import { api } from "./api.js";
import { el, field, timeEl } from "./dom.js";
import { fmt, t } from "./i18n.js";
import { longSpan } from "./view-reviews.js";

// NPS answers are promoters, passives or detractors by the standard's own thresholds.
function npsGroup(nps, rules) {
  if (nps >= rules.nps_promoter_at_least) return "promoter";
  if (nps <= rules.nps_detractor_at_most) return "detractor";
  return "passive";
}

function surveyRow(s, rules) {
  const li = el("li", "survey");
  li.dataset.eventId = s.event_id;
  const parts = [];
  if (s.csat !== null) {
    const happy = s.csat >= rules.csat_satisfied_at_least;
    parts.push(t("out.csat", { value: fmt.int(s.csat), verdict: t(happy ? "out.satisfied" : "out.unsatisfied") }));
  }
  if (s.nps !== null) parts.push(t("out.nps", { value: fmt.int(s.nps), group: t(`out.nps.${npsGroup(s.nps, rules)}`) }));
  li.append(el("span", "survey-figures", parts.join(" · ")), " ", timeEl(s.answered_at, t("out.answered", { time: fmt.time(s.answered_at) })));
  if (s.csat !== null) li.dataset.csat = s.csat;
  if (s.nps !== null) li.dataset.nps = s.nps;
  return li;
}

function fcrText(c) {
  if (c.first_contact_resolved === false) return t("out.fcr.repeat", { gap: longSpan(c.next_contact_gap_seconds), window: longSpan(c.fcr_window_seconds) });
  if (c.first_contact_resolved === true) return t("out.fcr.resolved", { window: longSpan(c.fcr_window_seconds) });
  const ends = new Date(new Date(c.contacted_at).getTime() + c.fcr_window_seconds * 1000).toISOString();
  return t("out.fcr.open", { time: fmt.time(ends) });
}

export function outcomesPanel(interactionId, ctx) {
  const wrap = el("div", "ia-outcomes");
  wrap.id = "ia-outcomes";
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  wrap.append(error);
  (async () => {
    let body;
    try {
      body = await api(`/v1/interactions/${encodeURIComponent(interactionId)}/outcomes`);
    } catch (e) {
      error.textContent = ctx.failed("outcomes", e);
      return;
    }
    const standard = ctx.standard();
    const rules = (standard && standard.outcomes) || { csat_satisfied_at_least: 4, nps_promoter_at_least: 9, nps_detractor_at_most: 6 };
    const surveys = el("ul", "surveys");
    surveys.append(...body.surveys.map((s) => surveyRow(s, rules)));
    if (!body.surveys.length) surveys.append(el("li", "empty", t("out.noSurvey")));
    const dl = el("dl", "ia-summary");
    if (body.contact) {
      const c = body.contact;
      const fcr = field(t("out.fcr"), fcrText(c), c.first_contact_resolved === false ? "bad" : c.first_contact_resolved ? "ok" : "");
      fcr.id = "ia-fcr";
      fcr.dataset.resolved = String(c.first_contact_resolved);
      const reason = field(t("out.reason"), c.reason);
      reason.id = "ia-reason";
      dl.append(reason, fcr);
    } else dl.append(field(t("out.reason"), t("out.noReason")));
    wrap.append(surveys, dl);
    wrap.dataset.loaded = "true";
  })();
  return wrap;
}
