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
# promtool) for ops/checks/monitoring, docker-compose for ops/checks/deployment and haproxy for ops/scale.
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
  # haproxy balances the instances of ops/scale/up (and its drill, ops/checks/scale).
  dpkg -s haproxy >/dev/null 2>&1 || bare+=(haproxy)
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
# (a clone under /root, say), the data goes to /var/tmp instead, named after the project folder (PG_DATA and PG_RUN keep
# their place below it).
choose_pg_dirs() {
  local user="$1"
  mkdir -p "$LOCAL_DIR"
  chmod 755 "$LOCAL_DIR"
  if [ "$(id -un)" != "$user" ] && ! runuser -u "$user" -- test -x "$LOCAL_DIR"; then
    local fallback="/var/tmp/rally-$(printf '%s' "$RALLY_ROOT" | cksum | cut -d' ' -f1)"
    log "user $user cannot reach $LOCAL_DIR; keeping PostgreSQL data in $fallback"
    mkdir -p "$fallback"
    chmod 755 "$fallback"
    PG_DATA="$fallback/${PG_DATA#"$LOCAL_DIR"/}"
    PG_RUN="$fallback/${PG_RUN#"$LOCAL_DIR"/}"
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

# start_redis_cluster [FIRST_PORT DIR REPLICAS]: a Redis Cluster of three masters, each with REPLICAS replicas (default:
# the tests' cluster, REDIS_CLUSTER_PORT under .local/redis-cluster, no replica), on FIRST_PORT and the ports after it
# (each node also listens on its port + 10000, the cluster bus), its slots shared out by `redis-cli --cluster create`;
# one already running and healthy is kept.
start_redis_cluster() {
  local first=${1:-$REDIS_CLUSTER_PORT} dir=${2:-$REDIS_CLUSTER_DIR} replicas=${3:-0}
  local count=$((3 * (replicas + 1))) ports=() port nodes=() _
  for ((port = first; port < first + count; port++)); do ports+=("$port"); done
  local alive
  for port in "${ports[@]}"; do
    alive=$(redis-cli -p "$port" CLUSTER INFO 2>/dev/null | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p' || true)
    [ "$alive" != "$count" ] || break
  done
  if [ "$alive" = "$count" ]; then
    # A node that stopped (a drill, a crash) is started again: it reads its nodes.conf and rejoins, as a replica when
    # another node took its slots over meanwhile.
    for port in "${ports[@]}"; do
      redis-cli -p "$port" PING >/dev/null 2>&1 || { log "restarting Redis node $port"; start_redis_node "$port" "$dir"; }
    done
    log "Redis Cluster running on ports ${ports[*]}"
    wait_for_redis_cluster "${ports[@]}"
    return
  fi
  for port in "${ports[@]}"; do
    if [ -f "$dir/$port/redis.pid" ]; then redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true; fi
  done
  rm -rf "$dir"
  for port in "${ports[@]}"; do
    if port_in_use "$port" || port_in_use $((port + 10000)); then
      log "port $port or $((port + 10000)) is taken: choose another first port for the cluster ($count free ports in a row)"
      return 1
    fi
  done
  log "starting a Redis Cluster of three masters and $((3 * replicas)) replicas on 127.0.0.1:${ports[*]}"
  for port in "${ports[@]}"; do
    start_redis_node "$port" "$dir"
    nodes+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 ||
    { log "redis-cli --cluster create failed: see $dir/create.log"; return 1; }
  wait_for_redis_cluster "${ports[@]}"
}

# start_redis_node PORT DIR: one cluster-enabled Redis, its files under DIR/PORT; returns once it answers.
start_redis_node() {
  local port=$1 dir=$2 _
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/$port" --daemonize yes \
    --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" --appendonly no --save "" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && return; sleep 0.1; done
  log "Redis node $port did not start: see $dir/$port/redis.log"; return 1
}

# wait_for_redis_cluster PORT…: until every node reads `cluster_state:ok` (a new cluster reads `fail` for a few seconds,
# until every node has heard of the others; a restarted node, until it rejoined), 30 s at most.
wait_for_redis_cluster() {
  local port healthy _
  for _ in $(seq 1 150); do
    healthy=0
    for port in "$@"; do
      redis-cli -p "$port" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' && healthy=$((healthy + 1))
    done
    [ "$healthy" -eq "$#" ] && return
    sleep 0.2
  done
  log "the Redis Cluster did not reach cluster_state:ok on every node: see the nodes' redis.log"; return 1
}

# stop_redis_cluster [DIR]: stops every node of the cluster under DIR (default: the tests').
stop_redis_cluster() {
  local dir=${1:-$REDIS_CLUSTER_DIR} pidfile port
  for pidfile in "$dir"/*/redis.pid; do
    [ -f "$pidfile" ] || continue
    port=$(basename "$(dirname "$pidfile")")
    redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  done
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
  stop_redis_cluster
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
