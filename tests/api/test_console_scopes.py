"""What the console asks on each key's behalf, over real HTTP on SQLite and PostgreSQL: any key says who it is
(GET /v1/me); an `agent` key lists only its own agent's interactions and reads no transcript, no live floor;
the calibration panels are listed with who has scored how many and which ones the asking key scored, never what."""

from collections.abc import Callable

import httpx

from tests.api.wire import GOOD_CALL, RUDE_CALL, call
from tests.conftest import LiveServer


def _client(server: LiveServer, name: str, scopes: list[str], agent_id: str | None = None) -> httpx.Client:
    body = {"name": name, "scopes": scopes, **({"agent_id": agent_id} if agent_id else {})}
    created = server.client.post("/v1/keys", json=body)
    assert created.status_code == 201, created.text
    return httpx.Client(base_url=server.url, timeout=30, headers=server.auth(created.json()["key"]))


def test_me_and_an_agent_keys_own_interactions(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    for events in (call("m-1", turns=RUDE_CALL, agent="a-1"), call("m-2", turns=GOOD_CALL, agent="a-2")):
        assert server.client.post("/v1/events", json={"events": events}).status_code == 202
    agent = _client(server, "agent one", ["agent"], agent_id="a-1")
    ingest = _client(server, "the feed", ["ingest"])

    assert agent.get("/v1/me").json() == {"name": "agent one", "scopes": ["agent"], "agent_id": "a-1"}
    assert ingest.get("/v1/me").json() == {"name": "the feed", "scopes": ["ingest"], "agent_id": None}
    assert server.client.get("/v1/me").json()["scopes"] == ["admin"]
    assert httpx.get(f"{server.url}/v1/me").status_code == 401

    def listed(client: httpx.Client, **params: str) -> list[str]:
        answer = client.get("/v1/interactions", params=params)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["items"]]

    assert listed(agent) == ["m-1"]
    assert listed(agent, agent_id="a-2") == ["m-1"]  # the key's own agent, whatever the filter asks
    assert sorted(listed(server.client)) == ["m-1", "m-2"]
    assert listed(server.client, agent_id="a-2") == ["m-2"]
    for path in ("/v1/interactions/m-1", "/v1/interactions/live", "/v1/alerts", "/v1/standards"):
        assert agent.get(path).status_code == 403, path
    assert ingest.get("/v1/interactions").status_code == 403
    own = agent.get("/v1/interactions/m-1/review")
    assert own.status_code == 200
    greeting = own.json()["item_labels"]["greeting"]  # the judging version's words: an agent reads no standard
    assert greeting["en"].startswith("Greet") and greeting["zh"]
    assert agent.get("/v1/interactions/m-2/review").status_code == 403


def test_calibration_panels_listed_blind(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    for events in (call("c-1", turns=RUDE_CALL), call("c-2", turns=GOOD_CALL)):
        assert server.client.post("/v1/events", json={"events": events}).status_code == 202
    ann = _client(server, "ann", ["supervise"])
    bob = _client(server, "bob", ["supervise"])
    agent = _client(server, "agent one", ["agent"], agent_id="a-1")
    body = {"name": "w49", "interaction_ids": ["c-1", "c-2"], "reviewers": ["ann", "bob"]}
    panel = ann.post("/v1/calibrations", json=body)
    assert panel.status_code == 201 and panel.json()["scored_by_you"] == []
    pid = panel.json()["id"]
    items = server.client.get("/v1/interactions/c-1").json()["score"]["items"]
    judged = [{"item_id": i["id"], "status": "pass"} for i in items]
    scored = ann.post(f"/v1/calibrations/{pid}/reviews", json={"interaction_id": "c-1", "items": judged})
    assert scored.status_code == 201, scored.text

    mine = ann.get("/v1/calibrations").json()
    assert [(p["id"], p["scored"], p["scored_by_you"], p["complete"]) for p in mine] == [
        (pid, {"ann": 1, "bob": 0}, ["c-1"], False)
    ]
    assert bob.get(f"/v1/calibrations/{pid}").json()["scored_by_you"] == []
    assert "items" not in str(bob.get("/v1/calibrations").json())  # never what anyone scored
    assert agent.get("/v1/calibrations").status_code == 403
