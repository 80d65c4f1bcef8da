-- resolve.lua - wrk script for tests/bench/resolve.sh: ResolveNames SOAP POSTs.
--
-- Configured through environment variables (every wrk thread loads the
-- script on its own):
--   BENCH_AUTH   value of the Authorization header (Basic ...), sent on every request
--   BENCH_REQS   request list, one per line, tab separated:  KIND  BODYFILE
--                (BODYFILE: a complete SOAP envelope; '#' lines are comments)
--   BENCH_KIND   optional: only the lines of this KIND (per-kind runs)
--   BENCH_ACTION optional: the SOAPAction operation (default ResolveNames;
--                finditem.sh sends FindItem and GetItem)
--   BENCH_DELAY_MS  optional: each connection waits about this long (uniformly
--                0..2x) after every answer before the next request: a paced
--                load below saturation, for latency without queueing
-- Requests are sent round robin, each thread starting at its own place in
-- the list.  Statuses and the ResponseClass of every answer are counted.
-- done() prints one machine-readable RESULT line (latencies in microseconds)
-- and the STATUSES / CLASSES counts.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

local function env(name)
   local v = os.getenv(name)
   if v == nil or v == "" then return nil end
   return v
end

local function slurp(path)
   local f = assert(io.open(path, "rb"))
   local s = f:read("*a")
   f:close()
   return s
end

function init(args)
   local list = assert(env("BENCH_REQS"), "BENCH_REQS is not set")
   local only = env("BENCH_KIND")
   local headers = {
      ["Host"] = wrk.headers["Host"],
      ["Content-Type"] = "text/xml; charset=utf-8",
      ["SOAPAction"] = '"http://schemas.microsoft.com/exchange/services/2006/messages/'
         .. (env("BENCH_ACTION") or "ResolveNames") .. '"',
   }
   if env("BENCH_AUTH") then headers["Authorization"] = env("BENCH_AUTH") end
   reqs = {}
   for line in io.lines(list) do
      if line ~= "" and line:sub(1, 1) ~= "#" then
         local kind, file = line:match("^([^\t]*)\t(.*)$")
         assert(kind, "bad BENCH_REQS line: " .. line)
         if only == nil or only == kind then
            table.insert(reqs, wrk.format("POST", wrk.path, headers, slurp(file)))
         end
      end
   end
   assert(#reqs > 0, "no requests to send (BENCH_REQS / BENCH_KIND)")
   idx = ((tid or 1) * 7) % #reqs
   statuses = {}
   classes = {}
end

local delay_ms = tonumber(env("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
   function delay()
      return math.random(0, 2 * delay_ms)
   end
end

function request()
   idx = idx % #reqs + 1
   return reqs[idx]
end

function response(status, headers, body)
   local k = tostring(status)
   statuses[k] = (statuses[k] or 0) + 1
   -- the attribute sits in the first few hundred bytes: a bounded, plain search
   local c = body and body:sub(1, 2048):match('ResponseClass="(%a+)"') or "none"
   classes[c] = (classes[c] or 0) + 1
end

local function merged(name)
   local total = {}
   for _, t in ipairs(threads) do
      local s = t:get(name) or {}
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
   end
   local parts = {}
   for k, v in pairs(total) do table.insert(parts, k .. ":" .. v) end
   table.sort(parts)
   return table.concat(parts, " ")
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d requests=%d bytes=%d "
         .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests / secs, latency:percentile(50.0), latency:percentile(90.0),
      latency:percentile(99.0), latency.max, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout))
   io.write("STATUSES " .. merged("statuses") .. "\n")
   io.write("CLASSES " .. merged("classes") .. "\n")
end
