"""Consumer metrics through a real Prometheus: a real `callqa consume` (in this process, next to the API whose
/metrics Prometheus scrapes) reads a real Kafka topic; consumer lag per partition and dead letters have data."""

from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from service.clock import utc_now
from service.config import Settings
from tests.conftest import LiveServer
from tests.kafka.conftest import consumer_settings, kafka_admin, kafka_bootstrap, make_topics, topics  # noqa: F401
from tests.kafka.support import ConsumerThread, Topics, produce
from tests.metrics.support import (
    GRAFANA_BUILTINS,
    PrometheusServer,
    Scenario,
    needs_consumer,
    queries_that_must_return_data,
    without_data,
)

pytestmark = [pytest.mark.prometheus, pytest.mark.kafka]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_consumer_lag_and_dead_letters_reach_prometheus(
    start_server: Callable[..., LiveServer],
    consumer_settings: Callable[..., Settings],  # noqa: F811
    topics: Topics,  # noqa: F811
    kafka_bootstrap: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    scenario = Scenario()
    server = start_server(clock=utc_now)  # the consumer and Prometheus run on the real clock too
    events = scenario.polite_call("k1")
    utterances = sum(e["type"] == "call.utterance" for e in events)
    accepted = {"type": "call.utterance", "source": "kafka", "outcome": "accepted"}
    before = {  # this process's counters, which earlier tests may have moved already
        "accepted": REGISTRY.get_sample_value("callqa_events_received_total", accepted) or 0,
        "dead": REGISTRY.get_sample_value("callqa_dead_letters_total", {"reason": "not_json"}) or 0,
    }
    produce(kafka_bootstrap, topics.events, [*events, b"not json"], key=b"poison")
    consumer = ConsumerThread(consumer_settings())
    prometheus = PrometheusServer(tmp_path, {"callqa-api": (server.url.removeprefix("http://"), "/metrics/")})
    try:
        lag = f'callqa_consumer_lag_records{{topic="{topics.events}"}}'
        assert prometheus.wait_for_data(lag, timeout=60), "the consumer's lag never reached Prometheus"
        variables = {"queue": scenario.north, "team": scenario.red, **GRAFANA_BUILTINS}
        queries = [q for q in queries_that_must_return_data(variables) if needs_consumer(q)]
        assert queries, "no dashboard panel or rule reads consumer lag"
        assert without_data(prometheus, queries, timeout=30) == []
        prometheus.wait_for_values(f"max({lag})", [0])  # every record handled
        labels = ",".join(f'{k}="{v}"' for k, v in accepted.items())
        total = before["accepted"] + utterances
        prometheus.wait_for_values(f"sum(callqa_events_received_total{{{labels}}}) >= bool {total}", [1])
        dead = before["dead"] + 1
        prometheus.wait_for_values(f'sum(callqa_dead_letters_total{{reason="not_json"}}) >= bool {dead}', [1])
    finally:
        prometheus.stop()
        consumer.close()
