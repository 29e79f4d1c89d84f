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

-- wrk calls setup() once per thread in its main state: number the threads, so that
-- each one draws from its own share of ids and pages (see pick_own and own_number).
local threads_set_up = 0
function setup(thread)
  thread:set("bench_thread", threads_set_up)
  threads_set_up = threads_set_up + 1
end

local thread_count = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")

local function thread_index()
  return (bench_thread or 0) % thread_count
end

-- A random element among those whose position belongs to this thread.
function M.pick_own(list)
  local shares = math.floor((#list - 1 - thread_index()) / thread_count) + 1
  return list[thread_index() + 1 + thread_count * (math.random(shares) - 1)]
end

-- A random integer in [low, high] that belongs to this thread (low + thread, step thread count).
function M.own_number(low, high)
  local shares = math.floor((high - low - thread_index()) / thread_count) + 1
  return low + thread_index() + thread_count * (math.random(shares) - 1)
end

-- The contract has no nonce: two requests with the same method, target, body and
-- millisecond carry the same signature, and the second is refused as a replay (40104),
-- as it should be; a real client never sends the same signed request twice. Threads
-- never share a target (pick_own, own_number; create bodies are unique), and within a
-- thread a request repeated in the same millisecond moves to the next one. Time never
-- runs ahead of the clock by more than those rare repeats, so a later wrk run never
-- meets a timestamp an earlier one used.
local last_timestamp, used_this_ms = 0, {}
function M.next_timestamp(request_key)
  local ts = math.max(M.now_ms(), last_timestamp)
  if ts > last_timestamp then
    last_timestamp, used_this_ms = ts, {}
  end
  if used_this_ms[request_key] then
    last_timestamp, used_this_ms = last_timestamp + 1, {}
  end
  used_this_ms[request_key] = true
  return last_timestamp
end

-- A partner request signed as contract §3 says: METHOD + PATH + TIMESTAMP + BODY.
function M.signed(method, path, body, app_id, secret)
  local timestamp = tostring(M.next_timestamp(method .. path .. (body or "")))
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
