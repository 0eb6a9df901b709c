"""Does memory stay bounded however many interactions pass? Peak RSS of `callqa serve` and `callqa consume`
after `--interactions` (100,000) against their RSS after the first 1,000.

    .venv/bin/python bench/memory.py [--interactions 100000] [--kafka BOOTSTRAP] [--postgres ADMIN_URL]

Each interaction is a short call: offered, answered, the agent's greeting, a customer utterance, ended; one in
ten never ends (abandoned by its sender: it stays live, as far as callqa knows). Customer texts are unique (two
of VADER's human-rated texts joined), as in a real centre, so every text cache fills; calls are interleaved (60
at a time) and spread over 400 agents, 40 teams and 30 queues.

- HTTP: `callqa serve` (a subprocess, SQLite unless `--postgres`), batches of 500 events to POST /v1/events.
- Kafka (`--kafka`): the same events produced to a fresh topic, drained by `callqa consume` (a subprocess, same
  database kind), its progress read from the group's committed offsets.

For each, RSS (VmRSS) when 1,000 and each fifth of all interactions are stored, the peak (VmHWM) at the end with
the ratio peak / RSS after 1,000, and how fast RSS still grew once the live states reached their cap. Flat means
every cache and per-interaction table is capped: live states (CALLQA_LIVE_STATE_INTERACTIONS, which the never-ending
calls fill at ten times the cap; `--live-states` sets it lower to see past it), text caches, alert watcher (see the
README's Memory section).
"""

import argparse
import bisect
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_ingest import migrated_with_key, wait_up  # noqa: E402
from kafka_latency import LagSampler, proc_kib  # noqa: E402
from kafka_pipeline import corpus_lines, drop_postgres, fresh_postgres, make_topic, postgres_admin_url  # noqa: E402

from service.config import Settings  # noqa: E402

CALLQA = ROOT / ".venv" / "bin" / "callqa"
EVENTS_PER_CALL = 5  # an unfinished call has 4
GREETINGS = (
    "Thank you for calling Acme, my name is Ann. How can I help you today?",
    "Good morning, you're speaking with Ben at Acme support. What can I do for you?",
)


def calls(n: int, seed: int, tag: str, joined: int = 2) -> Iterator[tuple[int, dict[str, Any]]]:
    """(interactions started so far, event) for `n` calls, 60 live at a time, occurred_at in the last hours."""
    rng = random.Random(seed)
    texts = corpus_lines(["tweets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt"])
    rng.shuffle(texts)
    start = datetime.now(UTC) - timedelta(hours=3)
    live: list[list[dict[str, Any]]] = []
    made = 0
    while made < n or live:
        while made < n and len(live) < 60:
            live.append(call(made, rng, texts, start + timedelta(seconds=made * 0.1), tag, joined))
            made += 1
        i = rng.randrange(len(live))
        pending = live[i]
        yield made, pending.pop(0)
        if not pending:
            live.pop(i)


def call(i: int, rng: random.Random, texts: list[str], at: datetime, tag: str, joined: int) -> list[dict[str, Any]]:
    cid = f"{tag}-c{i}"
    base = {
        "interaction_id": cid,
        "agent_id": f"a-{rng.randrange(400)}",
        "team_id": f"t-{rng.randrange(40)}",
        "queue_id": f"q-{rng.randrange(30)}",
    }
    customer = " ".join(rng.sample(texts, joined))  # (almost surely) unique per call, as in a real centre

    def event(n: int, kind: str, seconds: float, payload: dict[str, Any]) -> dict[str, Any]:
        when = (at + timedelta(seconds=seconds)).isoformat()
        return {**base, "event_id": f"{cid}-{n}", "type": kind, "occurred_at": when, "payload": payload}

    out = [
        event(0, "call.offered", 0, {}),
        event(1, "call.answered", 5, {}),
        event(2, "call.utterance", 7, {"speaker": "agent", "text": rng.choice(GREETINGS), "offset_ms": 2000}),
        event(3, "call.utterance", 12, {"speaker": "customer", "text": customer, "offset_ms": 7000}),
    ]
    if i % 10:
        out.append(event(4, "call.ended", 60, {"reason": "customer hung up"}))
    return out


def events_of(interactions: int) -> int:
    return sum(EVENTS_PER_CALL - (0 if i % 10 else 1) for i in range(interactions))


class Curve:
    """RSS at the marks (in interactions stored), then the peak."""

    def __init__(self, pid: int, total: int, capped_at: int) -> None:
        self.pid, self.total, self.capped_at = pid, total, capped_at
        self.marks = sorted({min(1_000, total), *(total * k // 5 for k in range(1, 6))})
        self.rss: dict[int, int] = {}

    def passed(self, stored: int) -> None:
        for m in self.marks:
            if stored >= m and m not in self.rss:
                self.rss[m] = proc_kib(self.pid, "VmRSS")

    def report(self, label: str) -> None:
        peak = proc_kib(self.pid, "VmHWM")
        first = self.rss.get(self.marks[0]) or 1
        cells = "  ".join(f"{m:,}: {self.rss.get(m, 0) / 1024:.0f}" for m in self.marks)
        print(f"{label:34} RSS MiB after {cells}  | peak {peak / 1024:.0f} MiB = {peak / first:.2f}x the first")
        past = [m for m in self.marks if m >= self.capped_at and m in self.rss]
        if len(past) > 1:
            per = (self.rss[past[-1]] - self.rss[past[0]]) / 1024 / (past[-1] - past[0]) * 10_000
            print(f"{'':34} past the live states' cap, {past[0]:,} -> {past[-1]:,}: {per:+.1f} MiB per 10,000")


def settings(args: argparse.Namespace) -> dict[str, str]:
    out = {"CALLQA_LOG_LEVEL": "WARNING"}
    if args.live_states is not None:
        out["CALLQA_LIVE_STATE_INTERACTIONS"] = str(args.live_states)
    return out


def capped_at(args: argparse.Namespace) -> int:
    """Interactions stored when the live states of the never-ending calls (one in ten) reach their cap."""
    cap = args.live_states if args.live_states is not None else Settings().live_state_interactions
    return cap * 10 + 60


def http_run(args: argparse.Namespace, url: str) -> None:
    env = {**os.environ, **settings(args), "CALLQA_DATABASE_URL": url}
    key = migrated_with_key(env)
    server = subprocess.Popen(
        [str(CALLQA), "serve", "--port", str(args.port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_up(base + "/healthz", server)
        curve = Curve(server.pid, args.interactions, capped_at(args))
        t0 = time.monotonic()
        post_calls(base, key, args, f"h{uuid.uuid4().hex[:6]}", curve.passed)
        took = time.monotonic() - t0
        print(f"  HTTP: {events_of(args.interactions):,} events in {took:.0f} s", file=sys.stderr)
        curve.report("callqa serve (HTTP batches of 500)")
    finally:
        server.terminate()
        server.wait(30)


def post_calls(
    base: str, key: str, args: argparse.Namespace, tag: str, stored: Callable[[int], None], tries: int = 5
) -> None:
    """Every call of the run to POST /v1/events in batches of 500; `stored(n)` after each batch: at least `n`
    interactions are stored (the 60 live ones may not be complete yet), and `stored(args.interactions)` at the end."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300) as client:
        batch: list[dict[str, Any]] = []
        for started, event in calls(args.interactions, args.seed, tag, args.joined):
            batch.append(event)
            if len(batch) == 500:
                post(client, batch, tries)
                batch = []
                stored(max(started - 60, 0))
        if batch:
            post(client, batch, tries)
        stored(args.interactions)


def post(client: httpx.Client, batch: list[dict[str, Any]], tries: int = 5) -> None:
    """As a sender should: a 503 (database busy: on a loaded machine a sweep can hold SQLite's one write lock
    past its timeout) is tried again after Retry-After; nothing of a 503 batch was stored."""
    body = json.dumps({"events": batch})
    r = client.post("/v1/events", content=body, headers={"content-type": "application/json"})
    for _ in range(tries):
        if r.status_code != 503:
            break
        print(f"  503 ({r.json().get('reason')}): trying again", file=sys.stderr)
        time.sleep(int(r.headers.get("retry-after", "2")))
        r = client.post("/v1/events", content=body, headers={"content-type": "application/json"})
    if r.status_code != 202:
        sys.exit(f"POST /v1/events: {r.status_code} {r.text[:500]}")


def kafka_run(args: argparse.Namespace, url: str) -> None:
    from kafka import KafkaProducer

    name = f"mem{uuid.uuid4().hex[:6]}"
    topic = f"{name}.events"
    for t in (topic, f"{name}.alerts", f"{name}.dlq"):
        make_topic(args.kafka, t, 3)
    env = {
        **os.environ,
        **settings(args),
        "CALLQA_DATABASE_URL": url,
        "CALLQA_KAFKA_BOOTSTRAP_SERVERS": args.kafka,
        "CALLQA_KAFKA_EVENTS_TOPIC": topic,
        "CALLQA_KAFKA_ALERTS_TOPIC": f"{name}.alerts",
        "CALLQA_KAFKA_DEAD_LETTER_TOPIC": f"{name}.dlq",
        "CALLQA_KAFKA_GROUP_ID": name,
    }
    subprocess.run([str(CALLQA), "migrate"], env=env, check=True, capture_output=True)
    producer = KafkaProducer(bootstrap_servers=args.kafka, acks="all", linger_ms=20, batch_size=256 * 1024)
    total = events_of(args.interactions)
    # Events in order: a call's events count as stored once this many events are (60 interleaved: a margin).
    stored_at: list[int] = []
    for n, (started, event) in enumerate(calls(args.interactions, args.seed, name, args.joined), 1):
        producer.send(topic, key=event["interaction_id"].encode(), value=json.dumps(event).encode())
        while len(stored_at) < started:
            stored_at.append(n)
    producer.flush()
    producer.close()
    print(f"  Kafka: produced {total:,} events", file=sys.stderr)
    log = Path(f"/tmp/{name}.consume.log")
    with log.open("wb") as out:
        consumer = subprocess.Popen([str(CALLQA), "consume"], env=env, stdout=out, stderr=subprocess.STDOUT)
    lag = LagSampler(args.kafka, topic, name, 3)
    try:
        curve = Curve(consumer.pid, args.interactions, capped_at(args))
        t0 = time.monotonic()
        while True:
            left = lag.lag()
            if consumer.poll() is not None:
                sys.exit(f"callqa consume exited ({consumer.returncode}); log: {log}")
            if left is not None:
                done = total - left
                curve.passed(bisect.bisect_right(stored_at, done, lo=60) - 60 if done < total else args.interactions)
                if left == 0:
                    break
            time.sleep(1)
        print(f"  Kafka: {total:,} events consumed in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        curve.report("callqa consume (Kafka)")
    finally:
        lag.close()
        consumer.terminate()
        consumer.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--kafka", metavar="BOOTSTRAP", help="also through Kafka and `callqa consume`")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="PostgreSQL instead of SQLite")
    parser.add_argument("--only", choices=("http", "kafka"), help="one of the two paths only")
    parser.add_argument(
        "--joined", type=int, default=2, help="corpus texts joined into each customer turn (default 2, ~170 chars)"
    )
    parser.add_argument(
        "--live-states", type=int, help="CALLQA_LIVE_STATE_INTERACTIONS for serve and consume (default: theirs)"
    )
    parser.add_argument("--port", type=int, default=18402)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    admin = postgres_admin_url(args.postgres) if args.postgres else None
    tmp = Path(tempfile.mkdtemp(prefix="callqa-memory-"))
    print(
        f"callqa memory: {args.interactions:,} calls ({events_of(args.interactions):,} events, one in ten never "
        f"ends), customer turns of {args.joined} corpus texts, {'PostgreSQL' if admin else 'SQLite'}; the live "
        f"states reach their cap after ~{capped_at(args):,}"
    )
    for path in ("http", "kafka"):
        if (args.only and args.only != path) or (path == "kafka" and not args.kafka):
            continue
        db = None
        if admin:
            url, db = fresh_postgres(admin)
        else:
            url = f"sqlite:///{tmp / (path + '.db')}"
        try:
            (http_run if path == "http" else kafka_run)(args, url)
        finally:
            if admin and db:
                drop_postgres(admin, db)


if __name__ == "__main__":
    main()
