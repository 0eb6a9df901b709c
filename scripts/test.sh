#!/usr/bin/env bash
# `make test`: everything the suite needs, on a fresh machine too. Installs the Python environment, starts a
# real PostgreSQL (Debian package) and a real Kafka broker (Apache Kafka jars from Maven Central), lints,
# checks migrations against the models, and runs every test. Services are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1

step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

# Debian packages the suite drives for real: PostgreSQL (storage tests), Chromium and its driver (the console
# in a real browser, with a CJK font so the Chinese console pages render glyphs, not boxes, in screenshots),
# Prometheus and promtool (metrics and alert rules). One apt run installs what is missing.
APT_PACKAGES=(postgresql chromium chromium-driver fonts-wqy-microhei prometheus)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages ${missing[*]} and not root: install them, or tests needing them will fail" >&2
  fi
fi
export CALLQA_TEST_REQUIRE_BROWSER=1 CALLQA_TEST_REQUIRE_PROMETHEUS=1

step "python environment"
make -s venv
BIN=.venv/bin

step "lint (ruff, import-linter, mypy)"
make -s lint

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
