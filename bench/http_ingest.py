"""How fast does `callqa serve` take events over HTTP, against a bare uvicorn endpoint on the same machine?

    .venv/bin/python bench/http_ingest.py [--requests 3000] [--concurrency 8] [--batches 40] [--against REV]
        [--profile]

1. Starts `callqa serve` (SQLite, a fresh database, an ingest key) and a bare endpoint: uvicorn with the same
   HTTP protocol (httptools) and log level, whose only route reads the body, parses it with the same JSON parser
   (orjson, as service/events/fast.py) and answers 202 with a small JSON body (orjson, as the ingest answers).
2. Single events: the realistic mix of bench/kafka_pipeline.py (calls, tickets; real texts; occurred_at = now),
   one event per POST, from one asyncio httpx client at `--concurrency` connections (each connection posts its
   own interactions, in order). The two servers take turns in rounds (bare, callqa, bare, callqa), so that a
   change of the machine's load hits both alike. Figures: requests/s, and server CPU per request (/proc), which
   a busy machine distorts far less than wall time, with the part of it spent on the event loop (the server's
   main thread: HTTP, routing, key check, decoding, answers; the rest is the writer's and the jobs' threads);
   the ratio callqa / bare (goal >= 0.5x).
3. Batches: `--batches` POSTs of `--batch-size` events (`{"events": [...]}`) to `callqa serve`, same client and
   concurrency, in the same rounds: events/s (goal >= 5,000 on SQLite).

`--against REV` also starts `callqa serve` of git revision REV (its tree in a temporary directory, its own
database), which takes its turns beside the others: a change measured against what it replaced, in the same run.

`--profile` runs `callqa serve` under py-spy (every thread, `--py-spy PATH`; it is a tool, not a dependency of
callqa) for the single-event phase and prints where its samples went.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kafka_pipeline import load_texts, mix, proc_cpu, stamp  # noqa: E402  (the same realistic mix)
from scoring_core import tree_at  # noqa: E402

CALLQA = ROOT / ".venv" / "bin" / "callqa"
Event = dict[str, Any]


# --------------------------------------------------------------------------------------- bare endpoint --


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the body, parses the JSON, answers 202: what any ingest endpoint must do at the least."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    doc = orjson.loads(body)
    reply = orjson.dumps({"status": "accepted", "event_id": doc.get("event_id")})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(reply)).encode())]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": reply})


def migrated_with_key(env: dict[str, str], callqa: list[str] | None = None, cwd: Path | None = None) -> str:
    """Migrate the database `env` names and create an ingest key on it; the key. `callqa`: the command (this
    tree's `callqa` unless given), run in `cwd`."""
    cmd = callqa or [str(CALLQA)]
    subprocess.run([*cmd, "migrate"], env=env, check=True, capture_output=True, cwd=cwd)
    made = subprocess.run(
        [*cmd, "keys", "create", "--name", "bench", "--scope", "ingest"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    return made.stdout.strip().split()[-1]


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app, host="127.0.0.1", port=port, http="httptools", log_level="warning", access_log=False)


# --------------------------------------------------------------------------------------------- helpers --


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{url}: the server exited ({proc.returncode})")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    sys.exit(f"{url} did not come up")


def lanes(events: list[Event], n: int) -> list[list[Event]]:
    """The events split over `n` connections, each interaction on one of them (so its events stay in order)."""
    lane_of: dict[str, int] = {}
    out: list[list[Event]] = [[] for _ in range(n)]
    for e in events:
        lane = lane_of.setdefault(e["interaction_id"], len(lane_of) % n)
        out[lane].append(e)
    return out


def make_events(n: int, seed: int, tag: str) -> list[Event]:
    rng = random.Random(seed)
    texts = load_texts(rng)
    return [stamp(it, datetime.now(UTC)) for it in mix(n, rng, texts, tag)]


@dataclass
class Result:
    requests: int = 0
    events: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    loop_cpu: float = 0.0  # the server's main thread: the event loop (HTTP, routing, keys, decoding, answers)
    client_cpu: float = 0.0
    statuses: Counter[int] | None = None

    def add(self, other: "Result") -> None:
        self.requests += other.requests
        self.events += other.events
        self.seconds += other.seconds
        self.server_cpu += other.server_cpu
        self.loop_cpu += other.loop_cpu
        self.client_cpu += other.client_cpu
        self.statuses = (self.statuses or Counter()) + (other.statuses or Counter())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.server_cpu / self.requests

    @property
    def loop_ms(self) -> float:
        return 1000 * self.loop_cpu / self.requests


def loop_cpu(pid: int) -> float:
    """CPU seconds of the process's main thread (uvicorn's event loop); the rest is its worker threads'."""
    return proc_cpu(pid, thread=pid)


async def post_all(
    base: str, headers: dict[str, str], bodies: list[list[bytes]], pid: int, events_per_body: int = 1
) -> Result:
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:

        async def lane(items: list[bytes]) -> None:
            for body in items:
                r = await client.post("/v1/events", content=body, headers={"content-type": "application/json"})
                statuses[r.status_code] += 1

        cpu0, loop0, own0, t0 = proc_cpu(pid), loop_cpu(pid), time.process_time(), time.perf_counter()
        await asyncio.gather(*(lane(items) for items in bodies))
        seconds = time.perf_counter() - t0
        result = Result(
            sum(len(b) for b in bodies),
            0,
            seconds,
            proc_cpu(pid) - cpu0,
            loop_cpu(pid) - loop0,
            time.process_time() - own0,
        )
    result.events = result.requests * events_per_body
    result.statuses = statuses
    return result


def encoded(lanes_: list[list[Event]]) -> list[list[bytes]]:
    return [[json.dumps(e).encode() for e in lane] for lane in lanes_]


def batches(lanes_: list[list[Event]], size: int) -> list[list[bytes]]:
    return [[json.dumps({"events": lane[i : i + size]}).encode() for i in range(0, len(lane), size)] for lane in lanes_]


def py_spy_summary(raw: Path, top: int = 20) -> str:
    """Collapsed stacks -> the share of busy samples under each frame (inclusive): callqa's own frames, and the
    functions where the samples end (self time)."""
    total = 0
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    own = [(f, n) for f, n in inclusive.most_common() if "service/" in f or "consumers/" in f][:top]
    lines = [f"py-spy: {total} samples of callqa serve's busy threads; callqa frames, inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in own]
    lines.append("where the samples end (self):")
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in leaf.most_common(top)]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ main --


@dataclass
class Server:
    """One server under test: its process (the server itself, or py-spy running it), URL and key."""

    label: str
    proc: subprocess.Popen[bytes]
    url: str
    headers: dict[str, str]
    pid: int = 0  # the server's own process (py-spy's child when profiled)


def start_callqa(label: str, port: int, tmp: Path, root: Path | None, spy_out: Path | None, py_spy: str) -> Server:
    """`callqa serve` on a fresh SQLite database: this tree's, or (`root`) another tree's, run from its directory
    so that it imports its own service/."""
    env = {**os.environ, "CALLQA_DATABASE_URL": f"sqlite:///{tmp / f'{port}.db'}", "CALLQA_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "service.cli"] if root else [str(CALLQA)]
    key = migrated_with_key(env, cmd, root)
    serve = [*cmd, "serve", "--port", str(port)]
    if spy_out:
        serve = [py_spy, "record", "--threads", "-r", "200", "-f", "raw", "-o", str(spy_out), "--", *serve]
    proc = subprocess.Popen(serve, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Server(label, proc, f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="single-event POSTs per server (default 3000)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="turns each server takes (default 2)")
    parser.add_argument("--batches", type=int, default=40, help="batch POSTs (default 40)")
    parser.add_argument("--batch-size", type=int, default=500, help="events per batch (default 500, the limit)")
    parser.add_argument("--port", type=int, default=18400, help="callqa serve's port; the bare endpoint's is +1")
    parser.add_argument("--against", metavar="REV", help="also run `callqa serve` of this git revision (port +2)")
    parser.add_argument("--profile", action="store_true", help="py-spy the single-event phase of callqa serve")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument("--bare", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the bare endpoint's process
    args = parser.parse_args()
    if args.bare:
        serve_bare(args.bare)
        return

    tmp = Path(tempfile.mkdtemp(prefix="callqa-http-ingest-"))
    spy_out = tmp / "py-spy.txt"
    bare_proc = subprocess.Popen(
        [sys.executable, __file__, "--bare", str(args.port + 1)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    bare = Server("bare uvicorn (parse JSON, 202)", bare_proc, f"http://127.0.0.1:{args.port + 1}", {})
    servers = [
        start_callqa("callqa serve, SQLite", args.port, tmp, None, spy_out if args.profile else None, args.py_spy)
    ]
    if args.against:
        root = tree_at(args.against, tmp / "against")
        servers.append(start_callqa(f"callqa at {args.against}", args.port + 2, tmp, root, None, args.py_spy))
    try:
        for server in [bare, *servers]:
            wait_up(server.url + "/healthz", server.proc)
            server.pid = server.proc.pid
        if args.profile:  # py-spy's child is the server
            servers[0].pid = int(
                Path(f"/proc/{servers[0].proc.pid}/task/{servers[0].proc.pid}/children").read_text().split()[0]
            )
        per_round = args.requests // args.rounds
        # Warm-up: imports, caches, matchers compiled, connections.
        warm = encoded(lanes(make_events(400, 1, "warm"), args.concurrency))
        for server in [bare, *servers]:
            asyncio.run(post_all(server.url, server.headers, warm, server.pid))
        single = {server.label: Result() for server in [bare, *servers]}
        for r in range(args.rounds):  # the servers take turns, so that a change of the machine's load hits all alike
            events = encoded(lanes(make_events(per_round, 10 + r, f"single{r}"), args.concurrency))
            for server in [bare, *servers]:
                single[server.label].add(asyncio.run(post_all(server.url, server.headers, events, server.pid)))
        for server in servers:
            print(f"  {server.label}: single events done: {dict(single[server.label].statuses or {})}", file=sys.stderr)
        if args.profile:
            servers[0].proc.send_signal(2)  # py-spy writes its file when the server exits
            servers[0].proc.wait(60)
        batched = {server.label: Result() for server in (servers[1:] if args.profile else servers)}
        for r in range(args.rounds if batched else 0):
            batch_events = make_events(args.batches * args.batch_size // args.rounds, 99 + r, f"batch{r}")
            bodies = batches(lanes(batch_events, args.concurrency), args.batch_size)
            for server in servers:
                if server.label in batched:
                    done = asyncio.run(post_all(server.url, server.headers, bodies, server.pid))
                    done.events = len(batch_events)
                    batched[server.label].add(done)
        for label, result in batched.items():
            print(f"  {label}: batches done: {dict(result.statuses or {})}", file=sys.stderr)
    finally:
        for server in [bare, *servers]:
            if server.proc.poll() is None:
                server.proc.terminate()
                server.proc.wait(30)

    b = single[bare.label]
    c = single[servers[0].label]
    print()
    print(
        f"HTTP ingest, one asyncio httpx client, {args.concurrency} connections, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; {c.requests:,} single-event POSTs per server in {args.rounds} rounds"
    )
    print(
        f"{'':34} {'req/s':>8} {'x bare':>7} | {'server CPU/req':>14} {'x bare':>7} {'event loop':>10} | "
        f"{'client CPU/req':>14}"
    )
    for label, res in single.items():
        print(
            f"{label:34} {res.rate:>8,.0f} {res.rate / b.rate:>7.2f} | {res.cpu_ms:>11.2f} ms "
            f"{res.cpu_ms / b.cpu_ms:>7.2f} {res.loop_ms:>7.2f} ms | {1000 * res.client_cpu / res.requests:>11.2f} ms"
        )
    print(
        f"goal: callqa >= 0.5x the bare request rate: {c.rate / b.rate:.2f}x wall; by server CPU per request "
        f"(load-independent) the bare endpoint costs {b.cpu_ms / c.cpu_ms:.2f}x callqa's"
    )
    for label, batch in batched.items():
        print(
            f"{label}: batches of {args.batch_size}: {batch.events:,} events in {batch.seconds:.1f} s = "
            f"{batch.events / batch.seconds:,.0f} events/s (goal >= 5,000), server CPU "
            f"{1000 * batch.server_cpu / batch.events:.2f} ms per event, of which the event loop "
            f"{1000 * batch.loop_cpu / batch.events:.2f} ms ({batch.events / batch.server_cpu:,.0f} events per CPU "
            f"second)"
        )
    if args.profile and spy_out.exists():
        print(py_spy_summary(spy_out))
        kept = Path(tempfile.gettempdir()) / "callqa-http-ingest-py-spy.txt"
        shutil.copy(spy_out, kept)
        print(f"(raw py-spy stacks: {kept})")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
