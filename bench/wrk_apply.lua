-- wrk script for bench/engine.py: POST apply bodies, each with a name no other request uses.
--
--   wrk -t2 -c32 -d10s -s bench/wrk_apply.lua http://127.0.0.1:PORT/resources/apply -- PREFIX
--
-- Every name is PREFIX-THREAD-N. The body is the testkit provider's no-op item, the same for
-- the bare endpoint and the platform. done() prints one JSON line after wrk's own report.

local threads = {}
local next_thread = 0

function setup(thread)
   thread:set("thread_number", next_thread)
   next_thread = next_thread + 1
   table.insert(threads, thread)
end

local prefix = "w"
-- Globals, so that done() can read them from each thread (thread:get).
sent = 0
refused = 0

function init(args)
   prefix = args[1] or "w"
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   sent = sent + 1
   local body = string.format(
      '{"provider":"testkit","resource":"item","name":"%s-%d-%d","config":{"value":"x"}}',
      prefix, thread_number, sent)
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status ~= 200 then
      refused = refused + 1
   end
end

function done(summary, latency, requests)
   local sent_total, refused_total = 0, 0
   for _, thread in ipairs(threads) do
      sent_total = sent_total + thread:get("sent")
      refused_total = refused_total + thread:get("refused")
   end
   io.write(string.format(
      '{"wrk_summary": {"requests": %d, "sent": %d, "non_200": %d, "duration_us": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}}\n',
      summary.requests, sent_total, refused_total, summary.duration,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
