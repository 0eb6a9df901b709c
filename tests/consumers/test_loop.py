"""The consume loop without a broker (a fake consumer and publisher, a real migrated database): how it polls when
out of its group, what a failed commit does, and which failures dead-letter one record or stop the consumer."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import CommitFailedError
from kafka.structs import ConsumerGroupMetadata, MemberState
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from consumers.codec import Decoded
from consumers.decoders import CanonicalDecoder, RecordDecoder
from consumers.loop import JOIN_POLL_MS, ConsumeLoop, LoopConfig
from consumers.offsets import OffsetTracker
from service.config import Settings
from service.events.decode import Limits
from service.interactions.service import Pipeline
from service.runtime import Runtime, open_runtime
from tests.api.wire import GOOD_CALL, call

TP = TopicPartition("events", 0)


@dataclass
class Record:
    offset: int
    value: bytes | None
    topic: str = "events"
    partition: int = 0
    timestamp: int = 0
    key: bytes | None = b"k"
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    leader_epoch: int = 0


class FakeCoordinator:
    """kafka-python's group coordinator, as far as the loop touches it: rejoin requests are counted."""

    def __init__(self) -> None:
        self.rejoins = 0

    def request_rejoin(self) -> None:
        self.rejoins += 1


class FakeConsumer:
    """The KafkaConsumer calls the loop makes; `state` is the member's group state, `refuse` fails commits."""

    def __init__(self, state: str = MemberState.STABLE) -> None:
        self._coordinator = FakeCoordinator()
        self.state = state
        self.polls: list[int] = []
        self.commits: list[dict[TopicPartition, int]] = []
        self.refuse = 0

    def group_metadata(self) -> ConsumerGroupMetadata:
        return ConsumerGroupMetadata("g", 1, "m", None, self.state)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Record]]:
        self.polls.append(timeout_ms)
        self.state = MemberState.STABLE  # the join completes inside the poll
        return {}

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        if self.refuse:
            self.refuse -= 1
            raise CommitFailedError("the group rebalanced without us")
        self.commits.append({tp: o.offset for tp, o in offsets.items()})

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    def highwater(self, tp: TopicPartition) -> int | None:
        return None


class FakePublisher:
    def __init__(self) -> None:
        self.dead: list[tuple[int, str, str]] = []

    def publish(self, dead: Any, now: Any) -> None:
        self.dead += [(d.record.offset, d.reason, d.error) for d in dead]


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    rt = open_runtime(Settings(database_url=database_url, log_level="INFO"), notify=False)
    yield rt
    rt.close()


def make_loop(
    runtime: Runtime, consumer: FakeConsumer, publisher: FakePublisher, decoder: RecordDecoder | None = None
) -> ConsumeLoop:
    config = LoopConfig.from_settings(Settings(database_url="sqlite://", kafka_batch_max_ms=50))
    return ConsumeLoop(
        consumer,  # type: ignore[arg-type]
        publisher,  # type: ignore[arg-type]
        runtime.sessions,
        runtime.pipeline,
        config,
        OffsetTracker(),
        decoder=decoder,
    )


def events(n: int, tag: str) -> list[bytes]:
    return [json.dumps(e).encode() for e in call(f"c-{tag}", turns=GOOD_CALL)[:n]]


def stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM events")).scalar_one())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_out_of_the_group_a_poll_asks_to_join_and_waits_long_enough_to_finish_the_join(runtime: Runtime) -> None:
    # Rebalancing with no rejoin flagged is how kafka-python leaves a member whose own join completed between two
    # polls: only the loop's request makes the next poll join again (tests/kafka/test_rejoin.py on the broker).
    consumer = FakeConsumer(state=MemberState.REBALANCING)
    loop = make_loop(runtime, consumer, FakePublisher())
    loop.poll_batch()  # the first poll joins (long), the next ones are the batch's short slices
    assert consumer.polls[0] >= JOIN_POLL_MS and all(t <= 50 for t in consumer.polls[1:])
    assert consumer._coordinator.rejoins == 1, "a rejoin is requested before the join poll, and only then"
    consumer.state, before = MemberState.UNJOINED, len(consumer.polls)  # evicted: the next poll rejoins
    loop.poll_batch()
    assert consumer.polls[before] >= JOIN_POLL_MS
    assert consumer._coordinator.rejoins == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_commit_is_not_fatal_and_the_offsets_commit_with_the_next_batch(runtime: Runtime) -> None:
    consumer, publisher = FakeConsumer(), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    good = events(4, "commit")
    consumer.refuse = 1
    loop.handle({TP: [Record(0, good[0]), Record(1, good[1])]})
    assert consumer.commits == [] and loop.tracker.pending()
    loop.handle({TP: [Record(2, good[2]), Record(3, good[3])]})
    assert consumer.commits == [{TP: 4}] and not loop.tracker.pending()
    assert stored(runtime) == 4


POISON = {
    "deep JSON": b"[" * 2000 + b"]" * 2000,
    "5000-digit integer": b'{"event_id": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", sorted(POISON))
def test_a_record_that_breaks_the_batch_is_dead_lettered_alone_and_the_rest_is_stored(
    runtime: Runtime, kind: str
) -> None:
    consumer, publisher = FakeConsumer(), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    good = events(4, kind.replace(" ", "-"))
    values = [*good[:2], POISON[kind], *good[2:]]
    loop.handle({TP: [Record(i, v) for i, v in enumerate(values)]})
    ((offset, reason, error),) = publisher.dead
    assert offset == 2 and reason in ("not_json", "invalid_event") and error
    assert stored(runtime) == 4
    assert loop.tracker.pending() == {} and consumer.commits[-1] == {TP: 5}


class CrashingDecoder(CanonicalDecoder):
    """Trips on one record's content the way an adapter trips on a wrongly typed field, failing the whole batch."""

    def decode(self, session: Session, records: Sequence[Any], limits: Limits, now: datetime) -> list[Decoded]:
        if any(b"adapter-crash" in (r.value or b"") for r in records):
            raise AttributeError("'str' object has no attribute 'get'")
        return super().decode(session, records, limits, now)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_record_that_crashes_the_decoder_is_isolated_and_dead_lettered_with_the_error(runtime: Runtime) -> None:
    consumer, publisher = FakeConsumer(), FakePublisher()
    loop = make_loop(runtime, consumer, publisher, CrashingDecoder())
    good = events(4, "isolated")
    values = [*good[:2], b'{"adapter-crash": 1}', *good[2:]]
    loop.handle({TP: [Record(i, v) for i, v in enumerate(values)]})
    assert publisher.dead == [(2, "invalid_event", "AttributeError: 'str' object has no attribute 'get'")]
    assert stored(runtime) == 4
    assert loop.tracker.pending() == {} and consumer.commits[-1] == {TP: 5}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_error_that_is_not_the_records_stops_the_consumer_with_nothing_committed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer, publisher = FakeConsumer(), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)

    def broken(*_: Any, **__: Any) -> None:
        raise ProgrammingError("INSERT INTO events", {}, Exception("no such table: events"))

    monkeypatch.setattr(Pipeline, "record_events", broken)
    with pytest.raises(ProgrammingError):
        loop.handle({TP: [Record(i, v) for i, v in enumerate(events(3, "bad-deploy"))]})
    assert publisher.dead == [] and consumer.commits == [] and loop.tracker.pending() == {}
