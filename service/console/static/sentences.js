// Sentences a supervisor reads, in English or Chinese, built from an alert's structured fields (rule, item,
// evidence figures), the score item's trace (measured value against the limit) and the standard's own rules
// and descriptions: never by rewording the English message the server stores.
"use strict";

import { fmt, lang } from "./i18n.js";

const TEMPLATES = {
  en: {
    forbidden: "Agent {agent} said a forbidden phrase: {quotes}. The standard: {rule}",
    forbiddenNoQuote: "Agent {agent} said a forbidden phrase. The standard: {rule}",
    missed: "Not done: {rule} (checked {window}).",
    missedNoWindow: "Not done: {rule}",
    sentiment: "The customer's mood fell to {measured} (average of {turns} customer turns in a row); the standard alerts below {limit}.",
    answerWait: "The caller waited {measured} to be answered; the standard allows {limit}.",
    notAnswered: "The caller was not answered within the standard's {limit}.",
    hold: "A hold lasted {measured}; the standard allows {limit}.",
    firstReply: "The first reply took {measured}; the standard allows {limit}.",
    firstReplyOpen: "No reply yet after {limit}, the standard's limit for a first reply.",
    resolution: "Resolution took {measured}; the standard allows {limit}.",
    resolutionOpen: "Not resolved within {limit}, the standard's limit.",
    quality: "Quality score {score}, below the pass mark of {mark}. Failed: {items}.",
    critical: "Failed on a critical item ({items}); quality score {score}.",
    windowBelow: "{subject}: {metric} was {value} over the last {window} ({count} contacts); the standard requires at least {limit}.",
    windowAbove: "{subject}: {metric} was {value} over the last {window} ({count} contacts); the standard allows at most {limit}.",
    control: "{subject}: {metric} was {value} over the last {window}, outside its usual range {lower} – {upper} (mean ± {sigmas} σ of the earlier windows).",
    generic: "{rule}",
    queue: "Queue {id}",
    team: "Team {id}",
    someone: "(unknown)",
    and: "and",
    metric: {
      service_level: "the service level",
      abandonment_rate: "the abandonment rate",
      compliance_rate: "script compliance",
      customer_sentiment: "average customer sentiment",
      quality_score: "the average quality score",
      overdue_ticket_ratio: "the share of overdue tickets",
    },
    window: {
      first_turns: "in the first {n} agent turns",
      last_turns: "in the last {n} agent turns",
      within_seconds_of_answer: "within {seconds} of answering",
      before_hold: "before each hold",
      after_customer_upset: "within {n} agent turns after the customer was upset",
      anywhere: "anywhere in the conversation",
    },
    items: {
      answer_time: "Answer time",
      hold_time: "Hold time",
      first_reply_time: "First reply time",
      resolution_time: "Resolution time",
      customer_sentiment: "Customer sentiment",
    },
    reason: {
      measured: "{measured}; the limit is {limit}",
      sentiment: "Lowest average of {turns} customer turns: {measured}; the limit is {limit}",
      said: "Said: {quotes}",
      notSaid: "Not said {window}",
      pending: "Not yet said; judged by {deadline}",
      neverSaid: "Never said",
      saidForbidden: "Said {count} time(s): {quotes}",
      na: "Does not apply here",
      holds: "Longest hold {measured}; the limit is {limit}",
      episode: "Customer upset at {offset}; no empathy within the next {n} agent turns",
      holdAsked: "Put on hold at {time} without asking first",
    },
  },
  zh: {
    forbidden: "坐席 {agent} 说了禁用语：{quotes}。标准：{rule}",
    forbiddenNoQuote: "坐席 {agent} 说了禁用语。标准：{rule}",
    missed: "未做到：{rule}（检查范围：{window}）",
    missedNoWindow: "未做到：{rule}",
    sentiment: "客户情绪降到 {measured}（连续 {turns} 句客户发言的平均值）；标准在低于 {limit} 时告警。",
    answerWait: "客户等待了 {measured} 才接通；标准要求 {limit} 内接听。",
    notAnswered: "客户在标准时限 {limit} 内未被接听。",
    hold: "一次保持持续了 {measured}；标准上限为 {limit}。",
    firstReply: "首次回复用了 {measured}；标准要求 {limit} 内回复。",
    firstReplyOpen: "已超过首次回复时限 {limit}，仍未回复。",
    resolution: "解决用了 {measured}；标准要求 {limit} 内解决。",
    resolutionOpen: "超过标准时限 {limit} 仍未解决。",
    quality: "质检分 {score}，低于及格线 {mark}。未通过：{items}。",
    critical: "关键项未通过（{items}）；质检分 {score}。",
    windowBelow: "{subject}：最近 {window}{metric}为 {value}（{count} 个联络）；标准要求不低于 {limit}。",
    windowAbove: "{subject}：最近 {window}{metric}为 {value}（{count} 个联络）；标准要求不高于 {limit}。",
    control: "{subject}：最近 {window}{metric}为 {value}，超出正常范围 {lower} – {upper}（此前各时段均值 ± {sigmas} 个标准差）。",
    generic: "{rule}",
    queue: "队列 {id}",
    team: "班组 {id}",
    someone: "（未知）",
    and: "和",
    metric: {
      service_level: "服务水平",
      abandonment_rate: "放弃率",
      compliance_rate: "话术合规率",
      customer_sentiment: "客户平均情绪",
      quality_score: "平均质检分",
      overdue_ticket_ratio: "超时工单比例",
    },
    window: {
      first_turns: "坐席前 {n} 句",
      last_turns: "坐席最后 {n} 句",
      within_seconds_of_answer: "接听后 {seconds} 内",
      before_hold: "每次保持之前",
      after_customer_upset: "客户情绪激动后坐席的 {n} 句内",
      anywhere: "整段对话",
    },
    items: {
      answer_time: "接听时长",
      hold_time: "保持时长",
      first_reply_time: "首次回复时长",
      resolution_time: "解决时长",
      customer_sentiment: "客户情绪",
    },
    reason: {
      measured: "{measured}；上限 {limit}",
      sentiment: "连续 {turns} 句客户发言的最低平均值 {measured}；下限 {limit}",
      said: "已说：{quotes}",
      notSaid: "未在{window}说出",
      pending: "尚未说出；{deadline} 前判定",
      neverSaid: "从未说过",
      saidForbidden: "说了 {count} 次：{quotes}",
      na: "此处不适用",
      holds: "最长一次保持 {measured}；上限 {limit}",
      episode: "客户在第 {offset} 情绪激动；坐席随后 {n} 句内未表示理解",
      holdAsked: "{time} 开始保持，之前未征得客户同意",
    },
  },
};

const RATIO_METRICS = new Set(["service_level", "abandonment_rate", "compliance_rate", "overdue_ticket_ratio"]);

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined || vars[name] === null ? m : String(vars[name])));
}

function T() {
  return TEMPLATES[lang()] || TEMPLATES.en;
}

function say(key, vars) {
  return fill(T()[key], vars || {});
}

// ---------- the standard ----------

function describe(rule) {
  if (!rule) return "";
  const own = rule.description_i18n && rule.description_i18n[lang()];
  return own || rule.description || rule.id;
}

// A description inside a sentence or a list: without its own full stop.
function bare(text) {
  return String(text).replace(/[.。]\s*$/, "");
}

function scriptRule(standard, id) {
  return ((standard && standard.script_rules) || []).find((r) => r.id === id) || null;
}

function windowRule(standard, id) {
  const alerts = (standard && standard.alerts) || {};
  return [...(alerts.aggregates || []), ...(alerts.control_limits || [])].find((r) => r.id === id) || null;
}

function windowText(rule) {
  if (!rule || !rule.window) return "";
  const w = rule.window;
  const template = T().window[w.kind];
  return template ? fill(template, { n: w.turns, seconds: fmt.span(w.seconds) }) : "";
}

// The name of a score item: a script rule by its description in the reader's language, the others by name.
export function itemLabel(id, standard) {
  const rule = scriptRule(standard, id);
  if (rule) return describe(rule);
  return T().items[id] || String(id || "").replace(/_/g, " ");
}

// ---------- figures ----------

function quotes(evidence) {
  const said = (evidence || []).map((e) => e.matched_text).filter(Boolean);
  const unique = [...new Set(said)].slice(0, 3);
  return unique.length ? fmt.list(unique.map((q) => `“${q}”`)) : "";
}

function metricValue(metric, value) {
  if (RATIO_METRICS.has(metric)) return fmt.pct(value);
  if (metric === "customer_sentiment") return fmt.signed(value);
  return fmt.num(value);
}

function seconds(x) {
  return x === null || x === undefined ? null : fmt.span(x);
}

// ---------- alerts ----------

function windowSentence(alert, standard) {
  const rule = windowRule(standard, alert.rule);
  const ev = (alert.evidence || [])[0] || {};
  const subject = alert.queue_id ? say("queue", { id: alert.queue_id }) : say("team", { id: alert.team_id });
  if (!rule) return `${subject}: ${alert.rule}`;
  const vars = {
    subject,
    metric: T().metric[rule.metric] || rule.metric,
    value: metricValue(rule.metric, ev.value ?? alert.value),
    window: fmt.span(rule.window_seconds),
    count: fmt.int(ev.count),
  };
  if (rule.sigmas !== undefined) {
    return say("control", {
      ...vars,
      lower: metricValue(rule.metric, ev.lower),
      upper: metricValue(rule.metric, ev.upper),
      sigmas: fmt.num(rule.sigmas),
    });
  }
  const below = rule.below !== null && rule.below !== undefined;
  return say(below ? "windowBelow" : "windowAbove", { ...vars, limit: metricValue(rule.metric, below ? rule.below : rule.above) });
}

function evidenceValue(alert) {
  const e = (alert.evidence || []).find((x) => x.value !== null && x.value !== undefined && x.note !== "call.offered");
  return e ? e.value : null;
}

function interactionSentence(alert, standard, detail) {
  const item = detail && detail.score ? (detail.score.items || []).find((i) => i.id === alert.item) : null;
  const trace = (item && item.trace) || {};
  const agent = alert.agent_id || say("someone");
  const responsiveness = (standard && standard.responsiveness) || { call: {}, ticket: {} };
  const measured = trace.measured ?? evidenceValue(alert);
  switch (alert.rule) {
    case "forbidden_phrase": {
      const rule = describe(scriptRule(standard, alert.item)) || alert.item;
      const q = quotes(alert.evidence);
      return q ? say("forbidden", { agent, quotes: q, rule }) : say("forbiddenNoQuote", { agent, rule });
    }
    case "required_phrase_missed": {
      const rule = scriptRule(standard, alert.item);
      const where = windowText(rule);
      const text = rule ? describe(rule) : alert.item;
      return where ? say("missed", { rule: bare(text), window: where }) : say("missedNoWindow", { rule: text });
    }
    case "customer_sentiment_low":
      return say("sentiment", {
        measured: fmt.signed(measured),
        turns: fmt.int(standard && standard.sentiment ? standard.sentiment.rolling_window : null),
        limit: fmt.signed(trace.threshold ?? (standard && standard.sentiment ? standard.sentiment.customer_alert_below : null)),
      });
    case "answer_wait_exceeded": {
      const limit = seconds(trace.threshold ?? responsiveness.call.answer_within_seconds);
      return measured === null ? say("notAnswered", { limit }) : say("answerWait", { measured: seconds(measured), limit });
    }
    case "hold_exceeded":
      return say("hold", { measured: seconds(measured), limit: seconds(trace.threshold ?? responsiveness.call.max_hold_seconds) });
    case "ticket_first_reply_overdue": {
      const limit = seconds(trace.threshold ?? responsiveness.ticket.first_reply_within_seconds);
      return measured === null ? say("firstReplyOpen", { limit }) : say("firstReply", { measured: seconds(measured), limit });
    }
    case "ticket_resolution_overdue": {
      const limit = seconds(trace.threshold ?? responsiveness.ticket.resolution_within_seconds);
      return measured === null ? say("resolutionOpen", { limit }) : say("resolution", { measured: seconds(measured), limit });
    }
    case "quality_below_pass_mark":
    case "critical_item_failed": {
      const items = detail && detail.score ? detail.score.items || [] : [];
      const failed = items.filter((i) => i.status === "fail" && (alert.rule !== "critical_item_failed" || i.critical));
      const names = failed.length ? fmt.list(failed.map((i) => bare(itemLabel(i.id, standard)))) : "–";
      const score = fmt.num(detail ? detail.quality_score : null);
      const mark = fmt.num(standard && standard.quality ? standard.quality.pass_mark : null);
      return say(alert.rule === "critical_item_failed" ? "critical" : "quality", { score, mark, items: names });
    }
    default:
      return say("generic", { rule: alert.rule });
  }
}

export function isWindowAlert(alert) {
  return !alert.interaction_id && Boolean(alert.queue_id || alert.team_id);
}

export function alertSentence(alert, standard, detail) {
  return isWindowAlert(alert) ? windowSentence(alert, standard) : interactionSentence(alert, standard, detail);
}

// ---------- score items ----------

export function itemReason(item, standard) {
  const r = T().reason;
  const trace = item.trace || {};
  if (item.status === "not_applicable") return r.na;
  if (item.category === "compliance") {
    const rule = scriptRule(standard, item.id);
    const matched = (item.evidence || []).filter((e) => e.matched_text);
    if (item.requirement === "forbidden") {
      return matched.length ? fill(r.saidForbidden, { count: fmt.int(matched.length), quotes: quotes(matched) }) : r.neverSaid;
    }
    if (item.status === "pass") return fill(r.said, { quotes: quotes(matched) || "✓" });
    if (item.status === "pending") return fill(r.pending, { deadline: item.deadline ? fmt.time(item.deadline) : "–" });
    const upset = (item.evidence || []).find((e) => e.speaker === "customer" && e.offset_ms !== undefined);
    if (rule && rule.window.kind === "after_customer_upset" && upset) {
      return fill(r.episode, { offset: fmt.offset(upset.offset_ms), n: rule.window.turns });
    }
    if (rule && rule.window.kind === "before_hold") {
      const hold = (item.evidence || []).find((e) => e.at);
      if (hold) return fill(r.holdAsked, { time: fmt.time(hold.at) });
    }
    return fill(r.notSaid, { window: windowText(rule) || "" });
  }
  if (item.category === "sentiment") {
    return fill(r.sentiment, {
      turns: fmt.int(standard && standard.sentiment ? standard.sentiment.rolling_window : null),
      measured: fmt.signed(trace.measured),
      limit: fmt.signed(trace.threshold),
    });
  }
  const value = trace.unit === "s" ? seconds(trace.measured) : fmt.num(trace.measured);
  const limit = trace.unit === "s" ? seconds(trace.threshold) : fmt.num(trace.threshold);
  if (item.id === "hold_time") return fill(r.holds, { measured: value, limit });
  return fill(r.measured, { measured: value, limit });
}
