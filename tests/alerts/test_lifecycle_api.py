"""Acknowledge and resolve over real HTTP: who, when, notes kept; wrong transitions refused; scopes enforced."""

import httpx

from tests.api.wire import RUDE_CALL, call
from tests.conftest import LiveServer


def _rude_alert(api: httpx.Client) -> dict:
    assert api.post("/v1/events", json={"events": call("l-1", turns=RUDE_CALL, ended=None)}).status_code == 202
    return api.get("/v1/alerts", params={"rule": "forbidden_phrase"}).json()["items"][0]


def test_ack_then_resolve_keeps_every_change(start_server) -> None:  # type: ignore[no-untyped-def]
    server: LiveServer = start_server()
    api = server.client
    alert = _rude_alert(api)
    supervisor = httpx.Client(base_url=server.url, headers=server.auth(server.create_key("mei", ["supervise"])))

    acked = supervisor.post(f"/v1/alerts/{alert['id']}/ack", json={"note": "listening to the call"})
    assert acked.status_code == 200
    assert acked.json()["state"] == "acknowledged" and acked.json()["acknowledged_by"] == "mei"
    again = supervisor.post(f"/v1/alerts/{alert['id']}/ack", json={})
    assert again.status_code == 409 and "already acknowledged by mei" in again.json()["detail"]

    resolved = api.post(f"/v1/alerts/{alert['id']}/resolve", json={"note": "coached the agent"})
    assert resolved.json()["state"] == "resolved" and resolved.json()["resolved_by"] == "test admin"
    assert api.post(f"/v1/alerts/{alert['id']}/resolve").status_code == 409

    history = api.get(f"/v1/alerts/{alert['id']}").json()["history"]
    assert [(h["to_state"], h["actor"], h["note"]) for h in history] == [
        ("open", "callqa", None),
        ("acknowledged", "mei", "listening to the call"),
        ("resolved", "test admin", "coached the agent"),
    ]
    assert api.get("/v1/alerts", params={"state": "resolved", "total": "true"}).json()["total"] == 1
    assert api.post("/v1/alerts/99999/ack").status_code == 404


def test_scopes_are_enforced(start_server) -> None:  # type: ignore[no-untyped-def]
    server: LiveServer = start_server()
    alert = _rude_alert(server.client)
    pbx = httpx.Client(base_url=server.url, headers=server.auth(server.create_key("pbx", ["ingest"])))
    supervisor = httpx.Client(base_url=server.url, headers=server.auth(server.create_key("sv", ["supervise"])))
    anonymous = httpx.Client(base_url=server.url)

    assert anonymous.get("/v1/alerts").status_code == 401
    assert "Authorization: Bearer" in anonymous.post("/v1/events", json={}).json()["detail"]
    bad = httpx.get(f"{server.url}/v1/alerts", headers={"Authorization": "Bearer cqa_nope_nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "invalid or revoked API key"
    denied = pbx.post(f"/v1/alerts/{alert['id']}/ack")
    assert denied.status_code == 403 and "needs 'supervise'" in denied.json()["detail"]
    assert supervisor.post("/v1/events", json={}).status_code == 403
    assert supervisor.get("/v1/keys").status_code == 403
    assert server.client.get("/v1/keys").status_code == 200
    created = server.client.post("/v1/keys", json={"name": "new", "scopes": ["supervise"]}).json()
    assert created["key"].startswith("cqa_")
    assert server.client.delete(f"/v1/keys/{created['prefix']}").json()["revoked_at"] is not None
    for open_path in ("/healthz", "/metrics/", "/docs"):
        assert anonymous.get(open_path).status_code == 200
