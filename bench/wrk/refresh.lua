-- `refreshToken`: every token is used once. Each thread holds its own share
-- of REFRESH_TOKENS (more than its connections) and takes back the token
-- each response carries, so sessions rotate for the whole run.
local pool = {}
local dead = string.rep("0", 128)

function init(args)
  local tokens = read_lines(os.getenv("REFRESH_TOKENS"))
  local threads = tonumber(os.getenv("WRK_THREADS"))
  for i = id + 1, #tokens, threads do table.insert(pool, tokens[i]) end
end

local mutation = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }"

function request()
  -- An empty pool means tokens were lost to failures; the dead token
  -- fails too, and is counted.
  local token = table.remove(pool) or dead
  return graphql(mutation, '{"t":"' .. token .. '"}')
end

function response(status, headers, body)
  local token = string.match(body, '"refreshToken":"(%x+)"')
  if status ~= 200 or not token then
    fail(status, body)
  else
    table.insert(pool, 1, token)
  end
end
