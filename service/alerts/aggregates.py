"""Queue and team metrics over time windows, fixed limits and control limits. PURE: rows and `now` in.

A row is one interaction's denormalised facts; a metric over a set of rows is a ratio or mean with the
number of interactions it rests on, so a rule can refuse to judge too few (`min_count`).
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.standards.schema import AggregateMetric, AggregateRule, ControlLimitRule


@dataclass(frozen=True, slots=True)
class Row:
    subject: str
    started_at: datetime
    counts_for_service_level: bool
    answered_within_limit: bool | None
    abandoned: bool
    compliance_passed: int
    compliance_failed: int
    customer_sentiment: float | None
    quality_score: float | None
    final: bool
    first_reply_overdue: bool | None


@dataclass(frozen=True, slots=True)
class Measure:
    value: float | None
    count: int  # interactions the value rests on


@dataclass(frozen=True, slots=True)
class Observation:
    rule_id: str
    subject: str
    value: float | None
    count: int
    breached: bool
    judged: bool  # False when too few interactions: the rule's state stays as it is
    detail: str
    lower: float | None = None
    upper: float | None = None


def measure(rows: Sequence[Row], metric: AggregateMetric) -> Measure:
    def ratio(hits: int, total: int) -> Measure:
        return Measure(hits / total if total else None, total)

    def mean(values: list[float]) -> Measure:
        return Measure(statistics.fmean(values) if values else None, len(values))

    match metric:
        case "service_level":
            offered = [r for r in rows if r.counts_for_service_level]
            return ratio(sum(bool(r.answered_within_limit) for r in offered), len(offered))
        case "abandonment_rate":
            offered = [r for r in rows if r.counts_for_service_level]
            return ratio(sum(r.abandoned for r in offered), len(offered))
        case "compliance_rate":
            judged = [r for r in rows if r.compliance_passed + r.compliance_failed]
            checks = sum(r.compliance_passed + r.compliance_failed for r in judged)
            return Measure(sum(r.compliance_passed for r in judged) / checks if checks else None, len(judged))
        case "customer_sentiment":
            return mean([r.customer_sentiment for r in rows if r.customer_sentiment is not None])
        case "quality_score":
            return mean([r.quality_score for r in rows if r.final and r.quality_score is not None])
        case "overdue_ticket_ratio":
            judged_tickets = [r for r in rows if r.first_reply_overdue is not None]
            return ratio(sum(bool(r.first_reply_overdue) for r in judged_tickets), len(judged_tickets))
    raise AssertionError(metric)


def _by_subject(rows: Iterable[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        out[r.subject].append(r)
    return out


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def evaluate_fixed(rule: AggregateRule, rows: Iterable[Row], now: datetime) -> list[Observation]:
    start = now - timedelta(seconds=rule.window_seconds)
    out = []
    for subject, subject_rows in sorted(_by_subject(r for r in rows if start <= r.started_at < now).items()):
        m = measure(subject_rows, rule.metric)
        judged = m.value is not None and m.count >= rule.min_count
        limit, word = (rule.below, "below") if rule.below is not None else (rule.above, "above")
        assert limit is not None
        breached = judged and (m.value < limit if word == "below" else m.value > limit)  # type: ignore[operator]
        detail = (
            f"{rule.metric} of {rule.subject} {subject} is {_fmt(m.value)} over the last "
            f"{rule.window_seconds:g} s ({m.count} interactions); limit: {word} {limit:g}"
        )
        out.append(Observation(rule.id, subject, m.value, m.count, breached, judged, detail))
    return out


def control_limits(history: Sequence[float], sigmas: float) -> tuple[float, float, float, float]:
    """Mean, standard deviation and the lower and upper control limits of a metric's history."""
    mean = statistics.fmean(history)
    sd = statistics.stdev(history) if len(history) > 1 else 0.0
    return mean, sd, mean - sigmas * sd, mean + sigmas * sd


def evaluate_control(rule: ControlLimitRule, rows: Iterable[Row], now: datetime) -> list[Observation]:
    """The current window against mean +/- k sigma of the trailing `history_windows` windows of the same length."""
    width = timedelta(seconds=rule.window_seconds)
    first = now - width * (rule.history_windows + 1)
    out = []
    for subject, subject_rows in sorted(_by_subject(r for r in rows if first <= r.started_at < now).items()):
        buckets: dict[int, list[Row]] = defaultdict(list)
        for r in subject_rows:
            buckets[int((now - r.started_at) / width)].append(r)  # 0 = the current window
        current = measure(buckets.get(0, []), rule.metric)
        history = [
            m.value
            for i in range(1, rule.history_windows + 1)
            if (m := measure(buckets.get(i, []), rule.metric)).value is not None and m.count >= rule.min_count
        ]
        judged = current.value is not None and current.count >= rule.min_count and len(history) >= rule.min_history
        if not judged:
            detail = f"{rule.metric} of {rule.subject} {subject}: {current.count} now, {len(history)} judged windows"
            out.append(Observation(rule.id, subject, current.value, current.count, False, False, detail))
            continue
        mean, sd, lower, upper = control_limits(history, rule.sigmas)
        value = current.value
        assert value is not None
        breached = sd > 0 and not lower <= value <= upper
        detail = (
            f"{rule.metric} of {rule.subject} {subject} is {_fmt(value)} in the last {rule.window_seconds:g} s; "
            f"its last {len(history)} windows: mean {_fmt(mean)}, sd {_fmt(sd)}, "
            f"control limits [{_fmt(lower)}, {_fmt(upper)}] ({rule.sigmas:g} sigma)"
        )
        out.append(Observation(rule.id, subject, value, current.count, breached, True, detail, lower, upper))
    return out


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a rule stands for one subject before an observation: since when it has breached, when its last
    alert was resolved, and whether an alert of it is still unresolved."""

    breach_since: datetime | None
    last_resolved_at: datetime | None
    alert_open: bool


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # "none" | "update" (the open alert's value) | "resolve" (auto-resolve) | "open" (a new alert)
    breach_since: datetime | None  # the rule's breach start from now on


def decide(rule: AggregateRule | ControlLimitRule, obs: Observation, standing: Standing, now: datetime) -> Decision:
    """What a judged observation does: must persist for `persist_for_seconds` before an alert opens, stays quiet
    for `suppress_for_seconds` after a resolve, resolves by itself when the condition clears (`auto_resolve`)."""
    if not obs.breached:
        return Decision("resolve" if standing.alert_open and rule.auto_resolve else "none", None)
    if standing.alert_open:
        return Decision("update", standing.breach_since)
    since = standing.breach_since or now
    if (now - since).total_seconds() < rule.persist_for_seconds:
        return Decision("none", since)
    resolved = standing.last_resolved_at
    if resolved and (now - resolved).total_seconds() < rule.suppress_for_seconds:
        return Decision("none", since)
    return Decision("open", since)
