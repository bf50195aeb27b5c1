-- A GET of RALLY_BENCH_PATH with "{id}" replaced by a random member id (m1 … m<RALLY_BENCH_MEMBERS>), with the read
-- key RALLY_BENCH_KEY; reports non-200 answers apart from 404s (members not on the board asked for), counted alone.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads * 7919)
end

function init(args)
  failures = 0
  missing = 0
  math.randomseed(seed + os.time())
  members = tonumber(os.getenv("RALLY_BENCH_MEMBERS") or "1000000")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("RALLY_BENCH_KEY")
  path = os.getenv("RALLY_BENCH_PATH")
end

function request()
  return wrk.format("GET", (path:gsub("{id}", "m" .. math.random(1, members))))
end

function response(status, headers, body)
  if status == 404 then missing = missing + 1 elseif status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed, absent = 0, 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    absent = absent + thread:get("missing")
  end
  io.write(string.format("RESULT requests=%d non200=%d not_found=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    summary.requests, failed, absent, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
