"""The outbox's Kafka channel against the real broker and both databases: a claim of alerts goes to the topic in
one send (all produced, acknowledgements awaited together) and its results are recorded in one transaction; with
no broker every alert stays pending with its reason and goes out once the broker answers."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from kafka import KafkaProducer
from sqlalchemy import event, select

from consumers.producer import make_producer
from consumers.publisher import AlertsChannel
from service.alerts.delivery import DeliveryPolicy, deliver_due
from service.alerts.models import Delivery
from service.config import Settings
from service.db import session_scope
from service.runtime import Runtime, open_runtime
from tests.factories import at
from tests.factories import event as utterance
from tests.kafka.support import Topics, read_all

pytestmark = pytest.mark.kafka

T0 = at(0)
POLICY = DeliveryPolicy(max_attempts=8, backoff_seconds=1.0, batch=200)


@pytest.fixture
def runtime(consumer_settings: Callable[..., Settings], topics: Topics) -> Iterator[Runtime]:
    r = open_runtime(consumer_settings(), alerts_topic=topics.alerts)
    yield r
    r.close()


@pytest.fixture
def producers() -> Iterator[Callable[[Settings], KafkaProducer]]:
    made: list[KafkaProducer] = []

    def make(settings: Settings) -> KafkaProducer:
        made.append(make_producer(settings, "test-alerts-outbox"))
        return made[-1]

    yield make
    for p in made:
        p.close(timeout=5)


def raise_alerts(runtime: Runtime, n: int) -> None:
    rude = [utterance("call.utterance", 0, f"outbox-{i}", speaker="agent", text="Calm down.") for i in range(n)]
    with session_scope(runtime.sessions) as session:
        assert len(runtime.pipeline.record_events(session, rude, "test", T0).alerts) == n


def kafka_deliveries(runtime: Runtime) -> list[Delivery]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Delivery).where(Delivery.destination == "kafka").order_by(Delivery.id)))


def count_commits(runtime: Runtime) -> list[int]:
    commits = [0]
    event.listen(runtime.engine, "commit", lambda _: commits.__setitem__(0, commits[0] + 1))
    return commits


def test_a_claim_of_alerts_goes_out_in_one_send_and_is_recorded_in_one_transaction(
    runtime: Runtime,
    consumer_settings: Callable[..., Settings],
    producers: Callable[[Settings], KafkaProducer],
    topics: Topics,
    kafka_bootstrap: str,
) -> None:
    raise_alerts(runtime, 60)
    channel = AlertsChannel(producers(consumer_settings()), timeout=10)
    commits = count_commits(runtime)
    assert deliver_due(runtime.sessions, [channel], POLICY, lambda: T0) == 60
    assert commits[0] == 2, "one transaction claims the round, one records all its results"
    rows = kafka_deliveries(runtime)
    assert {d.status for d in rows} == {"delivered"} and {d.attempts for d in rows} == {1}
    published = [json.loads(r.value)["interaction_id"] for r in read_all(kafka_bootstrap, topics.alerts, 60)]
    assert sorted(published) == sorted(f"outbox-{i}" for i in range(60))
    assert deliver_due(runtime.sessions, [channel], POLICY, lambda: T0) == 0, "nothing is sent twice"


def test_with_no_broker_the_alerts_stay_pending_and_go_out_once_it_answers(
    runtime: Runtime,
    consumer_settings: Callable[..., Settings],
    producers: Callable[[Settings], KafkaProducer],
    topics: Topics,
    kafka_bootstrap: str,
) -> None:
    raise_alerts(runtime, 5)
    # A port nothing listens on: no metadata within the produce timeout, as with a broker that is down. (The
    # broker's version is given: kafka-python would otherwise wait for a broker to ask it before sending anything.)
    no_broker = KafkaProducer(bootstrap_servers="127.0.0.1:9", api_version=(3, 0), acks="all", max_block_ms=500)
    down = AlertsChannel(no_broker, timeout=0.5)
    assert deliver_due(runtime.sessions, [down], POLICY, lambda: T0) == 0
    rows = kafka_deliveries(runtime)
    assert {d.status for d in rows} == {"pending"} and {d.attempts for d in rows} == {1}
    assert all(d.last_error and "cannot reach the broker" in d.last_error for d in rows)
    retry_at = min(d.next_attempt_at for d in rows)
    assert retry_at > T0, "backed off"

    up = AlertsChannel(producers(consumer_settings()), timeout=10)
    assert deliver_due(runtime.sessions, [up], POLICY, lambda: T0) == 0, "not before the backoff"
    assert deliver_due(runtime.sessions, [up], POLICY, lambda: retry_at + timedelta(seconds=1)) == 5
    rows = kafka_deliveries(runtime)
    assert {d.status for d in rows} == {"delivered"} and {d.last_error for d in rows} == {None}
    assert len(read_all(kafka_bootstrap, topics.alerts, 5)) == 5
    no_broker.close(timeout=1)
