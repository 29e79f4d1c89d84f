-- Shared by the benchmark scripts: data files written by bench/load_data.py,
-- millisecond time, HMAC-signed partner requests and JWT requests.
package.path = "bench/lua/?.lua;" .. package.path
local sha = require("sha256")
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]

local M = {}
local data_dir = os.getenv("BENCH_DATA") or "bench/.data"
local tv = ffi.new("bench_timeval")

function M.now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + math.floor(tonumber(tv.tv_usec) / 1000)
end

function M.lines(name)
  local out = {}
  local file = assert(io.open(data_dir .. "/" .. name, "r"), "missing " .. name .. ": run bench/load_data.py")
  for line in file:lines() do
    if #line > 0 then out[#out + 1] = line end
  end
  file:close()
  return out
end

function M.pick(list)
  return list[math.random(#list)]
end

function M.seed()
  ffi.C.gettimeofday(tv, nil)
  math.randomseed(tonumber(tv.tv_usec) + tonumber(tv.tv_sec) % 100000 * 7919)
end

-- A partner request signed as contract §3 says: METHOD + PATH + TIMESTAMP + BODY.
function M.signed(method, path, body, app_id, secret)
  local timestamp = tostring(M.now_ms())
  local signature = sha.hmac_sha256_hex(secret, method .. path .. timestamp .. (body or ""))
  local headers = { ["X-App-Id"] = app_id, ["X-Timestamp"] = timestamp, ["X-Signature"] = signature }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

function M.bearer(method, path, token, body)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

-- Each wrk thread numbers itself so that generated keys never collide between threads.
local counter = 0
function M.unique()
  counter = counter + 1
  return string.format("%d%06d%d", M.now_ms(), counter, math.random(1000000))
end

return M
