-- Mixed reads for the soak of bench/load.py: GET each path of BENCH_PATHS (comma-separated) in
-- turn; prints the same BENCH line as the other scenarios.
dofile(os.getenv("BENCH_REPORT"))
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "([^,]+)") do
  table.insert(paths, path)
end
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
