-- wrk script of bench/throughput.mjs: POST /v1/account-memberships/?account_id=acct_1
--   wrk -t1 -c16 -d10s -s bench/wrk/membership.lua http://127.0.0.1:PORT -- <mode> <run id> <api key> [token file] [control reads]
-- modes: replay  the same body every time (the first request creates, the rest are 200 replays)
--        create  a new email per request (every answer a 201)
--        jwt     a new email per request, with the next token of the token file (one per line)
-- control reads: sent as X-Control-Reads (the control worker's KV reads; bench/control-worker).
-- Prints one JSON line at the end: requests, latency percentiles (µs), errors, status counts.
local mode, runid, key, reads
local counter = 0
local tokens = {}
statuses = {} -- global: done() reads it with thread:get
local threads = {}
local replay_body = '{"workspace_membership_id":"wsm_1","permissions":["read"]}'

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode, runid, key, reads = args[1], args[2], args[3], args[5]
  if args[4] and args[4] ~= "" then
    for line in io.lines(args[4]) do tokens[#tokens + 1] = line end
  end
  runid = runid .. "t" .. tostring(tid)
end

function request()
  counter = counter + 1
  local headers = { ["Content-Type"] = "application/json" }
  if reads and reads ~= "" then headers["X-Control-Reads"] = reads end
  local body
  if mode == "replay" then
    body = replay_body
  else
    body = string.format('{"email":"%s-%d@bench.example.com","permissions":["read"]}', runid, counter)
  end
  if mode == "jwt" and #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(counter - 1) % #tokens + 1]
  else
    headers["Authorization"] = "Bearer " .. key
  end
  return wrk.format("POST", "/v1/account-memberships/?account_id=acct_1", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do counts[k] = (counts[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(counts) do parts[#parts + 1] = string.format('"%d":%d', k, v) end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ",")))
end
