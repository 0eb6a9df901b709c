"""Observing the pipeline: the few calls the measured places make, so each of them stays one line.

Metrics are declared in service/metrics.py; this module turns domain objects (outcomes, scores, alerts) into
bounded label values and observations. (SQL statement and commit times are observed by service/db.py.)
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service import metrics
from service.config import Settings
from service.events.decode import Rejection
from service.events.model import Event, EventType

if TYPE_CHECKING:  # type-only: telemetry sits below the domains whose objects it observes
    from service.alerts.models import Alert
    from service.scoring.types import InteractionScore

OTHER = "other"
EVENT_TYPES = (*(t.value for t in EventType), "unknown")  # "unknown": rejected before the type was known

# Series that exist from the start, so rates and "no events" rules see 0 rather than nothing.
for _type in EVENT_TYPES:
    for _source in ("http", "kafka", "replay"):
        for _outcome in metrics.EVENT_OUTCOMES:
            metrics.EVENTS_RECEIVED.labels(type=_type, source=_source, outcome=_outcome)


@dataclass(frozen=True, slots=True)
class SubjectLabels:
    """Which queues and teams get a label value of their own on score metrics; all others are "other".

    Queues and teams are data, not code: without an allow-list one new team name per day would grow the series
    for ever. The operator lists the few that dashboards filter on (CALLQA_METRICS_QUEUES, CALLQA_METRICS_TEAMS).
    """

    queues: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SubjectLabels":
        return cls(frozenset(settings.metrics_queues), frozenset(settings.metrics_teams))

    def queue(self, queue_id: str | None) -> str:
        return queue_id if queue_id in self.queues else OTHER

    def team(self, team_id: str | None) -> str:
        return team_id if team_id in self.teams else OTHER


def count_received(
    items: Sequence[Event | Rejection],
    outcomes: Iterable[Any],
    source: str | Sequence[str],
    rejected_as: str = "rejected",
) -> None:
    """One count per outcome, labelled with its event's type and source (one for all items, or one each).
    Outcomes point at items by index: an event's index is its position, a rejection carries its own."""
    labels: dict[int, tuple[str, str]] = {}
    for position, item in enumerate(items):
        label = source if isinstance(source, str) else source[position]
        if isinstance(item, Rejection):
            labels[item.index] = (item.event_type or "unknown", label)
        else:
            labels[position] = (item.type.value, label)
    unknown = ("unknown", source if isinstance(source, str) else OTHER)
    counts: Counter[tuple[str, str, str]] = Counter()  # one labels() lookup per label set, not per event
    for o in outcomes:
        type_, label = labels.get(o.index, unknown)
        counts[type_, label, rejected_as if o.status == "rejected" else o.status] += 1
    for (type_, label, outcome), n in counts.items():
        metrics.EVENTS_RECEIVED.labels(type=type_, source=label, outcome=outcome).inc(n)


def count_redactions(kinds: Iterable[str]) -> None:
    for kind in kinds:
        metrics.REDACTIONS.labels(kind=kind if kind in metrics.REDACTION_KINDS else "custom").inc()


def _live_delay(since: datetime, until: datetime) -> float | None:
    delay = max((until - since).total_seconds(), 0.0)
    return delay if delay <= metrics.LIVE_DELAY_LIMIT_SECONDS else None


def observe_scored(events: Iterable[tuple[Event, str]], now: datetime) -> None:
    """Each newly stored event with its source: how long after it happened it was scored."""
    by_source: dict[str, Any] = {}  # one labels() lookup per source, not per event
    for e, source in events:
        delay = _live_delay(e.occurred_at, now)
        if delay is not None:
            if (histogram := by_source.get(source)) is None:
                histogram = by_source[source] = metrics.EVENT_SCORED_DELAY_SECONDS.labels(source=source)
            histogram.observe(delay)


def observe_opened(alerts: Iterable["Alert"]) -> None:
    """Every new alert, whether raised from a score or by a window rule (both open through lifecycle.opened)."""
    for alert in alerts:
        metrics.ALERTS_RAISED.labels(rule=alert.rule, severity=alert.severity).inc()
        delay = _live_delay(alert.breached_at, alert.raised_at)
        if delay is not None:
            metrics.ALERT_RAISED_DELAY_SECONDS.labels(subject=alert.subject_kind, severity=alert.severity).observe(
                delay
            )


def observe_final(score: "InteractionScore", labels: SubjectLabels) -> None:
    """Once per interaction, when its score becomes final: a live score changes with every event, so observing
    it each time would count one call many times."""
    queue, team = labels.queue(score.queue_id), labels.team(score.team_id)
    if score.quality_score is not None:
        metrics.QUALITY_SCORE.labels(
            kind=score.kind, standard_version=score.standard_version, queue=queue, team=team
        ).observe(score.quality_score)
    sentiment = score.sentiment.customer_mean
    if sentiment is not None:
        metrics.CUSTOMER_SENTIMENT.labels(kind=score.kind, queue=queue, team=team).observe(sentiment)
    for item in score.items:
        if item.category == "compliance":
            metrics.COMPLIANCE_RESULTS.labels(rule=item.id, outcome=item.status.value, queue=queue, team=team).inc()
    _observe_times(score, queue, team)


def _observe_times(score: "InteractionScore", queue: str, team: str) -> None:
    """Average speed of answer, handle and hold time, ticket first reply: what the dashboard shows beside quality."""
    r = score.response
    if r.answer_wait_seconds is not None:
        metrics.ANSWER_WAIT_SECONDS.labels(queue=queue, team=team).observe(r.answer_wait_seconds)
    if r.talk_seconds is not None:
        metrics.HANDLE_SECONDS.labels(queue=queue, team=team).observe(r.talk_seconds)
        metrics.HOLD_SECONDS.labels(queue=queue, team=team).observe(r.hold_seconds)
    if r.first_reply_seconds is not None:
        metrics.TICKET_FIRST_REPLY_SECONDS.labels(queue=queue, team=team).observe(r.first_reply_seconds)


def observe_surveys(answers: Iterable[tuple[str | None, str | None, str, int, str]], labels: SubjectLabels) -> None:
    """Each answer stored: (queue_id, team_id, survey, answer, band)."""
    for queue_id, team_id, survey, answer, band in answers:
        metrics.SURVEY_ANSWERS.labels(
            survey=survey, answer=str(answer), band=band, queue=labels.queue(queue_id), team=labels.team(team_id)
        ).inc()


def observe_contacts(contacts: Iterable[tuple[str | None, str | None, bool]], labels: SubjectLabels) -> None:
    """Each stored contact: (queue_id, team_id, whether it repeats an earlier one within the window)."""
    for queue_id, team_id, repeat in contacts:
        metrics.CONTACTS.labels(
            queue=labels.queue(queue_id), team=labels.team(team_id), repeat=str(repeat).lower()
        ).inc()
