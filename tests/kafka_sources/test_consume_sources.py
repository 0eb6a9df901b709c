"""`callqa consume --source <name>` as a real process on a real broker: a topic of a source's own records is
mapped by its adapter, stored and scored; stale copies are skipped, bad records go to the dead-letter topic."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consumers.dead_letter import HEADER_ERROR, HEADER_REASON
from service.config import Settings
from tests.kafka.support import (
    Topics,
    committed_offsets,
    end_offsets,
    header,
    produce,
    read_all,
    rows,
    scalar,
    wait_for,
)
from tests.vendor_samples import FREESWITCH_CDR, ctr, needs_data

pytestmark = pytest.mark.kafka
CALLQA = str(Path(sys.executable).parent / "callqa")


def caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """Every record committed (partitions no record went to have no committed offset at all)."""
    ends = {p: o for p, o in end_offsets(bootstrap, topic).items() if o > 0}
    return committed_offsets(bootstrap, group, topic) == ends


def consume_source(settings: Settings, source: str, topic: str, until: Callable[[], bool]) -> str:
    """Run `callqa consume --source` until `until()` holds, stop it with SIGTERM; its output."""
    env = {
        **os.environ,
        **{f"CALLQA_{k.upper()}": str(v) for k, v in settings.model_dump().items() if k.startswith("kafka_") and v},
        "CALLQA_DATABASE_URL": settings.database_url,
    }
    proc = subprocess.Popen(
        [CALLQA, "consume", "--source", source, "--topic", topic],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: until() or proc.poll() is not None, 120, f"callqa consume --source {source}")
    except AssertionError:
        proc.send_signal(signal.SIGTERM)
        raise AssertionError(proc.communicate(timeout=60)[0][-3000:]) from None
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def test_contact_records_topic_keeps_the_newest_and_dead_letters_what_is_not_json(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    newer = ctr("k-ctr", updated="2026-11-24T09:20:00Z")
    older = ctr("k-ctr", updated="2026-11-24T09:10:00Z", Agent={**newer["Agent"], "ARN": "arn:.../agent/agent-bob"})
    abandoned = ctr("k-ctr-2", Agent=None)
    values = [json.dumps(r).encode() for r in (newer, older, abandoned)] + [b'{"ContactId": "x",}']
    produce(kafka_bootstrap, topics.events, values, key=b"k")
    settings = consumer_settings()
    consume_source(
        settings,
        "connect-ctr",
        topics.events,
        lambda: caught_up(kafka_bootstrap, f"{topics.group}.connect-ctr", topics.events),
    )

    got = {r.id: r for r in rows(database_url, "SELECT id, status, agent_id, event_count FROM interactions")}
    assert (got["k-ctr"].status, got["k-ctr"].agent_id, got["k-ctr"].event_count) == ("ended", "agent-ann", 3)
    assert (got["k-ctr-2"].status, got["k-ctr-2"].event_count) == ("abandoned", 2)
    assert scalar(database_url, "SELECT count(*) FROM events WHERE source = 'connect-ctr'") == 5
    (dead,) = read_all(kafka_bootstrap, topics.dead_letter, expected=1)
    assert dead.value == values[-1] and header(dead, HEADER_REASON) == "not_json"


@needs_data
def test_freeswitch_cdr_topic_plain_and_url_encoded(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    from urllib.parse import quote

    record = json.loads(FREESWITCH_CDR.read_text())
    encoded = {**record, "variables": {k: quote(str(v), safe="") for k, v in record["variables"].items()}}
    produce(kafka_bootstrap, topics.events, [FREESWITCH_CDR.read_bytes(), json.dumps(encoded).encode()], key=b"k")
    consume_source(
        consumer_settings(),
        "freeswitch",
        topics.events,
        lambda: caught_up(kafka_bootstrap, f"{topics.group}.freeswitch", topics.events),
    )
    call = rows(database_url, "SELECT status, answer_wait_seconds, event_count FROM interactions")
    assert [tuple(c) for c in call] == [("ended", 1.48, 5)]  # the encoded copy maps to the same events
    assert scalar(database_url, "SELECT count(*) FROM events") == 5


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_wrongly_typed_source_records_are_dead_lettered_naming_the_field(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    """Not transient (the adapter used to crash on these and the consumer stopped on every restart): they go to
    the dead-letter topic with the reason, and the good records are stored."""
    wrong = [
        ctr("k-bad-agent", Agent="x"),  # an object expected
        ctr("k-bad-holds", Agent={**ctr()["Agent"], "NumberOfHolds": 10**30}),
        {**ctr("k-bad-queue"), "Queue": ["q"]},
        {**ctr("k-bad-nul"), "ContactId": "k-\u0000"},  # PostgreSQL text refuses NUL
    ]
    values = [json.dumps(r).encode() for r in (ctr("k-good-1"), *wrong, ctr("k-good-2"))]
    produce(kafka_bootstrap, topics.events, values, key=b"k")
    consume_source(
        consumer_settings(),
        "connect-ctr",
        topics.events,
        lambda: caught_up(kafka_bootstrap, f"{topics.group}.connect-ctr", topics.events),
    )
    assert {r.id for r in rows(database_url, "SELECT id FROM interactions")} == {"k-good-1", "k-good-2"}
    dead = read_all(kafka_bootstrap, topics.dead_letter, expected=len(wrong))
    assert sorted(r.value for r in dead) == sorted(values[1:-1])
    assert all(header(r, HEADER_REASON) == "invalid_event" for r in dead)
    errors = {json.loads(r.value)["ContactId"]: header(r, HEADER_ERROR) for r in dead}
    assert "Agent must be an object, got string 'x'" in errors["k-bad-agent"]
    assert "Agent.NumberOfHolds" in errors["k-bad-holds"]  # refused by the decoder (64 bits) or the adapter
