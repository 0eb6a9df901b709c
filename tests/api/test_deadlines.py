"""Deadlines that pass with no new event raise alerts (answer limit, required phrase, ticket first reply),
picked up from the database by the sweeper, also after a restart. Real HTTP, real databases, a test clock that
the test moves past each deadline."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clock import TestClock
from tests.standards_support import fast_deadlines_standard


@pytest.fixture
def fast_standard(tmp_path: Path) -> Path:
    return fast_deadlines_standard(tmp_path)


def _now_event(clock: TestClock, iid: str, n: int, type_: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "event_id": f"{iid}-{n}",
        "type": type_,
        "occurred_at": clock().isoformat(),
        "interaction_id": iid,
        "queue_id": "q",
        "payload": payload or {},
    }


def _wait_for_alert(api: httpx.Client, rule: str, iid: str, seconds: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = api.get("/v1/alerts", params={"rule": rule, "interaction_id": iid}).json()["items"]
        if found:
            return found[0]  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"no {rule} alert for {iid} within {seconds} s")


def test_waiting_call_and_silent_agent_alert_with_no_new_event(
    start_server: Callable[..., Any], fast_standard: Path
) -> None:
    clock = TestClock()
    api = start_server(sweep=True, clock=clock, standards_file=fast_standard, sweep_interval_seconds=0.2).client
    assert api.post("/v1/events", json=_now_event(clock, "d-call", 0, "call.offered")).status_code == 202
    clock.advance(2)  # past the 1 s answer limit
    waiting = _wait_for_alert(api, "answer_wait_exceeded", "d-call")
    assert "no answer after" in waiting["message"]

    api.post("/v1/events", json=_now_event(clock, "d-call", 1, "call.answered"))
    text = {"speaker": "agent", "text": "Hello there.", "offset_ms": 0}
    api.post("/v1/events", json=_now_event(clock, "d-call", 2, "call.utterance", text))
    clock.advance(2)  # past the 1 s self-identification window
    missed = _wait_for_alert(api, "required_phrase_missed", "d-call")
    assert missed["message"].startswith("self_identification: not said within 1 s of answer")
    detail = api.get("/v1/interactions/d-call").json()
    assert detail["final"] is False and detail["standard_version"] == "test-fast-deadlines"


def test_overdue_ticket_alerts_after_a_restart(start_server: Callable[..., Any], fast_standard: Path) -> None:
    clock = TestClock()
    first = start_server(sweep=False, clock=clock, standards_file=fast_standard)
    created = _now_event(clock, "d-ticket", 0, "ticket.created", {"channel": "email", "subject": "refund"})
    assert first.client.post("/v1/events", json=created).status_code == 202
    first.stop()  # the deadline lives in the database, not in this process

    clock.advance(2)  # past the 1 s first-reply limit while no process was running
    second = start_server(sweep=True, clock=clock, standards_file=fast_standard, sweep_interval_seconds=0.2).client
    overdue = _wait_for_alert(second, "ticket_first_reply_overdue", "d-ticket")
    assert "no first reply after" in overdue["message"]
