"""`callqa consume` stopped by SIGTERM while it is still connecting to Kafka: it must not wait out kafka-python's
connection retries (a deploy's stop would end in SIGKILL) but stop at once with exit 0 and say so."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

CALLQA = str(Path(sys.executable).parent / "callqa")
REAL_BROKER = os.environ.get("CALLQA_TEST_KAFKA_BOOTSTRAP")


@pytest.mark.parametrize(
    "bootstrap",
    [
        "127.0.0.1:1",  # nothing listens: kafka-python retries the bootstrap connection with backoff
        pytest.param(REAL_BROKER, marks=pytest.mark.skipif(not REAL_BROKER, reason="CALLQA_TEST_KAFKA_BOOTSTRAP")),
    ],
)
def test_sigterm_while_connecting_stops_at_once_with_exit_0(bootstrap: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CALLQA_DATABASE_URL": f"sqlite:///{tmp_path / 'callqa.db'}",
        "CALLQA_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CALLQA_KAFKA_EVENTS_TOPIC": f"callqa.test.absent.{tmp_path.name}",  # never created: start-up never ends
        "CALLQA_LOG_LEVEL": "INFO",
    }
    assert subprocess.run([CALLQA, "migrate"], env=env, capture_output=True, timeout=120).returncode == 0
    proc = subprocess.Popen([CALLQA, "consume"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "connecting to Kafka at" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=60)  # kafka-python alone would retry for minutes
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    assert "SIGTERM received" in rest and "stopped" in rest
