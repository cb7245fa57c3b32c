#!/usr/bin/env bash
# Brings the whole system up locally: Kafka, topics, development keys, every service (SQLite stores),
# each process of deploy/Procfile under supervisord (restarted on its own when it dies; logs rotated).
# Settings (environment): STATE_DIR (.state), KAFKA_PORT (9092) or KAFKA_EXTERNAL=1 with
# KAFKA_BOOTSTRAP_SERVERS, <SERVICE>_HTTP_PORT and the other <SERVICE>_* settings, DEMO_TIME_FACTOR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

state=${STATE_DIR:-.state}
mkdir -p "$state/logs"
export KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${KAFKA_PORT:-9092}}
export LOG_FORMAT=${LOG_FORMAT:-console}  # readable lines here; JSON (the default) in production
# Every HTTP app also accepts the keys issued through the directory service (shared/directory_keys.py).
export COMPLAINTS_DIRECTORY_KEYS=${COMPLAINTS_DIRECTORY_KEYS:-true}
export PROJECTION_UNITS_FROM_DIRECTORY=${PROJECTION_UNITS_FROM_DIRECTORY:-true}  # units served: office data
export INTAKE_ZONES_FROM_DIRECTORY=${INTAKE_ZONES_FROM_DIRECTORY:-true}  # offices' zones: their phone regions
services="INTAKE TRIAGE HANDLING SLA FOLLOWUP PROJECTION DESK DIRECTORY"
if [ "$state" != ".state" ]; then  # every service keeps its stores and keys there too
  for service in $services; do
    export "${service}_STATE_DIR=${state}" "${service}_KEYS_FILE=${state}/keys.json"
  done
  export INTAKE_OFFICE_SIGNING_KEYS_FILE="${state}/office-signing-keys.json"
  export COMPLAINTS_EVENT_SIGNING_KEYS_FILE="${state}/event-signing-keys.json"
fi

# Sign-in for people: the development OpenID Connect issuer (deploy/oidc) runs beside the services
# where node is installed; every service accepts its bearer tokens besides office keys.
oidc_port=${OIDC_PORT:-8010}
# deploy/Procfile.dev's development processes: the SMS sink always, the issuer where node is installed.
with_issuer=()
development=(--with deploy/Procfile.dev --without oidc-issuer)
if command -v node >/dev/null && deploy/oidc/ensure.sh && [ -d deploy/oidc/node_modules/oidc-provider ]; then
  with_issuer=(--with deploy/Procfile.dev)
  development=(--with deploy/Procfile.dev)
  export OIDC_PORT=$oidc_port
  # Where the issuer may send people back: the dashboard's and the desk's sign-in callbacks, and scripts'.
  export OIDC_REDIRECT_URIS=${OIDC_REDIRECT_URIS:-http://127.0.0.1:${PROJECTION_HTTP_PORT:-8000}/dashboard/callback,http://127.0.0.1/callback,http://127.0.0.1:${DESK_HTTP_PORT:-8006}/sign-in/callback}
  for service in $services; do export "${service}_OIDC_ISSUER=http://127.0.0.1:${oidc_port}"; done
fi

# Texts to complainants reached by phone go to the development SMS sink (deploy/Procfile.dev), which records
# them: .state/logs/notifier-sms-sink.log and .state/notifier/sms.jsonl (services/notifier/README.md).
sms_sink_port=${NOTIFIER_SMS_SINK_PORT:-8025}
export NOTIFIER_SMS_SINK_PORT=$sms_sink_port
export NOTIFIER_SMS_GATEWAY_URL=${NOTIFIER_SMS_GATEWAY_URL:-http://127.0.0.1:${sms_sink_port}/sms}

if [ -z "${KAFKA_EXTERNAL:-}" ]; then deploy/kafka/kafka.sh start; fi
.venv/bin/python -m shared.bus.topics create --bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS"
keys=$(.venv/bin/python -m shared.auth dev-keys --out "$state/keys.json" --plain-out "$state/dev-keys.txt")
# Each development office system's Ed25519 signing key for the office topic: the private key stays in
# $state/office-signing/<office>.json (the office's), intake reads only the public keys.
for office in hk-central kln-east sz-futian; do
  .venv/bin/python -m shared.auth office-signing-key "$office" --keep \
    --public-keys "$state/office-signing-keys.json" --private-out "$state/office-signing/$office.json" >/dev/null
done
# Each service's secrets, made once: a store-encryption key per service (complaints carry personal
# data) and triage's complainant salt. They are not exported here: supervisord_conf.py gives each
# process only its own service's (`environment=` of its program), never another service's.
.venv/bin/python - "$state/dev.env" "$state/dev-keys.txt" <<'PY'
import secrets, sys
from pathlib import Path
from eventsourcing.cryptography import AESCipher
path = Path(sys.argv[1])
have = path.read_text() if path.exists() else ""
wanted = {f"{s}_CIPHER_KEY": lambda: AESCipher.create_key(32) for s in ("INTAKE", "TRIAGE", "HANDLING", "SLA", "FOLLOWUP", "PROJECTION", "DIRECTORY")}
wanted["TRIAGE_COMPLAINANT_SALT"] = lambda: secrets.token_urlsafe(32)
wanted["OIDC_DEV_PASSWORD"] = lambda: secrets.token_urlsafe(12)  # the development users' password
# The desk: its session cookies' key; the status links' key, which the notifier signs receipts with too;
# the group key its complainants' status pages read the projection with.
wanted["DESK_SESSION_SECRET"] = lambda: secrets.token_urlsafe(32)
link_secret = secrets.token_urlsafe(32)
wanted["DESK_STATUS_LINK_SECRET"] = lambda: link_secret
wanted["NOTIFIER_STATUS_LINK_SECRET"] = lambda: link_secret
plain = dict(line.split("\t", 1) for line in Path(sys.argv[2]).read_text().splitlines() if "\t" in line)
wanted["DESK_STATUS_READER_KEY"] = lambda: plain["group/dashboard"].strip()
# the group key the notifier fetches published reports from the projection with (to mail them)
wanted["NOTIFIER_PROJECTION_KEY"] = lambda: plain["group/dashboard"].strip()
# what the notifier signs complainants' texts with, and the development SMS sink checks
wanted["NOTIFIER_SMS_GATEWAY_SECRET"] = lambda: secrets.token_urlsafe(32)
names = {line.split("=", 1)[0] for line in have.splitlines() if "=" in line}
with path.open("a") as out:
    for name, make in wanted.items():
        if name not in names:
            out.write(f"{name}={make()}\n")
path.chmod(0o600)
PY

# The development offices, staff and keys, recorded as directory commands (events like any other; once).
set -a
# shellcheck disable=SC1091
. <(grep '^DIRECTORY_' "$state/dev.env")
set +a
.venv/bin/python -m services.directory.entrypoints.cli seed-dev --keys-file "$state/keys.json" --plain-keys "$state/dev-keys.txt"
# Each publishing service's Ed25519 key that signs every record its relay publishes: the private key in
# $state/dev.env as <SERVICE>_EVENT_SIGNING_KEY (so only that service's processes get it, as above), the
# public keys of all in $state/event-signing-keys.json, which every consumer checks authors against.
.venv/bin/python -m shared.auth dev-service-signing-keys --env-file "$state/dev.env" \
  --public-keys "$state/event-signing-keys.json" >/dev/null

supervisor_running() { [ -f "$state/services.pid" ] && kill -0 "$(cat "$state/services.pid")" 2>/dev/null; }

if [ -n "${DEMO_TIME_FACTOR:-}" ] && supervisor_running; then
  echo "[up] restarting the services on demo time"
  KAFKA_EXTERNAL=1 deploy/local/down.sh
fi
# A demo runs every service on the same accelerated time (see shared/clock.py), from one shared instant.
set -a
if [ -n "${DEMO_TIME_FACTOR:-}" ]; then
  epoch=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  : >"$state/demo.env"
  for service in $services; do
    printf '%s_TIME_FACTOR=%s\n%s_CLOCK_EPOCH=%s\n' "$service" "$DEMO_TIME_FACTOR" "$service" "$epoch" >>"$state/demo.env"
  done
  # shellcheck disable=SC1091
  . "$state/demo.env"
  echo "[up] demo time runs ${DEMO_TIME_FACTOR}x faster from $epoch"
fi
set +a

conf="$state/supervisord.conf"
if supervisor_running; then
  echo "[up] services already running under supervisord (pid $(cat "$state/services.pid"))"
else
  echo "[up] starting services under supervisord (logs: $state/logs/<process>.log)"
  (umask 077 && .venv/bin/python deploy/local/supervisord_conf.py --state "$state" --secrets "$state/dev.env" "${development[@]}" >"$conf")
  .venv/bin/supervisord -c "$conf"
fi

# A busy or small machine starts slowly (triage loads its reading model): wait up to UP_WAIT_SECONDS
# (300) for each, saying what it waits for, rather than giving up on a system that is still starting.
wait_for() {
  local deadline=$((SECONDS + ${UP_WAIT_SECONDS:-300})) said=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -sf -o /dev/null -m 2 "$1"; then return 0; fi
    if [ -z "$said" ] && [ "$SECONDS" -gt $((deadline - ${UP_WAIT_SECONDS:-300} + 20)) ]; then
      echo "[up] waiting for $1 (still starting; up to ${UP_WAIT_SECONDS:-300} s)"
      said=1
    fi
    sleep 0.5
  done
  echo "[up] $1 did not answer 200 within ${UP_WAIT_SECONDS:-300} s; it may still be starting (\`make status\`," \
    "then \`make up\` again: it keeps what runs) or its relay or worker may be down:" >&2
  curl -s "$1" >&2 || true
  echo >&2
  .venv/bin/supervisorctl -c "$conf" status >&2 || true
  exit 1
}
# Every HTTP process of the Procfile must answer its health check, which also asks its service's
# relay and worker (shared/health.py): ready means the whole service is.
urls=""
while read -r name port; do
  wait_for "http://127.0.0.1:$port/health"
  if [ "$name" = desk-http ]; then  # pages for people, no API of its own (and no /docs)
    urls+=$(printf '  %-14s http://127.0.0.1:%s   (the desk: staff sign in here with a key or account below)' "${name%-http}" "$port")$'\n'
  else
    urls+=$(printf '  %-14s http://127.0.0.1:%s   (API docs: http://127.0.0.1:%s/docs)' "${name%-http}" "$port" "$port")$'\n'
  fi
  [ "$name" = projection-http ] && dashboard="http://127.0.0.1:$port/dashboard"
done < <(.venv/bin/python deploy/local/supervisord_conf.py --http-ports)
if [ ${#with_issuer[@]} -gt 0 ]; then
  wait_for "http://127.0.0.1:${oidc_port}/.well-known/openid-configuration"
  dev_password=$(awk -F= '$1=="OIDC_DEV_PASSWORD"{print $2}' "$state/dev.env")
  sign_in=$(cat <<SIGNIN
Sign-in for people (OpenID Connect, development issuer http://127.0.0.1:${oidc_port}):
  users: hk-central/ and kln-east/ reception, staff, supervisor, leader, manager; group/dashboard, group/auditor,
         group/hotline, group/admin, group/privacy (finds and erases data subjects: docs/privacy.md)
  password (every development user): ${dev_password}   (kept in $state/dev.env)
  token: OIDC_ISSUER=http://127.0.0.1:${oidc_port} OIDC_DEV_PASSWORD=... .venv/bin/python -m shared.sign_in hk-central/reception
  then:  curl -H "Authorization: Bearer <token>" http://127.0.0.1:${PROJECTION_HTTP_PORT:-8000}/complaints
SIGNIN
)
else
  sign_in="Sign-in for people: off (node is not installed); office keys work as before."
fi

cat <<TXT

The complaint system is up.
  Kafka          $KAFKA_BOOTSTRAP_SERVERS
$urls  dashboard      ${dashboard:-}   (sign in with a key below)

Development keys (send as the X-Office-Key header):
$(echo "$keys" | sed 's/^/  /')

$sign_in

Try it (records deploy/local/example-complaint.json, received just now):
  deploy/local/try-it.sh hk-central
or by hand:
  curl -s -X POST http://127.0.0.1:${INTAKE_HTTP_PORT:-8001}/complaints -H "X-Office-Key: $(echo "$keys" | awk '$1=="hk-central/reception"{print $2}')" \\
    -H 'Content-Type: application/json' -d @deploy/local/example-complaint.json

Texts to complainants who gave a phone number (receipt, updates) go to the development SMS sink:
  ${state}/logs/notifier-sms-sink.log   (each text as a phone would show it)
  ${state}/notifier/sms.jsonl           (each request as the gateway got it: number, text, segments, key)
E-mails to complainants and staff go to the development mail server on SMTP 127.0.0.1:${NOTIFIER_SMTP_PORT:-1025},
which delivers nothing and prints each mail to ${state}/logs/notifier-mail-sink.log

Every process runs under supervisord and is restarted when it dies:
  make status      each process's state and pid      logs: $state/logs/<process>.log (rotated at 10 MB)
  health           GET /health of each service above also reports its relay and worker
Stop everything with: make down
TXT
