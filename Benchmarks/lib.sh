# Shared by the benchmark scripts (after ops/lib.sh): wrk runs and the CPU each part of the system used.
# They expect BASE (the server's URL), OUT (the results folder) and SECONDS_PER_RUN.

# run_wrk NAME SCRIPT CONNECTIONS PATH KEY: one wrk run, its RESULT line saved.
run_wrk() {
  local name=$1 script=$2 connections=$3 path=$4 key=$5
  RALLY_BENCH_RUN="$name-$RANDOM$RANDOM" RALLY_BENCH_PATH="$path" RALLY_BENCH_KEY="$key" \
    wrk -t2 -c"$connections" -d"${SECONDS_PER_RUN}s" --latency -s "Benchmarks/wrk/$script" "$BASE" > "$OUT/$name.txt" 2>&1
  grep '^RESULT' "$OUT/$name.txt" | tail -1 | tee -a "$OUT/results.txt" | sed "s/^/[$name] /" >&2
}

# CPU seconds used so far by every process of one command name (rally, postgres, redis-server, wrk).
cpu_seconds() {
  local ticks=0 stat
  for stat in /proc/[0-9]*/stat; do
    read -r line < "$stat" 2>/dev/null || continue
    [[ "$line" == *"($1)"* ]] || continue
    set -- "$1" ${line##*) }
    ticks=$((ticks + ${13} + ${14}))  # utime and stime (fields 14 and 15 of the stat line)
  done
  echo "$ticks"
}

# run_accounted NAME …: run_wrk, then the CPU each part used during it, in seconds.
run_accounted() {
  local name=$1; shift
  local before=() after=() parts=(rally postgres redis-server haproxy wrk) part
  for part in "${parts[@]}"; do before+=("$(cpu_seconds "$part")"); done
  run_wrk "$name" "$@"
  for part in "${parts[@]}"; do after+=("$(cpu_seconds "$part")"); done
  local hz; hz=$(getconf CLK_TCK)
  local line="CPU $name"
  for i in "${!parts[@]}"; do line+=" ${parts[$i]}=$(awk -v a="${before[$i]}" -v b="${after[$i]}" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz }')"; done
  echo "$line seconds_of_wall=$SECONDS_PER_RUN" | tee -a "$OUT/results.txt" >&2
}

# start_rally PORT DATABASE_URL REDIS_DB NAMESPACE OPERATOR_TOKEN: the release build serving in the background (SERVER
# is its pid, stopped on exit), once /healthz answers.
start_rally() {
  local port=$1 database=$2 redis_db=$3 namespace=$4 operator=$5
  if curl -s "http://127.0.0.1:$port/healthz" >/dev/null; then log "something already listens on port $port: stop it first"; exit 1; fi
  log "starting rally on http://127.0.0.1:$port"
  RALLY_DATABASE_URL="$database" RALLY_REDIS_URL="$(local_redis_url "$redis_db")" RALLY_REDIS_NAMESPACE="$namespace" \
    RALLY_OPERATOR_TOKEN="$operator" RALLY_LOG_LEVEL="${RALLY_BENCH_LOG_LEVEL:-warning}" RALLY_HTTP_PORT="$port" \
    RALLY_RATE_LIMITS="${RALLY_RATE_LIMITS:-ingest=0,read=0,admin=0}" \
    RALLY_MIGRATIONS_DIR="${RALLY_BENCH_MIGRATIONS:-$RALLY_ROOT/Migrations}" "$BIN" serve >> "$OUT/server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  kill -0 $SERVER 2>/dev/null || { log "rally did not start: see $OUT/server.log"; exit 1; }
}

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# seed_members PROGRAM MEMBERS: what 10 events a member over the past year leave in PostgreSQL, written in SQL: MEMBERS
# members of PROGRAM (500 teams, 20 regions; 1 in 100 hidden, 1 in 20 anonymous), 10 local days of points each. Needs
# psql_bench and note.
seed_members() {
  local program=$1 members=$2
  log "seeding $members members and 10 days of points each in program $program"
  local started=$SECONDS
  # 500 teams, 20 regions; 1 in 100 hidden, 1 in 20 anonymous.
  psql_bench "INSERT INTO members (program_id, member_id, display_name, team, region, enrolled, visibility)
              SELECT '$program', 'm' || g, 'Member ' || g, 'Team ' || (g % 500), 'Region ' || (g % 20), true,
                     CASE WHEN g % 100 = 0 THEN 'hidden' WHEN g % 20 = 1 THEN 'anonymous' ELSE 'public' END
              FROM generate_series(1, $members) g"
  # Member g earned points on the 10 days (g·7 + k·37) mod 365 days ago, k = 0…9: about 27,000 members a day.
  psql_bench "INSERT INTO member_days (program_id, member_id, day, points, reached_at)
              SELECT '$program', 'm' || g, t.today - (g * 7 + k * 37) % 365, 1 + (g * 31 + k * 17) % 50,
                     ((t.today - (g * 7 + k * 37) % 365)::timestamp + make_interval(secs => g % 80000)) AT TIME ZONE 'Europe/Paris'
              FROM (SELECT (now() AT TIME ZONE 'Europe/Paris')::date AS today) t, generate_series(1, $members) g, generate_series(0, 9) k"
  psql_bench "INSERT INTO member_totals (program_id, member_id, points, revision, reached_at)
              SELECT program_id, member_id, sum(points), 10, max(reached_at) FROM member_days WHERE program_id = '$program' GROUP BY 1, 2"
  psql_bench "VACUUM ANALYZE members" && psql_bench "VACUUM ANALYZE member_days" && psql_bench "VACUUM ANALYZE member_totals"
  note "SEED members=$members member_days=$(psql_bench "SELECT count(*) FROM member_days") seconds=$((SECONDS - started))"
}
