#!/usr/bin/env bash
# A real three-node Apache Kafka cluster (KRaft, each node broker + controller) on loopback, from the
# same jars as kafka.sh — for tests of broker loss. Node i (1..3) serves PLAINTEXT on port base+i and
# its controller on base+3+i.
#   cluster.sh start            format (first time) and start the three nodes; returns when all accept
#   cluster.sh stop             stop every node (SIGCONT first, then SIGTERM, SIGKILL after a grace period)
#   cluster.sh status           exit 0 if all three run
#   cluster.sh kill N           SIGKILL node N (a broker lost at once)
#   cluster.sh pause N          SIGSTOP node N (a broker that hangs: a long GC pause, a frozen VM)
#   cluster.sh resume N         SIGCONT node N
#   cluster.sh restart N        start node N again (after kill), keeping its data
#   cluster.sh servers          print the bootstrap servers (127.0.0.1:base+1,...)
# Settings (environment): KAFKA_CLUSTER_BASE_PORT (19170: brokers 19171-19173, controllers 19174-19176),
#   KAFKA_STATE_DIR (.state/kafka-cluster), KAFKA_JARS_DIR (.state/kafka-jars), KAFKA_HEAP (384m).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
base=${KAFKA_CLUSTER_BASE_PORT:-19170}
state=${KAFKA_STATE_DIR:-$root/.state/kafka-cluster}
jars=${KAFKA_JARS_DIR:-$root/.state/kafka-jars}
heap=${KAFKA_HEAP:-384m}
nodes=(1 2 3)

log() { echo "[kafka-cluster] $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_of() { echo $((base + $1)); }
controller_port_of() { echo $((base + 3 + $1)); }
pid_of() { cat "$state/node$1/broker.pid" 2>/dev/null; }
running() { local pid; pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null; }

voters() {
  local out=() n
  for n in "${nodes[@]}"; do out+=("$n@127.0.0.1:$(controller_port_of "$n")"); done
  (IFS=,; echo "${out[*]}")
}

java_opts() {
  echo -Xms"$heap" -Xmx"$heap" -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$state/node$1/logs" \
    -Djava.awt.headless=true -XX:+UseSerialGC -XX:TieredStopAtLevel=1
}

prepare() {  # node → its server.properties, formatted storage
  local n=$1 dir="$state/node$1"
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s|@NODE_ID@|$n|g" -e "s|@VOTERS@|$(voters)|g" -e "s|@PORT@|$(port_of "$n")|g" \
      -e "s|@CONTROLLER_PORT@|$(controller_port_of "$n")|g" -e "s|@DATA_DIR@|$dir/data|g" \
      "$here/cluster.properties.template" > "$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    # shellcheck disable=SC2046
    java $(java_opts "$n") -cp "$jars/*" kafka.tools.StorageTool format -t "$(cat "$state/cluster-id")" \
      -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1
  fi
}

launch() {
  local n=$1 dir="$state/node$1"
  if running "$n"; then return 0; fi
  if port_open "$(port_of "$n")"; then log "port $(port_of "$n") is taken by another process"; exit 1; fi
  # shellcheck disable=SC2046
  nohup java $(java_opts "$n") -cp "$jars/*" kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 &
  echo $! > "$dir/broker.pid"
  log "node $n starting on 127.0.0.1:$(port_of "$n") (pid $!)"
}

wait_open() {
  local n
  for _ in $(seq 1 240); do
    local all=1
    for n in "$@"; do
      port_open "$(port_of "$n")" || all=0
      running "$n" || { log "node $n exited; see $state/node$n/logs"; tail -20 "$state/node$n/logs/stdout.log" >&2; exit 1; }
    done
    [ $all = 1 ] && return 0
    sleep 0.5
  done
  log "the nodes did not open their ports in 120 s; see $state/node*/logs"; exit 1
}

start() {
  "$here/kafka.sh" fetch
  mkdir -p "$state"
  [ -f "$state/cluster-id" ] || python3 -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))' > "$state/cluster-id"
  local n
  for n in "${nodes[@]}"; do prepare "$n" & done  # three JVMs format at once
  wait
  for n in "${nodes[@]}"; do launch "$n"; done
  wait_open "${nodes[@]}"
  log "cluster serves on $(servers)"
}

stop_node() {
  local n=$1 pid
  pid=$(pid_of "$n") || return 0
  kill -CONT "$pid" 2>/dev/null || true  # a paused node cannot hear SIGTERM
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || { rm -f "$state/node$n/broker.pid"; return 0; }; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$state/node$n/broker.pid"
}

stop() {
  local n
  for n in "${nodes[@]}"; do stop_node "$n" & done
  wait
}

servers() {
  local out=() n
  for n in "${nodes[@]}"; do out+=("127.0.0.1:$(port_of "$n")"); done
  (IFS=,; echo "${out[*]}")
}

node_arg() { case "${1:-}" in 1|2|3) echo "$1" ;; *) echo "usage: $0 $2 1|2|3" >&2; exit 2 ;; esac; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) for n in "${nodes[@]}"; do running "$n" || exit 1; done ;;
  kill) n=$(node_arg "${2:-}" kill); kill -9 "$(pid_of "$n")"; log "node $n killed (SIGKILL)" ;;
  pause) n=$(node_arg "${2:-}" pause); kill -STOP "$(pid_of "$n")"; log "node $n paused (SIGSTOP)" ;;
  resume) n=$(node_arg "${2:-}" resume); kill -CONT "$(pid_of "$n")"; log "node $n resumed (SIGCONT)" ;;
  restart) n=$(node_arg "${2:-}" restart); rm -f "$state/node$n/broker.pid"; launch "$n"; wait_open "$n" ;;
  servers) servers ;;
  *) echo "usage: $0 start|stop|status|kill N|pause N|resume N|restart N|servers" >&2; exit 2 ;;
esac
