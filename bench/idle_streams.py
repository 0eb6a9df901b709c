"""What do open alert streams cost while nothing happens, and how fast does a new alert reach all of them?

    .venv/bin/python bench/idle_streams.py [--streams 200] [--idle 20] [--postgres ADMIN_URL] [--root DIR]

1. Starts `callqa serve` (a subprocess; SQLite, or a fresh PostgreSQL database with --postgres) and opens
   `--streams` `GET /v1/alerts/stream` connections from this process.
2. Idle: the server process's CPU time (user + system, /proc) over `--idle` seconds, as % of one core.
3. Posts one call whose agent says a forbidden phrase (one new alert) and times its arrival on every stream.

`--root DIR` serves another checkout of callqa (e.g. an older commit, to measure before/after in one way).
"""

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from kafka_pipeline import drop_postgres, empty_postgres  # noqa: E402
from long_call import free_port, server_cpu  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"


def callqa(*args: str) -> list[str]:
    """The `callqa` command of the checkout on PYTHONPATH."""
    return [str(PYTHON), "-c", "import sys; from service.cli import main; sys.exit(main())", *args]


def run(root: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(callqa(*args), cwd=root, env=env, check=True, capture_output=True, text=True)
    return out.stdout


def rude_call(call_id: str) -> dict[str, object]:
    at = datetime.now(UTC) - timedelta(minutes=5)
    base = {"interaction_id": call_id, "agent_id": "a-1", "team_id": "t-1", "queue_id": "billing"}
    events = [
        {**base, "event_id": f"{call_id}-off", "type": "call.offered", "occurred_at": at.isoformat(), "payload": {}},
        {
            **base,
            "event_id": f"{call_id}-ans",
            "type": "call.answered",
            "occurred_at": (at + timedelta(seconds=5)).isoformat(),
            "payload": {},
        },
        {
            **base,
            "event_id": f"{call_id}-u1",
            "type": "call.utterance",
            "occurred_at": (at + timedelta(seconds=8)).isoformat(),
            "payload": {"speaker": "agent", "text": "Calm down, that's not my problem.", "offset_ms": 3000},
        },
    ]
    return {"events": events}


async def stream(client: httpx.AsyncClient, arrived: list[float], ready: list[int]) -> None:
    async with client.stream("GET", "/v1/alerts/stream") as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line.startswith("retry:"):  # the stream's first line: it is open
                ready.append(1)
            elif line.startswith("data: "):
                arrived.append(time.perf_counter())
                return


async def measure(url: str, key: str, n: int, idle: float, pid: int) -> tuple[float, list[float], int]:
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    headers = {"Authorization": f"Bearer {key}"}
    timeout = httpx.Timeout(60, read=120)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=timeout) as client:
        arrived: list[float] = []
        ready: list[int] = []
        tasks = [asyncio.create_task(stream(client, arrived, ready)) for _ in range(n)]
        while len(ready) < n:
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # every stream past its start
        c0, t0 = server_cpu(pid), time.perf_counter()
        await asyncio.sleep(idle)
        idle_share = (server_cpu(pid) - c0) / (time.perf_counter() - t0)
        sent = time.perf_counter()
        r = await client.post("/v1/events", json=rude_call(f"idle-{uuid.uuid4().hex[:6]}"))
        r.raise_for_status()
        await asyncio.wait(tasks, timeout=30)
        for t in tasks:
            t.cancel()
        return idle_share, [a - sent for a in arrived], n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measured (default 20)")
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server: a fresh database on it")
    parser.add_argument("--root", type=Path, default=ROOT, help="the callqa checkout to serve (default: this one)")
    args = parser.parse_args()
    root = args.root.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="callqa-idle-"))
    db_name = None
    if args.postgres:  # migrated below by the checkout served, which may be an older one
        db_url, db_name = empty_postgres(args.postgres, "callqa_idle")
    else:
        db_url = f"sqlite:///{tmp / 'callqa.db'}"
    env = {**os.environ, "CALLQA_DATABASE_URL": db_url, "CALLQA_LOG_LEVEL": "WARNING", "PYTHONPATH": str(root)}
    run(root, env, "migrate")
    out = run(root, env, "keys", "create", "--name", "bench", "--scope", "ingest", "--scope", "supervise")
    key = out.strip().split()[-1]
    port = free_port()
    server = subprocess.Popen(callqa("serve", "--port", str(port)), cwd=root, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    sys.exit("callqa serve did not start")
                time.sleep(0.2)
        idle_share, delays, n = asyncio.run(measure(url, key, args.streams, args.idle, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if db_name:
            drop_postgres(args.postgres, db_name)
        shutil.rmtree(tmp, ignore_errors=True)
    within = sum(d <= 1.0 for d in delays)
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{n} open alert streams, `callqa serve` from {root} on {kind}:")
    print(f"  idle CPU of the server over {args.idle:g} s: {100 * idle_share:.1f} % of one core   (goal < 5 %)")
    if delays:
        print(
            f"  new alert received by {len(delays)}/{n} streams; {within}/{n} within 1 s; "
            f"p50 {1000 * statistics.median(delays):.0f} ms, max {1000 * max(delays):.0f} ms   (goal: all within 1 s)"
        )
    else:
        print(f"  new alert received by 0/{n} streams in 30 s")


if __name__ == "__main__":
    main()
