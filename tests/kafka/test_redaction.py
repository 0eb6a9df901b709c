"""Personal data on the Kafka paths, against the real broker: a consumed record is stored redacted and the alerts
topic carries placeholders; in Kafka ingest mode POST /v1/events produces the redacted event to the topic."""

import json
import uuid
from collections.abc import Callable

import pytest

from consumers.producer import KafkaEventSink
from service.config import Settings
from tests.api.wire import call
from tests.conftest import LiveServer
from tests.kafka.support import ConsumerThread, Topics, produce, read_all, rows, wait_for

pytestmark = pytest.mark.kafka

SAID = "Calm down, card 4532 0151 1283 0366 and 13812345678 are not my problem"
REDACTED = "Calm down, card [card] and [phone] are not my problem"


def test_a_consumed_record_is_stored_and_alerted_redacted(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    cid = f"c-pii-{uuid.uuid4().hex[:6]}"
    events = call(cid, turns=[("agent", "Hello, my name is Ann."), ("agent", SAID)])
    n = produce(kafka_bootstrap, topics.events, events)
    consumer = ConsumerThread(consumer_settings())
    try:
        count = "SELECT count(*) AS n FROM events WHERE interaction_id = :cid"
        wait_for(lambda: rows(database_url, count, cid=cid)[0].n == n or consumer.error, 60, "events stored")
    finally:
        consumer.close()
    stored = rows(database_url, "SELECT payload FROM events WHERE interaction_id = :cid", cid=cid)
    texts = [(json.loads(r.payload) if isinstance(r.payload, str) else r.payload).get("text") for r in stored]
    assert REDACTED in texts and not any("4532" in (t or "") for t in texts)
    published = [json.loads(r.value) for r in read_all(kafka_bootstrap, topics.alerts, expected=1)]
    forbidden = next(a for a in published if a["rule"] == "forbidden_phrase")
    assert forbidden["evidence"][0]["text"] == REDACTED
    assert not any("4532" in json.dumps(a) or "13812345678" in json.dumps(a) for a in published)


def test_kafka_ingest_mode_produces_the_redacted_event(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str
) -> None:
    settings = consumer_settings(ingest_mode="kafka")
    server = LiveServer(settings, sink=KafkaEventSink.from_settings(settings), sweep=False)
    try:
        cid = f"c-pii-http-{uuid.uuid4().hex[:6]}"
        events = call(cid, turns=[("agent", SAID)], ended=None)
        accepted = server.client.post("/v1/events", json={"events": events})
        assert accepted.status_code == 202, accepted.text
    finally:
        server.stop()
    records = [json.loads(r.value) for r in read_all(kafka_bootstrap, topics.events, expected=len(events))]
    texts = [r["payload"].get("text") for r in records]
    assert REDACTED in texts and not any("4532" in json.dumps(r) for r in records)
