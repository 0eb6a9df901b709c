"""Does scoring scale out? The same backlog drained by 1 and then 2 `callqa consume` processes (one consumer
group, a topic of several partitions) into one PostgreSQL, and the write ceiling of that PostgreSQL itself.

    BOOTSTRAP=$(deploy/kafka/local-kafka.sh start); deploy/postgres/local-postgres.sh start
    .venv/bin/python bench/scale_out.py --bootstrap $BOOTSTRAP --postgres ADMIN_URL [--events 20000]

1. The realistic mix of bench/kafka_pipeline.py (calls of ~34 events and tickets, interleaved, keyed by
   interaction) is produced to a fresh topic of `--partitions` partitions for each run.
2. For 1, then 2 processes: a fresh database at the latest schema, the processes started as the command line
   starts them and left to join their group on the empty topic, then the backlog produced; the drain rate is
   measured once the whole backlog is on the broker, to the last stored event (events in the database over wall
   time), with the CPU seconds the processes spent (see kafka_pipeline.drain).
3. The write ceiling: what PostgreSQL alone absorbs of the pipeline's writes (per transaction, 500 event rows
   inserted and 60 interaction rows updated, as a consumer batch does), from 1 and 2 connections; no Python
   scoring in the way, so it is the figure consumers can approach and never pass.
"""

import argparse
import os
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kafka_pipeline import (  # noqa: E402
    build_backlog,
    drain,
    drop_postgres,
    fresh_postgres,
    load_texts,
    make_consumer_topics,
    mix,
    postgres_admin_url,
)


def write_ceiling(url: str, connections: int, seconds: float) -> float:
    """Events/s PostgreSQL absorbs as consumer batches: 500 event rows inserted and 60 interaction rows updated
    per transaction, from `connections` writers at once."""
    engine = create_engine(url, pool_size=connections)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO interactions (id, kind, status, final, started_at, standard_version, scored_at, score, "
                "critical_failure, compliance_passed, compliance_failed, counts_for_service_level, abandoned, "
                "event_count) SELECT 'w-' || g, 'call', 'talking', false, :now, 'bench', :now, '{}', false, 0, 0, "
                "false, false, 0 FROM generate_series(0, 59999) AS g"
            ),
            {"now": now},
        )
    counts = [0] * connections
    stop = time.monotonic() + seconds
    payload = '{"speaker": "agent", "text": "I understand, let me check the order number for you.", "offset_ms": 1}'

    def writer(w: int) -> None:
        rng = random.Random(w)
        b = 0
        while time.monotonic() < stop:
            ids = [f"w-{rng.randrange(60000)}" for _ in range(60)]
            rows = [
                {"e": f"w{w}-{b}-{k}", "i": ids[k % 60], "at": now + timedelta(milliseconds=k), "p": payload}
                for k in range(500)
            ]
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO events (event_id, interaction_id, type, occurred_at, received_at, source, "
                        "payload) VALUES (:e, :i, 'call.utterance', :at, :at, 'kafka', CAST(:p AS jsonb)) "
                        "ON CONFLICT (event_id) DO NOTHING"
                    ),
                    rows,
                )
                for iid in sorted(set(ids)):  # in id order, as the pipeline locks them
                    conn.execute(
                        text(
                            "UPDATE interactions SET event_count = event_count + 8, scored_at = :at, "
                            "quality_score = 80, score = CAST(:s AS jsonb) WHERE id = :i"
                        ),
                        {"i": iid, "at": now, "s": '{"items": []}'},
                    )
            counts[w] += 500
            b += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="backlog size (default 20000)")
    parser.add_argument("--bootstrap", default=os.environ.get("CALLQA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"))
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (default: deploy/postgres's, if up)")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="CALLQA_KAFKA_BATCH_MAX_RECORDS (default 500)")
    parser.add_argument("--ceiling-seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    admin = postgres_admin_url(args.postgres)
    if not admin:
        parser.error("PostgreSQL is not running: deploy/postgres/local-postgres.sh start, or give --postgres")

    rng = random.Random(args.seed)
    tag = f"scale{uuid.uuid4().hex[:6]}"
    backlog, _ = build_backlog(mix(args.events, rng, load_texts(rng), tag))
    n = len(backlog)
    results = []
    for processes in (1, 2):
        topic = f"{tag}.p{processes}.events"
        make_consumer_topics(args.bootstrap, topic, args.partitions)
        url, name = fresh_postgres(admin, "callqa_scale")
        try:
            print(f"  {processes} consumer process(es): draining {n:,} events ...", file=sys.stderr)
            results.append((processes, *drain(url, args.bootstrap, topic, backlog, processes, args.batch)))
        finally:
            drop_postgres(admin, name)
    ceilings = []
    for connections in (1, 2):
        url, name = fresh_postgres(admin, "callqa_ceiling")
        try:
            ceilings.append((connections, write_ceiling(url, connections, args.ceiling_seconds)))
        finally:
            drop_postgres(admin, name)

    print(f"\n{n:,} events, topic of {args.partitions} partitions, batch {args.batch}, {os.cpu_count()} CPUs")
    print(f"{'':34} {'events/s':>9} {'x 1 process':>12} {'CPU s':>7} {'events/CPU s':>13} {'stored':>8}")
    base = results[0][1]
    for processes, rate, cpu, stored in results:
        label = f"{processes} x callqa consume"
        print(f"{label:34} {rate:>9,.0f} {rate / base:>12.2f} {cpu:>7.1f} {stored / cpu:>13,.0f} {stored:>8,}")
    print("PostgreSQL write ceiling (500 events + 60 interaction updates per transaction, no scoring):")
    for connections, rate in ceilings:
        print(f"{f'{connections} writer connection(s)':34} {rate:>9,.0f} {rate / ceilings[0][1]:>12.2f}")


if __name__ == "__main__":
    main()
