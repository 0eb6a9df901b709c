"""Group commit of POST /v1/events (service/ingest/writer.py), on real SQLite and PostgreSQL: concurrent requests
share one transaction; each is answered after the commit that stores its events, every event is stored once, and
a database that fails the transaction midway fails every request of the group (503 over HTTP) with none of their
events stored. API keys are cached (CALLQA_KEY_CACHE_SECONDS): a key revoked through the API stops at once."""

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from service.auth.service import revoke
from service.config import Settings
from service.db import session_scope
from service.dbstate import classify
from service.events.decode import Rejection, limits_of, validate_items
from service.events.model import Event
from service.ingest.writer import IngestWriter
from service.interactions.models import EventRecord, Interaction
from service.runtime import Runtime, open_runtime
from tests.clock import TestClock
from tests.conftest import LiveServer


def _event(clock: TestClock, interaction: str, n: int, kind: str = "call.utterance") -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"{interaction}-{n}",
        "type": kind,
        "occurred_at": clock().isoformat(),
        "interaction_id": interaction,
        "agent_id": "a-1",
    }
    if kind == "call.utterance":
        body["payload"] = {"speaker": "customer" if n % 2 else "agent", "text": f"turn {n}", "offset_ms": 1000 * n}
    return body


def _a_call(clock: TestClock, interaction: str, turns: int) -> list[dict[str, Any]]:
    lifecycle = [_event(clock, interaction, 0, "call.offered"), _event(clock, interaction, 1, "call.answered")]
    return lifecycle + [_event(clock, interaction, n) for n in range(2, 2 + turns)]


def _stored(url: str, event_ids: list[str]) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).where(EventRecord.event_id.in_(event_ids))) or 0
    finally:
        engine.dispose()


def test_concurrent_single_events_are_stored_once_each_and_answered_after_their_commit(
    start_server: Any, database_url: str
) -> None:
    server: LiveServer = start_server()
    calls = {f"gc-{lane}": _a_call(server.clock, f"gc-{lane}", 6) for lane in range(8)}
    reader = create_engine(database_url)

    def lane(events: list[dict[str, Any]]) -> list[tuple[int, bool]]:
        """Each call's events in order, one per request; each posted twice (the second is a duplicate). Right
        after each answer another connection must see the event: nothing is answered before its commit."""
        seen = []
        with httpx.Client(base_url=server.url, headers=server.auth(server.admin_key), timeout=60) as client:
            for e in events:
                first = client.post("/v1/events", json=e).status_code
                again = client.post("/v1/events", json=e).status_code
                with reader.connect() as conn:
                    stored = conn.scalar(select(func.count()).where(EventRecord.event_id == e["event_id"]))
                seen += [(first, stored == 1), (again, stored == 1)]
        return seen

    try:
        with ThreadPoolExecutor(len(calls)) as pool:
            answers = [a for lane_answers in pool.map(lane, calls.values()) for a in lane_answers]
        ids = [e["event_id"] for events in calls.values() for e in events]
        with reader.connect() as conn:
            rows = conn.execute(select(EventRecord.event_id)).scalars().all()
            counts = dict(conn.execute(select(Interaction.id, Interaction.event_count)).all())
    finally:
        reader.dispose()
    statuses = [status for status, _ in answers]
    assert statuses.count(202) == len(ids) and statuses.count(200) == len(ids), statuses
    assert all(stored for _, stored in answers), "an event was answered before it was committed"
    assert sorted(rows) == sorted(ids), "every event stored exactly once"
    assert counts == {interaction: len(events) for interaction, events in calls.items()}


# ------------------------------------------------------------------------ the writer itself, grouped for sure --


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    rt = open_runtime(Settings(database_url=database_url), clock=TestClock())
    yield rt
    rt.close()


def _engine(sessions: sessionmaker[Session]) -> Engine:
    return sessions.kw["bind"]  # type: ignore[no-any-return]


def _validated(clock: TestClock, interaction: str) -> list[Event | Rejection]:
    return validate_items(_a_call(clock, interaction, 3), limits_of(Settings()), clock())


async def _together(writer: IngestWriter, requests: list[list[Any]]) -> list[Any]:
    """The requests handed over at one moment: all of them wait while the first group is formed."""
    return await asyncio.gather(*(writer.record(items, "http") for items in requests), return_exceptions=True)


def _fail_the_score_update(sessions: sessionmaker[Session], database_url: str) -> None:
    """Make the database refuse the transaction midway, after the events' insert: when the interactions' scores
    are written. PostgreSQL: a trigger raising disk_full (SQLSTATE 53100). SQLite: a trigger that writes a big
    blob into a database capped a few pages above its size (SQLite's own "database or disk is full")."""
    engine = _engine(sessions)
    with engine.begin() as conn:
        if database_url.startswith("postgresql"):
            conn.execute(
                text(
                    "CREATE FUNCTION test_full() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'no space left' USING ERRCODE = '53100'; END $$"
                )
            )
            conn.execute(
                text("CREATE TRIGGER test_full BEFORE UPDATE ON interactions FOR EACH ROW EXECUTE FUNCTION test_full()")
            )
            return
        conn.execute(text("CREATE TABLE test_filler (b BLOB)"))
        conn.execute(
            text(
                "CREATE TRIGGER test_full BEFORE UPDATE ON interactions "
                "BEGIN INSERT INTO test_filler VALUES (zeroblob(4000000)); END"
            )
        )
        pages = conn.scalar(text("PRAGMA page_count"))

    def cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 40}")

    event.listen(engine, "connect", cap)
    engine.dispose()


def test_one_group_is_one_transaction_and_each_request_gets_its_own_outcomes(runtime: Runtime) -> None:
    clock = TestClock()
    writer = IngestWriter(runtime.sessions, runtime.pipeline, clock, max_events=1000)
    requests = [_validated(clock, f"grp-{i}") for i in range(6)]
    requests.append(requests[0][:1])  # a duplicate of the first request's first event, in the same group
    commits: list[int] = []
    event.listen(runtime.sessions, "after_commit", lambda s: commits.append(1))

    answers = asyncio.run(_together(writer, requests))

    assert len(commits) == 1, "the seven requests waiting together share one commit"
    for i, recorded in enumerate(answers[:6]):
        assert [o.index for o in recorded.outcomes] == list(range(5))
        assert {o.status for o in recorded.outcomes} == {"accepted"}
        assert {o.interaction_id for o in recorded.outcomes} == {f"grp-{i}"}
        assert {a.interaction_id for a in recorded.alerts} <= {f"grp-{i}"}
    assert [(o.index, o.status) for o in answers[6].outcomes] == [(0, "duplicate")]


def test_the_senders_a_commit_answered_are_waited_for_and_share_the_next_commit(runtime: Runtime) -> None:
    """Four senders of single events answered by one commit come back one after another: the next group waits for
    all four (it never needs its time limit here) instead of writing the first alone while the others queue."""
    clock = TestClock()
    writer = IngestWriter(runtime.sessions, runtime.pipeline, clock, max_events=1000, gather_seconds=30)
    commits: list[int] = []
    event.listen(runtime.sessions, "after_commit", lambda s: commits.append(1))

    async def senders() -> list[Any]:
        await _together(writer, [_validated(clock, f"back-{i}")[:1] for i in range(4)])
        later = []
        for i in range(4):  # one after another, each handed over while the writer gathers
            later.append(asyncio.create_task(writer.record(_validated(clock, f"again-{i}")[:1], "http")))
            await asyncio.sleep(0)
        return await asyncio.gather(*later)

    answers = asyncio.run(senders())

    assert len(commits) == 2, "the four requests that came back share one commit"
    assert [{o.interaction_id for o in a.outcomes} for a in answers] == [{f"again-{i}"} for i in range(4)]


def test_a_batch_is_written_at_once_without_waiting_for_the_other_senders(runtime: Runtime) -> None:
    """A group that already holds as many events as there were senders spreads its statements over them: a batch
    that comes back alone is written at once (the writer would otherwise wait its whole gather time for senders
    that never come)."""
    clock = TestClock()
    writer = IngestWriter(runtime.sessions, runtime.pipeline, clock, max_events=1000, gather_seconds=3600)

    async def senders() -> Any:
        await _together(writer, [_validated(clock, f"batch-{i}") for i in range(4)])
        async with asyncio.timeout(60):  # a guard against hanging, far above any write: no timing is asserted
            return await writer.record(_validated(clock, "batch-again"), "http")

    again = asyncio.run(senders())
    assert {o.status for o in again.outcomes} == {"accepted"}


def test_a_database_failure_midway_fails_every_waiting_request_and_stores_none(
    runtime: Runtime, database_url: str
) -> None:
    clock = TestClock()
    writer = IngestWriter(runtime.sessions, runtime.pipeline, clock, max_events=1000)
    requests = [_validated(clock, f"fail-{i}") for i in range(5)]
    _fail_the_score_update(runtime.sessions, database_url)

    answers = asyncio.run(_together(writer, requests))

    assert all(isinstance(a, DBAPIError) for a in answers), answers
    assert {classify(a).reason for a in answers} == {"full"}  # type: ignore[union-attr]  (so the API says 503)
    ids = [e.event_id for items in requests for e in items if isinstance(e, Event)]
    assert _stored(database_url, ids) == 0
    with session_scope(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 0, "no half-stored interaction"


def test_a_request_that_breaks_scoring_fails_alone(runtime: Runtime, database_url: str) -> None:
    clock = TestClock()
    writer = IngestWriter(runtime.sessions, runtime.pipeline, clock, max_events=1000)
    good = [_validated(clock, f"ok-{i}") for i in range(3)]
    broken: list[Any] = ["not an event"]  # what no validated request holds: scoring it raises (a bug, not the DB)

    answers = asyncio.run(_together(writer, [good[0], broken, good[1], good[2]]))

    assert isinstance(answers[1], Exception) and classify(answers[1]) is None
    assert all({o.status for o in answers[i].outcomes} == {"accepted"} for i in (0, 2, 3))
    assert _stored(database_url, [e.event_id for items in good for e in items if isinstance(e, Event)]) == 15


def test_a_database_failure_answers_every_concurrent_request_503_over_http(
    start_server: Any, database_url: str
) -> None:
    server: LiveServer = start_server()
    _fail_the_score_update(server.app.state.callqa.sessions, database_url)
    bodies = [_event(server.clock, f"http-fail-{i}", 0, "call.offered") for i in range(8)]

    def post(body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{server.url}/v1/events", json=body, headers=server.auth(server.admin_key), timeout=60)

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(post, bodies))

    assert [r.status_code for r in answers] == [503] * len(bodies), [r.text for r in answers]
    assert {r.json()["reason"] for r in answers} == {"full"} and all(r.headers["retry-after"] for r in answers)
    assert _stored(database_url, [b["event_id"] for b in bodies]) == 0


# ---------------------------------------------------------------------------------------------- key cache --


def _revoke_elsewhere(server: LiveServer, key: str) -> None:
    """As `callqa keys revoke` in another process does: straight in the database, this process not told."""
    with session_scope(server.app.state.callqa.sessions) as session:
        revoke(session, key.split("_")[1], server.clock())


def test_a_key_revoked_through_the_api_stops_at_once(start_server: Any) -> None:
    server: LiveServer = start_server(key_cache_seconds=3600)
    key = server.create_key("sender", ["ingest"])
    first = _event(server.clock, f"k-{uuid.uuid4().hex[:6]}", 0, "call.offered")
    assert (
        httpx.post(f"{server.url}/v1/events", json=first, headers=server.auth(key), timeout=60).status_code == 202
    )  # cached

    assert server.client.delete(f"/v1/keys/{key.split('_')[1]}").status_code == 200
    r = httpx.post(f"{server.url}/v1/events", json=first, headers=server.auth(key), timeout=60)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_a_key_revoked_elsewhere_works_until_its_cache_time_then_stops(start_server: Any) -> None:
    cached: LiveServer = start_server(key_cache_seconds=3600)
    uncached: LiveServer = start_server(key_cache_seconds=0)
    for server, still_works in ((cached, True), (uncached, False)):
        key = server.create_key("sender", ["ingest"])
        assert httpx.get(f"{server.url}/v1/me", headers=server.auth(key), timeout=60).status_code == 200
        _revoke_elsewhere(server, key)
        r = httpx.get(f"{server.url}/v1/me", headers=server.auth(key), timeout=60)
        assert r.status_code == (200 if still_works else 401), r.text
