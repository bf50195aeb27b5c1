-- Batches of RALLY_BENCH_BATCH events (default 500) per request, distinct ids over RALLY_BENCH_MEMBERS members.
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
  size = tonumber(os.getenv("RALLY_BENCH_BATCH") or "500")
  path = os.getenv("RALLY_BENCH_PATH")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("RALLY_BENCH_KEY")
  wrk.headers["Content-Type"] = "application/json"
  occurred = os.date("!%Y-%m-%dT%H:%M:%SZ")
  actions = { "post", "share", "comment", "like" }
  networks = { "linkedin", "x", "facebook" }
  -- RALLY_BENCH_RICH=1: events also name a network, one of 50 posts, and a third carry the tag "recruitment".
  rich = os.getenv("RALLY_BENCH_RICH") == "1"
end

-- The fields an event carries beyond its id, member, action and instant.
function extra(n)
  if not rich then return "" end
  return string.format(',"network":"%s","contentId":"post-%d"%s', networks[n % 3 + 1], n % 50, n % 3 == 0 and ',"tags":["recruitment"]' or "")
end

function request()
  local events = {}
  for i = 1, size do
    counter = counter + 1
    local member = (counter * 7919 + tid * 104729) % members + 1
    events[i] = string.format('{"id":"%s-%d-%d","memberId":"m%d","action":"%s","occurredAt":"%s"%s}',
      run, tid, counter, member, actions[counter % 4 + 1], occurred, extra(counter))
  end
  return wrk.format("POST", path, nil, '{"events":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  -- A batch answers 200 with one result per event; any error object counts as a failure.
  if status ~= 200 or string.find(body, '"error"', 1, true) then failures = failures + 1 end
end

function done(summary, latency, requests)
  local batch = tonumber(os.getenv("RALLY_BENCH_BATCH") or "500")
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d failed_batches=%d events=%d events_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, failed, summary.requests * batch, summary.requests * batch / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
