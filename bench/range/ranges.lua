-- wrk script for bench/range.ts: each request asks a random 1 MiB range (RANGE_SIZE bytes) of a
-- FILE_SIZE-byte file, or the whole file when RANGE_SIZE is 0; counts answers that are not the
-- expected status (206 / 200) with the expected Content-Length.
local file_size = tonumber(os.getenv("FILE_SIZE"))
local range_size = tonumber(os.getenv("RANGE_SIZE"))
local path = os.getenv("URL_PATH")
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
  good = 0
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + #threads)
end
function request()
  if range_size == 0 then
    return wrk.format("GET", path)
  end
  local a = math.random(0, file_size - range_size)
  return wrk.format("GET", path, { Range = "bytes=" .. a .. "-" .. (a + range_size - 1) })
end
-- Defined only for ranges: with a response hook wrk buffers each body for Lua, which for whole
-- 256 MiB files would cost the generator more than the server (whole files are checked once by curl).
local function check(status, headers, body)
  local want_status = (range_size == 0) and 200 or 206
  local want_len = (range_size == 0) and file_size or range_size
  local len = tonumber(headers["Content-Length"] or headers["content-length"] or -1)
  if status == want_status and len == want_len then good = good + 1 else bad = bad + 1 end
end
if range_size ~= 0 then response = check end
function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
  end
  io.write(string.format("RESULT good=%d bad=%d p50=%d p99=%d\n", g, b, latency:percentile(50), latency:percentile(99)))
end
