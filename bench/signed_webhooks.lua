-- wrk script: send every pre-signed webhook in a file once, then stop.
-- usage: wrk -t T -c C -d 120s -s signed_webhooks.lua URL -- REQUESTS_FILE T MARKER_PREFIX
-- Each line of REQUESTS_FILE is "path<TAB>signature<TAB>body"; wrk thread k sends lines
-- k, k+T, k+2T ... in order. A thread that got all its answers stops and writes
-- MARKER_PREFIX<k>; wrk itself runs until -d or SIGINT (the harness sends it once every thread
-- is done), then prints one "BENCH_JSON {...}" line with counts, timings and latencies.

local ffi_ok, ffi = pcall(require, "ffi")
if ffi_ok then
   ffi.cdef[[
      typedef struct { long tv_sec; long tv_usec; } bench_timeval;
      int gettimeofday(bench_timeval *tv, void *tz);
   ]]
end
local tv = ffi_ok and ffi.new("bench_timeval") or nil

local function now_s()
   if not tv then return 0 end
   ffi.C.gettimeofday(tv, nil)
   return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local file, nthreads = args[1], tonumber(args[2])
   reqs = {}
   local i = 0
   for line in io.lines(file) do
      if i % nthreads == id then
         local path, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
         reqs[#reqs + 1] = wrk.format("POST", path, {
            ["Content-Type"] = "application/json",
            ["x-twitter-webhooks-signature"] = sig,
         }, body)
      end
      i = i + 1
   end
   sent, answered, ok, bad = 0, 0, 0, 0
   idle = wrk.format("GET", "/bench-idle-connection")
   nreqs = #reqs
   marker = args[3] .. id
   first_sent, last_answer = 0, 0
end

function request()
   -- wrk builds one request of its first thread to check the script before any connection
   -- opens (script_verify_request), and never sends it: that call must not use up a line
   -- (it did, and the first webhook of every max-load run was lost, with the brand reply
   -- that answered it). Were a wrk not to make that call, line 1 would go twice: a replay.
   if id == 0 and not verified then
      verified = true
      return reqs[1]
   end
   if sent == 0 then first_sent = now_s() end
   sent = sent + 1
   -- Once every line went out, idle connections ask for a page that does not exist: its 404
   -- is not counted, so the thread ends only when every line was answered (counting replays
   -- of a line could end it with a real request still on its way).
   if sent > #reqs then return idle end
   return reqs[sent]
end

function response(status, headers, body)
   if status == 404 then return end  -- an idle connection's request
   answered = answered + 1
   if answered <= #reqs then
      if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
   end
   if answered == #reqs then
      last_answer = now_s()
      local fh = io.open(marker, "w")
      if fh then fh:write("done"); fh:close() end
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local total_ok, total_bad, total, first, last = 0, 0, 0, nil, 0
   for _, thread in ipairs(threads) do
      total_ok = total_ok + thread:get("ok")
      total_bad = total_bad + thread:get("bad")
      total = total + thread:get("nreqs")
      local f, l = thread:get("first_sent"), thread:get("last_answer")
      if f > 0 and (first == nil or f < first) then first = f end
      if l > last then last = l end
   end
   -- first request to last answer when the clock is readable, else wrk's own run time
   local duration = summary.duration / 1e6
   if first and last > first then duration = last - first end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"lines":%d,"ok":%d,"not_ok":%d,"requests":%d,"duration_s":%.3f,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_ms":{"p50":%.2f,"p95":%.2f,"p99":%.2f,"max":%.2f}}\n',
      total, total_ok, total_bad, summary.requests, duration,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
end
