-- wrk script for bench/share.sh: POSTs the share bodies in bodies.txt
-- (one urlencoded form per line, each with its own token), in turn, to
-- the article's share form. With XFF=1 in the environment every request
-- also carries one of 1,000 X-Forwarded-For addresses. Counts the
-- statuses it gets, per thread, and prints them at the end.

local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  bodies[#bodies + 1] = line
end
local path = os.getenv("SHARE_PATH")
local xff = os.getenv("XFF") == "1"
local stride = tonumber(os.getenv("THREADS") or "2")
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  i = id -- thread k takes bodies k, k+stride, k+2*stride...
  statuses = {}
end

function request()
  i = i + stride
  local body = bodies[(i % #bodies) + 1]
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if xff then
    local n = i % 1000
    headers["X-Forwarded-For"] = string.format("198.51.%d.%d", math.floor(n / 250), n % 250 + 1)
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do
      total[k] = (total[k] or 0) + v
    end
  end
  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. ": " .. total[k] end
  io.write("statuses: " .. table.concat(parts, ", ") .. "\n")
end
