-- enqueue: stores a message at the end of its queue unless its id is a duplicate (live, dead, or
-- acknowledged within the window); with a second entry's keys, acknowledges that entry first, in
-- the same step (a driver's delivered completes its pickup and queues the notice).
-- KEYS: 1-2 fence, 3 seq, 4 counts:live, 5 live:<q>, 6 dead:<q>, 7 body:<q>, 8 acked:<q>, 9 owner:<q>,
--       10 ready:<q>, and to complete an entry of queue <c>: 11 live:<c>, 12 body:<c>, 13 owner:<c>,
--       14 acked:<c>, 15 ready:<c>, 16 parked:<c>
-- ARGV: 1-3 fence, 4 now, 5 window (ms), 6 <q>, 7 message id, 8 the message as JSON,
--       9 the prefix, 10 the channel on which shared hubs are told that <q> has an entry to take
--       ('' for a hub that writes alone),
--       11 the longest a queue may be and 12 the most entries all queues may hold (0: no limit;
--       shared hubs keep their limits here, as no hub sees every queue), and to complete:
--       13 <c>, 14 the completed message id
-- Returns the new seq; for a duplicate of a live entry, that entry: { seq, the message as JSON,
-- owner (absent when none) }; for any other duplicate, 0; -1 if <q> is full, -2 if every queue
-- together is (a message that completes a live entry takes its place, and is never refused so).
-- A refused message changes nothing: the entry it would complete stays.
fence()
local now, window, id, prefix = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[7], ARGV[9]
local completing = #KEYS > 10
local live = redis.call('ZSCORE', KEYS[5], id)
local duplicate = live or redis.call('ZSCORE', KEYS[6], id)
if not duplicate and window > 0 then
  local at = redis.call('ZSCORE', KEYS[8], id)
  duplicate = at and tonumber(at) > now - window
end
if not duplicate then
  local longest, most = tonumber(ARGV[11]), tonumber(ARGV[12])
  if longest > 0 and tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or 0) >= longest then return -1 end
  if most > 0 and not (completing and redis.call('ZSCORE', KEYS[11], ARGV[14])) then
    local total = 0
    for _, n in ipairs(redis.call('HVALS', KEYS[4])) do total = total + tonumber(n) end
    if total >= most then return -2 end
  end
end
if completing then acknowledge(KEYS[4], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16], ARGV[13], ARGV[14], now, window, prefix) end
if live then return { live, redis.call('HGET', KEYS[7], id), redis.call('HGET', KEYS[9], id) } end
if duplicate then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[5], seq, id)
redis.call('HSET', KEYS[7], id, ARGV[8])
-- It waits, ready for any hub (waiting.lua).
redis.call('ZADD', KEYS[10], seq, id)
count(KEYS[4], ARGV[6], 1)
if ARGV[10] ~= '' then redis.call('PUBLISH', ARGV[10], ARGV[6]) end
return seq
