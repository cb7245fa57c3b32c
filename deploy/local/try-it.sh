#!/usr/bin/env bash
# Records one complaint through intake with a development key, as an office's receptionist would:
# received just now, so its clocks start now. Usage: deploy/local/try-it.sh [office] (default hk-central)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
office=${1:-hk-central}
key=$(awk -v actor="$office/reception" '$1==actor{print $2}' "${STATE_DIR:-.state}/dev-keys.txt")
[ -n "$key" ] || { echo "no development key for $office/reception: run make up first" >&2; exit 1; }
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
before=$(date -u -d '-20 minutes' +%Y-%m-%dT%H:%M:%SZ)
body=$(sed -e "s/\"HK-DEMO-0001\"/\"TRY-$(date +%s)\"/" \
           -e "s/\"occurred_at\": \"[^\"]*\"/\"occurred_at\": \"$before\"/" \
           -e "s/\"received_at\": \"[^\"]*\"/\"received_at\": \"$now\"/" deploy/local/example-complaint.json)
curl -s -w '  (HTTP %{http_code})\n' -X POST "http://127.0.0.1:${INTAKE_HTTP_PORT:-8001}/complaints" \
  -H "X-Office-Key: $key" -H 'Content-Type: application/json' -d "$body"
