"""The consume loop without a broker (a fake consumer and publisher, a real migrated database): how it polls when
out of its group, what a rebalance inside poll keeps, what a failed commit and an unavailable database do, which
failures dead-letter one record or stop the consumer, and which source each record is stored under. What only a
broker shows (group membership, real rebalances, acks) stays in tests/kafka."""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import CommitFailedError
from kafka.structs import ConsumerGroupMetadata, MemberState
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from consumers.dead_letter import DeadLetterLimit, DeadLetterLimitExceeded
from consumers.decoders import CanonicalDecoder
from consumers.loop import FETCH_ROUND_TRIP_MS, JOIN_POLL_MS, ConsumeLoop, LoopConfig
from consumers.offsets import OffsetTracker
from service.config import Settings
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

    def commit_async(self, offsets: dict[TopicPartition, Any], callback: Any) -> None:
        """Answered at once here; kafka-python calls back within a later poll or commit."""
        try:
            self.commit(offsets)
        except CommitFailedError as exc:
            callback(offsets, exc)
        else:
            callback(offsets, None)

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


def make_loop(runtime: Runtime, consumer: FakeConsumer, publisher: FakePublisher) -> ConsumeLoop:
    config = LoopConfig.from_settings(Settings(database_url="sqlite://", kafka_batch_max_ms=50))
    return ConsumeLoop(
        consumer,  # type: ignore[arg-type]
        publisher,  # type: ignore[arg-type]
        runtime.sessions,
        runtime.pipeline,
        config,
        OffsetTracker(),
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_commit_is_retried_while_no_more_records_come(runtime: Runtime) -> None:
    consumer = FakeConsumer()
    loop = make_loop(runtime, consumer, FakePublisher())
    consumer.refuse = 1
    loop.handle({TP: [Record(0, events(1, "idle")[0])]})
    assert consumer.commits == [] and loop.tracker.pending()
    seen: list[bool] = []  # at each poll: has the commit been made yet?
    give_up = time.monotonic() + 10

    def idle(timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Record]]:
        seen.append(bool(consumer.commits))
        if consumer.commits or time.monotonic() > give_up:
            loop.stop.set()
        return {}

    consumer.poll = idle  # type: ignore[method-assign]
    loop.run()
    assert seen[-1], "committed while running, not only by the final commit at stop"
    assert consumer.commits == [{TP: 1}] and not loop.tracker.pending()


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


# ---------------------------------------------------------------- a scripted consumer: rebalances, put-backs --

TP1 = TopicPartition("events", 1)


class ScriptedConsumer(FakeConsumer):
    """Polls answer from a script; a step may be a callable (a rebalance inside poll). Seeks, pauses and resumes
    are kept, as the broker would apply them."""

    def __init__(self, script: list[Any], assigned: set[TopicPartition] | None = None) -> None:
        super().__init__()
        self.script = script
        self.assigned = assigned or {TP}
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.paused: set[TopicPartition] = set()
        self.resumed: list[TopicPartition] = []

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Record]]:
        self.polls.append(timeout_ms)
        step = self.script.pop(0) if self.script else {}
        return step() if callable(step) else step

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.resumed.extend(partitions)
        self.paused.difference_update(partitions)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rebalance_inside_poll_drops_the_records_of_partitions_no_longer_ours_and_keeps_the_rest(
    runtime: Runtime,
) -> None:
    good = events(3, "rebalance")
    consumer = ScriptedConsumer([], assigned={TP, TP1})
    loop = make_loop(runtime, consumer, FakePublisher())

    def revoke_tp1() -> dict[TopicPartition, list[Record]]:
        consumer.assigned = {TP}
        loop.tracker.rebalanced()  # what CommitOnRevoke does on kafka-python's thread, inside poll()
        return {TP: [Record(1, good[1])]}

    consumer.script = [{TP: [Record(0, good[0])], TP1: [Record(0, good[2], partition=1)]}, revoke_tp1]
    batch = loop.poll_batch()
    assert {tp: [r.offset for r in rs] for tp, rs in batch.items()} == {TP: [0, 1]}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_partition_revoked_while_its_batch_is_stored_is_left_to_its_new_owner(runtime: Runtime) -> None:
    """The revoke ran on kafka-python's thread while this member stored the batch: committing TP1's offset now
    would move back the commit of the member that owns it (seen in tests/kafka/test_group.py: the group never
    caught up)."""
    good = events(2, "revoked")
    consumer = ScriptedConsumer([{TP: [Record(0, good[0])], TP1: [Record(0, good[1], partition=1)]}], {TP, TP1})
    loop = make_loop(runtime, consumer, FakePublisher())
    batch = loop.poll_batch()
    consumer.assigned = {TP}  # revoked meanwhile
    loop.handle(batch)
    assert consumer.commits == [{TP: 1}]
    assert loop.tracker.pending() == {}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_records_that_already_waited_are_not_held_to_fill_the_batch_nor_past_its_cut_by_more_coming(
    runtime: Runtime,
) -> None:
    # Produced a minute ago (a backlog): the batch is due at once. One more poll takes what the broker already
    # held; records that keep coming after that go to the next batch.
    old = int((time.time() - 60) * 1000)
    good = iter(events(5, "backlog"))
    consumer = ScriptedConsumer([lambda: {TP: [Record(len(consumer.polls), next(good), timestamp=old)]}] * 5)
    loop = make_loop(runtime, consumer, FakePublisher())
    batch = loop.poll_batch()
    assert [r.offset for r in batch[TP]] == [1, 2]
    assert consumer.polls == [50, FETCH_ROUND_TRIP_MS], "no wait to fill: the first poll's, then one round trip"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unavailable_database_puts_the_batch_back_then_the_same_records_are_stored_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer, publisher = ScriptedConsumer([]), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    batch = {TP: [Record(i, v) for i, v in enumerate(events(3, "put-back"), start=5)]}
    record_events = Pipeline.record_events

    def down_once(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(Pipeline, "record_events", record_events)
        raise OperationalError("INSERT INTO events", {}, Exception("database is locked"))

    monkeypatch.setattr(Pipeline, "record_events", down_once)
    loop.handle(batch)
    assert consumer.seeks == [(TP, 5)] and consumer.resumed == [TP] and not consumer.paused
    assert stored(runtime) == 0 and consumer.commits == [] and loop.tracker.pending() == {}
    loop.handle(batch)  # redelivered after the seek
    assert stored(runtime) == 3 and consumer.commits == [{TP: 8}] and publisher.dead == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_event_the_interaction_refuses_is_dead_lettered_as_inconsistent(runtime: Runtime) -> None:
    consumer, publisher = ScriptedConsumer([]), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    offered, answered = (e for e in call("c-kind", turns=GOOD_CALL)[:2])
    ticket = {
        **answered,
        "event_id": "c-kind-t",
        "type": "ticket.replied",
        "payload": {"author": "agent", "text": "hi"},
    }
    values = [json.dumps(e).encode() for e in (offered, answered, ticket)]
    loop.handle({TP: [Record(i, v) for i, v in enumerate(values)]})
    ((offset, reason, error),) = publisher.dead
    assert offset == 2 and reason == "inconsistent" and error.startswith("type: interaction 'c-kind' is a call")
    assert stored(runtime) == 2 and consumer.commits == [{TP: 3}]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_over_the_dead_letter_limit_the_consumer_stops_with_nothing_published_or_committed(runtime: Runtime) -> None:
    consumer, publisher = ScriptedConsumer([]), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    loop.limit = DeadLetterLimit(max_ratio=0.5, min_records=2)
    with pytest.raises(DeadLetterLimitExceeded):
        loop.handle({TP: [Record(0, b"not json"), Record(1, b"{}"), Record(2, events(1, "limit")[0])]})
    assert publisher.dead == [] and consumer.commits == [] and stored(runtime) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_record_keeps_the_source_its_header_names_and_an_unknown_one_is_kafka(runtime: Runtime) -> None:
    consumer = ScriptedConsumer([])
    loop = make_loop(runtime, consumer, FakePublisher())
    good = events(3, "provenance")
    headers = [[("callqa-source", b"twilio")], [("callqa-source", b"made-up")], []]
    loop.handle({TP: [Record(i, v, headers=h) for i, (v, h) in enumerate(zip(good, headers, strict=True))]})
    with runtime.sessions() as session:
        sources = session.execute(text("SELECT event_id, source FROM events ORDER BY event_id")).all()
    assert [s for _, s in sources] == ["twilio", "kafka", "kafka"]


class Tripping(CanonicalDecoder):
    """Trips on one record's content the way an adapter can (a wrongly typed field): a record error."""

    def decode(self, session: Any, records: Any, limits: Any, now: Any) -> Any:
        if any(r.value == b'{"trip": 1}' for r in records):
            raise TypeError("'int' object is not subscriptable")
        return super().decode(session, records, limits, now)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_record_that_fails_even_alone_is_dead_lettered_with_its_error_and_the_others_are_stored(
    runtime: Runtime,
) -> None:
    consumer, publisher = ScriptedConsumer([]), FakePublisher()
    loop = make_loop(runtime, consumer, publisher)
    loop.decoder = Tripping()
    good = events(2, "trip")
    loop.handle({TP: [Record(0, good[0]), Record(1, b'{"trip": 1}'), Record(2, good[1])]})
    assert publisher.dead == [(1, "invalid_event", "TypeError: 'int' object is not subscriptable")]
    assert stored(runtime) == 2 and consumer.commits[-1] == {TP: 3} and loop.tracker.pending() == {}
