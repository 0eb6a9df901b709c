"""Fixtures for tests against a REAL Kafka broker (and the real databases of tests/conftest.py).

The broker: the one at $CALLQA_TEST_KAFKA_BOOTSTRAP (the test script starts it), else one started here with
deploy/kafka/local-kafka.sh and stopped at the end. Every test gets its own topics and group (uuid names).
"""

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from service.config import Settings
from tests.kafka.support import ROOT, Topics

BOOTSTRAP_ENV = "CALLQA_TEST_KAFKA_BOOTSTRAP"
SCRIPT = ROOT / "deploy" / "kafka" / "local-kafka.sh"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    given = os.environ.get(BOOTSTRAP_ENV)
    if given:
        yield given
        return
    if not (shutil.which("java") and (shutil.which("mvn") or _jars_cached())):
        pytest.skip(f"no Kafka broker: set {BOOTSTRAP_ENV}, or install Java 17+ and Maven for {SCRIPT.name}")
    was_running = subprocess.run([SCRIPT, "status"], capture_output=True).returncode == 0
    started = subprocess.run([SCRIPT, "start"], capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        pytest.fail(f"{SCRIPT.name} start failed:\n{started.stderr[-3000:]}")
    yield started.stdout.strip()
    if not was_running:  # never stop a broker somebody else started
        subprocess.run([SCRIPT, "stop"], capture_output=True, timeout=120)


def _jars_cached() -> bool:
    home = Path(os.environ.get("CALLQA_KAFKA_HOME", Path.home() / ".cache" / "callqa" / "kafka"))
    return any(home.glob("libs-*/.complete"))


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    yield admin
    admin.close()


@pytest.fixture
def make_topics(kafka_admin: KafkaAdminClient) -> Iterator[Callable[..., Topics]]:
    """Fresh topics (events with `partitions` partitions, alerts, dead letters) and a fresh group name."""
    created: list[str] = []

    def make(partitions: int = 3) -> Topics:
        t = Topics.unique()
        names = [t.events, t.alerts, t.dead_letter]
        kafka_admin.create_topics(
            [NewTopic(t.events, partitions, 1), NewTopic(t.alerts, 1, 1), NewTopic(t.dead_letter, 1, 1)]
        )
        kafka_admin.wait_for_topics(names, timeout_ms=20_000)
        created.extend(names)
        return t

    yield make
    if created:
        kafka_admin.delete_topics(created, raise_errors=False)


@pytest.fixture
def topics(make_topics: Callable[..., Topics]) -> Topics:
    return make_topics()


@pytest.fixture
def consumer_settings(database_url: str, topics: Topics, kafka_bootstrap: str) -> Callable[..., Settings]:
    """Settings of a consumer on the test database and topics, tuned for fast tests; overrides as keywords."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "kafka_events_topic": topics.events,
            "kafka_alerts_topic": topics.alerts,
            "kafka_dead_letter_topic": topics.dead_letter,
            "kafka_group_id": topics.group,
            "kafka_batch_max_ms": 50,
            "kafka_session_timeout_ms": 6000,  # the broker's minimum: a killed consumer's partitions move on soon
            "kafka_retry_max_backoff_seconds": 1.0,
            "sweep_interval_seconds": 3600,  # deadline sweeps are not under test here
            "log_level": "INFO",
        }
        values.update(overrides)
        return Settings(**values)

    return make
