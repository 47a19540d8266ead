-- Appended to every wrk run by bench/wrk.py: one JSON line with the figures we report.
-- Optional: WRK_METHOD, WRK_BODY_FILE, WRK_HEADERS ("Name: value" lines) for POSTs.
local method = os.getenv("WRK_METHOD")
if method then wrk.method = method end
local body_file = os.getenv("WRK_BODY_FILE")
if body_file then
  local f = io.open(body_file, "rb"); wrk.body = f:read("*a"); f:close()
end
local headers = os.getenv("WRK_HEADERS")
if headers then
  for line in headers:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end

-- A per-connection counter gives every POST its own Idempotency-Key when asked.
local counter = 0
local unique = os.getenv("WRK_UNIQUE_HEADER")
local prefix = tostring(math.random(1, 1e9))
if unique then
  request = function()
    counter = counter + 1
    wrk.headers[unique] = prefix .. "-" .. tostring(counter) .. "-" .. tostring(math.random(1, 1e9))
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
