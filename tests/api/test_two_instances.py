"""Two `callqa serve` instances sharing one database behind one address (a round-robin TCP proxy, as a load
balancer would put them): an alert raised through one reaches a stream opened on the other, both sweep deadlines
without raising an alert twice, and both deliver from the outbox without sending a delivery twice."""

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.alerts.receivers import Receiver, read_stream, wait_until
from tests.api.wire import RUDE_CALL, call
from tests.clock import TestClock
from tests.conftest import LiveServer
from tests.standards_support import fast_deadlines_standard


class RoundRobinProxy:
    """One loopback address in front of several servers: each new TCP connection goes to the next one in turn.
    `picked[n]` is the index of the server the n-th connection went to."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = [(u.hostname or "", u.port or 80) for u in map(urlsplit, upstreams)]
        self.picked: list[int] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._connect, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.picked) % len(self.upstreams)
        self.picked.append(index)
        up_reader, up_writer = await asyncio.open_connection(*self.upstreams[index])
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _shutdown(self) -> None:
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _offered(clock: TestClock, iid: str) -> dict[str, Any]:
    return {"event_id": f"{iid}-0", "type": "call.offered", "occurred_at": clock().isoformat(),
            "interaction_id": iid, "queue_id": "q-1", "payload": {}}  # fmt: skip


def test_two_instances_behind_one_address_share_streams_deadlines_and_deliveries(
    start_server: Callable[..., LiveServer], hook: Receiver, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = TestClock()
    # Both sweep deadlines and deliver; a stream's fallback poll is 10 minutes, so on PostgreSQL only
    # LISTEN/NOTIFY can bring B's stream an alert A raised within the reader's 30 s.
    options = dict(
        sweep=True, clock=clock, standards_file=fast_deadlines_standard(tmp_path), sweep_interval_seconds=0.2,
        alert_watch_fallback_seconds=600, webhook_urls=[f"{hook.url}/hook"], delivery_backoff_seconds=0.2,
    )  # fmt: skip
    a, b = start_server(**options), start_server(**options)
    proxy = RoundRobinProxy([a.url, b.url])
    headers = a.auth(a.admin_key)  # keys live in the shared database: A's key opens B too

    def connect() -> httpx.Client:  # a new connection: the proxy sends it to the next instance
        return httpx.Client(base_url=proxy.url, headers=headers, timeout=30)

    caplog.set_level(logging.ERROR, logger="service")
    try:
        with connect() as first:
            assert first.get("/healthz").status_code == 200  # connection 0: A
        got: list[dict[str, Any]] = []
        streamer = connect()  # connection 1: B
        reader = threading.Thread(target=read_stream, args=(streamer, {}, {"rule": "forbidden_phrase"}, 1, got))
        reader.start()
        time.sleep(1.0)  # the stream starts from "now"
        with connect() as through_a:  # connection 2: A
            posted = through_a.post("/v1/events", json={"events": call("x-1", turns=RUDE_CALL, ended=None)})
        assert posted.status_code == 202
        reader.join(timeout=40)
        streamer.close()
        assert proxy.picked[:3] == [0, 1, 0], "health check on A, stream on B, the call through A"
        assert [m["data"]["alert"]["interaction_id"] for m in got] == ["x-1"]

        # Calls offered through both instances and never answered: both sweeps see every deadline pass.
        waiting = [f"w-{n}" for n in range(8)]
        for iid in waiting:
            with connect() as client:
                assert client.post("/v1/events", json=_offered(clock, iid)).status_code == 202
        clock.advance(2)  # past the 1 s answer limit

        def alerts(**params: str) -> list[dict[str, Any]]:
            with connect() as client:
                return client.get("/v1/alerts", params={"limit": "500", **params}).json()["items"]  # type: ignore[no-any-return]

        def waited() -> list[str]:
            return sorted(
                x["interaction_id"] for x in alerts(rule="answer_wait_exceeded") if x["interaction_id"] in waiting
            )

        wait_until(lambda: len(waited()) == len(waiting), "every deadline alert")
        time.sleep(1.5)  # several more sweeps by each instance: none may raise an alert again
        assert waited() == sorted(waiting), "one alert per waiting call"
        late = alerts(rule="answer_wait_exceeded")
        with connect() as client:
            histories = [client.get(f"/v1/alerts/{x['id']}").json()["history"] for x in late]
        assert all([t["to_state"] for t in h] == ["open"] for h in histories), "each opened once"

        # Every transition goes out once, whichever instance's delivery job took it.
        with connect() as client:
            transitions = sum(len(client.get(f"/v1/alerts/{x['id']}").json()["history"]) for x in alerts())
        wait_until(lambda: len(hook.calls) >= transitions, "deliveries")
        time.sleep(1.0)  # more delivery rounds by each instance: nothing may go out again
        sent = Counter(hook.keys())
        assert len(hook.calls) == transitions and max(sent.values()) == 1, sent
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no job failed on either instance"
    finally:
        proxy.stop()
