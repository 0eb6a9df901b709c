"""Shared fixtures: real databases (a migrated SQLite file, and PostgreSQL when the test script started it)
and a real HTTP server (uvicorn on a loopback port) in front of the app."""

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.api.server import ServerConfig
from service.app import create_app
from service.auth.service import create_key
from service.clock import Clock
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.migrate import upgrade
from tests.clock import TestClock

# Property tests judge results, never speed: hypothesis' default 200 ms deadline per example is a timed assertion,
# and one example over it on a loaded machine failed a whole run. Tests may still set their own settings.
hypothesis_settings.register_profile("callqa", deadline=None)
hypothesis_settings.load_profile("callqa")

PG_URL_ENV = "CALLQA_TEST_POSTGRES_URL"
REQUIRE_PG_ENV = "CALLQA_TEST_REQUIRE_POSTGRES"


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            raise RuntimeError(f"{REQUIRE_PG_ENV}=1 but {PG_URL_ENV} is not set")
        return None
    return url


def _admin(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "callqa.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A database migrated once; each test gets a copy (CREATE DATABASE ... TEMPLATE) in milliseconds."""
    admin = _pg_admin_url()
    if admin is None:
        yield None
        return
    name = f"callqa_tmpl_{uuid.uuid4().hex[:8]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    upgrade(make_url(admin).set(database=name).render_as_string(hide_password=False))
    yield name
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_template: str | None
) -> Iterator[str]:
    """A fresh, migrated database of each kind callqa supports."""
    if request.param == "sqlite":
        path = tmp_path / "callqa.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    admin = _pg_admin_url()
    if admin is None or pg_template is None:
        pytest.skip(f"{PG_URL_ENV} is not set: `make test` starts PostgreSQL and sets it")
    name = f"callqa_t_{uuid.uuid4().hex[:10]}"
    _admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on this test's database (both kinds, by database_url)."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


_SERVER_OPTIONS: dict[str, Any] = {
    "host": "127.0.0.1", "port": 0, "log_level": "warning", "lifespan": "on", "timeout_graceful_shutdown": 3
}  # fmt: skip


class ThreadedServer:
    """uvicorn serving an ASGI app on a free 127.0.0.1 port in a thread: real HTTP, stopped by `stop()`."""

    def __init__(self, app: Any, config: uvicorn.Config | None = None) -> None:
        config = config or uvicorn.Config(app, **_SERVER_OPTIONS)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


class LiveServer(ThreadedServer):
    """callqa itself on a real port, served as `callqa serve` does, with an admin key on its client."""

    def __init__(self, settings: Settings, clock: Clock | None = None, **app_kwargs: Any) -> None:
        self.settings = settings
        self.clock = clock or TestClock()
        self.app = create_app(settings, clock=self.clock, **app_kwargs)
        super().__init__(self.app, ServerConfig(self.app, settings, **_SERVER_OPTIONS))
        self.admin_key = self.create_key("test admin", ["admin"])
        self.client = httpx.Client(base_url=self.url, timeout=30, headers=self.auth(self.admin_key))

    def create_key(self, name: str, scopes: list[str]) -> str:
        with session_scope(self.app.state.callqa.sessions) as session:
            return create_key(session, name, scopes, self.clock())[1]

    @staticmethod
    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def stop(self) -> None:
        self.client.close()
        super().stop()


@pytest.fixture
def start_server(database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """Start the app on a real port with the test database; settings overrides as keyword arguments."""
    started: list[LiveServer] = []

    def start(sweep: bool = False, clock: Clock | None = None, **overrides: Any) -> LiveServer:
        settings = Settings(database_url=database_url, **overrides)
        server = LiveServer(settings, clock, sweep=sweep)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def api(start_server: Callable[..., LiveServer]) -> httpx.Client:
    return start_server().client
