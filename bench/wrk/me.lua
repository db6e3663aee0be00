-- `me` with one access token per thread (ACCESS_TOKENS: a file, one per line).
function init(args)
  local tokens = read_lines(os.getenv("ACCESS_TOKENS"))
  local token = tokens[(id % #tokens) + 1]
  request_data = graphql("{ me { id email role } }", nil, token)
end

function request()
  return request_data
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"me":{"id"', 1, true) then fail(status, body) end
end
