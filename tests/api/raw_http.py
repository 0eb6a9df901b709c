"""HTTP/1.1 on a bare socket, for what httpx will not do: endless chunked bodies, trickled heads and bodies, and
noticing an answer that arrives while the body is still being sent."""

import select
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

WAIT_SECONDS = 30.0  # how long a test waits for the server: generous, so a loaded machine cannot fail it


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.netloc
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT_SECONDS)
        self.h11 = h11.Connection(h11.CLIENT)
        self.sent_body = 0

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> bool:
        """False once the server has closed the connection."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def start(self, method: str, target: str, headers: dict[str, str]) -> None:
        request = h11.Request(method=method, target=target, headers=[("host", self.host), *headers.items()])
        self.send_raw(self.h11.send(request) or b"")

    def answered(self) -> bool:
        return bool(select.select([self.sock], [], [], 0)[0])

    def stream_until_answered(self, chunk: bytes, give_up_after: int) -> int:
        """Body chunks until the server answers (or closes); the body bytes sent by then."""
        while not self.answered() and self.sent_body < give_up_after:
            if not self.send_raw(self.h11.send(h11.Data(data=chunk)) or b""):
                break
            self.sent_body += len(chunk)
        return self.sent_body

    def answer(self) -> Answer:
        status, headers, body = 0, {}, b""
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = self.sock.recv(65536)
                except ConnectionResetError:  # the answer was read before the reset, if it came
                    data = b""
                self.h11.receive_data(data)
                if not data and status == 0:
                    raise AssertionError("the server closed the connection without an answer")
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {k.decode(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return Answer(status, headers, body)

    def raw_until_closed(self) -> bytes:
        """Everything the server sends until it closes the connection (fails if it does not within WAIT_SECONDS)."""
        out = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return out
            if not data:
                return out
            out += data

    def trickle_until_closed(self, data: bytes, every: float = 0.1) -> bytes:
        """`data` a byte at a time, `every` seconds apart, then silence, until the server closes the connection:
        returns what it answered before closing."""
        deadline = time.monotonic() + WAIT_SECONDS
        sent = 0
        while time.monotonic() < deadline:
            if select.select([self.sock], [], [], every)[0]:
                return self.raw_until_closed()
            if sent < len(data) and self.send_raw(data[sent : sent + 1]):
                sent += 1
        raise AssertionError(f"the server kept the connection open for {WAIT_SECONDS} s")
