-- Batches of 100 events from random installs; X-Forwarded-For spreads the
-- clients over many IPs (the bench trusts 127.0.0.1 as a proxy), so the
-- per-IP limit runs on every request without refusing the load.
local c = require("bench/lua/common")
local provinces = { "广东省", "北京市", "上海市", "浙江省", "江苏省", "四川省", "湖北省", "山东省" }
local cities = { "深圳市", "北京市", "上海市", "杭州市", "南京市", "成都市", "武汉市", "青岛市" }
function init() c.seed() end
function request()
  local now = math.floor(c.now_ms() / 1000)
  local parts = {}
  local batch = c.unique()
  for i = 1, 100 do
    local p = math.random(#provinces)
    parts[i] = string.format(
      '{"eventName":"app_session_start","installId":"evt_%07d","eventId":"%s_%d","clientTs":%d,' ..
      '"properties":{"os":"iOS","province":"%s","city":"%s"}}',
      math.random(0, 1999999), batch, i, now - math.random(0, 60), provinces[p], cities[p])
  end
  local body = '{"events":[' .. table.concat(parts, ",") .. ']}'
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("POST", "/api/v1/analytics/events",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end
