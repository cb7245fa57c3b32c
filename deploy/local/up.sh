#!/usr/bin/env bash
# Brings the whole system up locally: Kafka, topics, development keys, every service (SQLite stores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

state=.state
mkdir -p "$state/logs"
export KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${KAFKA_PORT:-9092}}

if [ -z "${KAFKA_EXTERNAL:-}" ]; then deploy/kafka/kafka.sh start; fi
.venv/bin/python -m shared.bus.topics create --bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS"
keys=$(.venv/bin/python -m shared.auth dev-keys)
if [ ! -f "$state/dev.env" ]; then
  # One store-encryption key per service (complaints carry personal data), made once.
  .venv/bin/python - >"$state/dev.env" <<'PY'
from eventsourcing.cryptography import AESCipher
for service in ("INTAKE", "TRIAGE", "HANDLING", "SLA", "FOLLOWUP", "PROJECTION"):
    print(f"{service}_CIPHER_KEY={AESCipher.create_key(32)}")
PY
  chmod 600 "$state/dev.env"
fi

if [ -n "${DEMO_TIME_FACTOR:-}" ] && [ -f "$state/services.pid" ] && kill -0 "$(cat "$state/services.pid")" 2>/dev/null; then
  echo "[up] restarting the services on demo time"
  KAFKA_EXTERNAL=1 deploy/local/down.sh
fi
# A demo runs every service on the same accelerated time (see shared/clock.py), from one shared instant.
envfiles="$state/dev.env"
if [ -n "${DEMO_TIME_FACTOR:-}" ]; then
  epoch=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  : >"$state/demo.env"
  for service in INTAKE TRIAGE HANDLING SLA FOLLOWUP PROJECTION; do
    printf '%s_TIME_FACTOR=%s\n%s_CLOCK_EPOCH=%s\n' "$service" "$DEMO_TIME_FACTOR" "$service" "$epoch" >>"$state/demo.env"
  done
  envfiles="$envfiles,$state/demo.env"
  echo "[up] demo time runs ${DEMO_TIME_FACTOR}x faster from $epoch"
fi

if [ -f "$state/services.pid" ] && kill -0 "$(cat "$state/services.pid")" 2>/dev/null; then
  echo "[up] services already running (pid $(cat "$state/services.pid"))"
else
  echo "[up] starting services (logs: $state/logs/services.log)"
  nohup .venv/bin/honcho start -f deploy/Procfile -d . -e "$envfiles" >"$state/logs/services.log" 2>&1 &
  echo $! >"$state/services.pid"
fi

wait_for() {
  for _ in $(seq 1 60); do
    if .venv/bin/python - "$1" <<'PY' 2>/dev/null; then return 0; fi
import sys, httpx
sys.exit(0 if httpx.get(sys.argv[1], timeout=1).status_code == 200 else 1)
PY
    sleep 0.5
  done
  echo "[up] $1 did not answer; see $state/logs/services.log" >&2
  tail -20 "$state/logs/services.log" >&2
  exit 1
}
# Every HTTP process of the Procfile ("<service>-http: ... --port N") must answer its health check.
urls=""
while read -r name port; do
  wait_for "http://127.0.0.1:$port/health"
  urls+=$(printf '  %-14s http://127.0.0.1:%s   (API docs: http://127.0.0.1:%s/docs)' "${name%-http}" "$port" "$port")$'\n'
done < <(sed -nE 's/^([a-z]+-http):.*--port ([0-9]+).*/\1 \2/p' deploy/Procfile)

cat <<TXT

The complaint system is up.
  Kafka          $KAFKA_BOOTSTRAP_SERVERS
$urls  dashboard      http://127.0.0.1:8000/dashboard   (sign in with a key below)

Development keys (send as the X-Office-Key header):
$(echo "$keys" | sed 's/^/  /')

Try it (records deploy/local/example-complaint.json, received just now):
  deploy/local/try-it.sh hk-central
or by hand:
  curl -s -X POST http://127.0.0.1:8001/complaints -H "X-Office-Key: $(echo "$keys" | awk '$1=="hk-central/reception"{print $2}')" \\
    -H 'Content-Type: application/json' -d @deploy/local/example-complaint.json

Stop everything with: make down
TXT
