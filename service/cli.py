"""`callqa` command line: serve, consume, migrate, standards validate."""

import argparse
import logging
import sys
from pathlib import Path

from service.auth import cli as auth_cli
from service.config import Settings


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    import uvicorn

    from service.api.app import create_app

    sink = None
    if settings.ingest_mode == "kafka":  # POST /v1/events produces to the events topic; `callqa consume` scores
        from consumers.producer import KafkaEventSink

        sink = KafkaEventSink.from_settings(settings)
    app = create_app(settings, sink=sink)
    print(f"callqa listening on http://{settings.host}:{settings.port}  (API docs: /docs, metrics: /metrics)")
    # timeout_graceful_shutdown: open alert streams must not hold SIGTERM up; clients resume with Last-Event-ID.
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), timeout_graceful_shutdown=5
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    from service.migrate import upgrade

    upgrade(settings.database_url)
    print(f"database at the latest schema: {_redact(settings.database_url)}")
    return 0


def _consume(settings: Settings, _: argparse.Namespace) -> int:
    from consumers.runner import run_consumer  # lazily: only this command needs kafka

    return run_consumer(settings)


def _validate_standard(_: Settings, args: argparse.Namespace) -> int:
    from service.standards.loader import StandardsError, load_standard

    try:
        loaded = load_standard(Path(args.file))
    except StandardsError as exc:
        print(exc, file=sys.stderr)
        return 1
    std = loaded.standard
    print(f"{args.file}: valid standard {std.version!r} ({len(std.script_rules)} script rules)")
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP API (settings from CALLQA_* variables)").set_defaults(run=_serve)
    sub.add_parser(
        "consume", help="score events from the Kafka events topic (CALLQA_KAFKA_*); SIGTERM stops it cleanly"
    ).set_defaults(run=_consume)
    sub.add_parser("migrate", help="bring the database schema to the latest revision").set_defaults(run=_migrate)
    standards = sub.add_parser("standards", help="standards files").add_subparsers(dest="action", required=True)
    validate = standards.add_parser("validate", help="check a standards file; errors name line and reason")
    validate.add_argument("file")
    validate.set_defaults(run=_validate_standard)
    auth_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(settings, args))
    except Exception as exc:  # a clear one-line reason at the command line; the traceback in debug
        logging.getLogger("callqa").debug("failed", exc_info=True)
        print(f"callqa {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
