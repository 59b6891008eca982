-- claim (shared hubs' setOwner): records who claimed a live entry, with the claim's deadline, but
-- only if the calling hub holds it: a hub that was taken for dead, and whose entries went to other
-- hubs, cannot hand one to a second driver. With no owner given, clears the claim, under the same
-- condition.
-- KEYS: 1-2 fence, 3 live:<q>, 4 owner:<q>, 5 held:<q>, 6 claim-until:<q>
-- ARGV: 1-3 fence (1 is the hub's token), 4 message id, 5 the claim's length in ms, 6 the owner
--       (absent to clear)
-- Returns 1, or 0 if there is no such live entry or the hub does not hold it.
fence()
local id = ARGV[4]
if not redis.call('ZSCORE', KEYS[3], id) then return 0 end
if redis.call('HGET', KEYS[5], id) ~= ARGV[1] then return 0 end
if not ARGV[6] then
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[6], id)
  return 1
end
redis.call('HSET', KEYS[4], id, ARGV[6])
redis.call('ZADD', KEYS[6], redis_now_ms() + tonumber(ARGV[5]), id)
return 1
