local c = require("bench/lua/common")
local app_id, secret, ids
function init()
  c.seed()
  app_id, secret = c.lines("apps.txt")[1]:match("^(%S+) (%S+)$")
  ids = c.lines("intent_ids.txt")
end
function request()
  return c.signed("GET", "/api/v1/intents/" .. c.pick_own(ids), nil, app_id, secret)
end
