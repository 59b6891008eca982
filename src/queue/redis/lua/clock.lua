-- Redis's clock, for scripts that stamp or compare times across hubs, whose own clocks may
-- disagree. Writing after TIME needs effects replication: the default since Redis 5, asked for
-- here, before the script writes anything, for older ones.
if redis.replicate_commands then redis.replicate_commands() end
local function redis_now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
