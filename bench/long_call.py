"""Does an event cost the same at the end of a long call as at its start? One call, one event per HTTP request.

    .venv/bin/python bench/long_call.py [--utterances 1200] [--profile]
    .venv/bin/python bench/long_call.py --kafka 127.0.0.1:19092 [--utterances 1200]

Over HTTP:

1. Starts `callqa serve` (a subprocess, SQLite, default standard) and creates an ingest key.
2. Baseline, same server, same client, same connection: as many `GET /healthz` requests as the call has events.
3. Posts one call (offered, answered, N utterances of real text, a hold, ended), one event per request, in order,
   as telephony systems post them; customer text from VADER's human-rated corpora, agent text from ABCD.
4. Prints the median latency around utterance 10, 100, 600 and N (the 21 utterances centred there, fewer at the
   start), the growth N vs 10, and the whole call's time against the baseline's.

With `--kafka BOOTSTRAP` the same call goes through Kafka instead: `callqa consume`'s loop (run_consumer, in
this process, SQLite) and one event at a time: produced (acks=all), then waited for until its score is committed.
Baseline: the same records, one at a time, produced and received by a bare kafka-python consumer.

`--profile` then replays the same call in this process straight into `Pipeline.record_events` (same SQLite,
no HTTP) and prints a cProfile profile (cumulative) of its last 200 utterances: where an event's time goes late
in a long call.
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kafka_pipeline import load_texts  # noqa: E402  (the same real texts as the Kafka benchmark)

CALLQA = ROOT / ".venv" / "bin" / "callqa"
MARKS = (10, 100, 600)


def call_events(n: int, rng: random.Random, start: datetime, call_id: str) -> list[dict[str, Any]]:
    """offered, answered, n utterances 3 s apart (agent/customer alternating, a 40 s hold a third of the way, in
    which nobody speaks), ended. Every event comes after the one before it, as a telephony system sends them."""
    texts = load_texts(rng)
    base = {"interaction_id": call_id, "agent_id": "a-1", "team_id": "t-1", "queue_id": "billing"}
    answered = start + timedelta(seconds=8)

    def event(suffix: str, kind: str, at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            **base,
            "event_id": f"{call_id}-{suffix}",
            "type": kind,
            "occurred_at": at.isoformat(),
            "payload": payload,
        }

    out = [event("off", "call.offered", start, {}), event("ans", "call.answered", answered, {})]
    hold_at, hold_ms = n // 3, 40_000
    for i in range(n):
        offset = 3000 * (i + 1) + (hold_ms if i > hold_at else 0)
        if i == 0:
            speaker, text = "agent", texts.script("greet", "Ann")
        elif i == n - 1:
            speaker, text = "agent", texts.script("close")
        elif i == hold_at:
            speaker, text = "agent", texts.script("hold")
        else:
            speaker = "customer" if i % 2 else "agent"
            text = texts.cust() if speaker == "customer" else rng.choice(texts.agent)
        at = answered + timedelta(milliseconds=offset)
        out.append(event(f"u{i + 1}", "call.utterance", at, {"speaker": speaker, "text": text, "offset_ms": offset}))
        if i == hold_at:
            out.append(event("hold", "call.hold", at + timedelta(seconds=1), {}))
            out.append(event("res", "call.resumed", at + timedelta(milliseconds=hold_ms - 1000), {}))
    end = answered + timedelta(milliseconds=3000 * (n + 1) + hold_ms)
    out.append(event("end", "call.ended", end, {"reason": "customer hung up"}))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(CALLQA), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("callqa serve did not start")


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_around(latencies: list[float], mark: int) -> float:
    """Median of the 21 utterances centred on utterance `mark` (1-based), clipped to the call."""
    lo, hi = max(0, mark - 11), min(len(latencies), mark + 10)
    return statistics.median(latencies[lo:hi])


def profile_in_process(db_url: str, events: list[dict[str, Any]]) -> None:
    import cProfile
    import pstats

    from service.clock import utc_now
    from service.config import Settings
    from service.db import session_scope
    from service.events.decode import limits_of, validate_items
    from service.runtime import open_runtime

    settings = Settings(database_url=db_url)
    runtime = open_runtime(settings, notify=False)
    limits = limits_of(settings)
    profiler = cProfile.Profile()
    tail = len(events) - 200
    for i, raw in enumerate(events):
        if i == tail:
            profiler.enable()
        now = utc_now()
        with session_scope(runtime.sessions) as session:
            runtime.pipeline.record_events(session, validate_items([raw], limits, now), "http", now)
    profiler.disable()
    runtime.close()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)


def kafka_call(
    bootstrap: str, events: list[dict[str, Any]], tmp: Path, batch_ms: int
) -> tuple[list[float], list[float]]:
    """(per-event seconds from produce to committed score, per-record seconds from produce to raw receipt)."""
    import threading
    import uuid

    import orjson
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka_pipeline import make_topic

    from consumers.loop import Committed
    from consumers.runner import run_consumer
    from service.config import Settings
    from service.migrate import upgrade

    tag = f"longcall{uuid.uuid4().hex[:6]}"
    for topic in (f"{tag}.events", f"{tag}.raw"):
        make_topic(bootstrap, topic, 1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    records = [(e["interaction_id"].encode(), orjson.dumps(e)) for e in events]

    raw = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    raw.assign([TopicPartition(f"{tag}.raw", 0)])
    baseline = []
    for key, value in records:
        t0 = time.perf_counter()
        producer.send(f"{tag}.raw", key=key, value=value).get(timeout=30)
        while not any(raw.poll(timeout_ms=1000).values()):
            pass
        baseline.append(time.perf_counter() - t0)
    raw.close()

    url = f"sqlite:///{tmp / 'kafka.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_events_topic=f"{tag}.events",
        kafka_alerts_topic=f"{tag}.alerts",
        kafka_dead_letter_topic=f"{tag}.dlq",
        kafka_group_id=tag,
        kafka_batch_max_ms=batch_ms,
        log_level="WARNING",
    )
    stop, committed = threading.Event(), threading.Event()

    def on_commit(done: Committed) -> None:
        if done.events:
            committed.set()

    consumer = threading.Thread(target=run_consumer, args=(settings, stop, on_commit), daemon=True)
    consumer.start()
    took = []
    for key, value in records:
        committed.clear()
        t0 = time.perf_counter()
        producer.send(f"{tag}.events", key=key, value=value).get(timeout=30)
        if not committed.wait(timeout=120):
            sys.exit("the consumer committed nothing in 120 s")
        took.append(time.perf_counter() - t0)
    stop.set()
    consumer.join(timeout=60)
    producer.close()
    return took, baseline


def report(label: str, n: int, events: list[dict[str, Any]], every: list[float], cheap: list[float]) -> None:
    latencies = [t for e, t in zip(events, every, strict=True) if e["type"] == "call.utterance"]
    print(f"one call of {n} utterances ({len(events)} events), {label}:")
    for mark in (*MARKS, n):
        print(f"  median latency at utterance {mark:>5}: {1000 * median_around(latencies, mark):7.2f} ms")
    growth = median_around(latencies, n) / median_around(latencies, 10)
    print(f"  growth utterance {n} / utterance 10: {growth:.2f}x   (goal <= 1.5x)")
    print(f"  whole call: {sum(every):.2f} s for {len(every)} events")
    print(f"  baseline x {len(cheap)}: {sum(cheap):.2f} s (median {1000 * statistics.median(cheap):.2f} ms)")
    print(f"  call / baseline: {sum(every) / sum(cheap):.2f}x   (goal <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=1200)
    parser.add_argument("--profile", action="store_true", help="cProfile profile of the last 200 utterances")
    parser.add_argument("--kafka", metavar="BOOTSTRAP", help="through Kafka and `callqa consume`'s loop instead")
    parser.add_argument(
        "--batch-ms", type=int, default=200, help="with --kafka: CALLQA_KAFKA_BATCH_MAX_MS (default 200, as shipped)"
    )
    args = parser.parse_args()
    n = args.utterances
    tmp = Path(tempfile.mkdtemp(prefix="callqa-long-call-"))
    if args.kafka:
        events = call_events(n, random.Random(12), datetime.now(UTC) - timedelta(hours=2), "long-call-k")
        took, baseline = kafka_call(args.kafka, events, tmp, args.batch_ms)
        label = f"one event at a time through Kafka -> `callqa consume` loop (batch wait {args.batch_ms} ms) -> SQLite"
        report(label, n, events, took, baseline)
        print("  (baseline: the same records, one at a time, produce -> bare kafka-python consumer)")
        shutil.rmtree(tmp, ignore_errors=True)
        return
    env = {**os.environ, "CALLQA_DATABASE_URL": f"sqlite:///{tmp / 'callqa.db'}", "CALLQA_LOG_LEVEL": "WARNING"}
    run([str(CALLQA), "migrate"], env)
    key = run([str(CALLQA), "keys", "create", "--name", "bench", "--scope", "ingest"], env).strip().split()[-1]
    port = free_port()
    server = start_server(env, port)
    start = datetime.now(UTC) - timedelta(hours=2)
    events = call_events(n, random.Random(12), start, "long-call-1")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as client:
            for _ in range(50):  # warm both paths up (imports, caches, the connection)
                client.get("/healthz")
            for e in call_events(30, random.Random(3), start, "warm-up"):  # first scores compile the matchers
                client.post("/v1/events", json=e).raise_for_status()
            cheap, cheap_cpu = [], server_cpu(server.pid)
            for _ in events:
                t0 = time.perf_counter()
                client.get("/healthz").raise_for_status()
                cheap.append(time.perf_counter() - t0)
            cheap_cpu = server_cpu(server.pid) - cheap_cpu
            every, cpu = [], [server_cpu(server.pid)]
            for e in events:
                t0 = time.perf_counter()
                r = client.post("/v1/events", json=e)
                every.append(time.perf_counter() - t0)
                cpu.append(server_cpu(server.pid))
                if r.status_code != 202:
                    sys.exit(f"{e['event_id']}: {r.status_code} {r.text[:300]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    report("one event per POST, SQLite, `callqa serve`", n, events, every, cheap)
    print("  (baseline: GET /healthz on the same server and connection, as many requests)")
    # CPU time of the server process: what an event costs, whatever else the machine is doing meanwhile.
    per_utterance = [i for i, e in enumerate(events) if e["type"] == "call.utterance"]
    print("server CPU per event (mean over the 50 utterances around; /proc, 10 ms ticks):")
    window = {}
    for mark in (*MARKS, n):
        lo, hi = per_utterance[max(0, mark - 26)], per_utterance[min(n, mark + 24) - 1]
        window[mark] = (cpu[hi + 1] - cpu[lo]) / (hi + 1 - lo)
        print(f"  at utterance {mark:>5}: {1000 * window[mark]:6.2f} ms")
    print(f"  growth utterance {n} / utterance 10: {window[n] / window[10]:.2f}x")
    total = cpu[-1] - cpu[0]
    print(f"  whole call {total:.2f} s CPU; baseline {cheap_cpu:.2f} s CPU; ratio {total / cheap_cpu:.2f}x")
    if args.profile:
        db = tmp / "profile.db"
        shutil.copy(tmp / "callqa.db", db)
        replay = call_events(n, random.Random(12), start, "long-call-profiled")
        profile_in_process(f"sqlite:///{db}", replay)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
