#!/usr/bin/env bash
# local-kafka.sh: run a REAL Apache Kafka broker (KRaft, one node: broker + controller in one JVM)
# on 127.0.0.1, assembled from Maven Central jars. No Docker needed; needs Java 17+ and Maven.
#
#   deploy/kafka/local-kafka.sh start    # fetch jars if missing, format a fresh data dir, start, wait
#   deploy/kafka/local-kafka.sh wait     # wait until the running broker is ready
#   deploy/kafka/local-kafka.sh status   # exit 0 if up (pid alive and port open), 1 if not
#   deploy/kafka/local-kafka.sh stop     # SIGTERM (SIGKILL after 30 s), then remove the data dir
#
# `start` and `wait` print only the bootstrap address (127.0.0.1:<port>) on stdout, messages go to
# stderr, so:  BOOTSTRAP=$(deploy/kafka/local-kafka.sh start)
#
# Environment (defaults):
#   CALLQA_KAFKA_HOME      state dir: jars cache, data, logs, pid   ($HOME/.cache/callqa/kafka)
#   KAFKA_PORT             client (PLAINTEXT) port                   (19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port                     (19093)
#   KAFKA_START_TIMEOUT    seconds `start`/`wait` wait for readiness (120)
#   JAVA                   java binary                               (java)
#   MVN                    maven binary                              (mvn)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || { echo "local-kafka: cannot read <kafka.version> from $POM" >&2; exit 2; }

CALLQA_KAFKA_HOME="${CALLQA_KAFKA_HOME:-$HOME/.cache/callqa/kafka}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"
HOST=127.0.0.1

LIBS_DIR="$CALLQA_KAFKA_HOME/libs-$KAFKA_VERSION"
DATA_DIR="$CALLQA_KAFKA_HOME/data"
LOGS_DIR="$CALLQA_KAFKA_HOME/logs"
PID_FILE="$CALLQA_KAFKA_HOME/kafka.pid"
PROPS_FILE="$CALLQA_KAFKA_HOME/server.properties"
SERVER_LOG="$LOGS_DIR/server.log"
CONSOLE_LOG="$LOGS_DIR/kafka.out"
BOOTSTRAP="$HOST:$KAFKA_PORT"

say() { echo "local-kafka: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

port_open() { # port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT
  if command -v timeout >/dev/null; then
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  else
    bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  fi
}

read_pid() { # prints the pid from the pid file if that process is alive and is our broker
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: the process must be a kafka.Kafka JVM
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  elif command -v ps >/dev/null; then
    ps -o command= -p "$pid" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  fi
  echo "$pid"
}

log_tail() {
  local f
  for f in "$SERVER_LOG" "$CONSOLE_LOG"; do
    if [[ -s "$f" ]]; then
      echo "----- last lines of $f -----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

fetch_jars() { # only when missing: the .complete marker is written after a full copy
  if [[ -f "$LIBS_DIR/.complete" ]]; then
    return 0
  fi
  command -v "$MVN" >/dev/null || die "maven ($MVN) not found; it is needed once to fetch the Kafka jars"
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  local tmp="$LIBS_DIR.tmp.$$"
  rm -rf "$tmp"
  # (the sed drops the bare ANSI resets Maven 3.8 prints even with -q -B)
  if ! "$MVN" -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 \
      | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"
    die "maven could not fetch the Kafka jars"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  touch "$tmp/.complete"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
}

new_cluster_id() { # 16 random bytes, URL-safe base64 without padding (22 chars), not starting with '-'
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ ${#id} -eq 22 && "$id" != -* ]] && { echo "$id"; return; }
  done
}

write_properties() {
  cat >"$PROPS_FILE" <<EOF
# written by deploy/kafka/local-kafka.sh (Kafka $KAFKA_VERSION); rewritten on every start
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.network.threads=2
num.io.threads=4
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
}

is_ready() { # pid alive, client port open and the log says the server started
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null
}

wait_ready() { # wait_ready PID
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "broker process $pid exited during startup"
      log_tail
      rm -f "$PID_FILE"
      return 1
    fi
    if is_ready; then
      return 0
    fi
    sleep 0.5
  done
  say "broker not ready after ${KAFKA_START_TIMEOUT}s"
  log_tail
  return 1
}

cmd_start() {
  mkdir -p "$CALLQA_KAFKA_HOME"
  local pid
  if pid="$(read_pid)"; then
    if port_open "$KAFKA_PORT"; then
      say "already running (pid $pid) at $BOOTSTRAP"
      echo "$BOOTSTRAP"
      return 0
    fi
    say "broker pid $pid is alive but not ready yet; waiting"
    wait_ready "$pid" || exit 1
    echo "$BOOTSTRAP"
    return 0
  fi
  rm -f "$PID_FILE"
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use by another process (set KAFKA_PORT)"
  port_open "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT is already in use by another process (set KAFKA_CONTROLLER_PORT)"
  command -v "$JAVA" >/dev/null || die "java ($JAVA) not found; Kafka 4.x needs Java 17+"

  fetch_jars

  local t0=$SECONDS cp="$LIBS_DIR/*" cluster_id
  rm -rf "$DATA_DIR" "$LOGS_DIR"
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  write_properties
  cluster_id="$(new_cluster_id)"
  say "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOGS_DIR" \
      -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS_FILE" \
      >"$LOGS_DIR/format.out" 2>&1; then
    cat "$LOGS_DIR/format.out" >&2
    die "formatting the storage failed"
  fi
  # StorageTool writes to the same server.log: start the broker's log clean
  rm -f "$SERVER_LOG"

  say "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller $HOST:$KAFKA_CONTROLLER_PORT), logs in $LOGS_DIR"
  # setsid + nohup: own session, survives the calling shell; the inner shell writes its own pid,
  # then execs java, so the pid file holds the JVM's pid whether or not setsid forked.
  local detach=()
  if command -v setsid >/dev/null; then detach=(setsid); fi
  # shellcheck disable=SC2016  # $$, $1 and $@ are the inner shell's
  ${detach[@]+"${detach[@]}"} nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' local-kafka "$PID_FILE" \
    "$JAVA" -Xms256m -Xmx1g \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOGS_DIR" \
    -cp "$cp" kafka.Kafka "$PROPS_FILE" \
    </dev/null >"$CONSOLE_LOG" 2>&1 &
  for _ in $(seq 1 50); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || die "could not read the broker pid from $PID_FILE"

  if ! wait_ready "$pid"; then
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  say "ready in $((SECONDS - t0))s (pid $pid)"
  echo "$BOOTSTRAP"
}

cmd_wait() {
  local pid
  pid="$(read_pid)" || die "not running (no live broker pid in $PID_FILE)"
  wait_ready "$pid" || exit 1
  echo "$BOOTSTRAP"
}

cmd_status() {
  local pid
  if pid="$(read_pid)" && port_open "$KAFKA_PORT"; then
    say "running (pid $pid) at $BOOTSTRAP"
    return 0
  fi
  if [[ -n "${pid:-}" ]]; then
    say "pid $pid alive but $BOOTSTRAP not accepting connections"
  else
    say "not running"
  fi
  return 1
}

cmd_stop() {
  local pid
  if pid="$(read_pid)"; then
    say "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "still alive after 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
      done
    fi
    kill -0 "$pid" 2>/dev/null && die "could not stop pid $pid"
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$PID_FILE"
  rm -rf "$DATA_DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  *)
    echo "usage: $(basename "$0") start|stop|status|wait" >&2
    exit 2
    ;;
esac
