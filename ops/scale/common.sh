# Shared by ops/scale/up, status and down: where the loopback cluster's processes live and listen. Source it.
# Ports (each overridable): haproxy on RALLY_SCALE_HTTP_PORT (8090) and the Rally instances on the ports after it;
# the Redis Cluster's six nodes from RALLY_SCALE_REDIS_PORT (7201; each also uses its port + 10000); the PostgreSQL
# primary on RALLY_SCALE_PG_PORT (54341) and its standby on the port after it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SCALE_DIR="$LOCAL_DIR/scale"
SCALE_INSTANCES=2
SCALE_HTTP_PORT="${RALLY_SCALE_HTTP_PORT:-8090}"
SCALE_REDIS_PORT="${RALLY_SCALE_REDIS_PORT:-7201}"
SCALE_PG_PORT="${RALLY_SCALE_PG_PORT:-54341}"
SCALE_STANDBY_PORT=$((SCALE_PG_PORT + 1))

# The Rally instance N's port (1-based).
scale_instance_port() { echo $((SCALE_HTTP_PORT + $1)); }

scale_redis_url() {
  local port nodes=()
  for port in "$SCALE_REDIS_PORT" $((SCALE_REDIS_PORT + 1)) $((SCALE_REDIS_PORT + 2)); do nodes+=("127.0.0.1:$port"); done
  (IFS=,; echo "redis+cluster://${nodes[*]}")
}

# Points start_postgres and its helpers at the scale cluster's primary (or, with `standby`, its standby).
use_scale_postgres() {
  PG_DATA="$SCALE_DIR/postgres-${1:-primary}"
  PG_RUN="$SCALE_DIR/run"
  PG_PORT=$([ "${1:-primary}" = primary ] && echo "$SCALE_PG_PORT" || echo "$SCALE_STANDBY_PORT")
  # A taken port is an error here, never a port remembered for the development servers.
  export RALLY_LOCAL_PG_PORT="$PG_PORT"
  choose_pg_dirs "$(pg_user)"
}

# The pid in FILE when that process is alive.
live_pid() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && cat "$1"; }
