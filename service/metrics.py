"""Every Prometheus metric of callqa, declared once. Labels stay bounded: never agent or interaction ids."""

from prometheus_client import Counter, Histogram, Info

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

for _source in ("http", "kafka", "replay"):
    for _outcome in ("accepted", "duplicate", "rejected"):
        EVENTS_RECEIVED.labels(source=_source, outcome=_outcome)
