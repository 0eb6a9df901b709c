"""A database that is read-only, full or gone: writes answer 503 with the reason and Retry-After, readiness
says not ready, and supervisors keep reading. Real SQLite and PostgreSQL, put in each state for real:
SQLite by its own pragmas on every connection of the running server (`query_only`: SQLite's read-only
error; `max_page_count`: its "database or disk is full"), or its directory taken away; PostgreSQL by
`default_transaction_read_only` on the test's own database, or by dropping that database."""

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from service.config import Settings
from service.dbstate import classify
from tests.conftest import LiveServer

Start = Callable[..., LiveServer]


def engine_of(server: LiveServer) -> Engine:
    return server.app.state.callqa.sessions.kw["bind"]  # type: ignore[no-any-return]


def on_every_connection(server: LiveServer, *pragmas: str) -> Callable[[], None]:
    """Run SQLite pragmas on each new connection of the server (its pool emptied first); returns the undo."""
    engine = engine_of(server)

    def apply(dbapi_conn: Any, _record: Any) -> None:
        for pragma in pragmas:
            dbapi_conn.execute(pragma)

    event.listen(engine, "connect", apply)
    engine.dispose()

    def undo() -> None:
        event.remove(engine, "connect", apply)
        engine.dispose()

    return undo


def call_event(server: LiveServer, n: int = 1) -> dict[str, Any]:
    now = server.clock().isoformat()
    return {
        "events": [
            {
                "event_id": f"e-{uuid.uuid4().hex}",
                "type": "call.offered",
                "occurred_at": now,
                "interaction_id": f"c-{i}",
            }
            for i in range(n)
        ]
    }


def assert_unavailable(r: httpx.Response, reason: str) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["reason"] == reason and r.json()["detail"], r.text
    assert int(r.headers["retry-after"]) > 0


def assert_reads_go_on(server: LiveServer, supervisor: str) -> None:
    """A key never used before: its last_used_at write is due, fails, and the read is answered all the same."""
    r = httpx.get(f"{server.url}/v1/interactions", headers=server.auth(supervisor))
    assert r.status_code == 200, r.text


@pytest.fixture
def sqlite_server(start_server: Start, database_url: str) -> LiveServer:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's own pragmas")
    return start_server()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_read_only_refuses_writes_with_503_and_reads_go_on(sqlite_server: LiveServer) -> None:
    server = sqlite_server
    supervisor = server.create_key("supervisor", ["supervise"])
    assert server.client.post("/v1/events", json=call_event(server)).status_code == 202
    undo = on_every_connection(server, "PRAGMA query_only = ON")

    assert_unavailable(server.client.post("/v1/events", json=call_event(server)), "read_only")
    assert_unavailable(server.client.get("/readyz"), "read_only")
    assert_reads_go_on(server, supervisor)

    undo()  # writable again: ready, and events are taken
    assert server.client.get("/readyz").json()["status"] == "ready"
    assert server.client.post("/v1/events", json=call_event(server)).status_code == 202


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_full_refuses_writes_with_503_and_readiness_says_full(sqlite_server: LiveServer) -> None:
    server = sqlite_server
    supervisor = server.create_key("supervisor", ["supervise"])
    with engine_of(server).connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    on_every_connection(server, f"PRAGMA max_page_count = {pages}")

    assert_unavailable(server.client.get("/readyz"), "full")
    assert_unavailable(server.client.post("/v1/events", json=call_event(server, 200)), "full")
    assert_reads_go_on(server, supervisor)


def test_sqlite_gone_answers_503_unavailable(tmp_path: Path, sqlite_template: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "callqa.db").write_bytes(sqlite_template.read_bytes())
    server = LiveServer(Settings(database_url=f"sqlite:///{home / 'callqa.db'}"), sweep=False)
    try:
        home.rename(tmp_path / "moved")  # the volume is gone: SQLite cannot open (or create) the file
        engine_of(server).dispose()
        assert_unavailable(server.client.get("/v1/interactions"), "unavailable")
        assert_unavailable(server.client.get("/readyz"), "unavailable")
    finally:
        server.stop()


@pytest.fixture
def pg_server(start_server: Start, database_url: str) -> Iterator[tuple[LiveServer, str]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's own settings")
    yield start_server(), database_url


def _admin(url: str, sql: str) -> None:
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_read_only_refuses_writes_with_503_and_reads_go_on(pg_server: tuple[LiveServer, str]) -> None:
    server, url = pg_server
    name = make_url(url).database
    supervisor = server.create_key("supervisor", ["supervise"])
    assert server.client.post("/v1/events", json=call_event(server)).status_code == 202
    _admin(url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    engine_of(server).dispose()  # the setting applies to new sessions

    assert_unavailable(server.client.post("/v1/events", json=call_event(server)), "read_only")
    assert_unavailable(server.client.get("/readyz"), "read_only")
    assert_reads_go_on(server, supervisor)

    _admin(url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
    engine_of(server).dispose()
    assert server.client.get("/readyz").json()["status"] == "ready"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_gone_answers_503_unavailable(pg_server: tuple[LiveServer, str]) -> None:
    server, url = pg_server
    _admin(url, f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
    assert_unavailable(server.client.post("/v1/events", json=call_event(server)), "unavailable")
    assert_unavailable(server.client.get("/readyz"), "unavailable")


# What is not the database's condition stays a 500: classed by the driver's code, real SQLite errors.


def _seed(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        conn.execute("INSERT INTO t VALUES (1, 'x')")
    conn.close()


def _sqlite_error(tmp_path: Path, *setup: str, statement: str) -> DBAPIError:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}", connect_args={"timeout": 0})
    try:
        with engine.connect() as conn:
            for s in setup:
                conn.exec_driver_sql(s)
            conn.execute(text(statement))
    except DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{statement} did not fail")


@pytest.mark.parametrize(
    ("setup", "statement", "reason"),
    [
        (("PRAGMA query_only = ON",), "INSERT INTO t VALUES (2, 'y')", "read_only"),
        (("PRAGMA max_page_count = 2",), "INSERT INTO t SELECT NULL, hex(randomblob(4000))", "full"),
        ((), "SELECT * FROM no_such_table", None),  # a bug: 500, not 503
        ((), "INSERT INTO t VALUES (1, 'again')", None),  # a constraint the code should have handled
        ((), "SELECT nonsense(", None),  # a syntax error
    ],
)
def test_sqlite_errors_are_classed_by_their_code(
    tmp_path: Path, setup: tuple[str, ...], statement: str, reason: str | None
) -> None:
    _seed(tmp_path / "c.db")
    down = classify(_sqlite_error(tmp_path, *setup, statement=statement))
    assert (down.reason if down else None) == reason


def test_a_held_sqlite_write_lock_is_busy(tmp_path: Path) -> None:
    _seed(tmp_path / "c.db")
    holder = sqlite3.connect(tmp_path / "c.db")
    holder.execute("BEGIN IMMEDIATE")
    try:
        down = classify(_sqlite_error(tmp_path, statement="INSERT INTO t VALUES (9, 'z')"))
    finally:
        holder.rollback()
        holder.close()
    assert down is not None and down.reason == "busy"
