"""Every Prometheus metric of callqa, declared once. Labels stay bounded: never agent or interaction ids."""

from prometheus_client import Counter, Gauge, Histogram, Info

from service import __version__

BUILD_INFO = Info("callqa_build", "callqa build information")
BUILD_INFO.info({"version": __version__})

EVENTS_RECEIVED = Counter(
    "callqa_events_received_total", "Events received, by source and outcome", ["source", "outcome"]
)
STAGE_SECONDS = Histogram(
    "callqa_pipeline_stage_seconds",
    "Time spent in each pipeline stage",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ALERTS_RAISED = Counter("callqa_alerts_raised_total", "Alerts raised, by rule and severity", ["rule", "severity"])

# Kafka consumers (`callqa consume`). Partition numbers are bounded by the topic's partition count.
DEAD_LETTER_REASONS = ("not_json", "invalid_event", "inconsistent")
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

for _reason in DEAD_LETTER_REASONS:
    DEAD_LETTERS.labels(reason=_reason)

for _source in ("http", "kafka", "replay"):
    for _outcome in ("accepted", "duplicate", "rejected"):
        EVENTS_RECEIVED.labels(source=_source, outcome=_outcome)
