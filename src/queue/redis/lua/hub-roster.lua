-- A hub's heartbeat, and the roster of every hub on the prefix, in one step (hub-roster.ts).
-- KEYS: hubs (hash), hub-beats (zset). ARGV: the hub's member name, what it is as JSON (empty to
-- leave the roster), and how long a hub stays listed after its last heartbeat (ms).
-- Beats are scored by Redis's clock, so hubs on machines whose clocks disagree still agree on who is
-- gone. Reply: Redis's time (ms), then member, last beat, JSON for every hub still listed.
local hubs, beats = KEYS[1], KEYS[2]
local member, entry, expiry = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = redis_now_ms()

if entry == '' then
  redis.call('ZREM', beats, member)
  redis.call('HDEL', hubs, member)
  return { now }
end
redis.call('HSET', hubs, member, entry)
redis.call('ZADD', beats, now, member)
-- Once every hub of the prefix is gone (killed: nobody left to prune), the roster goes too.
redis.call('PEXPIRE', hubs, 3 * expiry)
redis.call('PEXPIRE', beats, 3 * expiry)

-- Hubs that stopped beating (killed, or cut off from Redis) leave the roster for every reader.
local gone = redis.call('ZRANGEBYSCORE', beats, '-inf', '(' .. (now - expiry))
for _, stale in ipairs(gone) do
  redis.call('ZREM', beats, stale)
  redis.call('HDEL', hubs, stale)
end

local reply = { now }
local listed = redis.call('ZRANGE', beats, 0, -1, 'WITHSCORES')
for i = 1, #listed, 2 do
  reply[#reply + 1] = listed[i]
  reply[#reply + 1] = listed[i + 1]
  reply[#reply + 1] = redis.call('HGET', hubs, listed[i]) or '{}'
end
return reply
