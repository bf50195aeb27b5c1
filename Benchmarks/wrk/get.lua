-- A GET with the read key (RALLY_BENCH_KEY, optional) on RALLY_BENCH_PATH, or on a path drawn at random from the file
-- RALLY_BENCH_PATHS (one a line: many viewers' pages, each with its own token); reports non-200 answers.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads * 7919)
end

function init(args)
  failures = 0
  local key = os.getenv("RALLY_BENCH_KEY")
  if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
  path = os.getenv("RALLY_BENCH_PATH")
  paths = {}
  local file = os.getenv("RALLY_BENCH_PATHS")
  if file and file ~= "" then
    math.randomseed(seed + os.time())
    for line in io.lines(file) do table.insert(paths, line) end
  end
end

function request()
  if #paths > 0 then return wrk.format("GET", paths[math.random(1, #paths)]) end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("RESULT requests=%d non200=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    summary.requests, failed, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
