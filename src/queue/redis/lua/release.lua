-- release (shared hubs): the calling hub gives back an entry it held, for any hub to take: its
-- consumer refused it, timed out or left, or the hub has nobody to send it to. A claimed entry
-- keeps its owner (its driver may come back on any hub) until its claim's deadline, unless the
-- owner is cleared (the claim's lease ran out). It waits again, ready or parked (waiting.lua), and
-- hubs are told that the queue has an entry to take.
-- KEYS: 1-2 fence, 3 held:<q>, 4 owner:<q>, 5 failures:<q>, 6 claim-until:<q>, 7 holding:<hub>,
--       8 live:<q>, 9 ready:<q>, 10 parked:<q>
-- ARGV: 1-3 fence (1 is the hub's token), 4 <q>, 5 message id, 6 failed deliveries so far,
--       7 ms the claim has left ('' to clear the owner), 8 the channel to tell
-- Returns 1, or 0 if the hub did not hold the entry (it was taken from it as from a dead hub).
fence()
local queue, id = ARGV[4], ARGV[5]
if redis.call('HGET', KEYS[3], id) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[3], id)
redis.call('SREM', KEYS[7], cjson.encode({ queue, id }))
if tonumber(ARGV[6]) > 0 then redis.call('HSET', KEYS[5], id, ARGV[6]) else redis.call('HDEL', KEYS[5], id) end
if ARGV[7] == '' then
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[6], id)
elseif redis.call('HEXISTS', KEYS[4], id) == 1 then
  redis.call('ZADD', KEYS[6], redis_now_ms() + tonumber(ARGV[7]), id)
end
-- What a hub holds is live: leaving the queue takes it from held:<q> (unhold.lua).
wait(KEYS[9], KEYS[10], id, redis.call('ZSCORE', KEYS[8], id), redis.call('HGET', KEYS[4], id))
redis.call('PUBLISH', ARGV[8], queue)
return 1
