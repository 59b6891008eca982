-- Fencing. Every script that changes the store calls fence() before anything else, so that only
-- the hub holding the writer lease changes anything. KEYS[1] is the lease and KEYS[2] its epoch;
-- ARGV[1] is the calling hub's token, ARGV[2] the epoch in which it took the lease, ARGV[3] the
-- lease's length in ms. A lease that expired (a long pause, a Redis restart) while nobody took it
-- (the epoch is still the caller's) is taken back here, in the same step. Otherwise the script
-- fails with FENCED and the holder's token, having changed nothing.
-- Shared hubs (CAPS_SHARED) write side by side and take no lease: their epoch is `shared`, and
-- they may write while no hub holds the lease, that is, while no hub writes alone.
local function fence()
  local holder = redis.call('GET', KEYS[1])
  if holder == ARGV[1] then return end
  if not holder and ARGV[2] == 'shared' then return end
  if not holder and redis.call('GET', KEYS[2]) == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
    return
  end
  error({ err = 'FENCED ' .. (holder or '') })
end
