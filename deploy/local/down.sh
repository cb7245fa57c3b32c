#!/usr/bin/env bash
# Stops what `make up` started: supervisord stops every service process (SIGTERM, then SIGKILL after
# each one's stopwaitsecs) and exits; then Kafka. Stores and topics are kept.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
state=${STATE_DIR:-.state}
pidfile=$state/services.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "[down] stopping services"
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then echo "[down] supervisord (pid $pid) is still stopping" >&2; fi
fi
rm -f "$pidfile" "$state/demo.env"
if [ -z "${KAFKA_EXTERNAL:-}" ]; then deploy/kafka/kafka.sh stop; fi
