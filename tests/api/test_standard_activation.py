"""Standards that change without a restart, over real HTTP on SQLite and PostgreSQL: a version activated at run
time judges interactions that start from its effective time on; a live call keeps the version it started with;
no stored score is rewritten; reads say which version each figure comes from; failing fixtures refuse it."""

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import create_engine, text

from service.migrate import alembic_config, upgrade
from tests.conftest import LiveServer
from tests.standards_support import STRICT, V1, V2, ending, opening


def post(api: httpx.Client, events: list[dict[str, Any]]) -> None:
    r = api.post("/v1/events", json={"events": events})
    assert r.status_code == 202 and r.json()["accepted"] == len(events), r.text


def judged(api: httpx.Client, cid: str) -> tuple[str, str]:
    detail = api.get(f"/v1/interactions/{cid}").json()
    forbidden = next(i for i in detail["score"]["items"] if i["id"] == "no_forbidden_phrases")
    return detail["standard_version"], forbidden["status"]


def test_a_live_call_keeps_its_version_while_a_new_one_is_activated(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server()
    api, now = server.client, server.clock()
    effective = now + timedelta(minutes=5)
    post(api, opening("ongoing", now))  # a call going on when the new version is activated
    post(api, [*opening("done", now - timedelta(minutes=10)), *ending("done", now - timedelta(minutes=10))])
    assert judged(api, "done") == (V1, "pass")

    r = api.post("/v1/standards/activations", json={"standard": STRICT, "effective_at": effective.isoformat()})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["version"], body["activated_by"], body["fixture_cases"]) == (V2, "test admin", 8)
    assert datetime.fromisoformat(body["effective_at"]) == effective

    server.clock.advance(600)  # past the effective time, no restart
    later = effective + timedelta(minutes=1)
    post(api, ending("ongoing", now, after=(later - now).total_seconds()))  # it goes on past the effective time
    post(api, [*opening("late", effective - timedelta(minutes=2)), *ending("late", effective - timedelta(minutes=2))])
    post(api, [*opening("new", later), *ending("new", later)])
    assert judged(api, "ongoing") == (V1, "pass")  # started before: v1, "no way" allowed
    assert judged(api, "late") == (V1, "pass")  # started before, reported after: v1
    assert judged(api, "new") == (V2, "fail")  # started after: v2 forbids it
    assert judged(api, "done") == (V1, "pass")  # the stored score is not rewritten

    standards = api.get("/v1/standards").json()
    assert standards["current"]["version"] == V2
    assert [(a["version"], a["activated_by"]) for a in standards["activations"]] == [
        (V1, "startup"),
        (V2, "test admin"),
    ]
    card = api.get(
        "/v1/agents/a-1/scorecard",
        params={"from": (now - timedelta(hours=1)).isoformat(), "to": (later + timedelta(hours=1)).isoformat()},
    ).json()
    assert card["judged_by"] == {V1: 3, V2: 1}
    assert card["standard_version"] == V2  # the targets' version: in force at `to`


def test_a_restart_keeps_the_activated_version(start_server: Callable[..., LiveServer]) -> None:
    first = start_server()
    r = first.client.post("/v1/standards/activations", json={"standard": STRICT})
    assert r.status_code == 201, r.text
    first.stop()
    again = start_server(clock=first.clock)  # the same standards file (v1) at start-up
    assert again.client.get("/v1/standards").json()["current"]["version"] == V2
    assert again.client.get("/readyz").json()["standard_version"] == V2
    rollback = again.client.post("/v1/standards/activations", json={"version": V1})
    assert rollback.status_code == 201, rollback.text
    assert again.client.get("/v1/standards").json()["current"]["version"] == V1


def test_activation_refuses_failing_fixtures_and_bad_requests(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    api = server.client
    lax = STRICT.replace(V2, "2026.12-lax").replace("not my problem, ", "")
    r = api.post("/v1/standards/activations", json={"standard": lax})
    assert r.status_code == 422, r.text
    assert r.json()["failures"] == [
        {
            "case": "English forbidden phrase",
            "item": "no_forbidden_phrases",
            "expected": "fail",
            "got": "pass",
            "detail": r.json()["failures"][0]["detail"],
        }
    ]
    assert "1 of 20 fixture checks fail" in r.json()["detail"]

    past = (server.clock() - timedelta(minutes=1)).isoformat()
    cases = [
        ({"standard": STRICT, "effective_at": past}, 422, "before now"),
        ({"standard": STRICT.replace("pass_mark: 80", "pass_mark: 81").replace(V2, V1)}, 409, "different content"),
        ({"version": "nope"}, 404, "no standard version 'nope'"),
        ({"standard": "version: x\nquality: {pass_mark: 200}\n"}, 422, "quality.pass_mark"),
        ({"standard": STRICT, "version": V1}, 422, "exactly one of"),
        ({"standard": STRICT, "effective_at": "tomorrow"}, 422, "effective_at"),
    ]
    for body, status, words in cases:
        r = api.post("/v1/standards/activations", json=body)
        assert r.status_code == status and words in r.text, (body.keys(), r.status_code, r.text)
    supervisor = server.create_key("sup", ["supervise"])
    r = api.post("/v1/standards/activations", json={"standard": STRICT}, headers=server.auth(supervisor))
    assert r.status_code == 403
    assert [a["version"] for a in api.get("/v1/standards/activations").json()] == [V1]


def test_the_cli_activates_and_a_running_server_follows_without_restart(
    start_server: Callable[..., LiveServer], database_url: str, tmp_path: Path
) -> None:
    server = start_server()
    strict = tmp_path / "strict.yaml"
    strict.write_text(STRICT, encoding="utf-8")
    effective = datetime.now(server.clock().tzinfo) + timedelta(hours=1)  # the CLI judges by the real clock
    env = {**os.environ, "CALLQA_DATABASE_URL": database_url}
    cli = [sys.executable, "-m", "service.cli", "standards"]
    tested = subprocess.run([*cli, "test", str(strict)], capture_output=True, text=True, env=env, check=False)
    assert tested.returncode == 0 and "8 fixture cases, 20 checks, all pass" in tested.stdout, tested.stderr
    lax = tmp_path / "lax.yaml"
    lax.write_text(STRICT.replace(V2, "2026.12-lax").replace("not my problem, ", ""), encoding="utf-8")
    for action in ("test", "activate"):
        refused = subprocess.run([*cli, action, str(lax)], capture_output=True, text=True, env=env, check=False)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "FAIL English forbidden phrase: no_forbidden_phrases is pass, expected fail" in (
            refused.stdout + refused.stderr
        )
    done = subprocess.run(
        [*cli, "activate", str(strict), "--effective-at", effective.isoformat()],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"activated standard '{V2}' from {effective.isoformat()}" in done.stdout
    at = server.clock.advance((effective - server.clock()).total_seconds() + 60)  # the server's time passes it
    post(server.client, [*opening("after-cli", at), *ending("after-cli", at)])
    assert judged(server.client, "after-cli") == (V2, "fail")


def test_the_migration_counts_each_recorded_version_as_activated_when_first_loaded(database_url: str) -> None:
    """A database from before activations: every version it recorded judged from its first load on."""
    command.downgrade(alembic_config(database_url), "0005")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            insert = (
                "INSERT INTO standard_versions (version, name, sha256, source, first_loaded_at) "
                "VALUES (:v, 'n', 's', 'src', :at)"
            )
            conn.execute(
                text(insert), [{"v": "old", "at": datetime(2026, 1, 1)}, {"v": "new", "at": datetime(2026, 6, 1)}]
            )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version, activated_by FROM standard_activations ORDER BY effective_at"))
            assert [tuple(r) for r in rows] == [("old", "startup"), ("new", "startup")]
    finally:
        engine.dispose()
