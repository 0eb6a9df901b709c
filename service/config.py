"""The one settings object. Nothing else in callqa reads the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

import httpx
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STANDARDS_FILE = Path(__file__).parent / "standards" / "default.yaml"


class Settings(BaseSettings):
    """Every `CALLQA_*` environment variable; the README's settings table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="CALLQA_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./callqa.db",
        description="SQLAlchemy URL: SQLite file (default) or postgresql+psycopg://...",
    )
    standards_file: Path = Field(DEFAULT_STANDARDS_FILE, description="The service standard (YAML) to score by.")
    host: str = Field("127.0.0.1", description="Address `callqa serve` binds.")
    port: int = Field(8000, description="Port `callqa serve` binds.")
    max_batch_events: int = Field(500, ge=1, description="Most events accepted in one POST /v1/events batch.")
    ingest_group_events: int = Field(
        2000,
        ge=1,
        description="POST /v1/events in-process: most events the requests waiting at one moment share in one "
        "transaction (group commit; a batch larger than it still goes in whole, alone). Every request is "
        "answered after the commit that stores its events.",
    )
    ingest_group_wait_seconds: float = Field(
        0.005,
        ge=0,
        description="POST /v1/events in-process: how long a group waits for the next of the senders its last commit "
        "answered (each arrival restarts the wait), so that concurrent senders share one transaction instead of "
        "taking turns in small groups. A lone sender never waits, nor a group that already holds an event per sender "
        "(batches). 0: no waiting.",
    )
    key_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a process trusts an API key it has verified before reading it again. A key revoked "
        "through a process's API stops working there at once; revoked by `callqa keys revoke` or another "
        "instance, it stops working everywhere within this many seconds. 0: read the key on every request.",
    )
    max_body_bytes: int = Field(
        5_000_000,
        ge=1024,
        description="Largest request body accepted (bytes): a larger one is answered 413 as soon as it passes the "
        "limit, after authentication.",
    )
    list_total_cap: int = Field(
        10_000,
        ge=1,
        description="Most matches a list counts when asked `total=true`: past it, `total` is this number and "
        "`total_capped` is true, so a count over a year of history costs no more than this many index entries.",
    )
    max_source_records: int = Field(
        500, ge=1, description="Most records accepted in one POST /v1/sources/<name> body (413 beyond)."
    )
    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="`callqa serve`: a request's line and headers must arrive within this long of the connection "
        "opening (or of the previous response); a slower client gets 408 and the connection is closed.",
    )
    body_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="A request body must have fully arrived this long after the request's headers; a slower one "
        "gets 408 and the connection is closed.",
    )
    max_text_chars: int = Field(10_000, ge=1, description="Longest utterance or reply text accepted.")
    max_clock_skew_seconds: int = Field(
        300, ge=0, description="How far in the future an event's occurred_at may lie (sender clock skew)."
    )
    live_state_interactions: int = Field(
        10000,
        ge=0,
        description=(
            "Live interactions whose scoring state each process keeps in memory (their timeline: each turn with "
            "its text), so that an event is scored without reading its interaction back. Least recently used "
            "leave first, finished ones at once; 0: none, every event reads its interaction back."
        ),
    )
    live_state_events: int = Field(
        500_000,
        ge=0,
        description=(
            "Most events the live states of CALLQA_LIVE_STATE_INTERACTIONS hold in all (each turn keeps its text), "
            "so that a few very long calls cannot grow a process past its bound; the least recently used leave "
            "first (their next event reads the interaction back)."
        ),
    )
    text_cache_mb: int = Field(
        64,
        ge=0,
        description=(
            "MiB that all per-text caches of a process hold together (normal forms, sentiment, every script rule's "
            "phrase matches, however many rules and standards), by an estimate of each entry's size; texts not "
            "asked for again leave first. 0: nothing kept, every text worked out each time."
        ),
    )
    malloc_arenas: int = Field(
        2,
        ge=0,
        description=(
            "Most malloc heaps (glibc arenas) the threads of a serve or consume process share: with one per thread, "
            "memory freed in one heap is never reused by the others and the process only grows. 0: glibc's "
            "default (8 per core). No effect off glibc."
        ),
    )
    malloc_trim_seconds: float = Field(
        30.0,
        ge=0,
        description=(
            "How often a serve or consume process hands the free pages inside its malloc heaps back to the system "
            "(glibc's malloc_trim: a few ms). 0: never. No effect off glibc."
        ),
    )
    gc_young_objects: int = Field(
        10_000,
        ge=0,
        description=(
            "New container objects between two young-generation collections of Python's garbage collector in a "
            "serve or consume process (start-up's objects are frozen out of every collection): the interpreter's "
            "700 spent ~18 % of the Kafka pipeline's CPU on collections. 0: Python's default."
        ),
    )
    alert_watch_poll_seconds: float = Field(
        0.5,
        gt=0,
        le=60,
        description=(
            "SQLite: how often each process checks for new alert transitions while alert streams are open (one "
            "query for all of its streams). PostgreSQL is told by LISTEN/NOTIFY instead."
        ),
    )
    alert_watch_fallback_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        description=(
            "PostgreSQL: how often each process checks for new alert transitions besides LISTEN/NOTIFY (covers a "
            "notification lost while its listening connection was re-opened)."
        ),
    )
    retention_days: int = Field(
        0,
        ge=0,
        description=(
            "`callqa retention`: delete (or archive, then delete) the events of interactions that ended more than "
            "this many days ago; their scores, alerts and evidence stay. 0: keep every event."
        ),
    )
    max_order_skew_seconds: int = Field(
        3600,
        ge=0,
        description="How far an answer may precede its offer (or a reply its ticket) before rejection.",
    )
    sweep_interval_seconds: float = Field(
        5.0, gt=0, description="How often deadlines of live interactions are checked with no new event."
    )
    log_level: str = Field("INFO", description="Python log level.")

    # Access and alert delivery
    auth_enabled: bool = Field(
        True, description="Require an API key (`Authorization: Bearer <key>`) with the right scope on every /v1 call."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Where people reach callqa; links in webhooks and Alertmanager alerts."
    )
    aggregate_interval_seconds: float = Field(
        15.0, gt=0, description="How often queue/team window rules, control limits and escalations are evaluated."
    )
    webhook_urls: list[str] = Field(
        default_factory=list, description='Webhook endpoints for alert changes, as a JSON list: `["https://..."]`.'
    )
    webhook_secret: str = Field(
        "", description="HMAC-SHA256 key signing webhook bodies (`X-Callqa-Signature: sha256=<hex>`)."
    )
    alertmanager_url: str = Field(
        "", description="Prometheus Alertmanager base URL; alerts are pushed to `<url>/api/v2/alerts`. Empty: off."
    )
    delivery_max_attempts: int = Field(
        8,
        ge=1,
        description="Tries per alert delivery before it is marked failed (the Kafka alerts topic, and Alertmanager "
        "while the alert is open, are bounded by `CALLQA_DELIVERY_RETRY_FOR_SECONDS` instead).",
    )
    delivery_retry_for_seconds: float = Field(
        86400.0,
        gt=0,
        description="How long a delivery to the Kafka alerts topic, or a push of an open alert to Alertmanager, is "
        "retried after its last successful send (else after the alert change) before it is marked failed.",
    )
    delivery_backoff_seconds: float = Field(
        1.0, gt=0, description="First retry delay of a failed delivery; it doubles per try, up to 5 minutes."
    )
    delivery_batch: int = Field(
        200,
        ge=1,
        le=5000,
        description="Alert deliveries claimed per destination kind in one round. The Kafka alerts topic sends a "
        "round at once (all produced, acknowledgements awaited together, results recorded in one transaction); "
        "webhooks and Alertmanager send one by one, releasing what a slow receiver leaves no time for.",
    )
    delivery_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="Per webhook or Alertmanager request: connecting, sending and waiting for the answer are each "
        "bounded by it. A delivery claimed by a process that dies is sent again after 12 times this.",
    )
    alertmanager_resend_seconds: float = Field(
        60.0,
        gt=0,
        description="How often an alert open in callqa is pushed to Alertmanager again, each time with `endsAt` "
        "four intervals ahead: it stays firing (Alertmanager would resolve it after its `resolve_timeout`) until "
        "callqa resolves it.",
    )

    # Kafka ingestion (`callqa consume`, and `callqa serve` in Kafka mode). service/ never imports kafka:
    # these are read by consumers/.
    ingest_mode: Literal["inprocess", "kafka"] = Field(
        "inprocess",
        description="`inprocess`: POST /v1/events scores and stores at once. `kafka`: it validates, produces to "
        "the events topic (acks=all) and answers 202; `callqa consume` scores.",
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        description="Kafka brokers, comma-separated host:port (`deploy/kafka/local-kafka.sh` serves 127.0.0.1:19092).",
    )
    kafka_events_topic: str = Field(
        "callqa.events",
        description="Topic of call and ticket events, one event (JSON) per record, keyed by interaction_id.",
    )
    kafka_alerts_topic: str = Field(
        "callqa.alerts",
        description="Topic `callqa consume` produces new alerts to (JSON), keyed by interaction_id, from the outbox "
        "once stored (at least once: dedupe on `dedup_key`).",
    )
    kafka_dead_letter_topic: str = Field(
        "callqa.events.dlq",
        description="Where records that cannot be decoded or validated go: original bytes, reason and origin "
        "(topic, partition, offset) in headers.",
    )
    kafka_group_id: str = Field(
        "callqa-scorers", description="Consumer group of `callqa consume`; processes in one group share partitions."
    )
    kafka_batch_max_records: int = Field(
        500, ge=1, description="Most records `callqa consume` scores and stores in one database transaction."
    )
    kafka_batch_max_ms: int = Field(
        200,
        ge=1,
        description="Longest a record waits in `callqa consume` for its batch to fill, counted from when it was "
        "produced (its Kafka timestamp): a batch is processed when full or once its oldest record is this old, so "
        "records that already waited (a backlog) are processed at once with whatever else is at hand.",
    )
    kafka_max_dead_letter_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="`callqa consume` stops (exit 1, batch not committed) when more than this share of the last "
        "1000 records (checked from 100 on) would go to the dead-letter topic: a bad deploy or a wrong topic must "
        "stop the consumer, not drain into the dead-letter topic. 1 disables the guard.",
    )
    kafka_session_timeout_ms: int = Field(
        45_000,
        ge=1000,
        description="How long the group waits for a silent consumer before giving its partitions to the others "
        "(Kafka's group.min/max.session.timeout.ms bound it).",
    )
    kafka_retry_max_backoff_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest pause between retries while the database is unavailable (backoff doubles up to it); "
        "`callqa consume` keeps its offsets and retries until the database answers.",
    )
    kafka_produce_timeout_seconds: float = Field(
        10.0, gt=0, description="How long a produce (event, alert, dead letter) may wait for the broker's acks."
    )
    kafka_metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port where `callqa consume` serves Prometheus /metrics (on `host`); unset: none.",
    )

    # Source adapters (POST /v1/sources/<name>): the secrets that verify each sender's signature.
    twilio_auth_token: SecretStr | None = Field(
        None,
        description="Twilio auth token: verifies `X-Twilio-Signature` on POST /v1/sources/twilio; unset: Twilio "
        "callbacks are refused (401).",
    )
    zendesk_signing_secret: SecretStr | None = Field(
        None,
        description="Zendesk webhook signing secret: verifies `X-Zendesk-Webhook-Signature` on "
        "POST /v1/sources/zendesk; unset: Zendesk webhooks are refused (401).",
    )
    signature_max_age_seconds: int = Field(
        300,
        ge=1,
        description="How far a signed timestamp (Zendesk's X-Zendesk-Webhook-Signature-Timestamp) may lie from "
        "callqa's clock, either way: an older request is refused (401) as a possible replay.",
    )
    signature_base_url: str | None = Field(
        None,
        description="scheme://host[:port] that signing senders call callqa at, when a proxy sits in front: Twilio "
        "signs the URL it called, which callqa rebuilds from this and the request's path and query. Unset: the "
        "URL of the request as callqa received it.",
    )

    # Prometheus labels (see README, Metrics and dashboards): queues and teams are data, so only listed ones get
    # a label value of their own on the score, sentiment and compliance metrics.
    metrics_queues: list[str] = Field(
        default_factory=list,
        description="Queues with their own `queue` label on score, sentiment and compliance metrics, as a JSON "
        'list: `["billing"]`; the others are `other`. Each one adds series: list those dashboards filter on.',
    )
    metrics_teams: list[str] = Field(
        default_factory=list,
        description="Teams with their own `team` label on score, sentiment and compliance metrics, as a JSON "
        "list; the others are `other`.",
    )

    @field_validator("webhook_urls")
    @classmethod
    def _webhook_urls_valid(cls, urls: list[str]) -> list[str]:
        for url in urls:
            _check_http_url(url)
        return urls

    @field_validator("alertmanager_url")
    @classmethod
    def _alertmanager_url_valid(cls, url: str) -> str:
        if url:
            _check_http_url(url)
        return url


def _check_http_url(url: str) -> None:
    """Refused at start-up: a URL httpx cannot send to would otherwise fail every delivery to it, forever."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")


@lru_cache
def get_settings() -> Settings:
    return Settings()
