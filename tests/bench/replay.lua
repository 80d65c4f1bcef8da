-- replay.lua - wrk script for tests/bench/replay.sh: the recorded requests of a fixture
-- directory, round robin, sent identically to ewsemu's replay server and to mountebank.
--   BENCH_REQS   list from fixtures-to-mountebank.py: METHOD TARGET HEADERS-FILE BODY-FILE auth|noauth
--   BENCH_AUTH   Authorization header value sent on every request
-- done() prints a RESULT line (latencies in microseconds) and the status counts.
local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

local function slurp(path)
   local f = assert(io.open(path, "rb"))
   local s = f:read("*a")
   f:close()
   return s
end

function init(args)
   reqs = {}
   local list = os.getenv("BENCH_REQS")
   assert(list, "BENCH_REQS is not set")
   for line in io.lines(list) do
      local method, target, hfile, bfile, auth_kind = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      if method then
         local headers = { ["Host"] = wrk.headers["Host"] }
         for h in io.lines(hfile) do
            local k, v = h:match("^([^:]+): ?(.*)$")
            if k then headers[k] = v end
         end
         local auth = os.getenv("BENCH_AUTH")
         if auth and auth ~= "" and auth_kind ~= "noauth" then headers["Authorization"] = auth end
         local body = slurp(bfile)
         if body == "" then body = nil end
         table.insert(reqs, wrk.format(method, target, headers, body))
      end
   end
   assert(#reqs > 0, "no requests")
   idx = ((tid or 1) * 7) % #reqs
   statuses = {}
end

function request()
   idx = idx % #reqs + 1
   return reqs[idx]
end

function response(status, headers, body)
   local k = tostring(status)
   statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
   local st = {}
   for _, t in ipairs(threads) do
      for k, v in pairs(t:get("statuses") or {}) do st[k] = (st[k] or 0) + v end
   end
   local parts = {}
   for k, v in pairs(st) do table.insert(parts, k .. ":" .. v) end
   table.sort(parts)
   io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50=%d p99=%d errors=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99),
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
   io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
end
