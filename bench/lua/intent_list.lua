local c = require("bench/lua/common")
local app_id, secret
local statuses = { "SUBMITTED", "PROCESSING", "COMPLETED" }
function init()
  c.seed()
  app_id, secret = c.lines("apps.txt")[1]:match("^(%S+) (%S+)$")
end
function request()
  local path = string.format(
    "/api/v1/intents?filter[status]=%s&sortBy=createdAt&sortOrder=desc&page=%d&pageSize=20",
    c.pick(statuses), c.own_number(1, 50))
  return c.signed("GET", path, nil, app_id, secret)
end
