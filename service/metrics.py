"""Every Prometheus metric of callqa, declared once. Labels stay bounded: never agent or interaction ids.

Bounded label values: `type` is an event type or "unknown"; `source` one of the ingest paths and source adapters;
`queue` and `team` on score metrics only the allow-listed ones (CALLQA_METRICS_QUEUES/TEAMS), the rest "other";
`rule` and `severity` come from the standard. service/telemetry.py observes; service/prometheus.py serves.
"""

from typing import NamedTuple

from prometheus_client import Counter, Gauge, Histogram, Info, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily

from service import __version__

# No `<name>_created` series: one more series per label set in the text format, and no dashboard or rule reads it.
disable_created_metrics()

BUILD_INFO = Info("callqa_build", "callqa build information")
BUILD_INFO.info({"version": __version__})

EVENT_OUTCOMES = ("accepted", "duplicate", "rejected", "dead_lettered")
EVENTS_RECEIVED = Counter(
    "callqa_events_received_total", "Events received, by type, source and outcome", ["type", "source", "outcome"]
)
PIPELINE_STAGES = ("decode", "validate", "score", "store", "alert")
STAGE_SECONDS = Histogram(
    "callqa_pipeline_stage_seconds",
    "Time spent in each pipeline stage: decode (one HTTP body, or one Kafka batch of records: a plainly valid "
    "record is also validated in it), validate (one event of the full path), score, store and alert (one "
    "interaction)",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ALERTS_RAISED = Counter("callqa_alerts_raised_total", "Alerts raised, by rule and severity", ["rule", "severity"])

# Delays from the moment something happened (occurred_at, a passed deadline) to callqa acting on it. A delay over
# LIVE_DELAY_LIMIT_SECONDS is history (a sender's backfill, a restart after a long outage), not latency: it is not
# observed, so the latency objective reflects live traffic; consumer lag shows a backlog.
LIVE_DELAY_LIMIT_SECONDS = 3600.0
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
EVENT_SCORED_DELAY_SECONDS = Histogram(
    "callqa_event_scored_delay_seconds",
    "From an event's occurred_at to the score that includes it, by source (live events: under an hour)",
    ["source"],
    buckets=DELAY_BUCKETS,
)
ALERT_SUBJECTS = ("interaction", "queue", "team")
SEVERITIES = ("info", "warning", "critical")
ALERT_RAISED_DELAY_SECONDS = Histogram(
    "callqa_alert_raised_delay_seconds",
    "From the breach (the event's occurred_at, the deadline passed, or a window rule's breach start) to the alert "
    "raised, by subject kind and severity (under an hour)",
    ["subject", "severity"],
    buckets=DELAY_BUCKETS,
)

# Quality of finished interactions, observed once when an interaction's score becomes final.
QUALITY_SCORE = Histogram(
    "callqa_quality_score",
    "Final quality score of interactions (0-100 points), by kind, standard version, queue and team",
    ["kind", "standard_version", "queue", "team"],
    buckets=(10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95, 100),
)
# Negative buckets: prometheus_client exposes no _sum (it would not be a counter); dashboards use quantiles.
CUSTOMER_SENTIMENT = Histogram(
    "callqa_customer_sentiment",
    "Customer's mean sentiment (-1 to 1) of finished interactions, by kind, queue and team",
    ["kind", "queue", "team"],
    buckets=(-0.75, -0.5, -0.35, -0.2, -0.05, 0.05, 0.2, 0.35, 0.5, 0.75, 1),
)
COMPLIANCE_RESULTS = Counter(
    "callqa_compliance_results_total",
    "Script-rule results of finished interactions, by rule, outcome (pass, fail, not_applicable), queue and team",
    ["rule", "outcome", "queue", "team"],
)

DB_OPERATIONS = ("insert", "update", "delete", "commit")
DB_WRITE_SECONDS = Histogram(
    "callqa_db_write_seconds",
    "Database write time: each INSERT, UPDATE or DELETE statement, and each commit of a transaction that wrote "
    "(its final flush included)",
    ["operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# Kafka consumers (`callqa consume`). Partition numbers are bounded by the topic's partition count.
DEAD_LETTER_REASONS = ("not_json", "invalid_event", "inconsistent")
REDACTION_KINDS = ("card", "cvv", "expiry", "national_id", "phone", "email", "custom")
REDACTIONS = Counter(
    "callqa_redactions_total",
    "Personal data replaced by a placeholder before an event was stored or sent, by kind (custom: the standard's "
    "own patterns)",
    ["kind"],
)
DEAD_LETTERS = Counter("callqa_dead_letters_total", "Records sent to the dead-letter topic, by reason", ["reason"])
CONSUMER_LAG = Gauge(
    "callqa_consumer_lag_records",
    "Records behind the partition's end after the last batch",
    ["topic", "partition"],
)
CONSUMER_BATCH_SECONDS = Histogram(
    "callqa_consumer_batch_seconds",
    "Time to decode, score, store, publish and commit one consumer batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMER_BATCH_RECORDS = Histogram(
    "callqa_consumer_batch_records",
    "Records per consumer batch",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)
CONSUMER_EVENT_DELAY_SECONDS = Histogram(
    "callqa_consumer_event_delay_seconds",
    "From an event's occurred_at to its score committed in the database",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
CONSUMER_DB_RETRIES = Counter(
    "callqa_consumer_db_retries_total", "Batches put back because the database was unavailable"
)
ALERTS_PUBLISHED = Counter("callqa_alerts_published_total", "Alerts produced to the alerts topic")


class ScrapeGauge(NamedTuple):
    """A gauge computed from the database when /metrics is scraped (service/prometheus.py)."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()

    def family(self) -> GaugeMetricFamily:
        """An empty family of this gauge, for one scrape."""
        return GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))


# Per queue over the live window (the standard's queue service-level rule window, 15 min by default): one series
# per queue with calls in the window. Every API process serves the same numbers: aggregate with max, not sum.
QUEUE_SERVICE_LEVEL = ScrapeGauge(
    "callqa_queue_service_level_ratio", "Calls answered within the limit / calls offered, live window", ("queue",)
)
QUEUE_ABANDONMENT = ScrapeGauge(
    "callqa_queue_abandonment_ratio",
    "Calls abandoned / calls offered (short abandons left out), live window",
    ("queue",),
)
QUEUE_OFFERED = ScrapeGauge(
    "callqa_queue_calls_offered", "Calls offered that count for service level, live window", ("queue",)
)
QUEUE_LIVE_CALLS = ScrapeGauge("callqa_queue_calls_live", "Calls in the live window not finished yet", ("queue",))
SERVICE_LEVEL_TARGET = ScrapeGauge("callqa_service_level_target_ratio", "The standard's service-level target")
LIVE_WINDOW = ScrapeGauge("callqa_live_window_seconds", "Length of the live window of the per-queue gauges")
ALERTS_OPEN = ScrapeGauge(
    "callqa_alerts_open", "Alerts not resolved, by severity and state (open, acknowledged)", ("severity", "state")
)
DATABASE_UP = ScrapeGauge("callqa_database_up", "1 when the scrape-time database queries succeeded, else 0")

for _reason in DEAD_LETTER_REASONS:
    DEAD_LETTERS.labels(reason=_reason)
for _kind in REDACTION_KINDS:
    REDACTIONS.labels(kind=_kind)

# Series that exist from the start, so rates and "no events" rules see 0 rather than nothing.
# (events received by type: in service/telemetry.py, which knows the event types)
for _stage in PIPELINE_STAGES:
    STAGE_SECONDS.labels(stage=_stage)
for _source in ("http", "kafka"):
    EVENT_SCORED_DELAY_SECONDS.labels(source=_source)
for _subject in ALERT_SUBJECTS:
    for _severity in SEVERITIES:
        ALERT_RAISED_DELAY_SECONDS.labels(subject=_subject, severity=_severity)
for _operation in DB_OPERATIONS:
    DB_WRITE_SECONDS.labels(operation=_operation)

# Customer outcomes (service/outcomes), counted when stored. CSAT = answers >= the standard's satisfied mark /
# all CSAT answers; NPS = % promoters - % detractors; first-contact resolution ~ 1 - repeat contacts / contacts
# over a range (the API's figure waits for each contact's window to pass; this one is live).
SURVEYS = ("csat", "nps")
SURVEY_ANSWERS = Counter(
    "callqa_survey_answers_total",
    "Survey answers, by survey (csat 1-5, nps 0-10), answer, band as the standard reads the answer (csat: "
    "satisfied, not_satisfied; nps: promoter, passive, detractor), queue and team",
    ["survey", "answer", "band", "queue", "team"],
)
CONTACTS = Counter(
    "callqa_contacts_total",
    "Contacts with a contact reason, by queue, team and repeat (true: the same customer came back with the same "
    "reason within the standard's first-contact-resolution window)",
    ["queue", "team", "repeat"],
)
# Interaction times of finished interactions, observed once with the quality score.
TIME_BUCKETS = (5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
ANSWER_WAIT_SECONDS = Histogram(
    "callqa_answer_wait_seconds",
    "From offer to answer of answered calls (average speed of answer = _sum / _count), by queue and team",
    ["queue", "team"],
    buckets=TIME_BUCKETS,
)
HANDLE_SECONDS = Histogram(
    "callqa_handle_seconds",
    "Handle time of answered calls (talk and hold, from answer to end), by queue and team",
    ["queue", "team"],
    buckets=TIME_BUCKETS,
)
HOLD_SECONDS = Histogram(
    "callqa_hold_seconds", "Time on hold per answered call, by queue and team", ["queue", "team"], buckets=TIME_BUCKETS
)
TICKET_FIRST_REPLY_SECONDS = Histogram(
    "callqa_ticket_first_reply_seconds",
    "From a ticket's creation to the agent's first reply, by queue and team",
    ["queue", "team"],
    buckets=TIME_BUCKETS,
)
QUEUE_OVERDUE_TICKETS = ScrapeGauge(
    "callqa_queue_overdue_ticket_ratio",
    "Tickets overdue for a first reply / tickets judged, per queue over the standard's overdue-ticket rule window",
    ("queue",),
)
STANDARD_TARGET = ScrapeGauge(
    "callqa_standard_target",
    "Targets of the standard in force, by KPI (threshold lines of dashboards): ratios 0-1, seconds, NPS points",
    ("kpi",),
)
STANDARD_INFO = ScrapeGauge("callqa_standard_info", "1 for the standard version in force", ("version",))

# The review loop (issue 13), from the database at scrape; every label value is served, 0 included, so "no
# overdue case" is a value. `status`: the case workflow's (service/reviews/workflow.py) but closed; `state`: a
# dispute's; `verdict`: pending, worked, did_not_work, inconclusive (service/reviews/repository.py).
REVIEW_CASES = ScrapeGauge("callqa_review_cases", "Review cases not closed, by status", ("status",))
REVIEW_CASES_OVERDUE = ScrapeGauge(
    "callqa_review_cases_overdue", "Review cases not reviewed yet (open, investigating) past their due time"
)
DISPUTES = ScrapeGauge("callqa_disputes", "Disputes of reviewed items by state: open, upheld, overturned", ("state",))
CORRECTIVE_ACTIONS = ScrapeGauge(
    "callqa_corrective_actions",
    "Corrective actions by verdict: pending (not verified yet), worked, did_not_work, inconclusive (no data)",
    ("verdict",),
)
