#!/usr/bin/env bash
# `make test`: everything the suite needs, on a fresh machine too. Installs the Python environment, starts a
# real PostgreSQL (Debian package) and a real Kafka broker (Apache Kafka jars from Maven Central), lints,
# checks migrations against the models, and runs every test. Services are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1

step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

step "python environment"
make -s venv
BIN=.venv/bin

step "lint"
$BIN/ruff check .
$BIN/ruff format --check .

cleanup() {
  deploy/kafka/local-kafka.sh stop >/dev/null 2>&1 || true
  deploy/postgres/local-postgres.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "PostgreSQL"
deploy/postgres/local-postgres.sh start
CALLQA_TEST_POSTGRES_URL=$(deploy/postgres/local-postgres.sh url)
export CALLQA_TEST_POSTGRES_URL CALLQA_TEST_REQUIRE_POSTGRES=1

step "Kafka"
CALLQA_TEST_KAFKA_BOOTSTRAP=$(deploy/kafka/local-kafka.sh start)
export CALLQA_TEST_KAFKA_BOOTSTRAP CALLQA_TEST_REQUIRE_KAFKA=1

step "migrations match the models (alembic check, SQLite and PostgreSQL)"
tmpdb=$(mktemp -d)/check.db
for url in "sqlite:///$tmpdb" "$CALLQA_TEST_POSTGRES_URL"; do
  CALLQA_DATABASE_URL="$url" $BIN/callqa migrate
  CALLQA_DATABASE_URL="$url" $BIN/alembic -c migrations/alembic.ini check
done

step "tests"
$BIN/pytest "$@"
