"""`callqa` command line: serve, consume, migrate, standards validate|test|activate, keys, replay, backtest."""

import argparse
import contextlib
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from service.standards.loader import LoadedStandard

from service import collector
from service.auth import cli as auth_cli
from service.config import Settings


def _port_taken(host: str, port: int) -> str | None:
    """Why `host:port` cannot be served, checked before the app opens anything (uvicorn would only log it)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"cannot listen on {host}:{port} ({exc.strerror}): choose another with --port or CALLQA_PORT"
    return None


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from service.api.server import ServerConfig
    from service.app import create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    if problem := _port_taken(settings.host, settings.port):
        print(f"callqa serve: {problem}", file=sys.stderr)
        return 1
    sink = None
    if settings.ingest_mode == "kafka":  # POST /v1/events produces to the events topic; `callqa consume` scores
        from consumers.producer import KafkaEventSink

        sink = KafkaEventSink.from_settings(settings)
    app = create_app(settings, sink=sink)
    print(f"callqa listening on http://{settings.host}:{settings.port}  (API docs: /docs, metrics: /metrics)")
    # timeout_graceful_shutdown: open alert streams must not hold SIGTERM up; clients resume with Last-Event-ID.
    config = ServerConfig(app, settings, log_level=settings.log_level.lower(), timeout_graceful_shutdown=5)
    collector.settle_after_start(settings.gc_young_objects)
    uvicorn.Server(config).run()
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    from service.migrate import upgrade

    upgrade(settings.database_url)
    print(f"database at the latest schema: {_redact(settings.database_url)}")
    return 0


def _consume(settings: Settings, args: argparse.Namespace) -> int:
    from consumers.runner import run_consumer  # lazily: only this command needs kafka

    collector.settle_after_start(settings.gc_young_objects)
    if not args.source:
        return run_consumer(settings)
    from consumers.decoders import SourceDecoder
    from service.sources.registry import SOURCES

    # A topic of raw source records: its own topic and its own consumer group, beside the events consumers.
    topic = args.topic or f"callqa.sources.{args.source}"
    settings = settings.model_copy(
        update={"kafka_events_topic": topic, "kafka_group_id": f"{settings.kafka_group_id}.{args.source}"}
    )
    return run_consumer(settings, decoder=SourceDecoder(SOURCES[args.source]))


def _load_standard(file: str) -> "LoadedStandard | None":
    """The standards file, or None once its problems (file:line and reason) are printed."""
    from service.standards.loader import StandardsError, load_standard

    try:
        return load_standard(Path(file))
    except StandardsError as exc:
        print(exc, file=sys.stderr)
        return None


def _validate_standard(_: Settings, args: argparse.Namespace) -> int:
    loaded = _load_standard(args.file)
    if loaded is None:
        return 1
    std = loaded.standard
    print(f"{args.file}: valid standard {std.version!r} ({len(std.script_rules)} script rules)")
    return 0


def _test_standard(_: Settings, args: argparse.Namespace) -> int:
    from service.scoring.fixtures import run_fixtures

    loaded = _load_standard(args.file)
    if loaded is None:
        return 1
    std = loaded.standard
    report = run_fixtures(std)
    for failure in report.failures:
        print(f"FAIL {failure.line()}")
    failed = len(report.failures)
    verdict = "all pass" if report.passed else f"{failed} fail"
    print(f"{args.file}: standard {std.version!r}: {report.cases} fixture cases, {report.checks} checks, {verdict}")
    return 0 if report.passed else 1


def _activate_standard(settings: Settings, args: argparse.Namespace) -> int:
    from service.activations import service
    from service.clock import utc_now
    from service.db import session_scope
    from service.history.runtime import open_database

    loaded = _load_standard(args.file)
    if loaded is None:
        return 1
    now = utc_now()
    with open_database(settings) as sessions, session_scope(sessions) as session:
        try:
            done = service.activate(session, loaded, args.effective_at or now, "cli", now)
        except service.ActivationRefused as exc:
            print(f"callqa standards activate: refused: {exc}", file=sys.stderr)
            for failure in exc.failures:
                print(f"FAIL {failure.line()}", file=sys.stderr)
            return 1
        row = done.row
        print(
            f"activated standard {row.version!r} from {row.effective_at.isoformat()} (activation {row.id}; "
            f"{done.cases} fixture cases pass): interactions that start from then on are judged by it; running "
            "processes pick it up on their next batch, no restart"
        )
    return 0


def _replay(settings: Settings, args: argparse.Namespace) -> int:
    from service.history.replay import read_records, replay
    from service.history.runtime import quiet_runtime
    from service.sources.registry import FORMATS

    fmt = FORMATS[args.format]
    history = read_records([Path(p) for p in args.paths], fmt)
    with quiet_runtime(settings) as runtime:
        stats = replay(
            runtime, settings, fmt, history.records, pace=args.pace, batch=args.batch, progress=not args.quiet,
            unreadable=history.unreadable,
        )  # fmt: skip
    print("\n".join(stats.lines()))
    return 2 if stats.refused else 0


def _retention(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from service.clock import utc_now
    from service.history.retention import Purged, open_archive, purge_events
    from service.history.runtime import open_database

    days = args.older_than_days if args.older_than_days is not None else settings.retention_days
    if days <= 0:
        print("callqa retention: no age given (--older-than-days or CALLQA_RETENTION_DAYS): nothing deleted")
        return 0
    cutoff = utc_now() - timedelta(days=days)

    def progress(done: Purged) -> None:
        if not args.quiet:
            print(f"  {done.events} events in {done.chunks} chunks", file=sys.stderr)

    with open_database(settings) as sessions, contextlib.ExitStack() as stack:
        archive = stack.enter_context(open_archive(args.archive)) if args.archive else None
        done = purge_events(sessions, cutoff, args.chunk, archive, progress)
    where = f", archived to {args.archive}" if args.archive else ""
    print(f"deleted {done.events} events of interactions ended before {cutoff.isoformat()}{where}")
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _moment(text: str) -> datetime:
    """A date (midnight UTC) or an RFC 3339 time with its offset."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date or an RFC 3339 time") from None
    if value.tzinfo is None and len(text) > 10:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (e.g. 2026-11-24T09:00:00+00:00)")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _backtest(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from service.clock import utc_now
    from service.history.backtest import read_only, shadow_run
    from service.history.report import as_json, compare, render
    from service.history.runtime import open_database
    from service.standards.loader import load_standard

    if args.end <= args.start:
        print(f"callqa backtest: --to ({args.end.isoformat()}) must be after --from ({args.start.isoformat()})",
              file=sys.stderr)  # fmt: skip
        return 2  # a usage error, like the ones argparse reports
    candidate = load_standard(Path(args.standard)).standard
    progress = not args.quiet and sys.stderr.isatty()  # a bar in a log file is noise
    with open_database(settings) as sessions, read_only(sessions) as session:
        run = shadow_run(session, candidate, args.start, args.end, utc_now(), progress=progress)
    report = compare(run.shadows)
    if args.json:
        print(json.dumps(as_json(report, run.baseline, candidate.version), indent=2))
        return 0
    baseline = ", ".join(f"{v!r} ({n})" for v, n in sorted(run.baseline.items())) or "none"
    print(
        f"backtest of {args.standard} ({candidate.version!r}) against the standard version each interaction was "
        f"judged by ({baseline}): {report.interactions} interactions started {args.start.isoformat()} .. "
        f"{args.end.isoformat()}, scored in memory, nothing written\n"
    )
    print("\n".join(render(report, baseline, candidate.version)))
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="run the HTTP API (settings from CALLQA_* variables)",
        description="Run the HTTP API. Every setting is a CALLQA_* environment variable (README, Settings).",
        epilog=_settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", help="address to listen on (overrides CALLQA_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (overrides CALLQA_PORT)")
    serve.set_defaults(run=_serve)
    consume = sub.add_parser(
        "consume", help="score events from the Kafka events topic (CALLQA_KAFKA_*); SIGTERM stops it cleanly"
    )
    _add_source_options(consume)
    consume.set_defaults(run=_consume)
    sub.add_parser("migrate", help="bring the database schema to the latest revision").set_defaults(run=_migrate)
    standards = sub.add_parser("standards", help="standards files").add_subparsers(dest="action", required=True)
    validate = standards.add_parser("validate", help="check a standards file; errors name line and reason")
    validate.add_argument("file")
    validate.set_defaults(run=_validate_standard)
    test = standards.add_parser("test", help="run a standards file's fixture cases; exit 1 when one fails")
    test.add_argument("file")
    test.set_defaults(run=_test_standard)
    activate = standards.add_parser(
        "activate",
        help="activate a standards file from a time on, without a restart (its fixture cases must pass)",
        description="Interactions that start from --effective-at on are judged by this version; those started "
        "before keep theirs, and no stored score is rewritten. Running servers and consumers pick it up on their "
        "next batch.",
    )
    activate.add_argument("file")
    activate.add_argument("--effective-at", type=_moment, help="RFC 3339 time, now or later (default: now)")
    activate.set_defaults(run=_activate_standard)
    auth_cli.add_commands(sub)
    _add_history_commands(sub)
    return parser


def _settings_help() -> str:
    lines = ["settings (environment variables):"]
    for name, field in Settings.model_fields.items():
        about = (field.description or "").split(". ")[0].rstrip(".")
        lines.append(f"  CALLQA_{name.upper():<34} {about}")
    return "\n".join(lines)


def _add_source_options(consume: argparse.ArgumentParser) -> None:
    from service.sources.registry import SOURCES

    consume.add_argument(
        "--source",
        choices=list(SOURCES),
        help="read a topic of a source's own records (one body per record) through its adapter instead of "
        "callqa events; group CALLQA_KAFKA_GROUP_ID.<source>",
    )
    consume.add_argument("--topic", help="with --source: the topic (default callqa.sources.<source>)")


def _add_history_commands(sub: Any) -> None:
    from service.sources.registry import FORMATS

    replay = sub.add_parser(
        "replay",
        help="feed history files through the pipeline (store, score, alert; no notifications)",
        description="Feed history files through the same pipeline as live ingest. Exit 2 when some records or "
        "events were refused (each reason is printed; a line that is not JSON is one refused record), 1 when the "
        "files cannot be read.",
    )
    replay.add_argument("paths", nargs="+", metavar="PATH", help="history files, read in the order given")
    replay.add_argument(
        "--format",
        choices=list(FORMATS),
        default="canonical",
        help="canonical: callqa events, JSON lines; otherwise a source's own records (JSON values one after "
        "another, or one form body per line for twilio)",
    )
    replay.add_argument(
        "--pace",
        type=float,
        metavar="FACTOR",
        help="replay FACTOR times faster than the records happened (1 = as they happened); default: full speed",
    )
    replay.add_argument("--batch", type=int, default=200, help="records per transaction at full speed")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.set_defaults(run=_replay)

    retention = sub.add_parser(
        "retention",
        help="delete (or archive, then delete) the events of interactions that ended long ago",
        description="Delete the events of interactions that ended more than the retention age ago, in chunks of "
        "--chunk events, each its own short transaction (ingest keeps running). Scores, alerts and their evidence "
        "stay. With --archive the events are first appended to FILE as callqa event JSON lines (`callqa replay` "
        "reads them back).",
    )
    retention.add_argument(
        "--older-than-days", type=_positive, metavar="DAYS", help="the retention age (default: CALLQA_RETENTION_DAYS)"
    )
    retention.add_argument("--chunk", type=_positive, default=5000, help="events per transaction (default 5000)")
    retention.add_argument("--archive", type=Path, metavar="FILE", help="append the events here before deleting")
    retention.add_argument("--quiet", action="store_true", help="no progress lines")
    retention.set_defaults(run=_retention)

    backtest = sub.add_parser(
        "backtest",
        help="score stored interactions under a candidate standard, in memory; writes nothing",
        description="Score the interactions started in [--from, --to) under a candidate standard and under the "
        "standard version each was judged by (as recorded in the database, whatever CALLQA_STANDARDS_FILE says "
        "now), in memory at the same moment; report the pass rate per rule, team and agent and the alerts each "
        "would have raised. The database is opened read-only. A progress bar on stderr when it is a terminal.",
    )
    backtest.add_argument("--standard", required=True, metavar="FILE", help="the candidate standards file")
    backtest.add_argument("--from", dest="start", required=True, type=_moment, help="date or RFC 3339 time")
    backtest.add_argument("--to", dest="end", required=True, type=_moment, help="date or RFC 3339 time (excluded)")
    backtest.add_argument("--json", action="store_true", help="the report as JSON")
    backtest.add_argument("--quiet", action="store_true", help="no progress bar")
    backtest.set_defaults(run=_backtest)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:  # each bad setting by its environment variable, not a traceback
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            print(f"callqa: invalid CALLQA_{str(error['loc'][0]).upper()}: {message}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lists plugins; `migrate` says what it did
    try:
        return int(args.run(settings, args))
    except BrokenPipeError:  # `callqa backtest | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except Exception as exc:  # a clear one-line reason at the command line; the traceback in debug
        logging.getLogger("callqa").debug("failed", exc_info=True)
        print(f"callqa {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
