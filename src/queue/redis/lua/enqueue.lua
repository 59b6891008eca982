-- enqueue: stores a message at the end of its queue unless its id is a duplicate (live, dead, or
-- acknowledged within the window); with a second entry's keys, acknowledges that entry first, in
-- the same step (a driver's delivered completes its pickup and queues the notice).
-- KEYS: 1-2 fence, 3 seq, 4 counts:live, 5 live:<q>, 6 dead:<q>, 7 body:<q>, 8 acked:<q>, 9 owner:<q>,
--       and to complete an entry of queue <c>: 10 live:<c>, 11 body:<c>, 12 owner:<c>, 13 acked:<c>
-- ARGV: 1-3 fence, 4 now, 5 window (ms), 6 <q>, 7 message id, 8 the message as JSON,
--       and to complete: 9 <c>, 10 the completed message id
-- Returns the new seq; for a duplicate of a live entry, that entry: { seq, the message as JSON,
-- owner (absent when none) }; for any other duplicate, 0.
fence()
local now, window, id = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[7]
if #KEYS > 9 then acknowledge(KEYS[4], KEYS[10], KEYS[11], KEYS[12], KEYS[13], ARGV[9], ARGV[10], now, window) end
local live = redis.call('ZSCORE', KEYS[5], id)
if live then return { live, redis.call('HGET', KEYS[7], id), redis.call('HGET', KEYS[9], id) } end
if redis.call('ZSCORE', KEYS[6], id) then return 0 end
if window > 0 then
  local at = redis.call('ZSCORE', KEYS[8], id)
  if at and tonumber(at) > now - window then return 0 end
end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[5], seq, id)
redis.call('HSET', KEYS[7], id, ARGV[8])
count(KEYS[4], ARGV[6], 1)
return seq
