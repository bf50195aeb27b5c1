-- One event per request, distinct ids, members spread over RALLY_BENCH_MEMBERS (default 10000).
-- Counts answers other than 201 so the run can prove every request was committed.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  counter = 0
  failures = 0
  run = os.getenv("RALLY_BENCH_RUN") or "run"
  members = tonumber(os.getenv("RALLY_BENCH_MEMBERS") or "10000")
  path = os.getenv("RALLY_BENCH_PATH")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("RALLY_BENCH_KEY")
  wrk.headers["Content-Type"] = "application/json"
  occurred = os.date("!%Y-%m-%dT%H:%M:%SZ")
  -- RALLY_BENCH_RICH=1: shares of one of 50 posts, a third tagged "recruitment".
  rich = os.getenv("RALLY_BENCH_RICH") == "1"
end

function request()
  counter = counter + 1
  local member = (counter * 7919 + tid * 104729) % members + 1
  local extra = rich and string.format(',"contentId":"post-%d"%s', counter % 50, counter % 3 == 0 and ',"tags":["recruitment"]' or "") or ""
  local body = string.format(
    '{"id":"%s-%d-%d","memberId":"m%d","action":"share","network":"linkedin","occurredAt":"%s"%s}',
    run, tid, counter, member, occurred, extra)
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body)
  if status ~= 201 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("RESULT requests=%d non201=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    summary.requests, failed, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
