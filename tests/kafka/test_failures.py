"""Hurt the consumer mid-stream (SIGKILL, SIGTERM, PostgreSQL stopped) and count the rows: nothing lost, nothing
stored twice. `callqa consume` runs as a real process wherever a signal is part of the story."""

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.engine import make_url

from service.config import Settings
from tests.kafka.support import (
    ROOT,
    ConsumerThread,
    SteadyProducer,
    Topics,
    assert_scored_exactly_once,
    calls,
    caught_up,
    committed_offsets,
    distinct_ids,
    end_offsets,
    group_state,
    produce,
    read_all,
    rows,
    scalar,
    spawn,
    stop_process,
    stored,
    wait_for,
)

pytestmark = pytest.mark.kafka


def assert_alerts_published_exactly_as_stored(url: str, bootstrap: str, topic: str) -> None:
    """Alerts go to the topic from the outbox after the database commit: every stored alert is published (at
    least once: a crash after the broker's ack and before the outbox row is marked sends it again) and nothing
    is published that was never stored."""
    in_db = {r.dedup_key for r in rows(url, "SELECT dedup_key FROM alerts")}
    published = {json.loads(r.value)["dedup_key"] for r in read_all(bootstrap, topic, expected=len(in_db))}
    assert in_db == published, f"stored, not published: {in_db - published}; published, not stored: {published - in_db}"


def outbox_drained(url: str) -> bool:
    sql = "SELECT count(*) FROM alert_deliveries WHERE destination = 'kafka' AND status <> 'delivered'"
    return scalar(url, sql) == 0


def test_consumer_killed_mid_stream_and_restarted_stores_every_event_exactly_once(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    stream = calls(150, "kill")
    stream += stream[::10]  # an upstream retry: the same events again
    total = distinct_ids(stream)
    # Many small transactions, so the kill lands mid-stream; a short produce timeout, so the alerts the killed
    # consumer had claimed in the outbox (claims last 4 x twice this: 8 s) are soon sent by the second. A produce
    # slower than that under load is a failed try, retried after a backoff: nothing is lost or skipped.
    settings = consumer_settings(kafka_batch_max_records=25, kafka_produce_timeout_seconds=1)
    producer = SteadyProducer(kafka_bootstrap, topics.events, stream, per_second=600)
    first = spawn(settings, tmp_path / "first.log", "consume")
    try:
        wait_for(lambda: stored(database_url) >= 200, 240, "the first consumer to store", logs=[tmp_path / "first.log"])
        first.send_signal(signal.SIGKILL)
        assert first.wait(60) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = stored(database_url)
    assert at_kill < total, "the kill must land mid-stream"

    second = spawn(settings, tmp_path / "second.log", "consume")
    try:
        producer.join()
        wait_for(
            lambda: caught_up(kafka_bootstrap, topics.group, topics.events),
            240,
            "the restart to catch up",
            logs=[tmp_path / "second.log"],
        )
        wait_for(lambda: outbox_drained(database_url), 60, "every stored alert to be published")
    finally:
        assert stop_process(second) == 0
    assert_scored_exactly_once(database_url, total)
    assert_alerts_published_exactly_as_stored(database_url, kafka_bootstrap, topics.alerts)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigterm_finishes_the_batch_commits_and_leaves_the_group(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    stream = calls(120, "term")
    producer = SteadyProducer(kafka_bootstrap, topics.events, stream, per_second=500)
    proc = spawn(consumer_settings(kafka_batch_max_records=25), tmp_path / "consume.log", "consume")
    try:
        wait_for(lambda: stored(database_url) >= 200, 240, "events stored", logs=[tmp_path / "consume.log"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(90) == 0, (tmp_path / "consume.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    producer.join()
    assert stored(database_url) < distinct_ids(stream), "the stop must land mid-stream"
    # Every record is a distinct valid event: the committed offsets cover exactly what the database holds.
    assert sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == stored(database_url)
    assert group_state(kafka_bootstrap, topics.group)["group_state"] == "Empty"
    assert "stopped cleanly" in (tmp_path / "consume.log").read_text()


PG_SCRIPT = ROOT / "deploy" / "postgres" / "local-postgres.sh"


def _local_postgres(url: str) -> None:
    """Only the throw-away server of deploy/postgres/local-postgres.sh may be stopped by a test."""
    script_url = subprocess.run([PG_SCRIPT, "url"], capture_output=True, text=True).stdout.strip()
    ours, theirs = make_url(url), make_url(script_url) if script_url else None
    if theirs is None or (ours.host, ours.port) != (theirs.host, theirs.port):
        pytest.skip(f"{url} is not the server of {PG_SCRIPT.name}: this test stops and restarts that server")


def _pg(action: str) -> None:
    subprocess.run([PG_SCRIPT, action], check=True, capture_output=True, timeout=120, env=os.environ)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_stopped_mid_stream_then_restarted_loses_nothing(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str
) -> None:
    _local_postgres(database_url)
    before, during = calls(30, "pg-before"), calls(30, "pg-during")
    retries = REGISTRY.get_sample_value("callqa_consumer_db_retries_total") or 0
    consumer = ConsumerThread(consumer_settings())
    try:
        produce(kafka_bootstrap, topics.events, [e for c in before for e in c])
        wait_for(lambda: stored(database_url) == distinct_ids(before), 120, "events stored before the outage")
        _pg("stop")
        try:
            produce(kafka_bootstrap, topics.events, [e for c in during for e in c])
            wait_for(
                lambda: (REGISTRY.get_sample_value("callqa_consumer_db_retries_total") or 0) >= retries + 1,
                30,
                "the consumer to put batches back while the database is down",
            )
            time.sleep(2)  # down for a while: the consumer backs off and probes, holding its offsets
            assert consumer.running
            assert sum(committed_offsets(kafka_bootstrap, topics.group, topics.events).values()) == distinct_ids(
                before
            ), "nothing may be committed while the database is down"
        finally:
            _pg("start")
        wait_for(lambda: stored(database_url) == distinct_ids(before + during), 240, "the backlog stored after restart")
    finally:
        consumer.close()
    assert_scored_exactly_once(database_url, distinct_ids(before + during))
    assert committed_offsets(kafka_bootstrap, topics.group, topics.events) == end_offsets(
        kafka_bootstrap, topics.events
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_rebalance_while_postgres_is_down_loses_nothing(
    consumer_settings: Callable[..., Settings],
    topics: Topics,
    kafka_bootstrap: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    """Scale-in during an outage: the consumer that stays is paused and backing off when the other leaves, and the
    partitions the rebalance hands it must not be read past while it waits."""
    _local_postgres(database_url)
    before, during = calls(20, "rb-before"), calls(40, "rb-during")
    settings = consumer_settings()

    def logged(log: str, line: str) -> bool:
        path = tmp_path / log
        return path.exists() and line in path.read_text()

    def put_back(log: str) -> bool:
        return logged(log, "put back")

    # One after the other, so the second member's join is the only rebalance before the outage.
    staying = spawn(settings, tmp_path / "staying.log", "consume")
    leaving = None
    try:
        wait_for(lambda: logged("staying.log", "partitions assigned"), 120, "the first member's partitions")
        leaving = spawn(settings, tmp_path / "leaving.log", "consume")
        wait_for(lambda: len(group_state(kafka_bootstrap, topics.group)["members"]) == 2, 120, "two members")
        wait_for(lambda: logged("leaving.log", "partitions assigned"), 120, "the second member's partitions")
        produce(kafka_bootstrap, topics.events, [e for c in before for e in c])
        wait_for(lambda: stored(database_url) == distinct_ids(before), 120, "events stored before the outage")
        _pg("stop")
        try:
            produce(kafka_bootstrap, topics.events, [e for c in during for e in c])
            wait_for(lambda: put_back("staying.log") and put_back("leaving.log"), 240, "both to put a batch back")
            assert stop_process(leaving) == 0  # its partitions go to the one still waiting for the database
            wait_for(lambda: len(group_state(kafka_bootstrap, topics.group)["members"]) == 1, 120, "one member")
            time.sleep(2)
        finally:
            _pg("start")
        wait_for(lambda: caught_up(kafka_bootstrap, topics.group, topics.events), 240, "the backlog consumed")
    finally:
        assert stop_process(staying) == 0
        if leaving is not None:
            stop_process(leaving)
    assert_scored_exactly_once(database_url, distinct_ids(before + during))
