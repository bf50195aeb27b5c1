# Shared by ops/run, ops/test and ops/services: installs what Rally needs and runs a local
# PostgreSQL and Redis under .local/ in the project folder. Source it; do not execute it.
set -euo pipefail

RALLY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$RALLY_ROOT/.local"
PG_PORT="${RALLY_LOCAL_PG_PORT:-54329}"
REDIS_PORT="${RALLY_LOCAL_REDIS_PORT:-63799}"
PG_DATA="$LOCAL_DIR/postgres"
PG_RUN="$LOCAL_DIR/run"
REDIS_DIR="$LOCAL_DIR/redis"

log() { printf '[ops] %s\n' "$*" >&2; }

# Debian packages for building (libpq-dev, libhiredis-dev), for the local servers, and Prometheus (prometheus and
# promtool) for ops/checks/monitoring.
ensure_packages() {
  local needed=() bare=()
  dpkg -s libpq-dev >/dev/null 2>&1 || needed+=(libpq-dev)
  dpkg -s libhiredis-dev >/dev/null 2>&1 || needed+=(libhiredis-dev)
  dpkg -s postgresql >/dev/null 2>&1 || needed+=(postgresql)
  dpkg -s redis-server >/dev/null 2>&1 || needed+=(redis-server)
  dpkg -s pkg-config >/dev/null 2>&1 || needed+=(pkg-config)
  # Without its recommended node exporter: a host agent with a service of its own, of no use to the checks.
  dpkg -s prometheus >/dev/null 2>&1 || bare+=(prometheus)
  if [ ${#needed[@]} -gt 0 ] || [ ${#bare[@]} -gt 0 ]; then
    log "installing ${needed[*]}${needed[*]:+ }${bare[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    [ ${#needed[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${needed[@]}" >/dev/null
    [ ${#bare[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null
  fi
}

pg_bindir() { "$(command -v pg_config)" --bindir; }

# PostgreSQL refuses to run as root: run the server as an unprivileged user.
pg_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  echo postgres
}

as_pg_user() {
  local user; user="$(pg_user)"
  if [ "$(id -un)" = "$user" ]; then "$@"; else (cd / && runuser -u "$user" -- "$@"); fi
}

# The server's user must reach its data folder. When the project sits below a folder it cannot enter
# (a clone under /root, say), the data goes to /var/tmp instead, named after the project folder.
choose_pg_dirs() {
  local user="$1"
  mkdir -p "$LOCAL_DIR"
  chmod 755 "$LOCAL_DIR"
  if [ "$(id -un)" != "$user" ] && ! runuser -u "$user" -- test -x "$LOCAL_DIR"; then
    local fallback="/var/tmp/rally-$(printf '%s' "$RALLY_ROOT" | cksum | cut -d' ' -f1)"
    log "user $user cannot reach $LOCAL_DIR; keeping PostgreSQL data in $fallback"
    mkdir -p "$fallback"
    chmod 755 "$fallback"
    PG_DATA="$fallback/postgres"
    PG_RUN="$fallback/run"
  fi
}

start_postgres() {
  local bindir user; bindir="$(pg_bindir)"; user="$(pg_user)"
  choose_pg_dirs "$user"
  mkdir -p "$PG_DATA" "$PG_RUN"
  chown "$user" "$PG_DATA" "$PG_RUN"
  chmod 700 "$PG_DATA"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initialising PostgreSQL in $PG_DATA"
    as_pg_user "$bindir/initdb" -D "$PG_DATA" -U rally --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "PostgreSQL already running on port $PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
      -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=256MB" start >/dev/null
  fi
}

ensure_database() {
  local name="$1"
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U rally -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    log "creating database $name"
    psql -h 127.0.0.1 -p "$PG_PORT" -U rally -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "Redis already running on port $REDIS_PORT"
    return
  fi
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --appendonly no --save "" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  log "Redis did not start: see $REDIS_DIR/redis.log"; return 1
}

stop_services() {
  choose_pg_dirs "$(pg_user)"
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

local_database_url() { echo "postgresql://rally@127.0.0.1:$PG_PORT/$1"; }
local_redis_url() { echo "redis://127.0.0.1:$REDIS_PORT/$1"; }

reset_database() {
  local name="$1"
  psql -h 127.0.0.1 -p "$PG_PORT" -U rally -d postgres -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
  ensure_database "$name"
}

ensure_swift() {
  command -v swift >/dev/null 2>&1 || { log "swift is not on PATH: install Swift 6 (https://swift.org/install)"; exit 1; }
}

# The operator token of the local setup: generated once, kept under .local/.
local_operator_token() {
  local file="$LOCAL_DIR/operator-token"
  if [ ! -s "$file" ]; then
    mkdir -p "$LOCAL_DIR"
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
  fi
  cat "$file"
}
