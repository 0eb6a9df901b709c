"""`callqa serve` with CALLQA_INGEST_MODE=kafka, as a real process: POST /v1/events and /v1/sources/{name}
validate, produce to the events topic (acks=all) and answer 202; a consumer then scores what they produced, stored
under the path or source they came by (a record header carries it), as in-process mode stores them."""

import json
import signal
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from tests.api.wire import RUDE_CALL, call
from tests.kafka.support import ConsumerThread, Topics, header, read_all, rows, scalar, spawn, stop_process, wait_for
from tests.vendor_samples import ctr

pytestmark = pytest.mark.kafka


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_post_events_in_kafka_mode_produces_then_a_consumer_scores(
    consumer_settings: Callable[..., Settings], topics: Topics, kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    # API keys are the API tests' subject; here the path from POST to the topic and on to the database is.
    settings = consumer_settings(ingest_mode="kafka", port=free_port(), auth_enabled=False)
    server = spawn(settings, tmp_path / "serve.log", "serve")
    base = f"http://127.0.0.1:{settings.port}"
    cid = f"c-http-{uuid.uuid4().hex[:6]}"
    events = call(cid, turns=RUDE_CALL)
    try:
        wait_for(lambda: _up(base) or server.poll() is not None, 120, "callqa serve to answer")
        assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        with httpx.Client(base_url=base, timeout=30) as api:
            accepted = api.post("/v1/events", json={"events": events})
            assert accepted.status_code == 202, accepted.text
            assert [r["event_id"] for r in accepted.json()["results"]] == [e["event_id"] for e in events]
            bad = api.post("/v1/events", json={**events[0], "event_id": f"{cid}-bad", "occurred_at": "yesterday"})
            assert bad.status_code == 422  # invalid events are refused at the door, never produced

            records = read_all(kafka_bootstrap, topics.events, expected=len(events))
            assert [json.loads(r.value)["event_id"] for r in records] == [e["event_id"] for e in events]
            assert {r.key for r in records} == {cid.encode()}  # keyed by interaction: one partition, in order
            assert {header(r, "callqa-source") for r in records} == {"http"}
            contact = f"ctr-{uuid.uuid4().hex[:6]}"
            mapped = api.post("/v1/sources/connect-ctr", json=ctr(contact))
            assert mapped.status_code == 202, mapped.text
            total = len(events) + mapped.json()["accepted"]
            assert scalar(database_url, "SELECT count(*) FROM events") == 0  # the API only produced

            consumer = ConsumerThread(consumer_settings())
            try:
                wait_for(lambda: scalar(database_url, "SELECT count(*) FROM events") == total, 120, "scored")
            finally:
                consumer.close()
            stored = dict(rows(database_url, "SELECT source, count(*) FROM events GROUP BY source"))
            assert stored == {"http": len(events), "connect-ctr": total - len(events)}
            detail = api.get(f"/v1/interactions/{cid}").json()
            assert detail["status"] == "ended" and detail["passed"] is False
    finally:
        # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: -SIGTERM is its clean exit
        assert stop_process(server) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in (tmp_path / "serve.log").read_text()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
