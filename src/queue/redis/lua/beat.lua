-- beat (shared hubs): a hub's heartbeat, and the upkeep every hub does at each beat, in one step.
-- - Stamps the hub's beat (Redis's clock), or with `leaving`, gives back all it holds and leaves.
-- - Gives back every entry held by a hub that has not beaten for `expiry` ms (killed, cut off
--   from Redis): a claimed one keeps its owner until its claim's deadline. Each waits again,
--   ready or parked (waiting.lua).
-- - Clears the claims whose deadline passed while no hub held them (their driver never came
--   back), so that the package goes to whoever is free.
-- Hubs are told of every queue that has entries to take again.
-- KEYS: 1 holders, 2 counts:live
-- ARGV: 1 the prefix, 2 the hub's token, 3 expiry (ms), 4 '1' to leave, 5 a claim's length (ms)
-- Returns how many entries were given back and how many claims cleared.
-- Keys of the queues are made here from the prefix: one Redis, not a cluster, holds them all.
local prefix, me, expiry = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = redis_now_ms()
local told, released, cleared = {}, 0, 0

local function giveBack(hub)
  local holding = prefix .. 'holding:' .. hub
  for _, member in ipairs(redis.call('SMEMBERS', holding)) do
    local key = cjson.decode(member)
    if giveBackEntry(prefix, hub, key[1], key[2], now, tonumber(ARGV[5])) then
      told[key[1]] = true
      released = released + 1
    end
  end
  redis.call('DEL', holding)
  redis.call('ZREM', KEYS[1], hub)
end

if ARGV[4] == '1' then giveBack(me) else redis.call('ZADD', KEYS[1], now, me) end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - expiry))) do giveBack(dead) end

for _, queue in ipairs(redis.call('HKEYS', KEYS[2])) do
  local until_ = prefix .. 'claim-until:' .. queue
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', until_, '-inf', now)) do
    if redis.call('HEXISTS', prefix .. 'held:' .. queue, id) == 0 then
      redis.call('HDEL', prefix .. 'owner:' .. queue, id)
      redis.call('ZREM', until_, id)
      -- Parked for its driver until now: ready for anyone.
      local ready, parked = prefix .. 'ready:' .. queue, prefix .. 'parked:' .. queue
      redis.call('HDEL', parked, id)
      wait(ready, parked, id, redis.call('ZSCORE', prefix .. 'live:' .. queue, id), nil)
      told[queue] = true
      cleared = cleared + 1
    end
  end
end
for queue in pairs(told) do redis.call('PUBLISH', prefix .. 'available', queue) end
return { released, cleared }
