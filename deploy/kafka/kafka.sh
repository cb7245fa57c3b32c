#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft) on loopback, run from Maven Central's jars — no Docker needed.
#   kafka.sh fetch            resolve the broker's jars (once)
#   kafka.sh start            format (first time) and start; returns when the port accepts connections
#   kafka.sh stop             stop it cleanly (SIGTERM, then SIGKILL after a grace period)
#   kafka.sh status           exit 0 if it is running
# Settings (environment): KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#   KAFKA_STATE_DIR (.state/kafka), KAFKA_HEAP (512m).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
state=${KAFKA_STATE_DIR:-$root/.state/kafka}
jars=${KAFKA_JARS_DIR:-$root/.state/kafka-jars}
heap=${KAFKA_HEAP:-512m}
pidfile=$state/broker.pid

log() { echo "[kafka] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The jars are current when their stamp holds the SHA-256 of the pom.xml they were resolved from. By
# content, not by date: a fresh git worktree's pom.xml is newer than a shared KAFKA_JARS_DIR's stamp,
# and comparing dates made every new worktree's `make deps` delete and re-download the jars other
# worktrees' brokers were running from. A stamp from before (empty) still goes by date.
pom_sum() { sha256sum "$here/pom.xml" | cut -d' ' -f1; }

fetched() {
  [ -f "$jars/.complete" ] || return 1
  local stamp
  stamp=$(cat "$jars/.complete")
  if [ -n "$stamp" ]; then [ "$stamp" = "$(pom_sum)" ]; else [ "$jars/.complete" -nt "$here/pom.xml" ]; fi
}

fetch() {
  if fetched; then return 0; fi
  command -v mvn >/dev/null || { log "Maven is required to fetch the broker's jars (apt-get install maven)"; exit 1; }
  command -v java >/dev/null || { log "Java 17 is required to run the broker"; exit 1; }
  log "fetching Apache Kafka jars from Maven Central into $jars"
  rm -rf "$jars"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$jars"
  pom_sum > "$jars/.complete"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  fetch
  if running; then log "already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  if port_open "$port"; then log "port $port is taken by another process"; exit 1; fi
  mkdir -p "$state/data" "$state/logs"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA_DIR@|$state/data|g" \
    "$here/server.properties.template" > "$state/server.properties"
  local java_opts=(-Xms"$heap" -Xmx"$heap" -Dlog4j2.configurationFile="$here/log4j2.xml"
                   -Dkafka.logs.dir="$state/logs" -Djava.awt.headless=true)
  if [ ! -f "$state/data/meta.properties" ]; then
    log "formatting storage in $state/data"
    java "${java_opts[@]}" -cp "$jars/*" kafka.tools.StorageTool format --standalone \
      -t "$(cat "$state/cluster-id" 2>/dev/null || python3 -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' | tee "$state/cluster-id")" \
      -c "$state/server.properties" >"$state/logs/format.log" 2>&1
  fi
  log "starting broker on 127.0.0.1:$port"
  nohup java "${java_opts[@]}" -cp "$jars/*" kafka.Kafka "$state/server.properties" \
    >"$state/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if port_open "$port"; then log "broker serves on 127.0.0.1:$port"; return 0; fi
    running || { log "broker exited; see $state/logs"; tail -20 "$state/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "broker did not open its port in 60 s; see $state/logs"; exit 1
}

stop() {
  running || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  log "stopping broker (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }; sleep 0.5; done
  log "broker did not stop in 30 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) running ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
