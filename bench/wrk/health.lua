-- GET /health: the runtime's own latency, no database.
wrk.method = "GET"
wrk.path = "/health"

function response(status, headers, body)
  if status ~= 200 then fail(status, body) end
end
