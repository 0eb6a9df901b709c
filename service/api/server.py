"""How callqa runs under uvicorn, with the connection limits uvicorn leaves out.

uvicorn cuts a connection that is idle between requests (`timeout_keep_alive`), but not one that sends a
request's line and headers slowly, or not at all after connecting (slowloris): each holds a socket and a slot
for ever. So a request head must arrive within `header_timeout` of the connection opening or of the previous
response, and be at most MAX_HEAD_BYTES long (httptools itself sets no limit); a slow or endless head is
answered 408 or 431 and the connection is closed. Slow bodies are cut by service.api.body.
"""

from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.config import Settings

MAX_HEAD_BYTES = 64 * 1024
_KEEP_ALIVE_SECONDS = 5  # uvicorn's default, stated: idle keep-alive connections close after it


class ServerConfig(uvicorn.Config):
    """uvicorn's config for callqa's app, as `callqa serve` and the tests' live server run it."""

    def __init__(self, app: Any, settings: Settings, **kwargs: Any) -> None:
        kwargs.setdefault("host", settings.host)
        kwargs.setdefault("port", settings.port)
        super().__init__(app, http=GuardedHttpToolsProtocol, timeout_keep_alive=_KEEP_ALIVE_SECONDS, **kwargs)
        self.header_timeout = settings.header_timeout_seconds


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on each request head."""

    def __init__(self, config: ServerConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout = config.header_timeout
        self._head_timer: Any = None
        self._head_bytes = 0

    def _await_head(self) -> None:
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _head_arrived(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, status: bytes, detail: bytes) -> None:
        self._head_arrived()
        if self.transport.is_closing():
            return
        head = b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        self.transport.write(head + b"content-length: %d\r\n\r\n" % len(detail) + detail)
        self.transport.close()

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._head_bytes == 0:  # nothing asked: an idle connection is closed without an answer
            self.transport.close()
        else:
            self._refuse(b"408 Request Timeout", b"request line and headers not received in time")

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self._head_timer is not None
        super().data_received(data)
        if waiting and self._head_timer is not None:  # the head is still incomplete after these bytes
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(b"431 Request Header Fields Too Large", b"request line and headers are too long")

    def on_headers_complete(self) -> None:
        self._head_arrived()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's head is awaited unless one already arrived (pipelined) or the connection closes
        if not self.transport.is_closing() and self.cycle.response_complete and self._head_timer is None:
            self._await_head()
