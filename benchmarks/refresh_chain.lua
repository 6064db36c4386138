-- Each session is refreshed in a chain: a response's new refresh cookie feeds a later request.
local tokens, head, tail = {}, 1, 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then tail = tail + 1; tokens[tail] = line end
  end
end

request = function()
  local token = "exhausted"
  if head <= tail then token = tokens[head]; tokens[head] = nil; head = head + 1 end
  return wrk.format("POST", "/api/v1/auth/refresh", {["X-Refresh-Token"] = "Bearer " .. token})
end

response = function(status, headers, body)
  local token = string.match(headers["set-cookie"] or headers["Set-Cookie"] or "", "s_refresh=([^;]+)")
  if token then tail = tail + 1; tokens[tail] = token end
end
