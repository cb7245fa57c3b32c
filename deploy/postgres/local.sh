#!/usr/bin/env bash
# A real PostgreSQL for tests and local runs, from Debian's packages and cluster tools — no Docker needed.
#   local.sh ensure   install the server (once), start the cluster, create the role and database;
#                     prints one line on stdout: POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=<port>
#   local.sh stop     stop the cluster (no error if it is not running)
#   local.sh status   exit 0 if the server answers on 127.0.0.1
# Settings (environment): POSTGRES_PORT (5432; an existing cluster keeps its own port),
#   POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB (all "complaints").
# Needs root (or sudo): it installs packages and acts as the postgres OS user.
set -euo pipefail

want_port=${POSTGRES_PORT:-5432}
user=${POSTGRES_USER:-complaints}
password=${POSTGRES_PASSWORD:-complaints}
db=${POSTGRES_DB:-complaints}
cluster=main
socket_dir=/var/run/postgresql

log() { echo "[postgres] $*" >&2; }

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "run as root (or install sudo)"; exit 1; }
  sudo=(sudo)
fi

installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

# Newest installed server version, e.g. "15".
version() { ls /usr/lib/postgresql | sort -V | tail -1; }

# Port of the existing cluster, empty if there is none.
cluster_port() { pg_lsclusters -h 2>/dev/null | awk -v v="$(version)" -v c="$cluster" '$1 == v && $2 == c { print $3 }'; }

port() { local p; p=$(cluster_port); echo "${p:-$want_port}"; }

ready() { pg_isready -q -h 127.0.0.1 -p "$1"; }

# psql as the postgres superuser over the local socket (peer auth); cd / keeps it from
# complaining about the caller's unreadable working directory.
psql_admin() {
  (cd / && "${sudo[@]}" runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 \
     -h "$socket_dir" -p "$1" -U postgres -d postgres "${@:2}")
}

install() {
  installed && return 0
  log "installing the Debian postgresql package (apt-get update && apt-get install postgresql)"
  # apt/dpkg chatter goes to a log that is shown only if something fails.
  local out; out=$(mktemp)
  if ! { "${sudo[@]}" apt-get update -qq \
         && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >"$out" 2>&1; then
    tail -30 "$out" >&2; rm -f "$out"; log "installing postgresql failed"; exit 1
  fi
  rm -f "$out"
  installed || { log "installation finished but no server binaries are present"; exit 1; }
}

ensure() {
  install
  local v p
  v=$(version)
  if [ -z "$(cluster_port)" ]; then
    log "creating cluster $v/$cluster on port $want_port"
    "${sudo[@]}" pg_createcluster -p "$want_port" "$v" "$cluster" >&2
  fi
  p=$(cluster_port)
  [ "$p" = "$want_port" ] || log "cluster $v/$cluster is configured for port $p (not $want_port); using $p"
  if ! ready "$p"; then
    log "starting cluster $v/$cluster on port $p"
    "${sudo[@]}" pg_ctlcluster "$v" "$cluster" start >&2
  fi
  for _ in $(seq 1 60); do ready "$p" && break; sleep 0.5; done
  ready "$p" || { log "server did not answer on 127.0.0.1:$p in 30 s; see /var/log/postgresql/"; exit 1; }

  # Idempotent: create the role and database only if missing, but always (re)set the
  # password and attributes so a changed POSTGRES_PASSWORD takes effect.
  # CREATEDB because the tests create one database per test.
  psql_admin "$p" -v user="$user" -v password="$password" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL

  # Check what clients will do: password auth over TCP (Debian's pg_hba uses scram-sha-256).
  PGPASSWORD=$password psql -X -q -At -h 127.0.0.1 -p "$p" -U "$user" -d "$db" -c 'select 1' >/dev/null \
    || { log "password login as $user to $db on 127.0.0.1:$p failed; check pg_hba.conf"; exit 1; }
  log "ready: $user@127.0.0.1:$p/$db"
  echo "POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$p"
}

stop() {
  installed || return 0
  local v p
  v=$(version)
  p=$(cluster_port)
  [ -n "$p" ] || return 0
  if pg_lsclusters -h | awk -v v="$v" -v c="$cluster" '$1 == v && $2 == c && $4 ~ /^online/ { f = 1 } END { exit !f }'; then
    log "stopping cluster $v/$cluster"
    "${sudo[@]}" pg_ctlcluster "$v" "$cluster" stop >&2
  fi
}

case "${1:-}" in
  ensure) ensure ;;
  stop) stop ;;
  status) installed && ready "$(port)" ;;
  *) echo "usage: $0 ensure|stop|status" >&2; exit 2 ;;
esac
