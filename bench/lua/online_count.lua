local c = require("bench/lua/common")
local tokens
function init() c.seed(); tokens = c.lines("tokens.txt") end
function request()
  return c.bearer("GET", "/api/v1/presence/online-count?windowSeconds=180", c.pick(tokens))
end
