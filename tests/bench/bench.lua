-- bench.lua - wrk script for tests/bench/run.sh.
--
-- Configured through environment variables (wrk scripts cannot take options
-- before the URL, and every wrk thread loads the script on its own):
--   BENCH_AUTH       value of the Authorization header sent on every request
--   BENCH_METHOD     GET (default) or POST
--   BENCH_BODY_FILE  request body (POST), sent with Content-Type text/xml
--   BENCH_INM        If-None-Match header value (the quoted ETag)
--   BENCH_MIX        file of request lines for the mixed load, one per line,
--                    tab separated: METHOD  PATH  AUTH|-  IF-NONE-MATCH|-  BODYFILE|-
--                    requests are sent round robin and status codes counted.
-- done() prints one machine-readable RESULT line (latencies in microseconds).

local threads = {}

function setup(thread)
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

local function split_tabs(line)
   local out = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(out, field) end
   return out
end

local mix_file = env("BENCH_MIX")

function init(args)
   wrk.method = env("BENCH_METHOD") or "GET"
   if env("BENCH_AUTH") then wrk.headers["Authorization"] = env("BENCH_AUTH") end
   if env("BENCH_INM") then wrk.headers["If-None-Match"] = env("BENCH_INM") end
   if env("BENCH_BODY_FILE") then
      wrk.body = slurp(env("BENCH_BODY_FILE"))
      wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
   end
   if mix_file then
      reqs = {}
      for line in io.lines(mix_file) do
         if line ~= "" and line:sub(1, 1) ~= "#" then
            local f = split_tabs(line)
            local h = { ["Host"] = wrk.headers["Host"] }
            if f[3] and f[3] ~= "-" then h["Authorization"] = f[3] end
            if f[4] and f[4] ~= "-" then h["If-None-Match"] = f[4] end
            local body = nil
            if f[5] and f[5] ~= "-" then
               body = slurp(f[5])
               h["Content-Type"] = "text/xml; charset=utf-8"
            end
            table.insert(reqs, wrk.format(f[1], f[2], h, body))
         end
      end
      assert(#reqs > 0, "empty BENCH_MIX file")
      idx = math.random(#reqs) - 1
      statuses = {}
   end
end

-- Only the mixed load defines request()/response(): a static request lets wrk
-- build it once, and without response() wrk does not hand headers to Lua.
if mix_file then
   function request()
      idx = idx % #reqs + 1
      return reqs[idx]
   end

   function response(status, headers, body)
      local k = tostring(status)
      statuses[k] = (statuses[k] or 0) + 1
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT rps=%.1f p50_us=%d p99_us=%d max_us=%d requests=%d bytes=%d "
         .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests / secs, latency:percentile(50.0), latency:percentile(99.0), latency.max,
      summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
   if mix_file then
      local total = {}
      for _, t in ipairs(threads) do
         local s = t:get("statuses") or {}
         for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
      end
      local parts = {}
      for k, v in pairs(total) do table.insert(parts, k .. ":" .. v) end
      table.sort(parts)
      io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
   end
end
