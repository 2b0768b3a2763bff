-- Vote casting for bench/load.py: every request is one ballot of a different (voter, round)
-- pair, read from the file BENCH_VOTERS that bench/voters.py wrote; wrk's threads take
-- alternate voters, so no pair is used twice. When every pair has voted, requests fall back to
-- reading the round's page (counted apart: the report says how many ballots were cast).
dofile(os.getenv("BENCH_REPORT"))  -- done(): the BENCH line, as for the other scenarios
local report = done
local voters_file = os.getenv("BENCH_VOTERS")
local agent = os.getenv("BENCH_AGENT")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", tonumber(os.getenv("BENCH_THREADS") or "2"))
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  rounds = {}
  voters = {}
  local first = true
  for line in io.lines(voters_file) do
    if first then
      for round, candidate in line:gmatch("(%d+):(%d+)") do
        table.insert(rounds, { round = round, candidate = candidate })
      end
      first = false
    else
      local cookie, csrf = line:match("([^\t]+)\t(.+)")
      table.insert(voters, { cookie = cookie, csrf = csrf })
    end
  end
  mine = {}
  for i = 1, #voters do
    if (i - 1) % nthreads == id then
      table.insert(mine, voters[i])
    end
  end
  -- Pairs a warm-up run has used already are skipped (bench/load.py passes its count).
  position = tonumber(os.getenv("BENCH_VOTE_START") or "0")
  cast = 0
end

request = function()
  local headers = { ["User-Agent"] = agent }
  local total = #mine * #rounds
  if position >= total then
    headers["Cookie"] = "session=" .. mine[1].cookie
    return wrk.format("GET", "/votes/" .. rounds[1].round, headers)
  end
  local voter = mine[(position % #mine) + 1]
  local pick = rounds[math.floor(position / #mine) + 1]
  position = position + 1
  cast = cast + 1
  headers["Cookie"] = "session=" .. voter.cookie
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", "/votes/" .. pick.round .. "/ballot", headers,
    "csrf_token=" .. voter.csrf .. "&picks=" .. pick.candidate)
end

done = function(summary, latency, requests)
  local ballots = 0
  for _, thread in ipairs(threads) do
    ballots = ballots + thread:get("cast")
  end
  io.write(string.format("BALLOTS %d\n", ballots))
  report(summary, latency, requests)
end
