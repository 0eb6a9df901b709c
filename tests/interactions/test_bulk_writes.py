"""The batch writes (service.db.insert_ignoring_conflicts, one statement for many rows; service.db.update_by_key,
one UPDATE for a batch's scores) store exactly what a row-by-row write would, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from service.db import insert_ignoring_conflicts, session_scope, update_by_key
from service.interactions.models import EventRecord, Interaction


def _event(n: int, occurred_at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": f"e-{n}",
        "interaction_id": "c-1",
        "type": "call.utterance",
        "occurred_at": occurred_at,
        "received_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "source": "test",
        "agent_id": None if n % 2 else "a-1",
        "team_id": "t-1",
        "queue_id": None,
        "payload": payload,
    }


def test_many_events_are_stored_as_given_and_duplicates_are_not_returned(db: Any) -> None:
    plus_eight = timezone(timedelta(hours=8))
    payloads = [
        {"speaker": "agent", "text": "Thank you for calling 😀, 您好", "offset_ms": 12},
        {"speaker": "customer", "text": 'quotes " and \\ backslash', "score": 0.1 + 0.2, "nested": {"a": [1, None]}},
        {},
    ]
    rows = [_event(n, datetime(2026, 11, 24, 17, 0, n, 123456, tzinfo=plus_eight), p) for n, p in enumerate(payloads)]
    with session_scope(db) as session:
        assert insert_ignoring_conflicts(session, EventRecord, rows[:2], "event_id") == {"e-0", "e-1"}
    with session_scope(db) as session:  # one already stored: only the new one is reported inserted
        assert insert_ignoring_conflicts(session, EventRecord, rows[1:], "event_id") == {"e-2"}
    with session_scope(db) as session:
        stored = {r.event_id: r for r in session.scalars(select(EventRecord))}
    assert sorted(stored) == ["e-0", "e-1", "e-2"]
    for row in rows:
        got = stored[row["event_id"]]
        assert got.occurred_at == row["occurred_at"]  # the same instant, read back in UTC
        assert got.occurred_at.tzinfo == UTC
        assert got.payload == row["payload"]
        assert (got.agent_id, got.team_id, got.queue_id) == (row["agent_id"], row["team_id"], row["queue_id"])


def test_placeholders_left_without_a_column_get_its_default(db: Any) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    rows = [
        {"id": f"c-{n}", "kind": "call", "status": "new", "final": False, "started_at": now,
         "standard_version": "v1", "scored_at": now, "score": {}}
        for n in range(3)
    ]  # fmt: skip
    with session_scope(db) as session:
        assert insert_ignoring_conflicts(session, Interaction, rows, "id") == {"c-0", "c-1", "c-2"}
    with session_scope(db) as session:
        for row in session.scalars(select(Interaction)):
            assert (row.event_count, row.critical_failure, row.abandoned, row.compliance_passed) == (0, False, False, 0)
            assert row.score == {}


def test_rows_updated_by_key_hold_each_their_own_values(db: Any) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    rows = [
        {"id": f"c-{n}", "kind": "call", "status": "new", "final": False, "started_at": now,
         "standard_version": "v1", "scored_at": now, "score": {}}
        for n in range(3)
    ]  # fmt: skip
    ended = datetime(2026, 11, 24, 18, 30, 0, 250000, tzinfo=timezone(timedelta(hours=8)))
    changes = [
        {"id": f"c-{n}", "status": "ended", "final": n == 0, "quality_score": None if n == 2 else 100 / 3 + n,
         "ended_at": ended if n else None, "event_count": 10 * n, "score": {"items": [{"id": "greeting", "n": n}]}}
        for n in range(3)
    ]  # fmt: skip
    with session_scope(db) as session:
        insert_ignoring_conflicts(session, Interaction, rows, "id")
    with session_scope(db) as session:
        update_by_key(session, Interaction, changes, "id")
    with session_scope(db) as session:
        stored = {r.id: r for r in session.scalars(select(Interaction))}
    for change in changes:
        row = stored[change["id"]]
        assert (row.status, row.final, row.quality_score, row.ended_at, row.event_count, row.score) == (
            change["status"], change["final"], change["quality_score"], change["ended_at"], change["event_count"],
            change["score"],
        )  # fmt: skip
        assert row.standard_version == "v1"  # columns not given are left as they were
