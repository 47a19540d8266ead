-- A citizen applies through the gateway, as the portal does: create the draft with its answers
-- (POST /api/applications), then submit it (POST /api/applications/<id>/submit); both with the
-- session cookie, the CSRF header and an Idempotency-Key of their own. Used by
-- bench/bench_submit.py; run wrk with as many threads as connections (-t N -c N) so that each
-- thread's Lua state drives exactly one connection and times its own requests.
--
-- Environment:
--   WRK_SESSIONS  file, one logged-in citizen per line: "<Cookie header>\t<CSRF token>"
--                 (thread n uses line n, round robin)
--   WRK_BODY_FILE the create request's JSON body
--   WRK_OUT       where done() writes the figures as JSON (latencies per call, counts)
--   WRK_RATE      optional: applications per second over all threads (an open-loop schedule
--                 per thread: a create starts every threads/rate seconds; a thread behind its
--                 schedule sends at once until it has caught up)
--   WRK_THREADS   the -t given to wrk (for WRK_RATE)
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } sb_timespec;
  int clock_gettime(int clock, sb_timespec *tp);
]]
local clock = ffi.new("sb_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- Main state: number the threads so each picks its citizen and its keys.
local threads, numbered = {}, 0
function setup(thread)
  numbered = numbered + 1
  thread:set("thread_no", numbered)
  table.insert(threads, thread)
end

-- Thread state.
local cookie, csrf, create_body, prefix
local next_call, draft, sent_at, sequence = "create", nil, 0, 0
local interval, next_slot = nil, nil
create_ms, submit_ms = {}, {}
create_failed, submit_failed, submitted = 0, 0, 0
failures = {}

function init(args)
  local citizens = {}
  for line in io.lines(os.getenv("WRK_SESSIONS")) do
    if line ~= "" then table.insert(citizens, line) end
  end
  cookie, csrf = citizens[((thread_no - 1) % #citizens) + 1]:match("^([^\t]+)\t(.*)$")
  local f = io.open(os.getenv("WRK_BODY_FILE"), "rb"); create_body = f:read("*a"); f:close()
  math.randomseed(os.time() + thread_no)
  prefix = string.format("bench-%d-%d-%d", os.time(), math.random(1, 1e9), thread_no)
  local rate = tonumber(os.getenv("WRK_RATE") or "")
  if rate and rate > 0 then
    interval = tonumber(os.getenv("WRK_THREADS") or "1") * 1000 / rate
    next_slot = now_ms() + interval * math.random() -- spread the threads over one interval
  end
end

function delay()
  if interval == nil or next_call ~= "create" then return 0 end
  local wait = next_slot - now_ms()
  next_slot = next_slot + interval
  if wait > 0 then return math.floor(wait) end
  return 0
end

function request()
  sequence = sequence + 1
  local headers = {
    ["Cookie"] = cookie,
    ["X-CSRF-Token"] = csrf,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. "-" .. sequence,
  }
  sent_at = now_ms()
  if next_call == "submit" then
    return wrk.format("POST", "/api/applications/" .. draft .. "/submit", headers, "{}")
  end
  return wrk.format("POST", "/api/applications", headers, create_body)
end

local function failed(status, body)
  if #failures < 5 then table.insert(failures, next_call .. " " .. status .. " " .. body:sub(1, 200)) end
end

function response(status, headers, body)
  local took = now_ms() - sent_at
  if next_call == "create" then
    local id = status == 201 and body:match('"id"%s*:%s*"([%w%-]+)"')
    if id then
      table.insert(create_ms, took)
      draft, next_call = id, "submit"
    else
      create_failed = create_failed + 1
      failed(status, body)
    end
  else
    if status == 200 then
      table.insert(submit_ms, took)
      submitted = submitted + 1
    else
      submit_failed = submit_failed + 1
      failed(status, body)
    end
    next_call = "create"
  end
end

local function numbers(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = string.format("%.2f", v) end
  return "[" .. table.concat(out, ",") .. "]"
end

local function quoted(list)
  local out = {}
  for i, v in ipairs(list) do
    out[i] = '"' .. v:gsub('[%c"\\]', " ") .. '"'
  end
  return "[" .. table.concat(out, ",") .. "]"
end

function done(summary, latency, requests)
  local creates, submits, all_failures = {}, {}, {}
  local counts = { create_failed = 0, submit_failed = 0, submitted = 0 }
  for _, thread in ipairs(threads) do
    for _, v in ipairs(thread:get("create_ms")) do table.insert(creates, v) end
    for _, v in ipairs(thread:get("submit_ms")) do table.insert(submits, v) end
    for _, v in ipairs(thread:get("failures")) do table.insert(all_failures, v) end
    for name, _ in pairs(counts) do counts[name] = counts[name] + thread:get(name) end
  end
  local errors = summary.errors
  local out = io.open(os.getenv("WRK_OUT"), "w")
  out:write(string.format(
    '{"seconds": %.3f, "requests": %d, "submitted": %d, "create_failed": %d, "submit_failed": %d, '
      .. '"socket_errors": %d, "create_ms": %s, "submit_ms": %s, "failures": %s}\n',
    summary.duration / 1e6, summary.requests, counts.submitted, counts.create_failed,
    counts.submit_failed, errors.connect + errors.read + errors.write + errors.timeout,
    numbers(creates), numbers(submits), quoted(all_failures)))
  out:close()
end
