-- Directory syncs: batches of RALLY_BENCH_BATCH members (default 1000) per request, consecutive ids over RALLY_BENCH_MEMBERS
-- members, each sent with a team it did not have before, so that every item is an update that refreshes the boards.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  sent = 0
  failures = 0
  members = tonumber(os.getenv("RALLY_BENCH_MEMBERS") or "100000")
  size = tonumber(os.getenv("RALLY_BENCH_BATCH") or "1000")
  path = os.getenv("RALLY_BENCH_PATH")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("RALLY_BENCH_KEY")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local start = (sent * size + tid * 50021) % members
  local items = {}
  for i = 1, size do
    local member = (start + i) % members + 1
    items[i] = string.format('{"memberId":"m%d","displayName":"Member %d","team":"Team %d-%d","enrolled":true}',
      member, member, tid, sent)
  end
  return wrk.format("POST", path, nil, '{"members":[' .. table.concat(items, ",") .. ']}')
end

function response(status, headers, body)
  -- A batch answers 200 with one result per member; any error object counts as a failure.
  if status ~= 200 or string.find(body, '"error"', 1, true) then failures = failures + 1 end
end

function done(summary, latency, requests)
  local size = tonumber(os.getenv("RALLY_BENCH_BATCH") or "1000")
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d failed_batches=%d members=%d members_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, failed, summary.requests * size, summary.requests * size / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
