"""Helpers for tests against the real broker: produce, read back, offsets, row counts, consumers in a thread or
as real `callqa consume` processes."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError
from sqlalchemy import create_engine, text

from consumers.runner import run_consumer
from service.config import Settings
from tests.api.wire import GOOD_CALL, RUDE_CALL, call

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Topics:
    events: str
    alerts: str
    dead_letter: str
    group: str

    @classmethod
    def unique(cls) -> "Topics":
        tag = uuid.uuid4().hex[:10]
        return cls(f"t{tag}.events", f"t{tag}.alerts", f"t{tag}.dlq", f"g{tag}")


def wait_for(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1, logs: Iterable[Path] = ()
) -> Any:
    """Poll `condition` until it holds; `timeout` only bounds a failure, whose message ends with the `logs`' tails."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "".join(f"\n--- {p.name}:\n{p.read_text()[-3000:]}" for p in logs if p.exists())
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{tails}")
        time.sleep(interval)


# ------------------------------------------------------------------------------------------- Kafka --


def produce(
    bootstrap: str, topic: str, items: Iterable[dict[str, Any] | bytes | None], key: bytes | None = None
) -> int:
    """Events (dicts, keyed by interaction_id as upstream systems do) or raw values; acks=all, flushed."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    n = 0
    try:
        for item in items:
            if isinstance(item, dict):
                producer.send(topic, key=str(item.get("interaction_id")).encode(), value=json.dumps(item).encode())
            else:
                producer.send(topic, key=key, value=item)
            n += 1
        producer.flush(timeout=30)
    finally:
        producer.close()
    return n


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 60) -> list[Any]:
    """Every record of a topic (no group), waiting until at least `expected` arrived (returns as soon as they did)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        partitions = wait_for(lambda: consumer.partitions_for_topic(topic), 30, f"topic {topic}")
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        consumer.seek_to_beginning()
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                out.extend(records)
        # a short extra poll, so a test also sees records it did not expect
        for records in consumer.poll(timeout_ms=300).values():
            out.extend(records)
        return out
    finally:
        consumer.close()


def admin_request(bootstrap: str, request: Callable[[KafkaAdminClient], Any], timeout: float = 60) -> Any:
    """One admin request, asked again while the broker answers a retriable error: a group's coordinator is not
    available until the broker has created its offsets topic (the first group on a fresh broker) and loaded it."""
    deadline = time.monotonic() + timeout
    while True:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            return request(admin)
        except KafkaError as exc:
            if not exc.retriable or time.monotonic() > deadline:
                raise
        finally:
            admin.close()
        time.sleep(0.2)


def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    offsets = admin_request(bootstrap, lambda admin: admin.list_group_offsets(group).get(group, {}))
    return {tp.partition: o.offset for tp, o in offsets.items() if tp.topic == topic and o.offset >= 0}


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return {tp.partition: o for tp, o in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """The group has committed every record of the topic (the tail may be duplicates that add no rows)."""
    return committed_offsets(bootstrap, group, topic) == end_offsets(bootstrap, topic)


def group_state(bootstrap: str, group: str) -> dict[str, Any]:
    return dict(admin_request(bootstrap, lambda admin: admin.describe_groups([group])[group]))


def header(record: Any, name: str) -> str | None:
    for k, v in record.headers or []:
        if k == name:
            return bytes(v).decode()
    return None


# ---------------------------------------------------------------------------------------- database --


def stored(url: str) -> int:
    """Events in the database."""
    return int(scalar(url, "SELECT count(*) FROM events"))


def calls(n: int, tag: str) -> list[list[dict[str, Any]]]:
    """n whole calls (wire format), every third one rude (breaches, alerts), unique ids."""
    return [call(f"{tag}-{uuid.uuid4().hex[:6]}-{i}", turns=RUDE_CALL if i % 3 == 0 else GOOD_CALL) for i in range(n)]


def distinct_ids(stream: list[list[dict[str, Any]]]) -> int:
    return len({e["event_id"] for c in stream for e in c})


def scalar(url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def assert_scored_exactly_once(url: str, distinct_event_ids: int) -> None:
    """Every event stored once, and every interaction's score counted exactly its stored events."""
    assert scalar(url, "SELECT count(*) FROM events") == distinct_event_ids
    assert scalar(url, "SELECT count(DISTINCT event_id) FROM events") == distinct_event_ids
    mismatched = rows(
        url,
        "SELECT i.id, i.event_count, count(e.id) FROM interactions i JOIN events e ON e.interaction_id = i.id "
        "GROUP BY i.id, i.event_count HAVING i.event_count != count(e.id)",
    )
    assert mismatched == []


# --------------------------------------------------------------------------------------- consumers --


class ConsumerThread:
    """`run_consumer` in a thread of the test process, stopped the way SIGTERM stops it (the stop flag)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.result: int | None = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="consumer")
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = run_consumer(self.settings, self.stop)
        except BaseException as exc:  # handed to the test in close()
            self.error = exc

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def close(self, timeout: float = 60) -> None:
        self.stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "consumer did not stop"
        if self.error:
            raise self.error


def settings_env(settings: Settings) -> dict[str, str]:
    """The CALLQA_* environment that reproduces `settings` in another process."""
    return {f"CALLQA_{name.upper()}": str(value) for name, value in settings.model_dump().items() if value is not None}


def callqa_command() -> list[str]:
    script = Path(sys.executable).parent / "callqa"
    return [str(script)] if script.exists() else [sys.executable, "-m", "service.cli"]


def spawn(settings: Settings, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """A real `callqa <args>` process with these settings; its output goes to `log`."""
    env = {**os.environ, **settings_env(settings)}
    with log.open("ab") as out:
        return subprocess.Popen([*callqa_command(), *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("process ignored SIGTERM") from None
    return proc.returncode


class SteadyProducer:
    """Produces calls in a background thread at a steady pace, so a consumer can be hurt mid-stream."""

    def __init__(self, bootstrap: str, topic: str, calls: list[list[dict[str, Any]]], per_second: float) -> None:
        self.bootstrap, self.topic, self.calls, self.per_second = bootstrap, topic, calls, per_second
        self.sent = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="producer")
        self.thread.start()

    def _run(self) -> None:
        try:
            producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=5)
            start = time.monotonic()
            for call in self.calls:
                for event in call:
                    producer.send(self.topic, key=event["interaction_id"].encode(), value=json.dumps(event).encode())
                    self.sent += 1
                pause = start + self.sent / self.per_second - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            producer.flush(timeout=30)
            producer.close()
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float = 120) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "producer did not finish"
        if self.error:
            raise self.error
