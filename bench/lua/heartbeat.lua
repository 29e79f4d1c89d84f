local c = require("bench/lua/common")
local tokens
function init() c.seed(); tokens = c.lines("tokens.txt") end
function request()
  local body = string.format('{"installId":"inst_%07d","appVersion":"1.0.0","clientTs":%d}',
    math.random(0, 999999), math.floor(c.now_ms() / 1000))
  return c.bearer("POST", "/api/v1/presence/heartbeat", c.pick(tokens), body)
end
