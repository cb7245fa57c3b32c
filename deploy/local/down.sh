#!/usr/bin/env bash
# Stops what `make up` started: the services, then Kafka. Stores and topics are kept.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
pidfile=.state/services.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "[down] stopping services"
  kill "$(cat "$pidfile")"
  for _ in $(seq 1 40); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.25; done
fi
rm -f "$pidfile" .state/demo.env
if [ -z "${KAFKA_EXTERNAL:-}" ]; then deploy/kafka/kafka.sh stop; fi
