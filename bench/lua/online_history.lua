local c = require("bench/lua/common")
local tokens, range
function init() c.seed(); tokens = c.lines("tokens.txt"); range = c.lines("history_range.txt")[1] end
function request()
  return c.bearer("GET", "/api/v1/presence/online-history?" .. range .. "&interval=1m", c.pick(tokens))
end
