"""Request bodies under a size cap and a deadline, for every endpoint that reads one.

The cap and the deadline apply while the app reads the body (`await request.body()`, or FastAPI parsing a model),
so an endpoint that authenticates first never reads a byte of a stranger's body. A declared Content-Length over
the cap is refused before reading; a chunked body as soon as it passes the cap, without buffering past it. A body
that has not fully arrived `timeout` seconds after the request's head is refused too (a slow sender holds a
connection and a worker's memory). Both answers close the connection, so the rest of the body is never read.
"""

import asyncio

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyRefused(HTTPException):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail, headers={"Connection": "close"})


class BodyLimits:
    """ASGI middleware: wraps `receive` of each HTTP request; the app's exception handlers format the refusal."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app, self.max_bytes, self.timeout = app, max_bytes, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, _Reader(scope, receive, self.max_bytes, self.timeout), send)


class _Reader:
    def __init__(self, scope: Scope, receive: Receive, max_bytes: int, timeout: float) -> None:
        self.receive, self.max_bytes = receive, max_bytes
        self.declared = _content_length(scope)
        self.deadline = asyncio.get_running_loop().time() + timeout
        self.timeout = timeout
        self.received = 0
        self.complete = False

    async def __call__(self) -> Message:
        if self.complete:  # after the body, receive() only waits for the client to leave: no deadline
            return await self.receive()
        if self.declared is not None and self.declared > self.max_bytes:
            raise BodyRefused(413, f"body is {self.declared} bytes; the limit is {self.max_bytes}")
        try:
            async with asyncio.timeout_at(self.deadline):  # a timer, where wait_for would start a task per read
                message = await self.receive()
        except TimeoutError:
            raise BodyRefused(408, f"body not received within {self.timeout:g} seconds") from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                raise BodyRefused(413, f"body is over {self.max_bytes} bytes, the limit")
            self.complete = not message.get("more_body", False)
        else:
            self.complete = True
        return message


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value) if len(value) <= 18 else 10**18  # int() of thousands of digits raises
    return None
