-- `register` with a unique email and username per request.
local n = 0
local run

function init(args)
  run = os.getenv("RUN_ID")
end

local mutation = "mutation($e: String!, $u: String!) { register(input: {email: $e, username: $u, password: \\\"bench horse staple kettle\\\"}) { accessToken } }"

function request()
  n = n + 1
  local name = string.format("r%s_%d_%d", run, id, n)
  return graphql(mutation, '{"e":"' .. name .. '@bench.example","u":"' .. name .. '"}')
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"accessToken":"', 1, true) then fail(status, body) end
end
