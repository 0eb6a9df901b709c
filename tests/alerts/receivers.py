"""Real HTTP receivers of alerts: of deliveries (uvicorn on a loopback port: they record what they get, can fail
the first requests, and can hold every request until the test releases it), and a reader of the alert stream."""

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.conftest import ThreadedServer

HOLD_AT_MOST = 60.0  # a held request is answered anyway after this, so a failing test cannot hang


class Receiver:
    """Fails the first `failures` requests with 503; with `hold`, answers nothing until `release` is set."""

    def __init__(self, failures: int = 0, hold: bool = False) -> None:
        self.failures = failures
        self.calls: list[dict[str, Any]] = []
        self.answered = 0
        self.release = threading.Event()
        if not hold:
            self.release.set()
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> JSONResponse:
            body = await request.body()
            self.calls.append({"path": path, "headers": dict(request.headers), "body": body})
            failing = len(self.calls) <= self.failures
            await asyncio.to_thread(self.release.wait, HOLD_AT_MOST)
            self.answered += 1
            if failing:
                return JSONResponse({"error": "try later"}, status_code=503)
            return JSONResponse({"ok": True})

        self.server = ThreadedServer(app)
        self.url = self.server.url

    def keys(self) -> list[str]:
        return [c["headers"]["idempotency-key"] for c in self.calls]

    def stop(self) -> None:
        self.release.set()
        self.server.stop()


def wait_until(predicate: Callable[[], object], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def read_stream(client: httpx.Client, headers: dict[str, str], params: dict[str, str], want: int, out: list) -> None:
    """Collect `want` SSE messages (id, data) then return (closing the connection)."""
    with client.stream("GET", "/v1/alerts/stream", headers=headers, params=params, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        msg: dict[str, Any] = {}
        for line in r.iter_lines():
            if line.startswith("id: "):
                msg["id"] = int(line[4:])
            elif line.startswith("data: "):
                msg["data"] = json.loads(line[6:])
            elif line == "" and "data" in msg:
                out.append(msg)
                msg = {}
                if len(out) >= want:
                    return
