local c = require("bench/lua/common")
local apps
function init() c.seed(); apps = c.lines("apps.txt") end
function request()
  local app_id, secret = c.pick(apps):match("^(%S+) (%S+)$")
  local n = c.unique()
  local body = string.format(
    '{"userId":"bench_%s","platform":"TAOBAO","productUrl":"https://item.taobao.com/item.htm?id=%s",' ..
    '"title":"bench item %s","price":"199.00","quantity":2,"remark":"wrk"}', n, n, n)
  return c.signed("POST", "/api/v1/intents", body, app_id, secret)
end
