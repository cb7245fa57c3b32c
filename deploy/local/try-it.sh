#!/usr/bin/env bash
# Records one complaint through intake with a development key, as an office's receptionist would:
# received just now (the services' now: demo time under `make demo`), so its clocks start now.
# Usage: deploy/local/try-it.sh [office] (default hk-central)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
office=${1:-hk-central}
key=$(awk -v actor="$office/reception" '$1==actor{print $2}' "${STATE_DIR:-.state}/dev-keys.txt")
[ -n "$key" ] || { echo "no development key for $office/reception: run make up first" >&2; exit 1; }
# The services' now: the wall clock's, or under `make demo` their accelerated time (.state/demo.env:
# FACTOR times faster from EPOCH, shared/clock.py), hours ahead of the wall within minutes; a complaint
# received at the wall's now would be hours old to them, registered late and its clocks breached at once.
now_s=$(date -u +%s)
demo_env="${STATE_DIR:-.state}/demo.env"
if [ -f "$demo_env" ]; then
  factor=$(awk -F= '$1=="INTAKE_TIME_FACTOR"{print $2}' "$demo_env")
  epoch=$(awk -F= '$1=="INTAKE_CLOCK_EPOCH"{print $2}' "$demo_env")
  if [ -n "$factor" ] && [ -n "$epoch" ]; then
    epoch_s=$(date -u -d "$epoch" +%s)
    now_s=$(awk -v e="$epoch_s" -v w="$now_s" -v f="$factor" 'BEGIN { printf "%d", e + (w - e) * f }')
  fi
fi
now=$(date -u -d "@$now_s" +%Y-%m-%dT%H:%M:%SZ)
before=$(date -u -d "@$((now_s - 20 * 60))" +%Y-%m-%dT%H:%M:%SZ)
body=$(sed -e "s/\"HK-DEMO-0001\"/\"TRY-$(date +%s)\"/" \
           -e "s/\"occurred_at\": \"[^\"]*\"/\"occurred_at\": \"$before\"/" \
           -e "s/\"received_at\": \"[^\"]*\"/\"received_at\": \"$now\"/" deploy/local/example-complaint.json)
curl -s -w '  (HTTP %{http_code})\n' -X POST "http://127.0.0.1:${INTAKE_HTTP_PORT:-8001}/complaints" \
  -H "X-Office-Key: $key" -H 'Content-Type: application/json' -d "$body"
