"""At a fixed offered rate, how long from an event's occurred_at to its alert on the alerts topic, and does the
consumer keep up? Kafka -> `callqa consume` (a subprocess) -> PostgreSQL -> outbox -> alerts topic.

    BOOTSTRAP=$(deploy/kafka/local-kafka.sh start); deploy/postgres/local-postgres.sh start
    .venv/bin/python bench/kafka_latency.py --bootstrap $BOOTSTRAP [--rate 2000] [--levels 1,1.5,2] [--seconds 45]
        [--consumers 1] [--partitions 3] [--against REV] [--variant CALLQA_X=1,CALLQA_Y=2 ...]

`--against REV` measures the consumer code of git revision REV too, and each `--variant` this tree with other
settings: level by level, each in turn on the same offered stream, so the ratios compare code under the same load.

For each load level (a multiple of `--rate`; 2,000 events/s is a 10,000-agent centre at peak), on a fresh
database and fresh topics:

1. starts `--consumers` consumer processes (`callqa consume`'s run_consumer, with an observer that writes each
   event's occurred_at -> committed delay to a file) and waits until they have joined and committed a warm-up;
2. offers the realistic mix of bench/kafka_pipeline.py (calls of ~34 events, tickets of 6; real texts) at the
   level's rate for `--seconds`, each event's occurred_at stamped when it is sent;
3. meanwhile reads the alerts topic (each alert's receipt time) and samples the consumer group's lag every second;
4. after the offered period, waits for the lag to reach 0 (at most `--drain` s) and for the last alerts.

Figures, per level:
- achieved offered rate (the producer's own, in case it cannot offer the level);
- lag: the highest, and the lag when offering stopped, and how long the backlog then took to clear;
- pickup: occurred_at -> the consumer's `received_at` of the event (from the database), p50/p99;
- committed: occurred_at -> the database commit of the batch that scored the event (the consumer's observer);
- alert: occurred_at of the event that raised the alert (of its interaction's events in the batch that raised
  it, the first at or after its breached_at) -> the alert read from the alerts topic by this script, p50/p99
  ("alert published": the outbox delivery to the topic, as a subscriber sees it: a record is readable once the
  broker has it acknowledged, acks=all, so this is the acknowledged moment plus one fetch). An alert's breached_at
  is not when it could first be known: a rule may breach at a deadline that only a later event shows passed.
  Alerts raised by the consumer's deadline sweep (no event) are reported apart, from their breached_at: their
  delay is the sweep's interval by design;
- outbox: the commit of the batch that raised an alert -> the alert read from the topic (the outbox's own share);
  acked: the same commit -> its outbox row's delivered_at (recorded right after the broker's acknowledgement);
- the consumers' CPU share (summed) and peak RSS (the largest).
Ratios: each level's p50/p99 against level 1's, in the same run.
"""

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import KafkaAdminClient  # noqa: E402
from kafka.errors import KafkaError  # noqa: E402
from kafka_pipeline import (  # noqa: E402  (the same realistic mix and database helpers)
    Interaction,
    drop_postgres,
    empty_postgres,
    load_texts,
    make_topic,
    mix,
    pct,
    postgres_admin_url,
    proc_cpu,
    stamp,
)
from scoring_core import tree_at  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

OBSERVER = ROOT / "bench" / "observed_consumer.py"


def proc_kib(pid: int, key: str) -> int:
    """VmRSS / VmHWM (peak RSS) of a live process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Offered(threading.Thread):
    """`rate` events/s for `seconds`, paced in 10 ms ticks; remembers each event's occurred_at."""

    def __init__(self, bootstrap: str, topic: str, stream: Iterator[Interaction], rate: float, seconds: float) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.stream, self.rate, self.seconds = bootstrap, topic, stream, rate, seconds
        self.sent = 0
        self.occurred: dict[str, list[datetime]] = defaultdict(list)  # interaction -> its events' occurred_at
        self.elapsed = 0.0

    def run(self) -> None:
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=2)
        target = int(self.rate * self.seconds)
        start = time.monotonic()
        for it in self.stream:
            if self.sent >= target:
                break
            ahead = start + self.sent / self.rate - time.monotonic()
            if ahead > 0.01:
                producer.flush()
                time.sleep(ahead)
            now = datetime.now(UTC)
            event = stamp(it, now)
            self.occurred[it.id].append(now)
            producer.send(self.topic, key=it.id.encode(), value=json.dumps(event).encode())
            self.sent += 1
        producer.flush()
        self.elapsed = time.monotonic() - start
        producer.close()


@dataclass(frozen=True)
class Raised:
    """An alert the consumer raised: the commit of its batch, and its trigger's occurred_at (None: no event of
    its interaction in that batch, e.g. a deadline that passed)."""

    committed: datetime
    trigger: datetime | None

    @classmethod
    def parse(cls, fields: list[str]) -> "Raised":
        trigger = float(fields[1])
        return cls(
            datetime.fromtimestamp(float(fields[0]), UTC), datetime.fromtimestamp(trigger, UTC) if trigger else None
        )


@dataclass
class Received:
    at: datetime
    doc: dict[str, object]


class AlertReader(threading.Thread):
    """Every record of the alerts topic, with the time this process read it."""

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        self.consumer.seek_to_beginning()
        self.got: list[Received] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = datetime.now(UTC)
                self.got += [Received(now, json.loads(r.value)) for r in records]
        self.consumer.close()


class LagSampler(threading.Thread):
    """The group's lag (end offsets - committed offsets) every second."""

    def __init__(self, bootstrap: str, topic: str, group: str, partitions: int) -> None:
        super().__init__(daemon=True)
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        self.ends = KafkaConsumer(bootstrap_servers=bootstrap)
        self.tps = [TopicPartition(topic, p) for p in range(partitions)]
        self.group = group
        self.samples: list[tuple[float, int]] = []  # (monotonic, lag)
        self.stop = threading.Event()

    def lag(self) -> int | None:
        """None while the group has no coordinator yet (before its first join)."""
        ends = self.ends.end_offsets(self.tps)
        try:
            committed = self.admin.list_group_offsets({self.group: self.tps}).get(self.group, {})
        except KafkaError:
            return None
        return sum(
            ends[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0) for tp in self.tps
        )

    def run(self) -> None:
        while not self.stop.is_set():
            lag = self.lag()
            if lag is not None:
                self.samples.append((time.monotonic(), lag))
            self.stop.wait(1.0)

    def close(self) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(5)
        self.admin.close()
        self.ends.close()


@dataclass
class Level:
    factor: float
    rate: float
    code: str
    offered: float = 0.0
    max_lag: int = 0
    lag_at_stop: int = 0
    drain_s: float | None = None  # after offering stopped, until lag 0 (None: not within --drain)
    pickup: list[float] = field(default_factory=list)
    committed: list[float] = field(default_factory=list)
    alert: list[float] = field(default_factory=list)
    alert_outbox: list[float] = field(default_factory=list)  # committed -> on the topic (the outbox's share)
    alert_acked: list[float] = field(default_factory=list)  # committed -> recorded as acknowledged (delivered_at)
    deadline_alerts: list[float] = field(default_factory=list)
    rules: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # rule (kind) -> delays
    cpu_share: float = 0.0
    load: float = 0.0  # the machine's 1-minute load average when offering stopped
    peak_rss_mib: float = 0.0


@dataclass(frozen=True)
class Contender:
    """The consumer code measured (this tree, or a git revision's) and the settings it runs with."""

    label: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)


def contenders(args: argparse.Namespace, tmp: Path) -> list[Contender]:
    """`--against REV` first (the baseline), then this tree, then each `--variant` of this tree."""
    out = []
    if args.against:
        root = tree_at(args.against, tmp)
        (root / "bench" / OBSERVER.name).write_text(OBSERVER.read_text())
        out.append(Contender(args.against, root))
    out.append(Contender("this tree", ROOT))
    for variant in args.variant:
        env = dict(kv.split("=", 1) for kv in variant.split(","))
        out.append(Contender(variant, ROOT, env))
    return out


def start_consumer(code: Contender, env: dict[str, str], log: Path, delays: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        cmd = [sys.executable, str(code.root / "bench" / OBSERVER.name), str(delays)]
        return subprocess.Popen(cmd, env={**env, **code.env}, cwd=code.root, stdout=out, stderr=subprocess.STDOUT)


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def run_level(
    factor: float, code: Contender, args: argparse.Namespace, admin_url: str, texts: object, tag: str
) -> Level:
    level = Level(factor, args.rate * factor, code.label)
    name = f"{tag}-x{str(factor).replace('.', '_')}"
    topic, alerts_topic = f"{name}.events", f"{name}.alerts"
    for t in (topic, alerts_topic, f"{name}.dlq"):
        make_topic(args.bootstrap, t, args.partitions)
    url, db = empty_postgres(admin_url)
    group = f"{name}-group"
    env = {
        **os.environ,
        "CALLQA_DATABASE_URL": url,
        "CALLQA_KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
        "CALLQA_KAFKA_EVENTS_TOPIC": topic,
        "CALLQA_KAFKA_ALERTS_TOPIC": alerts_topic,
        "CALLQA_KAFKA_DEAD_LETTER_TOPIC": f"{name}.dlq",
        "CALLQA_KAFKA_GROUP_ID": group,
        "CALLQA_LOG_LEVEL": "WARNING",
    }
    # each contender's own migrations: an older revision's consumer refuses a schema newer than its code
    migrate = [sys.executable, "-m", "service.cli", "migrate"]
    subprocess.run(migrate, env={**env, **code.env}, cwd=code.root, check=True, stdout=subprocess.DEVNULL)
    logs = [Path(f"/tmp/{name}.consume{i}.log") for i in range(args.consumers)]
    delays = [Path(f"/tmp/{name}.committed{i}.txt") for i in range(args.consumers)]
    consumers = [start_consumer(code, env, log, d) for log, d in zip(logs, delays, strict=True)]
    log = logs[0]
    lag = LagSampler(args.bootstrap, topic, group, args.partitions)
    try:
        # Warm-up (group join, first scores compile the matchers): 300 events, until committed. A consumer whose
        # commit a rebalance refused may commit only with its next batch (older code): 20 more events every 30 s.
        rng = random.Random(args.seed)
        given_up = time.monotonic() + 180
        for n in itertools.count():
            events = mix(20 if n else 300, rng, texts, f"{name}-warm{n}")  # type: ignore[arg-type]
            Offered(args.bootstrap, topic, events, 300, 1).run()
            if wait_for(lambda: lag.lag() == 0, min(30, given_up - time.monotonic())):
                break
            if any(c.poll() is not None for c in consumers):
                sys.exit(f"a consumer exited during the warm-up (log: {log})")
            if time.monotonic() >= given_up:
                sys.exit(f"timed out waiting for the consumers to commit the warm-up (log: {log})")
        reader = AlertReader(args.bootstrap, alerts_topic, args.partitions)
        reader.start()
        lag.start()
        stream = mix(10**9, random.Random(args.seed + 1), texts, name)  # type: ignore[arg-type]
        offered = Offered(args.bootstrap, topic, stream, level.rate, args.seconds)
        cpu0, t0 = sum(proc_cpu(c.pid) for c in consumers), time.monotonic()
        offered.start()
        offered.join()
        stopped = time.monotonic()
        level.load = os.getloadavg()[0]
        level.offered = offered.sent / offered.elapsed
        print(
            f"  x{factor} ({code.label}): offered {offered.sent:,} events at {level.offered:,.0f}/s; draining ...",
            file=sys.stderr,
        )
        while time.monotonic() - stopped < args.drain:
            if lag.samples and lag.samples[-1][0] > stopped and lag.samples[-1][1] == 0:
                level.drain_s = lag.samples[-1][0] - stopped
                break
            time.sleep(0.2)
        level.cpu_share = (sum(proc_cpu(c.pid) for c in consumers) - cpu0) / (time.monotonic() - t0)
        time.sleep(3)  # the outbox's last deliveries
        reader.stop.set()
        reader.join(5)
        lag.close()
        level.peak_rss_mib = max(proc_kib(c.pid, "VmHWM") for c in consumers) / 1024
        during = [v for t, v in lag.samples if t <= stopped + 0.5]
        level.max_lag = max(during, default=0)
        level.lag_at_stop = during[-1] if during else 0
        level.pickup = pickup_delays(url, f"{name}-")
        acked = acked_at(url)
        got, occurred = reader.got, offered.occurred
    finally:
        for consumer in consumers:
            if consumer.poll() is None:
                consumer.terminate()
        for consumer in consumers:
            try:
                consumer.wait(30)
            except subprocess.TimeoutExpired:
                consumer.kill()
        drop_postgres(admin_url, db)
    observed = [line.split() for d in delays if d.exists() for line in d.read_text().splitlines()]
    level.committed = [float(o[1]) for o in observed if o[0] == "event"]
    raised = {o[1]: Raised.parse(o[2:]) for o in observed if o[0] == "alert"}
    measure_alerts(level, got, set(occurred), raised)
    level.alert_acked = [(at - raised[key].committed).total_seconds() for key, at in acked.items() if key in raised]
    return level


def acked_at(url: str) -> dict[str, datetime]:
    """When each alert's delivery to the topic was recorded as acknowledged (delivered_at, by dedup key)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.dedup_key, d.delivered_at FROM alert_deliveries d "
                "JOIN alert_transitions t ON t.id = d.transition_id JOIN alerts a ON a.id = t.alert_id "
                "WHERE d.destination = 'kafka' AND d.delivered_at IS NOT NULL"
            )
        ).all()
    engine.dispose()
    return {key: at if at.tzinfo else at.replace(tzinfo=UTC) for key, at in rows}


def pickup_delays(url: str, prefix: str) -> list[float]:
    """occurred_at -> received_at of every offered event (not the warm-up's), from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT EXTRACT(EPOCH FROM received_at - occurred_at) FROM events "
                "WHERE interaction_id LIKE :p AND interaction_id NOT LIKE :w"
            ),
            {"p": prefix + "%", "w": prefix + "warm%"},
        ).all()
    engine.dispose()
    return [float(r[0]) for r in rows]


def measure_alerts(level: Level, got: list[Received], occurred: set[str], raised: dict[str, Raised]) -> None:
    """`raised`: by dedup key, the alerts the consumer raised (the others, its deadline sweep's)."""
    for r in got:
        interaction = r.doc.get("interaction_id")
        if not isinstance(interaction, str) or interaction not in occurred:
            continue  # the warm-up's, or a queue/team alert
        key = str(r.doc.get("dedup_key"))
        by = raised.get(key)
        if by is None or by.trigger is None:
            level.deadline_alerts.append((r.at - datetime.fromisoformat(str(r.doc["breached_at"]))).total_seconds())
            level.rules[f"{r.doc.get('rule')} (sweep)"].append(level.deadline_alerts[-1])
            continue
        level.alert_outbox.append((r.at - by.committed).total_seconds())
        level.alert.append((r.at - by.trigger).total_seconds())
        level.rules[f"{r.doc.get('rule')} (event)"].append(level.alert[-1])


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default=os.environ.get("CALLQA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"))
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (default: deploy/postgres's)")
    parser.add_argument("--rate", type=float, default=2000, help="level 1, events/s (default 2000)")
    parser.add_argument("--levels", default="1,1.5,2", help="multiples of --rate (default 1,1.5,2)")
    parser.add_argument("--seconds", type=float, default=45, help="offered period per level (default 45)")
    parser.add_argument("--drain", type=float, default=60, help="most seconds to wait for lag 0 afterwards")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--consumers", type=int, default=1, help="consumer processes in the group (default 1)")
    parser.add_argument("--against", metavar="REV", help="also measure the consumer code of this git revision")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="K=V[,K=V]",
        help="also measure this tree with these settings (e.g. CALLQA_KAFKA_BATCH_MAX_RECORDS=100); repeatable",
    )
    args = parser.parse_args()
    admin = postgres_admin_url(args.postgres)
    if not admin:
        sys.exit("PostgreSQL is not running (deploy/postgres/local-postgres.sh start) and no --postgres given")
    texts = load_texts(random.Random(args.seed))
    tag = f"lat{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="callqa-latency-") as tmp:
        codes = contenders(args, Path(tmp))
        # Level by level, each contender in turn, the order reversed every other level: a change in the machine's
        # load falls on all of them alike.
        levels = [
            run_level(float(f), code, args, admin, texts, f"{tag}c{i}")
            for k, f in enumerate(args.levels.split(","))
            for i, code in (reversed if k % 2 else iter)(list(enumerate(codes)))
        ]

    print()
    print(
        f"callqa Kafka -> consume -> PostgreSQL -> alerts topic, fixed offered rate, {args.seconds:.0f} s per level, "
        f"{args.partitions} partitions, {args.consumers} consumer process(es), {os.cpu_count()} CPUs"
    )
    if len(codes) > 1:
        print("x p50, x p99: against " + codes[0].label + " at the same level")
    print(
        f"{'level':>5} {'code':>12} {'offered/s':>9} {'max lag':>8} {'lag@stop':>8} {'drained':>8} | "
        f"{'pickup p50':>10} {'p99':>6} | {'committed p50':>13} {'p99':>6} | "
        f"{'alert p50':>9} {'p99':>6} {'n':>5} {'outbox p50':>10} {'p99':>6} {'acked p50':>9} {'p99':>6} | "
        f"{'x p50':>6} {'x p99':>6} | {'deadline p50':>12} {'n':>4} | {'CPU':>5} {'RSS MiB':>7} {'load':>5}"
    )
    levels.sort(key=lambda lv: (lv.factor, [c.label for c in codes].index(lv.code)))
    for lv in levels:
        base = next(b for b in levels if b.factor == lv.factor) if len(codes) > 1 else levels[0]
        p50, p99 = pct(lv.alert, 50), pct(lv.alert, 99)
        drained = "-" if lv.drain_s is None else f"{lv.drain_s:.0f}s"
        print(
            f"{'x' + format(lv.factor, 'g'):>5} {lv.code[:12]:>12} {lv.offered:>9,.0f} {lv.max_lag:>8,} "
            f"{lv.lag_at_stop:>8,} "
            f"{drained:>8} | {ms(pct(lv.pickup, 50)):>10} {ms(pct(lv.pickup, 99)):>6} | "
            f"{ms(pct(lv.committed, 50)):>13} {ms(pct(lv.committed, 99)):>6} | {ms(p50):>9} {ms(p99):>6} "
            f"{len(lv.alert):>5} {ms(pct(lv.alert_outbox, 50)):>10} {ms(pct(lv.alert_outbox, 99)):>6} "
            f"{ms(pct(lv.alert_acked, 50)):>9} {ms(pct(lv.alert_acked, 99)):>6} | "
            f"{p50 / pct(base.alert, 50):>6.2f} {p99 / pct(base.alert, 99):>6.2f} | "
            f"{ms(pct(lv.deadline_alerts, 50)):>12} {len(lv.deadline_alerts):>4} | "
            f"{lv.cpu_share:>5.0%} {lv.peak_rss_mib:>7.0f} {lv.load:>5.1f}"
        )
    for lv in levels:
        by_count = sorted(lv.rules.items(), key=lambda kv: -len(kv[1]))
        rules = ", ".join(f"{k} {len(v)} ({ms(pct(v, 50))}/{ms(pct(v, 99))})" for k, v in by_count)
        print(f"alerts at x{lv.factor:g} ({lv.code}) by rule, n (p50/p99 ms): {rules}")
    print(
        "delays in ms. pickup: occurred_at -> the consumer took the event (events.received_at); committed: "
        "occurred_at -> the commit of the batch that scored it; alert: occurred_at of the event that raised the alert "
        "-> alert read from the alerts topic; deadline: breached_at of an alert the sweep raised -> on the topic; "
        "outbox: the commit of the batch that raised an alert (any) -> on the topic; "
        "acked: the same commit -> the outbox row recorded as acknowledged by the broker (delivered_at); "
        "lag in records; CPU: the consumer processes' share of one core; load: the machine's load average; "
        "drained: seconds after offering stopped until lag 0 ('-': not within --drain). "
        f"goal: p99 alert < 1,000 ms at x1 ({args.rate:,.0f}/s)"
    )
    if any(lv.pickup and statistics.median(lv.pickup) < 0 for lv in levels):
        print("warning: negative pickup delays (clock?)")


if __name__ == "__main__":
    main()
