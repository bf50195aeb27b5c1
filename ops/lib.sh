# Shared by ops/run, ops/test and ops/services: installs what Rally needs and runs a local
# PostgreSQL and Redis under .local/ in the project folder. Source it; do not execute it.
set -euo pipefail

RALLY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$RALLY_ROOT/.local"
# The local servers' ports: RALLY_LOCAL_PG_PORT / RALLY_LOCAL_REDIS_PORT when set (used as given), else the ports this
# checkout picked before (.local/*-port: another checkout's servers held the defaults then), else the defaults.
PG_PORT="${RALLY_LOCAL_PG_PORT:-$(cat "$LOCAL_DIR/postgres-port" 2>/dev/null || echo 54329)}"
REDIS_PORT="${RALLY_LOCAL_REDIS_PORT:-$(cat "$LOCAL_DIR/redis-port" 2>/dev/null || echo 63799)}"
PG_DATA="$LOCAL_DIR/postgres"
PG_RUN="$LOCAL_DIR/run"
REDIS_DIR="$LOCAL_DIR/redis"
# The tests' Redis Cluster: three masters on this port and the two after it (RALLY_LOCAL_REDIS_CLUSTER_PORT when set).
REDIS_CLUSTER_PORT="${RALLY_LOCAL_REDIS_CLUSTER_PORT:-7101}"
REDIS_CLUSTER_DIR="$LOCAL_DIR/redis-cluster"

log() { printf '[ops] %s\n' "$*" >&2; }

# Debian packages for building (libpq-dev, libhiredis-dev), for the local servers, Prometheus (prometheus and
# promtool) for ops/checks/monitoring, and docker-compose for ops/checks/deployment.
ensure_packages() {
  local needed=() bare=()
  dpkg -s libpq-dev >/dev/null 2>&1 || needed+=(libpq-dev)
  dpkg -s libhiredis-dev >/dev/null 2>&1 || needed+=(libhiredis-dev)
  dpkg -s postgresql >/dev/null 2>&1 || needed+=(postgresql)
  dpkg -s redis-server >/dev/null 2>&1 || needed+=(redis-server)
  dpkg -s pkg-config >/dev/null 2>&1 || needed+=(pkg-config)
  # Without its recommended node exporter: a host agent with a service of its own, of no use to the checks.
  dpkg -s prometheus >/dev/null 2>&1 || bare+=(prometheus)
  # docker-compose only reads ops/deploy/compose.yaml for ops/checks/deployment; no container engine is installed.
  dpkg -s docker-compose >/dev/null 2>&1 || bare+=(docker-compose)
  if [ ${#needed[@]} -gt 0 ] || [ ${#bare[@]} -gt 0 ]; then
    log "installing ${needed[*]}${needed[*]:+ }${bare[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    [ ${#needed[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${needed[@]}" >/dev/null
    [ ${#bare[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null
  fi
}

# A headless Chromium, its driver and Selenium from Debian's packages, for ops/checks/pages (tests only).
ensure_browser() {
  local needed=()
  for package in chromium chromium-driver python3-selenium fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || needed+=("$package")
  done
  if [ ${#needed[@]} -gt 0 ]; then
    log "installing ${needed[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
  fi
}

pg_bindir() { "$(command -v pg_config)" --bindir; }

# Whether something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# usable_port NAME PORT VARIABLE: PORT when free; when another program holds it, a free port from PORT+1 on, remembered
# in .local/NAME-port for the next runs of this checkout; when VARIABLE (the setting that chose PORT) is set, an error
# that says what to do instead.
usable_port() {
  local name=$1 port=$2 variable=$3
  port_in_use "$port" || { echo "$port"; return; }
  if [ -n "${!variable:-}" ]; then
    log "port $port ($variable) is taken by another program: stop it, or set $variable to a free port"
    return 1
  fi
  local candidate=$((port + 1))
  while port_in_use "$candidate"; do
    candidate=$((candidate + 1))
    [ "$candidate" -lt $((port + 100)) ] || { log "no free port for $name from $port to $((port + 99))"; return 1; }
  done
  log "port $port is taken by another program (another checkout's $name?): this checkout's $name uses $candidate," \
    "remembered in $LOCAL_DIR/$name-port"
  mkdir -p "$LOCAL_DIR"
  echo "$candidate" > "$LOCAL_DIR/$name-port"
  echo "$candidate"
}

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
    # The port it was started on (the fourth line of postmaster.pid), whatever is asked now.
    local running; running="$(sed -n 4p "$PG_DATA/postmaster.pid")"
    [ "$running" = "$PG_PORT" ] || log "this checkout's PostgreSQL runs on port $running, not $PG_PORT: using it (ops/services stop, then start, to move it)"
    PG_PORT="$running"
    log "PostgreSQL already running on port $PG_PORT"
  else
    PG_PORT="$(usable_port postgres "$PG_PORT" RALLY_LOCAL_PG_PORT)"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
      -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=1GB" start >/dev/null ||
      { log "PostgreSQL did not start; the end of its log ($PG_DATA/server.log):"; tail -n 5 "$PG_DATA/server.log" >&2; return 1; }
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
  if [ -f "$REDIS_DIR/redis.pid" ] && kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null &&
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "Redis already running on port $REDIS_PORT"
    return
  fi
  REDIS_PORT="$(usable_port redis "$REDIS_PORT" RALLY_LOCAL_REDIS_PORT)"
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --appendonly no --save "" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  log "Redis did not start: see $REDIS_DIR/redis.log"; return 1
}

# start_redis_cluster: a Redis Cluster of three masters without replicas on REDIS_CLUSTER_PORT and the two ports after it
# (each node also listens on its port + 10000, the cluster bus), its slots shared out by `redis-cli --cluster create`;
# one already running and healthy is kept.
start_redis_cluster() {
  local ports=("$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2))) port nodes=() _
  if redis-cli -p "${ports[0]}" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok'; then
    log "Redis Cluster already running on ports ${ports[*]}"
    return
  fi
  for port in "${ports[@]}"; do
    if [ -f "$REDIS_CLUSTER_DIR/$port/redis.pid" ]; then redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  done
  rm -rf "$REDIS_CLUSTER_DIR"
  for port in "${ports[@]}"; do
    if port_in_use "$port" || port_in_use $((port + 10000)); then
      log "port $port or $((port + 10000)) is taken: set RALLY_LOCAL_REDIS_CLUSTER_PORT to the first of three free ports"
      return 1
    fi
  done
  log "starting a Redis Cluster of three masters on 127.0.0.1:${ports[*]}"
  for port in "${ports[@]}"; do
    mkdir -p "$REDIS_CLUSTER_DIR/$port"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$REDIS_CLUSTER_DIR/$port" --daemonize yes \
      --pidfile "$REDIS_CLUSTER_DIR/$port/redis.pid" --logfile "$REDIS_CLUSTER_DIR/$port/redis.log" --appendonly no --save "" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 >/dev/null
    nodes+=("127.0.0.1:$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$REDIS_CLUSTER_DIR/create.log" 2>&1 ||
    { log "redis-cli --cluster create failed: see $REDIS_CLUSTER_DIR/create.log"; return 1; }
  # The state reads `fail` for a few seconds after creation, until every node has heard of the others.
  for _ in $(seq 1 100); do
    local healthy=0
    for port in "${ports[@]}"; do
      redis-cli -p "$port" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' && healthy=$((healthy + 1))
    done
    [ "$healthy" -eq 3 ] && return
    sleep 0.2
  done
  log "the Redis Cluster did not reach cluster_state:ok: see $REDIS_CLUSTER_DIR/*/redis.log"; return 1
}

local_redis_cluster_url() {
  echo "redis+cluster://127.0.0.1:$REDIS_CLUSTER_PORT,127.0.0.1:$((REDIS_CLUSTER_PORT + 1)),127.0.0.1:$((REDIS_CLUSTER_PORT + 2))"
}

stop_services() {
  choose_pg_dirs "$(pg_user)"
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
  fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  local port
  for port in "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)); do
    if [ -f "$REDIS_CLUSTER_DIR/$port/redis.pid" ]; then redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  done
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
