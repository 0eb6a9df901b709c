"""produce -> consume -> rows and alerts, against the real broker and the real databases."""

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from consumers import dead_letter as dl
from consumers.dead_letter import DeadLetterLimitExceeded
from service.config import Settings
from tests.api.wire import GOOD_CALL, RUDE_CALL, call, event
from tests.kafka.support import (
    ConsumerThread,
    Topics,
    committed_offsets,
    end_offsets,
    group_state,
    header,
    produce,
    read_all,
    rows,
    scalar,
    stored,
    wait_for,
)

pytestmark = pytest.mark.kafka

AMAZON_CONNECT = Path(__file__).resolve().parents[3] / "shared" / "data" / "payloads" / "amazon_connect_docs"


def consume_until(settings: Settings, condition: Callable[[], object], what: str, timeout: float = 90) -> None:
    """Run a consumer until `condition` holds; the timeout only bounds a failure (a loaded machine is slow)."""
    consumer = ConsumerThread(settings)
    try:
        wait_for(lambda: condition() or consumer.error, timeout, what)
    finally:
        consumer.close()


def test_events_are_scored_stored_alerted_and_committed(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    uid = uuid.uuid4().hex[:6]
    good, rude = f"c-good-{uid}", f"c-rude-{uid}"
    n = produce(
        kafka_bootstrap, topics.events, call(good, turns=GOOD_CALL, hold_after_turn=3) + call(rude, turns=RUDE_CALL)
    )

    consume_until(consumer_settings(), lambda: stored(database_url) == n, "every event stored")

    assert scalar(database_url, "SELECT count(*) FROM events WHERE source = 'kafka'") == n
    scored = {r.id: r for r in rows(database_url, "SELECT id, status, passed, event_count FROM interactions")}
    assert scored[good].status == scored[rude].status == "ended"
    assert scored[good].passed and not scored[rude].passed
    db_alerts = {r.dedup_key: r for r in rows(database_url, "SELECT dedup_key, rule, interaction_id FROM alerts")}
    assert "forbidden_phrase" in {a.rule for a in db_alerts.values()}
    assert {a.interaction_id for a in db_alerts.values()} == {rude}

    # Every new alert is on the alerts topic, keyed by interaction, in the API's shape plus dedup_key.
    published = read_all(kafka_bootstrap, topics.alerts, expected=len(db_alerts))
    docs = [json.loads(r.value) for r in published]
    assert {d["dedup_key"] for d in docs} == set(db_alerts)
    assert {r.key for r in published} == {rude.encode()}
    assert {"id", "rule", "severity", "message", "evidence", "breached_at"} <= set(docs[0])

    # Offsets committed after the database: last offset + 1 of every partition; and the group was left.
    assert committed_offsets(kafka_bootstrap, topics.group, topics.events) == {
        p: o for p, o in end_offsets(kafka_bootstrap, topics.events).items() if o > 0
    }
    assert group_state(kafka_bootstrap, topics.group)["group_state"] == "Empty"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_duplicate_records_are_scored_once(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    events = call(f"c-dup-{uuid.uuid4().hex[:6]}", turns=RUDE_CALL)
    dups_before = _sample("callqa_events_received_total", source="kafka", outcome="duplicate")
    # Twice back to back (duplicates inside one batch), then again once the first copies are stored.
    produce(kafka_bootstrap, topics.events, events + events)
    consume_until(consumer_settings(), lambda: stored(database_url) == len(events), "first copies stored")
    produce(kafka_bootstrap, topics.events, events)
    settings = consumer_settings()
    consume_until(
        settings,
        lambda: sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == 3 * len(events),
        "third copy consumed",
    )

    assert stored(database_url) == len(events)
    assert scalar(database_url, "SELECT event_count FROM interactions") == len(events)
    assert _sample("callqa_events_received_total", source="kafka", outcome="duplicate") - dups_before == 2 * len(events)
    db_alerts = scalar(database_url, "SELECT count(*) FROM alerts")
    published = read_all(kafka_bootstrap, topics.alerts, expected=db_alerts)
    assert len(published) == db_alerts  # a replayed event raises no alert again


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_poison_records_go_to_the_dead_letter_topic_and_do_not_block_the_partition(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    cid = f"c-poison-{uuid.uuid4().hex[:6]}"
    good = call(cid, turns=GOOD_CALL)
    poison: list[tuple[bytes | None, str]] = [
        (b"{not json", "not_json"),
        ("caf\xe9".encode("latin-1"), "not_json"),  # not UTF-8
        (None, "not_json"),  # tombstone
        (b'{"event_id": "x-1", "type": "call.bogus", "interaction_id": "x"}', "invalid_event"),
        (b'[{"event_id": "x-2"}]', "invalid_event"),
        (json.dumps(event(cid, 500, "ticket.created", 30)).encode(), "inconsistent"),  # a ticket in a call
    ]
    for sample in sorted(AMAZON_CONNECT.glob("extracted_*.json")) if AMAZON_CONNECT.is_dir() else []:
        raw = sample.read_bytes()
        try:
            json.loads(raw)
            poison.append((raw, "invalid_event"))  # JSON, but a vendor's shape, not callqa's event
        except ValueError:
            poison.append((raw, "not_json"))  # published with comments / trailing commas
    # One key, so all of it shares one partition: the good events after the poison must still get through.
    key = cid.encode()
    values = (
        [json.dumps(e).encode() for e in good[:4]] + [v for v, _ in poison] + [json.dumps(e).encode() for e in good[4:]]
    )
    produce(kafka_bootstrap, topics.events, values, key=key)
    before = {r: _sample("callqa_dead_letters_total", reason=r) for r in ("not_json", "invalid_event", "inconsistent")}

    consume_until(
        consumer_settings(),
        lambda: (
            stored(database_url) == len(good)
            and sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == len(values)
        ),
        "the good events stored and every record committed",
    )

    dead = read_all(kafka_bootstrap, topics.dead_letter, expected=len(poison))
    assert len(dead) == len(poison)
    originals = {r.offset: r for r in read_all(kafka_bootstrap, topics.events, expected=len(values))}
    for record, (value, reason) in zip(sorted(dead, key=lambda r: r.offset), poison, strict=True):
        assert record.value == value and record.key == key  # the original bytes, untouched
        assert header(record, dl.HEADER_REASON) == reason
        assert header(record, dl.HEADER_ERROR)
        assert header(record, dl.HEADER_TOPIC) == topics.events
        origin = originals[int(header(record, dl.HEADER_OFFSET) or -1)]
        assert origin.value == value and int(header(record, dl.HEADER_PARTITION) or -1) == origin.partition
        assert int(header(record, dl.HEADER_TIMESTAMP) or -1) == origin.timestamp
    inconsistent = next(r for r in dead if header(r, dl.HEADER_REASON) == "inconsistent")
    assert "cannot join" in (header(inconsistent, dl.HEADER_ERROR) or "")
    counted = {r: _sample("callqa_dead_letters_total", reason=r) - before[r] for r in before}
    assert counted == {r: sum(1 for _, reason in poison if reason == r) for r in before}
    assert scalar(database_url, "SELECT passed FROM interactions WHERE id = :id", id=cid)
    assert sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == len(values)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stream_of_garbage_stops_the_consumer_instead_of_filling_the_dead_letter_topic(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    produce(kafka_bootstrap, topics.events, [b"<html>502 Bad Gateway</html>"] * 300, key=b"k")
    consumer = ConsumerThread(consumer_settings(kafka_max_dead_letter_ratio=0.5, kafka_batch_max_records=60))
    wait_for(lambda: not consumer.running, 30, "the consumer to stop by itself")
    with pytest.raises(DeadLetterLimitExceeded, match="invalid"):
        consumer.close()

    committed = sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values())
    dead_lettered = sum(end_offsets(kafka_bootstrap, topics.dead_letter).values())
    assert committed < 300  # it stopped, it did not drain the topic
    assert dead_lettered == committed  # the batch that tripped the limit was neither dead-lettered nor committed


def _sample(name: str, **labels: str) -> float:
    """The sum over every series of `name` that carries these labels (other labels may be added later)."""
    return sum(
        s.value
        for metric in REGISTRY.collect()
        for s in metric.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_records_that_break_decoding_or_storage_are_dead_lettered_and_the_rest_of_the_batch_is_stored(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    """Each of these stopped the consumer (not transient), which met it again on every restart: a poison pill."""
    uid = uuid.uuid4().hex[:6]
    good = call(f"c-pill-{uid}", turns=GOOD_CALL)

    def first_event_of(tag: str, **changes: str) -> bytes:
        return json.dumps({**call(f"c-{tag}-{uid}")[0], **changes}).encode()

    poison = {
        "deep JSON": b'{"event_id": "deep", "payload": ' + b"[" * 2000 + b"]" * 2000 + b"}",
        "5000-digit integer": b'{"event_id": "long", "seq": ' + b"7" * 5000 + b"}",
        "NUL in text": first_event_of("nul", agent_id="agent\u0000ann"),  # PostgreSQL text refuses NUL
        "lone surrogate": first_event_of("surrogate", event_id="e-\ud800"),  # not encodable as UTF-8
    }
    values = [json.dumps(e).encode() for e in good[:3]] + list(poison.values())
    values += [json.dumps(e).encode() for e in good[3:]]
    key = f"c-pill-{uid}".encode()  # one partition: the good events after the pills must still get through
    produce(kafka_bootstrap, topics.events, values, key=key)

    consume_until(
        consumer_settings(),
        lambda: sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == len(values),
        "every record consumed",
    )

    assert stored(database_url) == len(good)
    dead = sorted(read_all(kafka_bootstrap, topics.dead_letter, expected=len(poison)), key=lambda r: r.offset)
    assert [r.value for r in dead] == list(poison.values())
    for record, kind in zip(dead, poison, strict=True):
        assert header(record, dl.HEADER_REASON) in ("not_json", "invalid_event"), kind
        assert header(record, dl.HEADER_ERROR), kind
