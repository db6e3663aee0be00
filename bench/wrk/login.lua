-- `login` round-robin over LOGIN_USERS accounts (login-<n>@bench.example), so
-- no account has two attempts in flight and the throttle never refuses.
local n = 0
local users, password, threads

function init(args)
  users = tonumber(os.getenv("LOGIN_USERS"))
  threads = tonumber(os.getenv("WRK_THREADS"))
  password = os.getenv("LOGIN_PASSWORD")
  n = id
end

local mutation = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }"

function request()
  local email = string.format("login-%d@bench.example", n % users)
  n = n + threads
  return graphql(mutation, '{"e":"' .. email .. '","p":"' .. password .. '"}')
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"accessToken":"', 1, true) then fail(status, body) end
end
