"""Personal data over real HTTP, on SQLite and PostgreSQL: what is stored, read back, raised and delivered holds
placeholders only, on POST /v1/events and on a source's own payload."""

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from service.interactions.models import EventRecord
from tests.alerts.test_delivery import Receiver
from tests.api.wire import at
from tests.conftest import LiveServer
from tests.vendor_samples import CHAT_POSTCALL, needs_data

CARD, CARD_DIGITS = "4532 0151 1283 0366", "4532015112830366"
SECRETS = ("4532", "0151", "1283", "0366", "555-234-5678", "ann@example.com", "123-45-6789")


def _events(interaction_id: str) -> list[dict[str, Any]]:
    def ev(n: int, type_: str, seconds: float, **payload: Any) -> dict[str, Any]:
        when = at(seconds)  # the test server's clock runs half a day later (tests/clock.py)
        return {"event_id": f"{interaction_id}-{n}", "type": type_, "occurred_at": when,
                "interaction_id": interaction_id, "agent_id": "ann", "payload": payload}  # fmt: skip

    return [
        ev(1, "call.offered", 0),
        ev(2, "call.answered", 5),
        ev(3, "call.utterance", 6, speaker="agent", text="Hello, my name is Ann.", offset_ms=1000),
        ev(
            4,
            "call.utterance",
            15,
            speaker="customer",
            offset_ms=10000,
            text=f"My card is {CARD}, cvv 123, SSN 123-45-6789, mail ann@example.com or call 555-234-5678",
        ),
        ev(5, "call.utterance", 25, speaker="agent", offset_ms=20000, text=f"Calm down, card {CARD} is not my problem"),
    ]


# A secret counts where it stands alone: a live call's durations run on the clock, and "1283" inside a figure
# is a number of the reply, not the card (0.1283 or 41283.6 s made the test fail now and then).
_SECRET_RE = [(s, re.compile(rf"(?<![\d.]){re.escape(s)}(?!\.?\d)")) for s in SECRETS]


def _no_secret(doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False) if not isinstance(doc, str | bytes) else str(doc)
    leaked = [s for s, pattern in _SECRET_RE if pattern.search(text)]
    assert not leaked, f"{leaked} in {text[:400]}"


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver(failures=0)
    yield receiver
    receiver.server.stop()


def _wait(predicate: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_card_said_in_a_call_is_stored_read_alerted_and_delivered_as_placeholders(
    start_server: Callable[..., LiveServer], hook: Receiver
) -> None:
    server = start_server(sweep=True, webhook_urls=[f"{hook.url}/hook"], delivery_backoff_seconds=0.2)
    r = server.client.post("/v1/events", json={"events": _events("pii-1")})
    assert r.status_code == 202, r.text
    _no_secret(r.json())

    with server.app.state.callqa.sessions() as session:
        stored = {row.event_id: row.payload for row in session.scalars(select(EventRecord))}
    assert stored["pii-1-4"]["text"] == "My card is [card], cvv [cvv], SSN [national_id], mail [email] or call [phone]"
    assert stored["pii-1-5"]["text"] == "Calm down, card [card] is not my problem"

    detail = server.client.get("/v1/interactions/pii-1").json()
    _no_secret(detail)
    forbidden = next(i for i in detail["score"]["items"] if i["id"] == "no_forbidden_phrases")
    evidence = forbidden["evidence"][0]
    assert evidence["text"] == "Calm down, card [card] is not my problem"
    assert evidence["matched_text"] == "Calm down" and evidence["text"].startswith(evidence["matched_text"])

    alerts = server.client.get("/v1/alerts", params={"interaction_id": "pii-1"}).json()
    assert {a["rule"] for a in alerts["items"]} >= {"forbidden_phrase"}
    _no_secret(alerts)
    shown = next(a for a in alerts["items"] if a["rule"] == "forbidden_phrase")
    assert "[card]" in json.dumps(shown["evidence"])

    _wait(lambda: any(json.loads(c["body"])["alert"]["rule"] == "forbidden_phrase" for c in hook.calls))
    for c in hook.calls:
        _no_secret(c["body"].decode())
    delivered = next(json.loads(c["body"]) for c in hook.calls if b"forbidden_phrase" in c["body"])
    assert "[card]" in json.dumps(delivered["alert"]["evidence"])


@needs_data
def test_a_source_payload_is_redacted_before_it_is_stored(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    chat = json.loads(CHAT_POSTCALL.read_bytes())
    customer = [t for t in chat["Transcript"] if t.get("ParticipantRole") == "CUSTOMER" and t["Type"] == "MESSAGE"][-1]
    customer["Content"] = f"my card is {CARD} and my phone 555-234-5678"
    r = server.client.post("/v1/sources/connect-contact-lens-postcall", content=json.dumps(chat).encode())
    assert r.status_code == 202, r.text
    contact = chat["CustomerMetadata"]["ContactId"]
    detail = server.client.get(f"/v1/interactions/{contact}").json()
    _no_secret(detail)
    texts = [e["payload"].get("text") for e in detail["timeline"]]
    assert "my card is [card] and my phone [phone]" in texts
