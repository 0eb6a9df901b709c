"""How fast is Kafka ingestion? consume -> score -> store, on SQLite and PostgreSQL, against the real broker.

    BOOTSTRAP=$(deploy/kafka/local-kafka.sh start); deploy/postgres/local-postgres.sh start
    .venv/bin/python bench/kafka_pipeline.py --events 20000 [--profile [postgresql]] [--consumers 2 --partitions 4]

1. Builds a realistic mix (calls of ~30 utterances plus their lifecycle events, and tickets; customer text from
   VADER's human-rated corpora, agent text from ABCD's agents and script lines) and produces it to a fresh topic.
2. Limits, on the same records: kafka-python consuming them doing nothing; VADER alone on the same texts.
3. For each database: `callqa consume`'s loop (run_consumer, in this process) drains the backlog (events/s),
   then takes a steady offered load at half that rate with occurred_at set at produce time, and reports the
   p50/p99 delay from occurred_at to the committed score and to the alert.

4. With `--consumers N`: the backlog drained on PostgreSQL by 1 and then N `callqa consume` processes in one
   consumer group (how a centre deploys on a multi-core box), beside the in-process figure above, which stays
   the headline.

Rates exclude the first batch (group join, connection set-up) for every contender alike. The raw consume is
also shown with kafka-python's pure-Python CRC32C, the baseline of the ratios measured before crc32c was a
dependency. Per CPU second rates count this process's CPU and, for a local PostgreSQL whose processes this user
can read (/proc), the server's too.
"""

import argparse
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CALLQA = ROOT / ".venv" / "bin" / "callqa"

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402
from kafka.record import util as record_util  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from consumers.loop import Committed  # noqa: E402
from consumers.runner import run_consumer  # noqa: E402
from service import collector  # noqa: E402
from service.config import Settings  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.scoring import sentiment  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NAMES = ["Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jamal", "Kim", "Luis"]
SCRIPT = {
    "greet": [
        "Thank you for calling Acme, my name is {name}. How can I help you today?",
        "Good morning, you're speaking with {name} at Acme support. What can I do for you?",
        "Hello, thanks for calling, this is {name} speaking. How may I help?",
    ],
    "empathy": [
        "I'm really sorry about that, I understand how frustrating this must be.",
        "I apologize for the trouble, let me sort this out for you right away.",
        "I can imagine how annoying that is, I'm sorry.",
    ],
    "hold": ["May I put you on hold for a moment while I check that?", "Please bear with me, one moment please."],
    "offer": ["Is there anything else I can help you with today?", "Can I help you with anything else?"],
    "close": ["Thank you for calling, have a great day!", "Thanks for calling Acme, take care. Goodbye!"],
    "rude": ["Calm down, that's not my problem.", "Look, I don't care, you people never read the emails."],
}


# ------------------------------------------------------------------------------------------------- data --


def corpus_lines(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        path = DATA / "vader" / name
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip():
                out.append(parts[2].strip())
    return out


def agent_lines() -> list[str]:
    path = DATA / "abcd" / "abcd_sample.json"
    convos = json.loads(path.read_text())
    return [t for c in convos for speaker, t in c["original"] if speaker == "agent" and len(t) > 12]


@dataclass
class Texts:
    customer: Iterator[str]
    agent: list[str]
    rng: random.Random

    def cust(self) -> str:
        return next(self.customer)

    def script(self, kind: str, name: str = "") -> str:
        return self.rng.choice(SCRIPT[kind]).format(name=name)


def load_texts(rng: random.Random) -> Texts:
    if not (DATA / "vader").is_dir() or not (DATA / "abcd").is_dir():
        sys.exit(f"reference data not found under {DATA} (../shared/data): the benchmark needs its real texts")
    customer = corpus_lines(
        ["amazonReviewSnippets_GroundTruth.txt", "tweets_GroundTruth.txt", "movieReviewSnippets_GroundTruth.txt"]
    )
    rng.shuffle(customer)

    def cycle() -> Iterator[str]:  # unique until the corpus (~18,500 texts) runs out
        while True:
            yield from customer

    return Texts(cycle(), agent_lines(), rng)


# A template is (type, payload) with no times: occurred_at (and utterance offsets) are stamped when produced.
Template = tuple[str, dict[str, Any]]


def call_template(texts: Texts, rng: random.Random) -> list[Template]:
    name = rng.choice(NAMES)
    rude = rng.random() < 0.1
    turns: list[tuple[str, str]] = [("agent", texts.script("greet", name)), ("customer", texts.cust())]
    while len(turns) < 26:
        turns.append(("customer", texts.cust()))
        turns.append(("agent", texts.script("empathy") if rng.random() < 0.25 else rng.choice(texts.agent)))
    if rude:
        turns[rng.randrange(4, 20)] = ("agent", texts.script("rude"))
    hold_at = rng.randrange(6, 20)
    turns += [("agent", texts.script("offer")), ("customer", texts.cust()), ("agent", texts.script("close"))]
    out: list[Template] = [("call.offered", {}), ("call.answered", {})]
    for i, (speaker, t) in enumerate(turns):
        out.append(("call.utterance", {"speaker": speaker, "text": t}))
        if i == hold_at:
            out[-1] = ("call.utterance", {"speaker": "agent", "text": texts.script("hold")})
            out += [("call.hold", {"reason": "checking the account"}), ("call.resumed", {})]
    out.append(("call.ended", {"reason": "customer hung up"}))
    return out  # 2 + 29 utterances + hold/resume + end = 34 events


def ticket_template(texts: Texts, rng: random.Random) -> list[Template]:
    name = rng.choice(NAMES)
    return [
        ("ticket.created", {"priority": rng.randint(1, 4), "channel": "email", "subject": texts.cust()[:200]}),
        ("ticket.replied", {"author": "agent", "text": f"Hi, my name is {name}. {rng.choice(texts.agent)} Regards"}),
        ("ticket.replied", {"author": "customer", "text": texts.cust()}),
        ("ticket.replied", {"author": "agent", "text": texts.script("empathy") + " Kind regards, " + name}),
        ("ticket.status_changed", {"status": "pending"}),
        ("ticket.resolved", {}),
    ]


@dataclass
class Interaction:
    id: str
    kind: str
    agent: str
    team: str
    queue: str
    templates: list[Template]
    next: int = 0
    answered_at: datetime | None = None


def mix(n_events: int, rng: random.Random, texts: Texts, tag: str, concurrent: int = 60) -> Iterator[Interaction]:
    """Interleaved interactions (60 live at a time), ~90 % of events from calls; yields one per event to emit."""
    made = 0
    live: list[Interaction] = []
    counter = 0

    def new() -> Interaction:
        nonlocal counter
        counter += 1
        kind = "call" if rng.random() < 0.55 else "ticket"  # 55 % of interactions, ~90 % of events
        tpl = call_template(texts, rng) if kind == "call" else ticket_template(texts, rng)
        return Interaction(
            f"{tag}-{kind[0]}{counter}",
            kind,
            f"a-{rng.randrange(40)}",
            f"t-{rng.randrange(5)}",
            rng.choice(["billing", "tech", "sales"]),
            tpl,
        )

    while made < n_events:
        while len(live) < concurrent:
            live.append(new())
        it = rng.choice(live)
        yield it
        it.next += 1
        made += 1
        if it.next >= len(it.templates):
            live.remove(it)


def stamp(it: Interaction, now: datetime) -> dict[str, Any]:
    """The next event of `it` in the wire format, occurred_at = now (produce time)."""
    type_, payload = it.templates[it.next]
    payload = dict(payload)
    if type_ == "call.answered":
        it.answered_at = now
    if type_ == "call.utterance":
        payload["offset_ms"] = int((now - (it.answered_at or now)).total_seconds() * 1000)
    return {
        "event_id": f"{it.id}-{it.next}",
        "type": type_,
        "occurred_at": now.isoformat(),
        "interaction_id": it.id,
        "agent_id": it.agent if type_ != "call.offered" else None,
        "team_id": it.team,
        "queue_id": it.queue,
        "payload": payload,
    }


def texts_of(event: dict[str, Any]) -> str | None:
    return event["payload"].get("text")


# ------------------------------------------------------------------------------------------------ kafka --


def make_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
        admin.wait_for_topics([name], timeout_ms=20_000)
    finally:
        admin.close()


def build_backlog(stream: Iterator[Interaction]) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """The backlog as (key, value) records, stamped now; and the texts in it (for the VADER baseline)."""
    records, texts = [], []
    for it in stream:
        event = stamp(it, datetime.now(UTC))
        if (t := texts_of(event)) is not None:
            texts.append(t)
        records.append((it.id.encode(), json.dumps(event).encode()))
    return records, texts


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024)
    t0 = time.perf_counter()
    for key, value in records:
        producer.send(topic, key=key, value=value)
    producer.flush()
    elapsed = time.perf_counter() - t0
    producer.close()
    return len(records) / elapsed


def proc_cpu(pid: int, thread: int | None = None) -> float:
    """CPU seconds of a process, or of one of its threads."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_consumer_topics(bootstrap: str, topic: str, partitions: int) -> None:
    """The events topic and the alerts and dead-letter topics `callqa consume` writes to, as a deployment has them."""
    make_topic(bootstrap, topic, partitions)
    for side in ("alerts", "dlq"):
        make_topic(bootstrap, f"{topic}.{side}", 1)


def wait_for_group(bootstrap: str, group: str, members: int, seconds: float = 120) -> None:
    """Until the consumer group is stable with `members` members (so no rebalance interrupts the drain)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            info = admin.describe_groups([group]).get(group, {})
            if info.get("group_state") == "Stable" and len(info.get("members", [])) == members:
                return
            time.sleep(0.5)
    finally:
        admin.close()
    raise SystemExit(f"consumer group {group} not stable with {members} members after {seconds:.0f} s")


def drain(
    url: str, bootstrap: str, topic: str, backlog: list[tuple[bytes, bytes]], processes: int, batch: int
) -> tuple[float, float, int]:
    """(events/s, CPU seconds the processes spent from the start of production to the last stored event, events
    stored). The processes join their group on the empty topic; the backlog is produced once the group is stable.
    The rate counts from the first look at the database after production ended (the whole backlog on the broker, so
    the producer cannot hold the consumers back) to the last stored event."""
    group, n = f"scale-{uuid.uuid4().hex[:8]}", len(backlog)
    env = {
        **os.environ, "CALLQA_DATABASE_URL": url, "CALLQA_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CALLQA_KAFKA_EVENTS_TOPIC": topic, "CALLQA_KAFKA_ALERTS_TOPIC": f"{topic}.alerts",
        "CALLQA_KAFKA_DEAD_LETTER_TOPIC": f"{topic}.dlq", "CALLQA_KAFKA_GROUP_ID": group,
        "CALLQA_KAFKA_BATCH_MAX_RECORDS": str(batch), "CALLQA_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    engine = create_engine(url)
    procs = [subprocess.Popen([str(CALLQA), "consume"], env=env) for _ in range(processes)]
    first_at = None
    first_count = stored = 0
    try:
        wait_for_group(bootstrap, group, processes)
        cpu_before = sum(proc_cpu(p.pid) for p in procs)
        produce(bootstrap, topic, backlog)
        deadline = time.monotonic() + 1800
        with engine.connect() as conn:
            while stored < n and time.monotonic() < deadline:
                time.sleep(0.1)
                stored = conn.scalar(text("SELECT count(*) FROM events")) or 0
                conn.rollback()
                if first_at is None and stored:
                    first_at, first_count = time.perf_counter(), stored
        done_at = time.perf_counter()
        cpu = sum(proc_cpu(p.pid) for p in procs) - cpu_before
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        engine.dispose()
    rate = (stored - first_count) / (done_at - first_at) if first_at and done_at > first_at else float("nan")
    return rate, cpu, stored


class SteadyProducer(threading.Thread):
    """Offered load: `rate` events/s for `seconds`, in 10 ms ticks, occurred_at stamped at send time."""

    def __init__(self, bootstrap: str, topic: str, stream: Iterator[Interaction], rate: float, seconds: float) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.stream, self.rate, self.seconds = bootstrap, topic, stream, rate, seconds
        self.target = int(rate * seconds)
        self.sent = 0

    def run(self) -> None:
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=2)
        start = time.monotonic()
        for it in self.stream:
            if self.sent >= self.target:
                break
            ahead = start + self.sent / self.rate - time.monotonic()
            if ahead > 0.01:
                producer.flush()
                time.sleep(ahead)
            event = stamp(it, datetime.now(UTC))
            producer.send(self.topic, key=it.id.encode(), value=json.dumps(event).encode())
            self.sent += 1
        producer.flush()
        producer.close()


def raw_consume_rate(
    bootstrap: str, topic: str, n: int, batch: int, pure_python_crc: bool = False
) -> tuple[float, float]:
    """(events/s, events per CPU second) of kafka-python consuming the records and doing nothing else.

    `pure_python_crc`: with kafka-python's own CRC32C, as it runs without the crc32c package (callqa's dependency
    since session 20): the baseline the earlier ratios of this benchmark were measured against."""
    crc = record_util.calc_crc32c.__defaults__
    if pure_python_crc:
        record_util.calc_crc32c.__defaults__ = (record_util.crc32c_py,)
    try:
        return _raw_consume_rate(bootstrap, topic, n, batch)
    finally:
        record_util.calc_crc32c.__defaults__ = crc


def _raw_consume_rate(bootstrap: str, topic: str, n: int, batch: int) -> tuple[float, float]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=batch,
    )
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    got = 0
    start = None
    while got < n:
        records = sum(len(r) for r in consumer.poll(timeout_ms=1000, max_records=batch).values())
        if records and start is None:
            start, first = time.perf_counter(), records  # the first batch (connect, first fetch) is not timed
            cpu = time.process_time()
        got += records
    rate = (got - first) / (time.perf_counter() - start)  # type: ignore[operator]
    cpu_rate = (got - first) / (time.process_time() - cpu)
    consumer.close()
    return rate, cpu_rate


def vader_rate(texts: list[str], events: int) -> tuple[float, float]:
    analyzer = SentimentIntensityAnalyzer()  # no cache: every text scored as it comes
    t0 = time.perf_counter()
    for t in texts:
        analyzer.polarity_scores(t)
    elapsed = time.perf_counter() - t0
    return events / elapsed, len(texts) / elapsed


# --------------------------------------------------------------------------------------------- pipeline --


@dataclass
class Run:
    backlog: int
    counted: int = 0
    first_commit: float | None = None
    first_batch: int = 0
    backlog_done: float | None = None
    cpu: float = 0.0  # this process's CPU seconds over the same span
    server_cpu: float | None = None  # the database server's CPU seconds over the same span, when it can be read
    score_delays: list[float] = field(default_factory=list)
    alert_delays: list[float] = field(default_factory=list)
    alerts: int = 0
    steady: SteadyProducer | None = None

    @property
    def rate(self) -> float:
        return (self.backlog - self.first_batch) / (self.backlog_done - self.first_commit)  # type: ignore[operator]

    @property
    def cpu_rate(self) -> float:
        """Events per CPU second: what the pipeline costs, however busy the machine is."""
        return (self.backlog - self.first_batch) / self.cpu

    @property
    def total_cpu_rate(self) -> float | None:
        """Events per CPU second of this process and the database server together."""
        if self.server_cpu is None:
            return None
        return (self.backlog - self.first_batch) / (self.cpu + self.server_cpu)


def run_pipeline(
    label: str,
    url: str,
    bootstrap: str,
    topic: str,
    backlog: int,
    stream: Iterator[Interaction],
    args: argparse.Namespace,
) -> Run:
    sentiment.polarity.cache_clear()  # each database starts as cold as the other
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        kafka_events_topic=topic,
        kafka_alerts_topic=f"{topic}.alerts",
        kafka_dead_letter_topic=f"{topic}.dlq",
        kafka_group_id=f"bench-{uuid.uuid4().hex[:8]}",
        kafka_batch_max_records=args.batch,
        log_level="WARNING",
    )
    collector.settle_after_start(settings.gc_young_objects)  # as `callqa consume` does before its loop
    run = Run(backlog)
    stop = threading.Event()
    profiler = None
    server = server_cpu_clock(url)
    if args.profile and label.lower() == args.profile.lower():
        from pyinstrument import Profiler
        from pyinstrument.stack_sampler import get_stack_sampler

        # this thread's CPU time, not wall time: what the drain costs, not what the loaded machine or the database
        # made it wait (the sampler is per thread: set in the thread that starts the profiler, run_consumer's)
        profiler = Profiler(interval=0.001)

    def on_commit(done: Committed) -> None:
        nonlocal profiler
        now = time.perf_counter()
        if run.first_commit is None:
            run.first_commit, run.first_batch = now, len(done.events)
            run.cpu = -time.process_time()
            if server:
                run.server_cpu = -server()
            if profiler:
                get_stack_sampler().timer_func = time.thread_time
                profiler.start()
        run.counted += len(done.events)
        run.alerts += len(done.alerts)
        if run.backlog_done is None:
            if run.counted >= backlog:
                run.backlog_done = now
                run.cpu += time.process_time()
                if server and run.server_cpu is not None:
                    run.server_cpu += server()
                if profiler:
                    profiler.stop()
                rate = args.rate or run.rate * 0.5
                run.steady = SteadyProducer(bootstrap, topic, stream, rate, args.seconds)
                run.steady.start()
            return
        # Steady phase: the delay of every event, and of every alert from its interaction's latest event.
        latest: dict[str, datetime] = {}
        for e in done.events:
            run.score_delays.append((done.committed_at - e.occurred_at).total_seconds())
            latest[e.interaction_id] = max(latest.get(e.interaction_id, e.occurred_at), e.occurred_at)
        for a in done.alerts:
            if a.interaction_id in latest:
                run.alert_delays.append((done.committed_at - latest[a.interaction_id]).total_seconds())
        if run.steady and not run.steady.is_alive() and run.counted >= backlog + run.steady.sent:
            stop.set()

    print(f"  {label}: consuming ...", file=sys.stderr)
    run_consumer(settings, stop, on_commit)
    if profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
    return run


def server_cpu_clock(url: str) -> Callable[[], float] | None:
    """CPU seconds used so far by the PostgreSQL server of `url` (postmaster, its live processes, and those that
    ended), from /proc; None for SQLite (in this process) or a server whose processes this user cannot read."""
    if not url.startswith("postgresql"):
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int | str) -> list[str]:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()  # fields from 3 (state) on: ppid is [1], utime [11]

    engine = create_engine(url)
    try:
        with engine.connect() as conn:  # read while the backend lives: it ends with its connection
            postmaster = int(stat(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())[1])
        stat(postmaster)
    except OSError:
        return None
    finally:
        engine.dispose()

    def clock() -> float:
        own = stat(postmaster)
        ticks = sum(int(v) for v in own[11:15])  # utime, stime, cutime, cstime (children that ended)
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                fields = stat(pid)
            except OSError:
                continue  # ended meanwhile
            if fields[1] == str(postmaster):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / tick

    return clock


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def sqlite_url(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    return url


def postgres_admin_url(given: str | None) -> str | None:
    if given:
        return given
    script = ROOT / "deploy" / "postgres" / "local-postgres.sh"
    if subprocess.run([script, "status"], capture_output=True).returncode != 0:
        return None
    return subprocess.run([script, "url"], capture_output=True, text=True).stdout.strip() or None


def empty_postgres(admin: str, prefix: str = "callqa_bench") -> tuple[str, str]:
    """(url, name) of a new, empty database on the server of `admin`."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False), name


def fresh_postgres(admin: str, prefix: str = "callqa_bench") -> tuple[str, str]:
    """A new database at the latest schema."""
    url, name = empty_postgres(admin, prefix)
    upgrade(url)
    return url, name


def drop_postgres(admin: str, name: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def scale_out(
    admin: str, bootstrap: str, prefix: str, backlog: list[tuple[bytes, bytes]], args: argparse.Namespace
) -> list[tuple[int, float, float, int]]:
    """(processes, events/s, CPU seconds, events stored) of the backlog drained by 1 and by --consumers
    `callqa consume` processes, each on a fresh topic and a fresh PostgreSQL database."""
    out = []
    for processes in (1, args.consumers):
        topic = f"{prefix}{processes}.events"
        make_consumer_topics(bootstrap, topic, args.partitions)
        url, name = fresh_postgres(admin)
        try:
            print(f"  PostgreSQL, {processes} consumer process(es): draining ...", file=sys.stderr)
            out.append((processes, *drain(url, bootstrap, topic, backlog, processes, args.batch)))
        finally:
            drop_postgres(admin, name)
    return out


# ----------------------------------------------------------------------------------------------- main --


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="backlog size (default 20000)")
    parser.add_argument("--bootstrap", default=os.environ.get("CALLQA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"))
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (default: deploy/postgres's, if up)")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500, help="CALLQA_KAFKA_BATCH_MAX_RECORDS (default 500)")
    parser.add_argument("--rate", type=float, help="offered load for the delay phase (default: half the drain rate)")
    parser.add_argument("--seconds", type=float, default=10, help="length of the delay phase (default 10)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="SQLite",
        choices=["SQLite", "sqlite", "PostgreSQL", "postgresql"],
        help="pyinstrument profile of one database's drain (default SQLite)",
    )
    parser.add_argument(
        "--consumers",
        type=int,
        default=1,
        help="also drain the backlog on PostgreSQL with 1 and then N `callqa consume` processes in one group "
        "(needs --partitions >= N)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.consumers > args.partitions:
        parser.error(f"--consumers {args.consumers} needs at least as many --partitions: a member without one idles")

    rng = random.Random(args.seed)
    texts = load_texts(rng)
    tag = f"bench{uuid.uuid4().hex[:6]}"
    backlog, backlog_texts = build_backlog(mix(args.events, rng, texts, tag))
    n = len(backlog)
    calls = len({k for k, _ in backlog if b"-c" in k})

    targets: list[tuple[str, str, str | None]] = []
    tmp = Path(tempfile.mkdtemp(prefix="callqa-bench-"))
    targets.append(("SQLite", sqlite_url(tmp), None))
    admin = postgres_admin_url(args.postgres)
    if admin:
        url, name = fresh_postgres(admin)
        targets.append(("PostgreSQL", url, name))
    else:
        print("PostgreSQL not running (deploy/postgres/local-postgres.sh start): skipped", file=sys.stderr)

    # Every database gets its own copy of the backlog, so its delay phase only adds to its own topic.
    topics = {label: f"{tag}.{label.lower()}.events" for label, _, _ in targets}
    for topic in topics.values():
        make_topic(args.bootstrap, topic, args.partitions)
        produce_rate = produce(args.bootstrap, topic, backlog)
        print(f"produced {n} events to {topic} at {produce_rate:,.0f}/s", file=sys.stderr)

    raw, raw_cpu = raw_consume_rate(args.bootstrap, topics["SQLite"], n, args.batch)
    raw_py, raw_py_cpu = raw_consume_rate(args.bootstrap, topics["SQLite"], n, args.batch, pure_python_crc=True)
    vader, vader_texts = vader_rate(backlog_texts, n)

    runs: list[tuple[str, Run]] = []
    scale: list[tuple[int, float, float, int]] = []
    try:
        for i, (label, url, _) in enumerate(targets):
            steady_stream = mix(10**9, random.Random(args.seed + i + 1), texts, f"{tag}-{label[:2].lower()}")
            runs.append((label, run_pipeline(label, url, args.bootstrap, topics[label], n, steady_stream, args)))
        if args.consumers > 1 and admin:
            scale = scale_out(admin, args.bootstrap, f"{tag}.scale", backlog, args)
    finally:
        for _, _, db_name in targets:
            if db_name and admin:
                drop_postgres(admin, db_name)

    print()
    print(
        f"callqa Kafka pipeline: {n:,} events backlog ({calls} calls of ~34 events, "
        f"{len({k for k, _ in backlog}) - calls} tickets of 6; {len(backlog_texts):,} texts), "
        f"{args.partitions} partitions, batch {args.batch}, {os.cpu_count()} CPUs"
    )
    head = f"{'':28} {'events/s':>9} {'x raw':>7} {'x VADER':>8} | {'offered/s':>9} {'score p50':>9} {'p99':>7}"
    head += f" {'alert p50':>9} {'p99':>7} {'alerts':>6}"
    print(head)
    print(f"{'kafka-python raw consume':28} {raw:>9,.0f} {1:>7.2f}")
    print(f"{'  ... with pure-Python CRC':28} {raw_py:>9,.0f} {raw_py / raw:>7.3f}   (kafka-python without crc32c)")
    print(f"{'VADER alone, same texts':28} {vader:>9,.0f} {vader / raw:>7.3f} {1:>8.2f} | ({vader_texts:,.0f} texts/s)")
    for label, run in runs:
        offered = run.steady.rate if run.steady else float("nan")
        print(
            f"{'pipeline ' + label:28} {run.rate:>9,.0f} {run.rate / raw:>7.3f} {run.rate / vader:>8.2f} | "
            f"{offered:>9,.0f} {_ms(pct(run.score_delays, 50)):>9} {_ms(pct(run.score_delays, 99)):>7} "
            f"{_ms(pct(run.alert_delays, 50)):>9} {_ms(pct(run.alert_delays, 99)):>7} {len(run.alert_delays):>6}"
        )
    print("\nper CPU second (load-independent): this process; then with the database server's CPU added")
    print(f"{'kafka-python raw consume':28} {raw_cpu:>9,.0f} {1:>7.2f}")
    print(f"{'  ... with pure-Python CRC':28} {raw_py_cpu:>9,.0f} {raw_py_cpu / raw_cpu:>7.3f}")
    for label, run in runs:
        print(
            f"{'pipeline ' + label:28} {run.cpu_rate:>9,.0f} {run.cpu_rate / raw_cpu:>7.3f}"
            f"   ({run.cpu_rate / raw_py_cpu:.3f}x the pure-Python CRC consume)"
        )
        if (total := run.total_cpu_rate) is not None:
            server = f"(server {run.server_cpu:.2f} s of {run.cpu + (run.server_cpu or 0):.2f} s)"
            print(f"{'  + PostgreSQL server CPU':28} {total:>9,.0f} {total / raw_cpu:>7.3f} {server}")
    if scale:
        print(
            f"\nconsumer processes in one group on PostgreSQL (`callqa consume` each, {args.partitions} partitions; "
            "events/s once the whole backlog is on the broker, CPU of all the processes):"
        )
        print(f"{'':28} {'events/s':>9} {'x raw':>7} {'x 1 proc':>8} | {'CPU s':>6} {'events/CPU s':>12} {'x raw':>6}")
        base = scale[0][1]
        for processes, rate, cpu, stored in scale:
            print(
                f"{f'{processes} x callqa consume':28} {rate:>9,.0f} {rate / raw:>7.3f} {rate / base:>8.2f} | "
                f"{cpu:>6.1f} {stored / cpu:>12,.0f} {stored / cpu / raw_cpu:>6.3f}"
            )


def _ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:,.0f}ms"


if __name__ == "__main__":
    main()
