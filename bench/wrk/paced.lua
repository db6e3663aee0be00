-- Appended to a scenario to pace it: one request per PACE_MS per connection,
-- so a probe measures latency without adding load of its own.
local pace = tonumber(os.getenv("PACE_MS"))

function delay()
  return pace
end
