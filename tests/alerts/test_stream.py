"""GET /v1/alerts/stream over real HTTP: new alerts arrive live; a client that reconnects with
Last-Event-ID gets every change it missed; filters apply."""

import threading
import time

from tests.alerts.receivers import read_stream
from tests.api.wire import RUDE_CALL, call
from tests.conftest import LiveServer


def test_live_alerts_and_resume_after_a_dropped_connection(start_server) -> None:  # type: ignore[no-untyped-def]
    server: LiveServer = start_server()
    api = server.client
    got: list = []
    reader = threading.Thread(target=read_stream, args=(api, {}, {"severity": "critical"}, 1, got))
    reader.start()
    time.sleep(1.0)  # the stream starts from "now"
    assert api.post("/v1/events", json={"events": call("s-1", turns=RUDE_CALL, ended=None)}).status_code == 202
    reader.join(timeout=20)
    assert got and got[0]["data"]["alert"]["rule"] == "forbidden_phrase"
    assert got[0]["data"]["transition"]["to_state"] == "open"
    last_seen = got[0]["id"]

    # Connection dropped. Meanwhile: a new critical alert, and the first one acknowledged.
    alert_id = got[0]["data"]["alert"]["id"]
    api.post(f"/v1/alerts/{alert_id}/ack", json={"note": "on it"})
    api.post("/v1/events", json={"events": call("s-2", turns=RUDE_CALL, ended=None)})

    missed: list = []
    read_stream(api, {"Last-Event-ID": str(last_seen)}, {"severity": "critical"}, 2, missed)
    assert [(m["data"]["alert"]["interaction_id"], m["data"]["transition"]["to_state"]) for m in missed] == [
        ("s-1", "acknowledged"),
        ("s-2", "open"),
    ]
    assert all(m["id"] > last_seen for m in missed)
    assert all(m["data"]["alert"]["severity"] == "critical" for m in missed)
    bad = api.get("/v1/alerts/stream", headers={"Last-Event-ID": "yesterday"})
    assert bad.status_code == 422


def test_an_alert_raised_by_one_instance_reaches_every_stream_of_another(start_server) -> None:  # type: ignore[no-untyped-def]
    """Two `callqa serve` instances on one database: streams on A see what B raises. On PostgreSQL A's fallback
    poll is set to 10 minutes, so only LISTEN/NOTIFY can deliver it before the readers give up (30 s)."""
    a: LiveServer = start_server(alert_watch_fallback_seconds=600)
    b: LiveServer = start_server()
    got: list[list] = [[] for _ in range(3)]
    readers = [threading.Thread(target=read_stream, args=(a.client, {}, {}, 1, out)) for out in got]
    for reader in readers:
        reader.start()
    time.sleep(1.0)  # the streams start from "now"
    assert b.client.post("/v1/events", json={"events": call("x-1", turns=RUDE_CALL, ended=None)}).status_code == 202
    for reader in readers:
        reader.join(timeout=40)
    assert [out[0]["data"]["alert"]["interaction_id"] for out in got if out] == ["x-1"] * 3
