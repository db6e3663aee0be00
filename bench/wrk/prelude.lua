-- Shared by every scenario (the driver puts it in front of each script).
-- GraphQL reports failures with status 200, so each scenario checks the body
-- and counts what went wrong; `done` prints one JSON line for the driver.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

failures = 0
failure_sample = ""

function fail(status, body)
  failures = failures + 1
  if failure_sample == "" then
    failure_sample = tostring(status) .. " " .. string.sub(body or "", 1, 200)
  end
end

function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(lines, line) end
  end
  return lines
end

function graphql(query, variables, token)
  local headers = { ["Content-Type"] = "application/json" }
  if token then headers["Authorization"] = "Bearer " .. token end
  local body = '{"query":"' .. query .. '"'
  if variables then body = body .. ',"variables":' .. variables end
  return wrk.format("POST", "/graphql", headers, body .. "}")
end

local function escape(s)
  return (string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

function done(summary, latency, requests)
  local failed, sample = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("failures") or 0)
    local s = thread:get("failure_sample") or ""
    if sample == "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"failures":%d,"failure_sample":"%s",' ..
    '"socket_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, failed, escape(sample),
    e.connect + e.read + e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
